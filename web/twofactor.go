package web

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// challengeCookie holds the secret of a pending two-factor challenge; the store keeps its hash.
const challengeCookie = "latchkey_challenge"

// twoFactorView is the two-factor verification page, in its code or recovery-code form.
type twoFactorView struct {
	page
	Recovery bool
	ReturnTo string
	// App: the account has an authenticator app (and recovery codes); Passkey: it has a
	// passkey, so the page offers "Use a passkey".
	App, Passkey bool
}

func (s *Server) twoFactorView(rq *request, recovery bool, returnTo string) twoFactorView {
	v := twoFactorView{Recovery: recovery, ReturnTo: safeReturn(returnTo)}
	v.Title = latchkey.MsgTwoFactorTitle
	v.Workspace = &rq.Workspace
	v.CSRF = s.formToken(rq)
	v.CentralURL = s.base.String()
	return v
}

// setChallenge sets the challenge cookie: host-only, HttpOnly, SameSite=Lax, for as long as the
// challenge lives.
func (s *Server) setChallenge(w http.ResponseWriter, res signin.Result) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(challengeCookie), Value: res.ChallengeSecret, Path: "/",
		MaxAge:   int(s.svc.Policy.ChallengeTTL.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearChallenge(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(challengeCookie), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) challengeSecret(r *http.Request) string {
	if c, err := r.Cookie(s.cookieName(challengeCookie)); err == nil {
		return c.Value
	}
	return ""
}

// backToSignIn ends the challenge in the browser and returns to the sign-in page with one of
// the fixed failure messages.
func (s *Server) backToSignIn(w http.ResponseWriter, r *http.Request, failure string) error {
	s.clearChallenge(w)
	http.Redirect(w, r, "/login?e="+failure, http.StatusSeeOther)
	return nil
}

// twoFactorPage shows the code form (or, at /two-factor/recovery, the recovery-code form) while
// the challenge lives.
func (s *Server) twoFactorPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.SignedIn() {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return nil
	}
	app, pk, err := s.svc.ChallengeFactors(r.Context(), rq.Workspace.ID, s.challengeSecret(r))
	if err != nil {
		if latchkey.ErrorCode(err) == latchkey.CodeExpired {
			return s.backToSignIn(w, r, "challenge-expired")
		}
		return err
	}
	v := s.twoFactorView(rq, r.URL.Path == "/two-factor/recovery", r.URL.Query().Get("return_to"))
	v.App, v.Passkey = app, pk
	return s.render(w, http.StatusOK, "two_factor", v)
}

// twoFactorSubmit checks a code or a recovery code and starts the session.
func (s *Server) twoFactorSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	recovery := r.URL.Path == "/two-factor/recovery"
	v := s.twoFactorView(rq, recovery, r.PostFormValue("return_to"))
	in := signin.CodeInput{
		Workspace: rq.Workspace, ChallengeSecret: s.challengeSecret(r), Code: r.PostFormValue("code"),
		Device: s.deviceValue(r), PreviousSession: s.sessionValue(r), Client: rq.Client,
	}
	verify, method := s.svc.VerifyTOTP, "totp"
	if recovery {
		verify, method = s.svc.VerifyRecovery, "recovery_code"
	}
	res, err := verify(r.Context(), in)
	if err != nil {
		s.metrics.signins.WithLabelValues(method, outcome(err)).Inc()
		switch {
		case errors.Is(err, signin.ErrTooManyCodes):
			return s.backToSignIn(w, r, "too-many-codes")
		case latchkey.ErrorCode(err) == latchkey.CodeExpired:
			return s.backToSignIn(w, r, "challenge-expired")
		}
		v.App, v.Passkey = true, false
		if app, pk, ferr := s.svc.ChallengeFactors(r.Context(), rq.Workspace.ID, in.ChallengeSecret); ferr == nil {
			v.App, v.Passkey = app, pk
		}
		return s.formError(w, "two_factor", &v.page, &v, err)
	}
	s.metrics.signins.WithLabelValues(method, "success").Inc()
	return s.finishSignIn(w, r, res, v.ReturnTo)
}

// twoFactorAbandon is "Sign in as a different user": the challenge is deleted on the server.
func (s *Server) twoFactorAbandon(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.svc.AbandonChallenge(r.Context(), rq.Workspace.ID, s.challengeSecret(r), rq.Client); err != nil {
		return err
	}
	s.clearChallenge(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
