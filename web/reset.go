package web

import (
	"net/http"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
)

// forgotView is the Forgot your password? page, and the confirmation it turns into.
type forgotView struct {
	page
	Email       string
	Sent        bool // the confirmation: the same whoever the email belongs to
	PasswordOff bool // the workspace signs in with SSO only: there is nothing to reset
}

func (s *Server) forgotView(rq *request) forgotView {
	v := forgotView{PasswordOff: rq.Workspace.Policy.PasswordSignInOff}
	v.Title = latchkey.MsgForgotTitle
	v.Workspace = &rq.Workspace
	v.CSRF = s.formToken(rq)
	v.CentralURL = s.base.String()
	return v
}

// forgotPage shows the form that asks for a reset link. It exists on workspace hosts only: the
// central address knows no accounts.
func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.forgotView(rq)
	return s.render(w, http.StatusOK, "forgot_password", &v)
}

// forgotSubmit asks for a reset link. Whether the email has an account, and what kind, changes
// neither the page, nor its status, nor (mail being only queued) the time it takes: the
// confirmation does not even repeat the address. Only a malformed address (400) and an
// SSO-only workspace (403) are refused, and neither depends on the account.
func (s *Server) forgotSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.forgotView(rq)
	email := strings.TrimSpace(r.PostFormValue("email"))
	err := s.svc.RequestReset(r.Context(), signin.ResetRequest{Workspace: rq.Workspace, Email: email, Client: rq.Client})
	if err != nil {
		v.Email = truncateEcho(email)
		return s.formError(w, "forgot_password", &v.page, &v, err)
	}
	v.Sent = true
	v.Notice = latchkey.MsgResetSent
	return s.render(w, http.StatusOK, "forgot_password", &v)
}

// resetView is the Set a new password page behind a reset link.
type resetView struct {
	page
	Email       string
	MinLength   int
	Expired     bool // the link cannot be used: say so, and offer a new one
	PasswordOff bool
}

func (s *Server) resetView(rq *request) resetView {
	v := resetView{MinLength: max(rq.Workspace.Policy.PasswordMinLength, password.MinLength), PasswordOff: rq.Workspace.Policy.PasswordSignInOff}
	v.Title = latchkey.MsgResetTitle
	v.Workspace = &rq.Workspace
	v.CSRF = s.formToken(rq)
	v.CentralURL = s.base.String()
	return v
}

// resetPage checks the link without using it up, so that an expired or used link says so at
// once, and shows the form. The page does not name the account: the email is what the form
// asks for.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.resetView(rq)
	if err := s.svc.CheckResetLink(r.Context(), rq.Workspace, r.PathValue("token")); err != nil {
		v.Expired = latchkey.ErrorCode(err) == latchkey.CodeExpired
		return s.formError(w, "reset_password", &v.page, &v, err)
	}
	return s.render(w, http.StatusOK, "reset_password", &v)
}

// resetSubmit sets the new password and returns to the sign-in page. A wrong email, or a
// password the policy refuses, re-renders the form with the email kept and the link still
// usable. It never signs in: a reset ends every session of the account, and the next sign-in
// asks for the second factor as before.
func (s *Server) resetSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.resetView(rq)
	email := strings.TrimSpace(r.PostFormValue("email"))
	a, err := s.svc.ResetPassword(r.Context(), signin.ResetInput{
		Workspace: rq.Workspace,
		Secret:    r.PathValue("token"),
		Email:     email,
		Password:  r.PostFormValue("password"),
		Confirm:   r.PostFormValue("confirm"),
		Client:    rq.Client,
	})
	if err != nil {
		v.Expired = latchkey.ErrorCode(err) == latchkey.CodeExpired
		v.Email = truncateEcho(email)
		return s.formError(w, "reset_password", &v.page, &v, err)
	}
	// The server has ended the account's sessions; a cookie of one of them is now only noise.
	if rq.SignedIn() && rq.Account.ID == a.ID {
		s.clearSession(w)
	}
	http.Redirect(w, r, "/login?m=password-reset", http.StatusSeeOther)
	return nil
}

// truncateEcho cuts what is typed into an email field before it is shown again: the flows see
// the whole input and refuse it; only the echo is bounded.
func truncateEcho(email string) string {
	if len(email) > latchkey.MaxEmailLength {
		return email[:latchkey.MaxEmailLength]
	}
	return email
}
