package oidctest_test

import (
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
