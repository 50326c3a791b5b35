package oidctest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/connector/oidc/oidctest"
)

// authURL is an authorization request of the server's client back to callback.
func authURL(srv *oidctest.Server, clientID, callback string) string {
	q := url.Values{
		"client_id":     {clientID},
		"redirect_uri":  {callback},
		"response_type": {"code"},
		"scope":         {"openid email"},
		"state":         {"st"},
	}
	return srv.URL + "/oidc/authorize?" + q.Encode()
}

func TestFollow(t *testing.T) {
	srv := oidctest.New(t, oidctest.Options{})
	reply := srv.FollowT(t, authURL(srv, srv.ClientID, "https://rp.test/cb"))
	if reply.Get("code") == "" || reply.Get("state") != "st" || reply.Get("iss") != srv.Issuer() {
		t.Errorf("reply=%v, want a code, state st and iss %s", reply, srv.Issuer())
	}

	srv.Deny("access_denied", "no")
	reply = srv.FollowT(t, authURL(srv, srv.ClientID, "https://rp.test/cb"))
	if reply.Get("error") != "access_denied" || reply.Get("state") != "st" || reply.Has("code") {
		t.Errorf("reply to a denial=%v, want error access_denied, state st and no code", reply)
	}

	_, err := srv.Follow(t.Context(), authURL(srv, "someone-else", "https://rp.test/cb"))
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Follow with an unknown client: err=%v, want the provider's 401", err)
	}

	srv.Close()
	if _, err := srv.Follow(t.Context(), authURL(srv, srv.ClientID, "https://rp.test/cb")); err == nil {
		t.Error("Follow to a closed provider succeeded")
	}
	if got := srv.Requests("/oidc/authorize"); got != 3 {
		t.Errorf("authorization requests=%d, want 3", got)
	}
}

// User.Alg replaces the ID token's signature and nothing else: the claims stay, the header
// names the algorithm, and an HS256 token is keyed with the client secret.
func TestAlg(t *testing.T) {
	srv := oidctest.New(t, oidctest.Options{})
	for _, alg := range []string{oidctest.AlgNone, oidctest.AlgHS256} {
		u := oidctest.Generic("sub-"+alg, "bob@acme.example")
		u.Alg = alg
		srv.Next(u)
		code := srv.FollowT(t, authURL(srv, srv.ClientID, "https://rp.test/cb")).Get("code")
		res, err := http.PostForm(srv.URL+"/oidc/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {srv.ClientID}, "client_secret": {srv.ClientSecret}, "redirect_uri": {"https://rp.test/cb"}})
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			IDToken string `json:"id_token"`
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		parts := strings.Split(body.IDToken, ".")
		if err != nil || res.StatusCode != http.StatusOK || len(parts) != 3 {
			t.Fatalf("%s: token response %d, %v, id_token %q", alg, res.StatusCode, err, body.IDToken)
		}
		var head struct{ Alg, Kid string }
		var claims struct{ Sub string }
		decode(t, parts[0], &head)
		decode(t, parts[1], &claims)
		if head.Alg != alg || head.Kid == "" || claims.Sub != "sub-"+alg {
			t.Errorf("%s: header %+v, sub %q; want alg %s, the published kid and the user's sub", alg, head, claims.Sub, alg)
		}
		mac := hmac.New(sha256.New, []byte(srv.ClientSecret))
		mac.Write([]byte(parts[0] + "." + parts[1]))
		want := map[string]string{oidctest.AlgNone: "", oidctest.AlgHS256: base64.RawURLEncoding.EncodeToString(mac.Sum(nil))}[alg]
		if parts[2] != want {
			t.Errorf("%s: signature %q, want %q", alg, parts[2], want)
		}
	}
}

func decode(t *testing.T, part string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatalf("token part %q: %v", part, err)
	}
}
