package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/latchkey/latchkey"
)

// nonceCookie binds the forms of a signed-out browser (sign in, set password) to it.
const nonceCookie = "latchkey_nonce"

// formToken returns the token every form of this request carries: an HMAC of the workspace and
// the session id (signed in) or the browser's nonce (signed out). It cannot be computed without
// the server's key, nor reused in another browser, session or workspace.
func (s *Server) formToken(rq *request) string {
	binding := "n:" + rq.Nonce
	if rq.SignedIn() {
		// Bound to the session's lineage, not its id: a privilege change rotates the id (the
		// rotated session keeps its account and start), and forms open in other tabs of the
		// same browser must keep working. Another session of the account has another start.
		binding = "s:" + rq.Session.AccountID + ":" + strconv.FormatInt(rq.Session.CreatedAt.UnixMicro(), 10)
	}
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte(rq.Workspace.ID + "|" + binding))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// formTokenHeader carries the form token of the passkey ceremonies' same-origin fetches, whose
// bodies are JSON.
const formTokenHeader = "X-CSRF-Token"

// checkForm compares the submitted form token (the csrf field, or the X-CSRF-Token header)
// with the expected one in constant time.
func (s *Server) checkForm(r *http.Request, rq *request) error {
	got := r.PostFormValue("csrf")
	if got == "" {
		got = r.Header.Get(formTokenHeader)
	}
	want := s.formToken(rq)
	if (rq.SignedIn() || rq.Nonce != "") && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
		return nil
	}
	return latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgFormExpired)
}

// nonce returns the browser's nonce from its cookie, setting a new one if there is none or it is
// malformed.
func (s *Server) nonce(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cookieName(nonceCookie)); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	n, _ := latchkey.NewSecret()
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(nonceCookie), Value: n, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
	return n
}
