package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
)

// settingsView is the workspace settings page: the password and session policy. Requiring
// two-factor authentication lives on the security page.
type settingsView struct {
	page
	MinLength    string // as typed, so that a refused value is shown again
	PasswordOn   bool
	Idle         string // the chosen option's value
	IdleOptions  []idleOption
	OperatorMax  string // the operator's idle timeout, in words
	Life         string // the chosen absolute lifetime's value
	LifeOptions  []idleOption
	OperatorLife string // the operator's absolute session lifetime, in words
}

// idleOption is one choice of the session idle timeout. Value "0" is the operator's timeout.
type idleOption struct {
	Value, Label string
}

// idleChoices are the idle timeouts offered below the operator's.
var idleChoices = []time.Duration{
	signin.MinSessionIdle, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
	4 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// lifeChoices are the absolute session lifetimes offered below the operator's.
var lifeChoices = []time.Duration{
	signin.MinSessionMax, 4 * time.Hour, 8 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	7 * 24 * time.Hour, 14 * 24 * time.Hour,
}

// settingsView fills the page from the workspace's stored policy.
func (s *Server) settingsView(rq *request) settingsView {
	p := rq.Workspace.Policy
	opMax := s.svc.Policy.SessionIdle
	v := settingsView{
		page:        s.signedInPage(rq, "Workspace settings"),
		MinLength:   strconv.Itoa(max(p.PasswordMinLength, password.MinLength)),
		PasswordOn:  !p.PasswordSignInOff,
		Idle:        idleValue(p.SessionIdle),
		OperatorMax: mail.FormatExpiry(opMax),
	}
	var ds []time.Duration
	for _, d := range idleChoices {
		if d < opMax {
			ds = append(ds, d)
		}
	}
	// A timeout stored by other means than this list (or above a lowered operator maximum)
	// is shown as it is.
	if p.SessionIdle > 0 && !slices.Contains(ds, p.SessionIdle) {
		ds = append(ds, p.SessionIdle)
		slices.Sort(ds)
	}
	v.IdleOptions = []idleOption{{"0", "The operator's maximum: " + v.OperatorMax}}
	for _, d := range ds {
		v.IdleOptions = append(v.IdleOptions, idleOption{idleValue(d), mail.FormatExpiry(d)})
	}
	opLife := s.svc.Policy.SessionMax
	v.Life, v.OperatorLife = idleValue(p.SessionMax), mail.FormatExpiry(opLife)
	v.LifeOptions = []idleOption{{"0", "The operator's maximum: " + v.OperatorLife}}
	ls := []time.Duration{}
	for _, d := range lifeChoices {
		if d < opLife {
			ls = append(ls, d)
		}
	}
	if p.SessionMax > 0 && !slices.Contains(ls, p.SessionMax) {
		ls = append(ls, p.SessionMax)
		slices.Sort(ls)
	}
	for _, d := range ls {
		v.LifeOptions = append(v.LifeOptions, idleOption{idleValue(d), mail.FormatExpiry(d)})
	}
	return v
}

func idleValue(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	return d.String()
}

// adminSettings shows the workspace settings.
func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.settingsView(rq)
	if r.URL.Query().Get("m") == "saved" {
		v.Notice = latchkey.MsgPolicySaved
	}
	return s.render(w, http.StatusOK, "admin_settings", &v)
}

// adminSettingsSubmit stores the policy; signin.UpdatePolicy checks the ranges. A refused
// value re-renders the form with what was typed. Require two-factor authentication is kept as
// it is: it has its own form on the security page.
func (s *Server) adminSettingsSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.settingsView(rq)
	v.MinLength = strings.TrimSpace(r.PostFormValue("min_length"))
	if len(v.MinLength) > 8 {
		v.MinLength = v.MinLength[:8]
	}
	v.PasswordOn = r.PostFormValue("password_signin") != "off"
	v.Idle = r.PostFormValue("session_idle")
	v.Life = r.PostFormValue("session_max")
	if v.Life == "" {
		v.Life = "0" // a form of before the field existed keeps the operator's
	}
	p := latchkey.Policy{Require2FA: rq.Workspace.Policy.Require2FA, PasswordSignInOff: !v.PasswordOn}
	var err error
	if p.PasswordMinLength, err = strconv.Atoi(v.MinLength); err != nil {
		err = latchkey.NewError(latchkey.CodeInvalid, "min_length", latchkey.MsgMinLengthRange)
	} else if p.PasswordMinLength == password.MinLength {
		p.PasswordMinLength = 0 // the product's minimum, stored as "not raised"
	}
	if err == nil {
		if p.SessionIdle, err = time.ParseDuration(v.Idle); err != nil || p.SessionIdle < 0 {
			err = latchkey.NewError(latchkey.CodeInvalid, "session_idle", fmt.Sprintf(latchkey.MsgSessionIdleRange, v.OperatorMax))
		}
	}
	if err == nil {
		if p.SessionMax, err = time.ParseDuration(v.Life); err != nil || p.SessionMax < 0 {
			err = latchkey.NewError(latchkey.CodeInvalid, "session_max", fmt.Sprintf(latchkey.MsgSessionMaxRange, v.OperatorLife))
		}
	}
	if err == nil {
		_, err = s.adm.UpdatePolicy(r.Context(), admin.PolicyInput{Workspace: rq.Workspace, Actor: rq.actor(), Client: rq.Client, Policy: p})
	}
	if err != nil {
		return s.formError(w, "admin_settings", &v.page, &v, err)
	}
	http.Redirect(w, r, "/admin/settings?m=saved", http.StatusSeeOther)
	return nil
}
