package web

import (
	"net/http"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// setPasswordView is the page behind a welcome or invitation link.
type setPasswordView struct {
	page
	Email   string
	Expired bool
}

func (s *Server) setPasswordView(rq *request) setPasswordView {
	v := setPasswordView{}
	v.Title = "Set your password"
	v.Workspace = &rq.Workspace
	v.CSRF = s.formToken(rq)
	v.CentralURL = s.base.String()
	return v
}

// setPasswordPage checks the link without using it up and shows the form, or says at once that
// the link has expired.
func (s *Server) setPasswordPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.setPasswordView(rq)
	a, err := s.svc.CheckLink(r.Context(), rq.Workspace.ID, latchkey.PurposeSetPassword, r.PathValue("token"))
	if err != nil {
		v.Expired = true
		return s.formError(w, "set_password", &v.page, &v, err)
	}
	v.Email = a.Email
	return s.render(w, http.StatusOK, "set_password", v)
}

// setPasswordSubmit sets the password and returns to the sign-in page; it never signs in.
func (s *Server) setPasswordSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.setPasswordView(rq)
	a, err := s.svc.SetPassword(r.Context(), signin.SetPasswordInput{
		Workspace: rq.Workspace,
		Secret:    r.PathValue("token"),
		Password:  r.PostFormValue("password"),
		Confirm:   r.PostFormValue("confirm"),
		Client:    rq.Client,
	})
	if err != nil {
		v.Expired = latchkey.ErrorCode(err) == latchkey.CodeExpired
		if !v.Expired {
			if acct, cerr := s.svc.CheckLink(r.Context(), rq.Workspace.ID, latchkey.PurposeSetPassword, r.PathValue("token")); cerr == nil {
				v.Email = acct.Email
			}
		}
		return s.formError(w, "set_password", &v.page, &v, err)
	}
	// The browser may hold a session of someone else; setting a password is not signing in.
	if rq.SignedIn() && rq.Account.ID == a.ID {
		s.clearSession(w)
	}
	http.Redirect(w, r, "/login?m=password-set", http.StatusSeeOther)
	return nil
}
