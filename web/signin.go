package web

import (
	"net/http"
	"time"

	"github.com/latchkey/latchkey/signin"
)

// deviceCookie names the browser to the accounts that have signed in from it (signin's device
// cookie), so that the per-account throttle, which anyone can fill, never locks the owner's own
// browser out, and so that a sign-in from a browser the account has not used sends a
// new-device alert. It is the only device cookie.
const deviceCookie = "latchkey_device"

// deviceLifetime is how long a browser is remembered: the longest a cookie may live (RFC 6265bis).
const deviceLifetime = 400 * 24 * time.Hour

// cookieValue returns the value of the request's cookie name (already prefixed), or "".
func cookieValue(r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

func (s *Server) deviceValue(r *http.Request) string {
	return cookieValue(r, s.cookieName(deviceCookie))
}

func (s *Server) sessionValue(r *http.Request) string {
	return cookieValue(r, s.cookieName(sessionCookie))
}

// finishSignIn is where every sign-in method ends in the browser, once signin has made the
// session: it sets the session and device cookies, drops a pending challenge, and goes to
// returnTo (already sanitised) or the dashboard.
func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, res signin.Result, returnTo string) error {
	s.signInCookies(w, r, res)
	to := returnTo
	if to == "" {
		to = "/dashboard"
	}
	if res.UsedRecovery {
		to = "/dashboard?m=recovery-used"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// signInCookies sets the session and device cookies of a sign-in and drops a pending
// challenge.
func (s *Server) signInCookies(w http.ResponseWriter, r *http.Request, res signin.Result) {
	if s.challengeSecret(r) != "" {
		s.clearChallenge(w)
	}
	s.setSession(w, res)
	if res.Device != "" {
		http.SetCookie(w, &http.Cookie{
			Name: s.cookieName(deviceCookie), Value: res.Device, Path: "/",
			MaxAge: int(deviceLifetime.Seconds()), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
		})
	}
}

// rotated puts the session that signin made after a privilege change in place of the
// request's: the browser's cookie and the page being rendered both move to the new id.
func (s *Server) rotated(w http.ResponseWriter, rq *request, res signin.Result) {
	s.setSession(w, res)
	rq.Session = res.Session
}
