package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
)

// profileSecurityView is the users' own security page: change password, and the list of their
// sessions.
type profileSecurityView struct {
	page
	PasswordOff bool // SSO only: there is no password to change
	MinLength   int
	Sessions    []sessionRow
	Others      int  // sessions besides this one
	AlertsOn    bool // new-device sign-in alerts
	// NeedsPassword: the session is past the reauthentication window, so Sign out everywhere
	// else asks for the password.
	NeedsPassword bool
}

// sessionRow is one session on the security page.
type sessionRow struct {
	latchkey.Session
	Device  string
	Current bool
}

func (s *Server) profileSecurityView(r *http.Request, rq *request) (profileSecurityView, error) {
	v := profileSecurityView{
		page:        s.signedInPage(rq, "Security"),
		PasswordOff: rq.Workspace.Policy.PasswordSignInOff,
		MinLength:   max(rq.Workspace.Policy.PasswordMinLength, password.MinLength),
	}
	v.NeedsPassword = s.needsPassword(rq)
	sessions, err := s.svc.Sessions(r.Context(), s.sessionInput(rq, ""))
	if err != nil {
		return v, err
	}
	if v.AlertsOn, err = s.svc.NewDeviceAlerts(r.Context(), rq.Account); err != nil {
		return v, err
	}
	for _, sess := range sessions {
		row := sessionRow{Session: sess, Device: deviceName(sess.UserAgent), Current: sess.ID == rq.Session.ID}
		if !row.Current {
			v.Others++
		}
		v.Sessions = append(v.Sessions, row)
	}
	return v, nil
}

func (s *Server) sessionInput(rq *request, id string) signin.SessionInput {
	return signin.SessionInput{Workspace: rq.Workspace, Account: rq.Account, Current: rq.Session, SessionID: id, Client: rq.Client}
}

// profileSecurity shows the page. ?m= names the action that just succeeded.
func (s *Server) profileSecurity(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.profileSecurityView(r, rq)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("m") {
	case "session-signed-out":
		v.Notice = latchkey.MsgSessionSignedOut
	case "others-signed-out":
		v.Notice = latchkey.MsgOthersSignedOut
	case "alerts-on":
		v.Notice = latchkey.MsgAlertsOn
	case "alerts-off":
		v.Notice = latchkey.MsgAlertsOff
	}
	return s.render(w, http.StatusOK, "profile_security", &v)
}

// profilePassword changes the password. The page is rendered at once rather than after a
// redirect, so that the notice can say how many other sessions ended without that number
// travelling in an address; this session goes on under a new id.
func (s *Server) profilePassword(w http.ResponseWriter, r *http.Request, rq *request) error {
	ended, rotated, err := s.svc.ChangePassword(r.Context(), signin.ChangePasswordInput{
		Workspace: rq.Workspace,
		Account:   rq.Account,
		Session:   rq.Session,
		Current:   r.PostFormValue("current"),
		Password:  r.PostFormValue("password"),
		Confirm:   r.PostFormValue("confirm"),
		Client:    rq.Client,
	})
	if err == nil {
		// The session id changed with the password: the old cookie is dead.
		s.rotated(w, rq, rotated)
	}
	v, verr := s.profileSecurityView(r, rq)
	if verr != nil {
		return verr
	}
	if err != nil {
		return s.formError(w, "profile_security", &v.page, &v, err)
	}
	v.Notice = latchkey.MsgPasswordChanged + " " + endedText(ended)
	return s.render(w, http.StatusOK, "profile_security", &v)
}

// endedText says how many other sessions a password change ended.
func endedText(n int) string {
	switch n {
	case 0:
		return "You had no other sessions."
	case 1:
		return "1 other session ended."
	}
	return fmt.Sprintf("%d other sessions ended.", n)
}

// profileRevoke signs out one of the account's sessions. Signing out this one is signing out.
// A session that is gone, or is another account's, is refused alike (404), and nothing ends.
func (s *Server) profileRevoke(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	in := s.sessionInput(rq, id)
	in.Password = r.PostFormValue("password")
	if err := s.svc.RevokeSession(r.Context(), in); err != nil {
		if le := (*latchkey.Error)(nil); errors.As(err, &le) && le.Field == "password" {
			return s.revokeConfirm(w, r, rq, id, err)
		}
		if latchkey.ErrorCode(err) != latchkey.CodeNotFound {
			return err
		}
		v, verr := s.profileSecurityView(r, rq)
		if verr != nil {
			return verr
		}
		v.Error = latchkey.ErrorMessage(err)
		return s.render(w, http.StatusNotFound, "profile_security", &v)
	}
	if id == rq.Session.ID {
		s.clearSession(w)
		http.Redirect(w, r, "/login?m=signed-out", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/profile/security?m=session-signed-out", http.StatusSeeOther)
	return nil
}

// revokeConfirmView asks for the password before another session is signed out, once the
// current one is past the reauthentication window.
type revokeConfirmView struct {
	page
	Session sessionRow
}

// revokeConfirm renders the password form for signing out session id, with err's message
// (the password is needed, or was wrong, or throttled).
func (s *Server) revokeConfirm(w http.ResponseWriter, r *http.Request, rq *request, id string, err error) error {
	sess, _, serr := s.store.Session(r.Context(), rq.Workspace.ID, id)
	if serr != nil {
		return serr
	}
	v := revokeConfirmView{page: s.signedInPage(rq, "Sign out a session"), Session: sessionRow{Session: sess, Device: deviceName(sess.UserAgent)}}
	return s.formError(w, "profile_revoke_confirm", &v.page, &v, err)
}

// profileRevokeOthers signs out every session of the account but this one; past the
// reauthentication window it needs the password, and a missing or wrong one re-renders the page.
func (s *Server) profileRevokeOthers(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := s.sessionInput(rq, "")
	in.Password = r.PostFormValue("password")
	if _, err := s.svc.RevokeOtherSessions(r.Context(), in); err != nil {
		v, verr := s.profileSecurityView(r, rq)
		if verr != nil {
			return verr
		}
		// The page has two password fields: the error is about this form's.
		var le *latchkey.Error
		if errors.As(err, &le) && le.Field == "password" {
			c := *le
			c.Field = "others_password"
			err = &c
		}
		return s.formError(w, "profile_security", &v.page, &v, err)
	}
	http.Redirect(w, r, "/profile/security?m=others-signed-out", http.StatusSeeOther)
	return nil
}

// deviceName puts a user agent in words ("Firefox on Windows") when it names a browser and a
// system it knows, and otherwise shows the start of it.
func deviceName(ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return "Unknown device"
	}
	var browser, system string
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	}
	if r := []rune(ua); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return ua
}

// profileAlerts turns the member's own new-device sign-in alerts on or off.
func (s *Server) profileAlerts(w http.ResponseWriter, r *http.Request, rq *request) error {
	on := r.PostFormValue("alerts") == "on"
	if err := s.svc.SetNewDeviceAlerts(r.Context(), rq.Account, on, rq.Client); err != nil {
		return err
	}
	to := "/profile/security?m=alerts-off"
	if on {
		to = "/profile/security?m=alerts-on"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
