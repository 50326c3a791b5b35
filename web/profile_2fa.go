package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// twoFactorSettingsView is the profile's two-factor settings page.
type twoFactorSettingsView struct {
	page
	On            bool
	Since         time.Time
	CodesLeft     int
	Required      bool // the workspace requires 2FA: it cannot be turned off
	NeedsPassword bool // the session is too old to change security settings without it
	Passkeys      []passkeyRow
	MaxName       int // longest passkey name
}

// setupView is the set-up page: QR code, key as text, confirmation form.
type setupView struct {
	page
	Setup    signin.TOTPSetup
	KeyShown string // the key in groups of four, for typing
	QR       template.URL
}

// recoveryCodesView shows a fresh set of recovery codes, once.
type recoveryCodesView struct {
	page
	Codes    []string
	Download template.URL // data: URL of the codes as a text file
}

func (s *Server) needsPassword(rq *request) bool {
	return s.svc.NeedsReauth(rq.Session)
}

// twoFactorSettings shows whether 2FA is on, with the actions that fit.
func (s *Server) twoFactorSettings(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := twoFactorSettingsView{page: s.signedInPage(rq, "Two-factor authentication"), On: rq.Account.TwoFactor(), Since: rq.Account.TOTPEnabledAt, Required: rq.Workspace.Policy.Require2FA, NeedsPassword: s.needsPassword(rq)}
	switch r.URL.Query().Get("m") {
	case "off":
		v.Notice = latchkey.MsgTwoFactorOff
	case "passkey-added":
		v.Notice = latchkey.MsgPasskeyAdded
	case "passkey-removed":
		v.Notice = latchkey.MsgPasskeyRemoved
	}
	if err := s.withPasskeys(r, rq, &v); err != nil {
		return err
	}
	if v.On {
		codes, err := s.store.RecoveryCodes(r.Context(), rq.Workspace.ID, rq.Account.ID)
		if err != nil {
			return err
		}
		v.CodesLeft = len(codes)
	}
	return s.render(w, http.StatusOK, "two_factor_settings", &v)
}

func (s *Server) setupView(rq *request, setup signin.TOTPSetup) setupView {
	v := setupView{page: s.signedInPage(rq, "Set up two-factor authentication"), Setup: setup, QR: template.URL(setup.QR)}
	for i := 0; i < len(setup.Secret); i += 4 {
		v.KeyShown += setup.Secret[i:min(i+4, len(setup.Secret))] + " "
	}
	v.KeyShown = strings.TrimSpace(v.KeyShown)
	return v
}

// twoFactorSetupPage shows a new key as a QR code and as text, and the confirmation form.
func (s *Server) twoFactorSetupPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.Account.TwoFactor() {
		http.Redirect(w, r, "/profile/two-factor", http.StatusSeeOther)
		return nil
	}
	setup, err := s.svc.BeginTOTPSetup(rq.Workspace, rq.Account, rq.Session)
	if err != nil {
		return err
	}
	v := s.setupView(rq, setup)
	if r.URL.Query().Get("m") == "required" || rq.Workspace.Policy.Require2FA {
		v.Notice = latchkey.MsgTwoFactorRequired
	}
	return s.render(w, http.StatusOK, "two_factor_setup", &v)
}

// twoFactorSetupSubmit turns 2FA on and shows the recovery codes once.
func (s *Server) twoFactorSetupSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.Account.TwoFactor() {
		// A set-up form left open in another tab: the key in use stays.
		http.Redirect(w, r, "/profile/two-factor", http.StatusSeeOther)
		return nil
	}
	sealed := r.PostFormValue("sealed")
	codes, rotated, err := s.svc.ConfirmTOTPSetup(r.Context(), signin.SetupInput{
		Workspace: rq.Workspace, Account: rq.Account, Session: rq.Session,
		Sealed: sealed, Code: r.PostFormValue("code"), Password: r.PostFormValue("password"), Client: rq.Client,
	})
	if err != nil {
		setup, rerr := s.svc.ReopenTOTPSetup(rq.Workspace, rq.Account, rq.Session, sealed)
		if rerr != nil {
			// The sealed key did not open (tampered, or from another session): start over.
			if setup, rerr = s.svc.BeginTOTPSetup(rq.Workspace, rq.Account, rq.Session); rerr != nil {
				return rerr
			}
		}
		v := s.setupView(rq, setup)
		return s.formError(w, "two_factor_setup", &v.page, &v, err)
	}
	s.rotated(w, rq, rotated)
	return s.showCodes(w, rq, latchkey.MsgTwoFactorOn, codes)
}

// twoFactorRegenerate replaces the recovery codes and shows the new set once.
func (s *Server) twoFactorRegenerate(w http.ResponseWriter, r *http.Request, rq *request) error {
	codes, rotated, err := s.svc.RegenerateRecoveryCodes(r.Context(), rq.Account, rq.Session, r.PostFormValue("password"), rq.Client)
	if err != nil {
		return s.settingsError(w, r, rq, err)
	}
	s.rotated(w, rq, rotated)
	return s.showCodes(w, rq, latchkey.MsgCodesRegenerated, codes)
}

// twoFactorDisable turns 2FA off, with the password.
func (s *Server) twoFactorDisable(w http.ResponseWriter, r *http.Request, rq *request) error {
	rotated, err := s.svc.DisableTOTP(r.Context(), rq.Workspace, rq.Account, rq.Session, r.PostFormValue("password"), rq.Client)
	if err != nil {
		return s.settingsError(w, r, rq, err)
	}
	s.rotated(w, rq, rotated)
	http.Redirect(w, r, "/profile/two-factor?m=off", http.StatusSeeOther)
	return nil
}

// settingsError re-renders the settings page with the error of one of its forms.
func (s *Server) settingsError(w http.ResponseWriter, r *http.Request, rq *request, err error) error {
	var le *latchkey.Error
	if !errors.As(err, &le) || le.Code == latchkey.CodeInternal {
		return err
	}
	v := twoFactorSettingsView{page: s.signedInPage(rq, "Two-factor authentication"), On: rq.Account.TwoFactor(), Since: rq.Account.TOTPEnabledAt, Required: rq.Workspace.Policy.Require2FA, NeedsPassword: true}
	if err := s.withPasskeys(r, rq, &v); err != nil {
		return err
	}
	if v.On {
		codes, cerr := s.store.RecoveryCodes(r.Context(), rq.Workspace.ID, rq.Account.ID)
		if cerr != nil {
			return cerr
		}
		v.CodesLeft = len(codes)
	}
	return s.formError(w, "two_factor_settings", &v.page, &v, err)
}

// withPasskeys puts the account's passkeys into the settings page.
func (s *Server) withPasskeys(r *http.Request, rq *request, v *twoFactorSettingsView) error {
	ps, err := s.svc.Passkeys(r.Context(), rq.Account)
	if err != nil {
		return err
	}
	v.Passkeys, v.MaxName = passkeyRows(ps), latchkey.MaxPasskeyNameLength
	return nil
}

func (s *Server) showCodes(w http.ResponseWriter, rq *request, notice string, codes []string) error {
	v := recoveryCodesView{page: s.signedInPage(rq, "Your recovery codes"), Codes: codes}
	v.Notice = notice
	text := fmt.Sprintf("Recovery codes for %s at %s (%s)\nEach code works once.\n\n%s\n", rq.Account.Email, rq.Workspace.Name, s.svc.WorkspaceURL(rq.Workspace.Slug), strings.Join(codes, "\n"))
	v.Download = template.URL("data:text/plain;charset=utf-8," + url.PathEscape(text))
	return s.render(w, http.StatusOK, "recovery_codes", &v)
}
