package signin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Without --private-idps, the client of provider calls refuses loopback, private and
// link-local addresses after resolving the name, so a workspace administrator cannot make the
// server call into its own network by naming it as an issuer or metadata URL (SSRF). With it,
// an on-premises provider is reached.
func TestProviderCallsRefusePrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	defer srv.Close()
	if _, err := defaultHTTPClient(false).Get(srv.URL); !errors.Is(err, ErrPrivateIdP) {
		t.Fatalf("a loopback provider without --private-idps: %v, want ErrPrivateIdP", err)
	}
	res, err := defaultHTTPClient(true).Get(srv.URL)
	if err != nil {
		t.Fatalf("a loopback provider with --private-idps: %v", err)
	}
	res.Body.Close()
	for _, addr := range []string{"127.0.0.1:443", "10.1.2.3:443", "192.168.0.1:443", "169.254.169.254:80", "[::1]:443", "[fe80::1]:443", "0.0.0.0:443", "[::ffff:10.0.0.1]:443"} {
		if err := refusePrivate("tcp", addr, nil); !errors.Is(err, ErrPrivateIdP) {
			t.Errorf("refusePrivate(%s) = %v, want ErrPrivateIdP", addr, err)
		}
	}
	for _, addr := range []string{"203.0.113.10:443", "[2001:db8::1]:443", "8.8.8.8:443"} {
		if err := refusePrivate("tcp", addr, nil); err != nil {
			t.Errorf("refusePrivate(%s) = %v, want nil", addr, err)
		}
	}
}
