package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// sessionCookie holds the session secret; the store keeps only its hash.
const sessionCookie = "latchkey_session"

// loginView is the workspace sign-in page.
type loginView struct {
	page
	Email    string
	Remember bool
	ReturnTo string
	// PasswordOff: the workspace signs in with SSO only, so the page has no password form.
	PasswordOff bool
	// PasskeyOn: members may sign in with a passkey (the admin's switch).
	PasskeyOn bool
	// Buttons are the enabled SSO connections, in the administrators' order.
	Buttons []ssoButton
}

// notices are the fixed messages a redirect may ask the sign-in page to show. Only keys travel
// in the URL, so nobody can make the page say anything else.
var notices = map[string]string{
	"signed-out":     latchkey.MsgSignedOut,
	"password-set":   latchkey.MsgPasswordSet,
	"session-ended":  latchkey.MsgSessionEnded,
	"password-reset": latchkey.MsgPasswordResetDone,
}

// failures are the fixed error messages a redirect may ask the sign-in page to show.
var failures = map[string]string{
	"challenge-expired": latchkey.MsgChallengeExpired,
	"too-many-codes":    latchkey.MsgTooManyCodes,
}

func (s *Server) loginView(rq *request) loginView {
	v := loginView{}
	v.Title = "Sign in"
	v.Workspace = &rq.Workspace
	v.CSRF = s.formToken(rq)
	v.CentralURL = s.base.String()
	v.PasswordOff = rq.Workspace.Policy.PasswordSignInOff
	v.PasskeyOn = !rq.Workspace.Policy.PasskeySignInOff
	return v
}

// home sends the browser to its dashboard or to sign in.
func (s *Server) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	to := "/login"
	if rq.SignedIn() {
		to = "/dashboard"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// loginPage shows the sign-in form, or goes to the dashboard if already signed in.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.SignedIn() {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return nil
	}
	v := s.loginView(rq)
	var err error
	if v.Buttons, err = s.ssoButtons(r, rq.Workspace); err != nil {
		return err
	}
	v.Notice = notices[r.URL.Query().Get("m")]
	v.Error = failures[r.URL.Query().Get("e")]
	v.ReturnTo = safeReturn(r.URL.Query().Get("return_to"))
	return s.render(w, http.StatusOK, "login", v)
}

// loginSubmit checks the password and starts a session, or re-renders the form with the
// message and the email kept. Status codes: 400 for a malformed form, 401 for wrong
// credentials (wrong password and unknown email alike), 403 not active, 429 throttled.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.loginView(rq)
	var err error
	if v.Buttons, err = s.ssoButtons(r, rq.Workspace); err != nil {
		return err
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	v.Email = email
	v.Remember = r.PostFormValue("remember") != ""
	v.ReturnTo = safeReturn(r.PostFormValue("return_to"))
	// Only the echo is cut short: the flow must see the whole address and refuse it, not sign
	// in with a shorter one that happens to be valid.
	if len(v.Email) > latchkey.MaxEmailLength {
		v.Email = v.Email[:latchkey.MaxEmailLength]
	}
	res, err := s.svc.PasswordSignIn(r.Context(), signin.PasswordInput{
		Workspace: rq.Workspace,
		Email:     email,
		Password:  r.PostFormValue("password"),
		Remember:  v.Remember,
		Device:    s.deviceValue(r),
		// The browser's old session ends with this sign-in: one browser, one session.
		PreviousSession: s.sessionValue(r),
		Client:          rq.Client,
	})
	if err != nil {
		s.metrics.signins.WithLabelValues("password", outcome(err)).Inc()
		return s.formError(w, "login", &v.page, &v, err)
	}
	if res.Pending() {
		s.metrics.signins.WithLabelValues("password", "second_factor").Inc()
		s.setChallenge(w, res)
		to := "/two-factor"
		if v.ReturnTo != "" {
			to += "?return_to=" + url.QueryEscape(v.ReturnTo)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	s.metrics.signins.WithLabelValues("password", "success").Inc()
	return s.finishSignIn(w, r, res, v.ReturnTo)
}

// formError re-renders a form with an expected error and the status that fits it; anything
// else goes to fail. view must point to the view that embeds p: a view passed by value is
// copied before p is written, and the page would show no message.
func (s *Server) formError(w http.ResponseWriter, name string, p *page, view any, err error) error {
	var le *latchkey.Error
	if !errors.As(err, &le) || le.Code == latchkey.CodeInternal {
		return err
	}
	p.Error, p.ErrorField = le.Message, le.Field
	status := statusOf(le.Code)
	switch le.Code {
	case latchkey.CodeThrottled:
		p.Error = le.Message + ". Try again in " + waitText(le.RetryAfter) + "."
		w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter))
	case latchkey.CodeNotFound:
		// On a form, a thing that is gone (a link, a session) is Gone, like an expired one.
		status = http.StatusGone
	case latchkey.CodeUnavailable:
		w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter))
	}
	return s.render(w, status, name, view)
}

// retryAfterSeconds is the Retry-After header for a wait: whole seconds (RFC 9110 delay-seconds),
// rounded up, at least one.
func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64(max(time.Second, d+time.Second-1)/time.Second), 10)
}

// outcome is the metrics label of a failed sign-in.
func outcome(err error) string {
	switch latchkey.ErrorCode(err) {
	case latchkey.CodeUnauthorized:
		return "bad_credentials"
	case latchkey.CodeThrottled:
		return "throttled"
	case latchkey.CodeForbidden:
		return "not_active"
	case latchkey.CodeInvalid:
		return "invalid"
	case latchkey.CodeUnavailable:
		return "busy"
	}
	return "error"
}

// setSession sets the session cookie: host-only (no Domain), HttpOnly, SameSite=Lax, Secure on
// https. With "Keep me signed in" it persists until the session's absolute end; without, it
// ends with the browser. Either way the server ends it after the idle timeout.
func (s *Server) setSession(w http.ResponseWriter, res signin.Result) {
	c := &http.Cookie{
		Name: s.cookieName(sessionCookie), Value: res.Secret, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	}
	if res.Session.Persistent {
		// Measured on the service's clock, the one that set ExpiresAt.
		c.Expires = res.Session.ExpiresAt
		c.MaxAge = int(res.Session.ExpiresAt.Sub(s.svc.Now()).Seconds())
		if c.MaxAge <= 0 {
			c.MaxAge = int(s.svc.Policy.SessionMax.Seconds())
		}
	}
	http.SetCookie(w, c)
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(sessionCookie), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

// logout ends the session on the server and in the browser.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.SignedIn() {
		if err := s.svc.SignOut(r.Context(), rq.Session, rq.Account, rq.Client); err != nil {
			return err
		}
	}
	s.clearSession(w)
	// Pages are no-store already; this also drops anything a proxy or an old page let the
	// browser keep for this workspace (ASVS 14.3.1). Not "cookies": the device cookie must
	// survive signing out, or every next sign-in would alert as a new device.
	w.Header().Set("Clear-Site-Data", `"cache"`)
	http.Redirect(w, r, "/login?m=signed-out", http.StatusSeeOther)
	return nil
}
