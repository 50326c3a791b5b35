package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/webtest"
)

// securityRows returns the rows of the security page's members table as text, by email.
func securityRows(r *webtest.Response) map[string]string {
	rows := map[string]string{}
	for _, row := range r.Texts("tr", "") {
		if email, _, ok := strings.Cut(row, " "); ok && strings.Contains(email, "@") {
			rows[email] = row
		}
	}
	return rows
}

func TestAdminSecurityPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.with2FA(t, "acme", f.member.Email)
	e.member(t, f.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)

	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	r := b.Get(t, e.url("acme", "/admin/security"))
	wantPage(t, r, http.StatusOK, "/admin/security")
	if got, want := r.Heading(), "Security"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	if !strings.Contains(r.Text(), "1 of 3 members have two-factor authentication on (an authenticator app or a passkey).") {
		t.Errorf("page does not count 1 of 3: %q", r.Text())
	}
	rows := securityRows(r)
	want := map[string]string{
		f.admin.Email:        f.admin.Email + " admin active Off None On",
		f.member.Email:       f.member.Email + " member active On since 4 Mar 2030 09:00 UTC None On Your password Reset two-factor",
		"carol@acme.example": "carol@acme.example member active Off None On",
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	if n := r.Input("require_2fa"); n == nil || webtest.HasAttr(n, "checked") {
		t.Errorf("require_2fa checkbox %v, want present and clear", n)
	}

	t.Run("members get 404", func(t *testing.T) {
		m := e.newBrowser(t)
		m.mustLogin(t, e, "acme", "carol@acme.example", goodPassword)
		for _, tc := range []struct{ method, path string }{
			{http.MethodGet, "/admin/security"},
			{http.MethodPost, "/admin/security/policy"},
			{http.MethodPost, "/admin/members/" + f.member.ID + "/reset-2fa"},
		} {
			var r *webtest.Response
			if tc.method == http.MethodGet {
				r = m.Get(t, e.url("acme", tc.path))
			} else {
				r = m.Submit(t, e.url("acme", "/dashboard"), e.url("acme", tc.path), url.Values{"require_2fa": {"1"}})
			}
			if r.Status != http.StatusNotFound {
				t.Errorf("%s %s as a member: %d, want 404", tc.method, tc.path, r.Status)
			}
		}
		if !e.twoFactorOn(t, f.member) {
			t.Error("a member reset another's two-factor")
		}
		if ws, err := e.store.WorkspaceBySlug(t.Context(), "acme"); err != nil || ws.Policy.Require2FA {
			t.Errorf("a member changed the policy (%v)", err)
		}
	})

	t.Run("signed out goes to sign in", func(t *testing.T) {
		r := e.newBrowser(t).Get(t, e.url("acme", "/admin/security"))
		wantPage(t, r, http.StatusOK, "/login")
	})
}

func TestAdminResetTwoFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	_, betaAdmin, _ := e.createWorkspace(t, "beta", "Beta")
	e.activate(t, betaAdmin, goodPassword)
	key, _ := e.with2FA(t, "acme", f.member.Email)

	m := e.newBrowser(t)
	memberSession := m.login2FA(t, e, "acme", f.member.Email, key)
	admin := e.newBrowser(t)
	admin.Addr = "198.51.100.70"
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	page := e.url("acme", "/admin/security")
	carol := e.member(t, f.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)
	before := len(e.mail(t))

	t.Run("unknown or foreign member", func(t *testing.T) {
		for _, id := range []string{"no-such-id", betaAdmin.ID} {
			r := admin.Submit(t, page, e.url("acme", "/admin/members/"+id+"/reset-2fa"), url.Values{"password": {goodPassword}})
			if r.Status != http.StatusNotFound {
				t.Errorf("reset %s: %d, want 404", id, r.Status)
			}
		}
	})

	t.Run("member without two-factor", func(t *testing.T) {
		r := admin.Submit(t, page, e.url("acme", "/admin/members/"+carol.ID+"/reset-2fa"), url.Values{"password": {goodPassword}})
		wantPage(t, r, http.StatusConflict, "/admin/members/"+carol.ID+"/reset-2fa")
		if got, want := r.Alert(), latchkey.MsgTwoFactorNotOn; got != want {
			t.Errorf("alert %q, want %q", got, want)
		}
	})

	t.Run("own account", func(t *testing.T) {
		r := admin.Submit(t, page, e.url("acme", "/admin/members/"+f.admin.ID+"/reset-2fa"), url.Values{"password": {goodPassword}})
		wantPage(t, r, http.StatusForbidden, "/admin/members/"+f.admin.ID+"/reset-2fa")
		if got, want := r.Alert(), latchkey.MsgResetOwnTwoFactor; got != want {
			t.Errorf("alert %q, want %q", got, want)
		}
	})

	// The acting administrator's password is asked every time, however fresh the session.
	t.Run("no or wrong password", func(t *testing.T) {
		for _, pw := range []string{"", wrongPassword} {
			r := admin.Submit(t, page, e.url("acme", "/admin/members/"+f.member.ID+"/reset-2fa"), url.Values{"password": {pw}})
			if r.Status != http.StatusBadRequest && r.Status != http.StatusUnauthorized {
				t.Errorf("reset with password %q: %d, want 400 or 401", pw, r.Status)
			}
			if !e.twoFactorOn(t, f.member) {
				t.Fatalf("reset with password %q turned two-factor off", pw)
			}
		}
	})

	if evs := e.events(t, f.ws, latchkey.EventTwoFactorReset); len(evs) != 0 {
		t.Fatalf("2fa.reset events %+v before the reset", evs)
	}
	if got := len(e.mail(t)); got != before {
		t.Fatalf("%d mails sent by refused resets", got-before)
	}

	r := admin.Submit(t, page, e.url("acme", "/admin/members/"+f.member.ID+"/reset-2fa"), url.Values{"password": {goodPassword}})
	wantPage(t, r, http.StatusOK, "/admin/security")
	if got, want := r.Notice(), latchkey.MsgTwoFactorWasReset; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if got, want := securityRows(r)[f.member.Email], f.member.Email+" member active Off None On"; got != want {
		t.Errorf("member row %q, want %q", got, want)
	}
	if e.twoFactorOn(t, f.member) {
		t.Fatal("two-factor still on in the store")
	}
	if got := e.codesLeft(t, f.member); got != 0 {
		t.Errorf("%d recovery codes left, want 0", got)
	}

	// The member's sessions ended.
	if e.sessionExists(t, f.ws, memberSession) {
		t.Error("the member's session outlived the reset")
	}
	if m.signedIn(t, e, "acme") {
		t.Error("the member's browser is still signed in")
	}
	if !admin.signedIn(t, e, "acme") {
		t.Error("the reset signed the administrator out")
	}

	msgs := e.mail(t)[before:]
	if len(msgs) != 1 {
		t.Fatalf("%d mails sent, want 1", len(msgs))
	}
	if got, want := msgs[0].To, f.member.Email; got != want {
		t.Errorf("mail to %q, want %q", got, want)
	}
	if got, want := msgs[0].Subject, "Your two-factor authentication was reset"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	body := strings.Join(strings.Fields(msgs[0].Text), " ")
	if !strings.Contains(body, f.admin.Email) || !strings.Contains(body, "http://acme.app.test") {
		t.Errorf("mail does not name the administrator and the workspace: %q", body)
	}
	if !strings.Contains(body, "only your password is asked") {
		t.Errorf("mail does not say the password alone signs in: %q", body)
	}

	evs := e.events(t, f.ws, latchkey.EventTwoFactorReset)
	if len(evs) != 1 {
		t.Fatalf("2fa.reset events %+v, want one", evs)
	}
	if ev := evs[0]; ev.AccountID != f.member.ID || ev.ActorID != f.admin.ID || ev.ClientAddr != "198.51.100.70" {
		t.Errorf("2fa.reset event %+v, want account %s, actor %s from 198.51.100.70", ev, f.member.ID, f.admin.ID)
	}

	// The password alone signs in now.
	r = m.login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/dashboard")
	if c := r.SetCookie("latchkey_challenge"); c != nil {
		t.Errorf("a challenge cookie was set: %v", c)
	}
}

// A challenge opened before the reset cannot be completed after it: the key it was for is gone.
func TestAdminResetEndsOpenChallenge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	key, _ := e.with2FA(t, "acme", f.member.Email)
	m := e.newBrowser(t)
	m.passwordStep(t, e, "acme", f.member.Email, false)
	reset := admin.TwoFactorReset{MemberAction: admin.MemberAction{Workspace: f.ws, AccountID: f.member.ID, Actor: e.adminActor(t, f.admin), Client: signinClient}, Password: goodPassword}
	if _, err := e.adm.ResetTwoFactor(t.Context(), reset); err != nil {
		t.Fatal(err)
	}
	r := m.verify(t, e, "acme", e.code(t, key, 0))
	wantAlert(t, r, http.StatusOK, "/login", latchkey.MsgChallengeExpired)
}

func TestRequireTwoFactorPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	// The administrator sets up two-factor first, so that the policy does not lock them out.
	admin.enable2FA(t, e, "acme")

	r := admin.Submit(t, e.url("acme", "/admin/security"), e.url("acme", "/admin/security/policy"), url.Values{"require_2fa": {"1"}})
	wantPage(t, r, http.StatusOK, "/admin/security")
	if n := r.Input("require_2fa"); n == nil || !webtest.HasAttr(n, "checked") {
		t.Errorf("require_2fa checkbox %v, want checked", n)
	}
	ws, err := e.store.WorkspaceBySlug(t.Context(), "acme")
	if err != nil || !ws.Policy.Require2FA {
		t.Fatalf("policy not saved (%v)", err)
	}
	if evs := e.events(t, f.ws, latchkey.EventWorkspacePolicy); len(evs) != 1 || evs[0].ActorID != f.admin.ID || evs[0].Detail != "require 2fa: off → on" {
		t.Errorf("workspace.policy events %+v, want one by the admin", evs)
	}
	// Saving it again as it is changes nothing, and the log says nothing.
	r = admin.Submit(t, e.url("acme", "/admin/security"), e.url("acme", "/admin/security/policy"), url.Values{"require_2fa": {"1"}})
	wantPage(t, r, http.StatusOK, "/admin/security")
	if evs := e.events(t, f.ws, latchkey.EventWorkspacePolicy); len(evs) != 1 {
		t.Errorf("workspace.policy events %+v after saving the same policy, want still one", evs)
	}

	// A member without two-factor signs in with the password and is sent to set it up.
	m := e.newBrowser(t)
	r = m.login(t, e, "acme", f.member.Email, goodPassword)
	wantPage(t, r, http.StatusOK, "/profile/two-factor/setup")
	if got, want := r.Notice(), latchkey.MsgTwoFactorRequired; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	for _, path := range []string{"/dashboard", "/admin/security", "/login", "/", "/two-factor"} {
		r := m.Get(t, e.url("acme", path))
		wantPage(t, r, http.StatusOK, "/profile/two-factor/setup")
		if got, want := r.Notice(), latchkey.MsgTwoFactorRequired; got != want {
			t.Errorf("%s: notice %q, want %q", path, got, want)
		}
	}
	// Nothing that changes state gets through either.
	r = m.Submit(t, e.url("acme", "/profile/two-factor/setup"), e.url("acme", "/admin/security/policy"), nil)
	wantPage(t, r, http.StatusOK, "/profile/two-factor/setup")
	if ws, err := e.store.WorkspaceBySlug(t.Context(), "acme"); err != nil || !ws.Policy.Require2FA {
		t.Fatalf("the policy changed (%v)", err)
	}

	// Sign out still works.
	r = m.Submit(t, e.url("acme", "/profile/two-factor/setup"), e.url("acme", "/logout"), nil)
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.Notice(), latchkey.MsgSignedOut; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if m.signedIn(t, e, "acme") {
		t.Fatal("still signed in after signing out")
	}

	// After set-up the dashboard loads, and the next sign-in asks for the code.
	wantPage(t, m.login(t, e, "acme", f.member.Email, goodPassword), http.StatusOK, "/profile/two-factor/setup")
	key, _ := m.enable2FA(t, e, "acme")
	wantPage(t, m.Get(t, e.url("acme", "/dashboard")), http.StatusOK, "/dashboard")
	m.logout(t, e, "acme")
	m.login2FA(t, e, "acme", f.member.Email, key)

	// Reset under the policy: the member is told, and made, to set it up again.
	before := len(e.mail(t))
	r = admin.Submit(t, e.url("acme", "/admin/security"), e.url("acme", "/admin/members/"+f.member.ID+"/reset-2fa"), url.Values{"password": {goodPassword}})
	wantPage(t, r, http.StatusOK, "/admin/security")
	msgs := e.mail(t)[before:]
	if len(msgs) != 1 {
		t.Fatalf("%d mails after the reset, want 1", len(msgs))
	}
	if body := strings.Join(strings.Fields(msgs[0].Text), " "); !strings.Contains(body, "you are asked to set it up again before anything else") || strings.Contains(body, "only your password") {
		t.Errorf("reset mail under the policy: %q", body)
	}
	wantPage(t, m.login(t, e, "acme", f.member.Email, goodPassword), http.StatusOK, "/profile/two-factor/setup")

	// Turning the policy off frees members again.
	r = admin.Submit(t, e.url("acme", "/admin/security"), e.url("acme", "/admin/security/policy"), nil)
	wantPage(t, r, http.StatusOK, "/admin/security")
	carol := e.member(t, f.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)
	e.newBrowser(t).mustLogin(t, e, "acme", carol.Email, goodPassword)
}
