package oidc

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
)

func TestValidateIssuer(t *testing.T) {
	tests := []struct {
		issuer string
		ok     bool
	}{
		{"https://accounts.google.com", true},
		{"https://id.acme.com/realms/main", true},
		{"http://127.0.0.1:8080/oidc", true},
		{"http://127.9.9.9/oidc", true},
		{"http://localhost:5556/dex", true},
		{"http://LOCALHOST:5556/dex", true},
		{"http://[::1]:8080", true},
		{"http://id.acme.com", false},
		{"http://10.0.0.1", false},
		{"http://[::2]", false},
		{"http://localhost.evil.example", false},
		{"http://127.0.0.1.nip.io", false},
		{"ftp://id.acme.com", false},
		{"https://", false},
		{"id.acme.com", false},
		{"/relative", false},
		{"https://id.acme.com?x=1", false},
		{"https://id.acme.com/#frag", false},
		{"https://user:pw@id.acme.com", false},
		{"", false},
	}
	for _, tc := range tests {
		err := ValidateIssuer(tc.issuer)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateIssuer(%q)=%v, want ok=%v", tc.issuer, err, tc.ok)
		}
	}
}

func TestValidateEndpoint(t *testing.T) {
	tests := []struct {
		issuer, endpoint string
		ok               bool
	}{
		{"https://id.acme.com", "https://id.acme.com/token", true},
		{"https://id.acme.com", "https://other.acme.com/keys?p=b2c_1_signin", true},
		{"https://id.acme.com", "http://id.acme.com/token", false},
		{"https://id.acme.com", "http://127.0.0.1/token", false},
		{"http://127.0.0.1:5556/dex", "http://127.0.0.1:5556/dex/token", true},
		{"http://127.0.0.1:5556/dex", "http://10.0.0.1/token", false},
		{"https://id.acme.com", "https://user:pw@id.acme.com/token", false},
		{"https://id.acme.com", "/token", false},
		{"https://id.acme.com", "ftp://id.acme.com/token", false},
	}
	for _, tc := range tests {
		err := validateEndpoint(tc.issuer, tc.endpoint)
		if (err == nil) != tc.ok {
			t.Errorf("validateEndpoint(%q, %q)=%v, want ok=%v", tc.issuer, tc.endpoint, err, tc.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tests := []struct {
		name string
		conn latchkey.Connection
		ok   bool
	}{
		{"google, default issuer", latchkey.Connection{Kind: latchkey.KindGoogle, ClientID: "id"}, true},
		{"google, http issuer", latchkey.Connection{Kind: latchkey.KindGoogle, ClientID: "id", Issuer: "http://google.example"}, false},
		{"oidc", latchkey.Connection{Kind: latchkey.KindOIDC, ClientID: "id", Issuer: "https://id.acme.com"}, true},
		{"oidc, no issuer", latchkey.Connection{Kind: latchkey.KindOIDC, ClientID: "id"}, false},
		{"oidc, no client id", latchkey.Connection{Kind: latchkey.KindOIDC, ClientID: " ", Issuer: "https://id.acme.com"}, false},
		{"oidc, tenants", latchkey.Connection{Kind: latchkey.KindOIDC, ClientID: "id", Issuer: "https://id.acme.com", Tenants: []string{tid}}, false},
		{"microsoft", latchkey.Connection{Kind: latchkey.KindMicrosoft, ClientID: "id", Tenants: []string{tid}}, true},
		{"microsoft, capitals", latchkey.Connection{Kind: latchkey.KindMicrosoft, ClientID: "id", Tenants: []string{strings.ToUpper(tid)}}, true},
		{"microsoft, no tenant", latchkey.Connection{Kind: latchkey.KindMicrosoft, ClientID: "id"}, false},
		{"microsoft, common", latchkey.Connection{Kind: latchkey.KindMicrosoft, ClientID: "id", Tenants: []string{"common"}}, false},
		{"microsoft, organizations", latchkey.Connection{Kind: latchkey.KindMicrosoft, ClientID: "id", Tenants: []string{tid, "organizations"}}, false},
		{"microsoft, domain", latchkey.Connection{Kind: latchkey.KindMicrosoft, ClientID: "id", Tenants: []string{"acme.onmicrosoft.com"}}, false},
		{"microsoft, sovereign authority", latchkey.Connection{Kind: latchkey.KindMicrosoft, ClientID: "id", Issuer: "https://login.microsoftonline.us/", Tenants: []string{tid}}, true},
		{"saml", latchkey.Connection{Kind: latchkey.KindSAML, ClientID: "id"}, false},
	}
	for _, tc := range tests {
		err := Validate(tc.conn)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Validate=%v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestCacheClientLimits(t *testing.T) {
	if got := NewCache(nil).client.Timeout; got != Timeout {
		t.Errorf("default client timeout=%v, want %v", got, Timeout)
	}
	own := &http.Client{Timeout: 3 * Timeout}
	c := NewCache(own)
	if got := c.client.Timeout; got != 3*Timeout {
		t.Errorf("client timeout=%v, want the caller's %v", got, 3*Timeout)
	}
	if own.Transport != nil {
		t.Error("NewCache changed the caller's client")
	}

	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(plain.Close)
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL, http.StatusFound)
	}))
	t.Cleanup(tls.Close)
	if resp, err := NewCache(tls.Client()).client.Get(tls.URL); err == nil {
		resp.Body.Close()
		t.Error("the cache's client followed a redirect from https to http")
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := MaxResponse
		if r.URL.Path == "/big" {
			n++
		}
		w.Write([]byte(strings.Repeat("x", n)))
	}))
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		path    string
		wantErr error
	}{{"/fits", nil}, {"/big", ErrResponseTooLarge}} {
		resp, err := c.client.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: read err=%v, want %v", tc.path, err, tc.wantErr)
		}
		if len(body) > MaxResponse {
			t.Errorf("%s: read %d bytes, over %d", tc.path, len(body), MaxResponse)
		}
	}
}
