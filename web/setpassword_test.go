package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/mail"
)

// onlyLink returns the one set-password link in a mail's text.
func onlyLink(t *testing.T, m mail.Message) string {
	t.Helper()
	var found []string
	for _, l := range mail.Links(m.Text) {
		if strings.Contains(l, "/set-password/") {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("mail %q: set-password links %q, want one", m.Subject, found)
	}
	return found[0]
}

// setPassword submits the set-password form behind link.
func (b *browser) setPassword(t *testing.T, link, pw, confirm string) *webtest.Response {
	t.Helper()
	return b.Submit(t, link, link, url.Values{"password": {pw}, "confirm": {confirm}})
}

// wantLinkInvalid fails the test unless r says the link is invalid and offers no form.
func wantLinkInvalid(t *testing.T, r *webtest.Response) {
	t.Helper()
	if got, want := r.Status, http.StatusGone; got != want {
		t.Errorf("status %d at %s, want %d", got, r.URL, want)
	}
	if got, want := r.Alert(), latchkey.MsgLinkInvalid; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	if r.Input("password") != nil {
		t.Error("an invalid link still shows the password form")
	}
	noSession(t, r)
}

func TestWelcomeLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws, admin, link := e.createWorkspace(t, "acme", "Acme")
	beta, _, _ := e.createWorkspace(t, "beta", "Beta")

	msgs := e.mail(t)
	if len(msgs) != 2 {
		t.Fatalf("%d mails, want 2", len(msgs))
	}
	m := msgs[0]
	if got, want := m.To, admin.Email; got != want {
		t.Errorf("welcome mail to %q, want %q", got, want)
	}
	if got, want := m.Subject, latchkey.SubjectWelcome; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	if !strings.Contains(m.Text, "http://acme.app.test\n") {
		t.Errorf("the mail does not hold the workspace URL:\n%s", m.Text)
	}
	if got := onlyLink(t, m); got != link {
		t.Fatalf("mailed link %q, want the one CreateWorkspace returned, %q", got, link)
	}
	if !strings.HasPrefix(link, "http://acme.app.test/set-password/") {
		t.Fatalf("link %q is not on the workspace's address", link)
	}

	b := e.newBrowser(t)
	r := b.Get(t, link)
	wantPage(t, r, http.StatusOK, mustParse(t, link).Path)
	if got, want := r.Heading(), "Set your password"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	if !strings.Contains(r.Text(), admin.Email) {
		t.Errorf("the page does not say whose password it sets: %q", r.Text())
	}

	r = b.setPassword(t, link, "short", "short")
	wantPage(t, r, http.StatusBadRequest, mustParse(t, link).Path)
	if got, want := r.Alert(), latchkey.MsgPasswordTooShort; got != want {
		t.Errorf("short password: alert %q, want %q", got, want)
	}
	r = b.setPassword(t, link, "a long enough password", "another long password")
	wantPage(t, r, http.StatusBadRequest, mustParse(t, link).Path)
	if got, want := r.Alert(), latchkey.MsgPasswordMismatch; got != want {
		t.Errorf("mismatch: alert %q, want %q", got, want)
	}
	if r.Input("password") == nil {
		t.Error("the form is gone after a mismatch")
	}

	// The link is acme's: on beta it is nothing, and trying it there does not use it up.
	onBeta := strings.Replace(link, "//acme.", "//beta.", 1)
	wantLinkInvalid(t, b.Get(t, onBeta))
	r = b.Submit(t, e.url("beta", "/login"), onBeta, url.Values{"password": {goodPassword}, "confirm": {goodPassword}})
	wantLinkInvalid(t, r)
	if a, err := e.store.AccountByEmail(t.Context(), beta.ID, admin.Email); err == nil && a.PasswordHash != "" {
		t.Error("acme's link set a password in beta")
	}

	if r := b.Get(t, link); r.Status != http.StatusOK || r.Input("password") == nil {
		t.Fatalf("after the refusals the link no longer works: %d %q", r.Status, r.Alert())
	}
	r = b.setPassword(t, link, goodPassword, goodPassword)
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.URL.Host, "acme.app.test"; got != want {
		t.Errorf("landed on %s, want %s", got, want)
	}
	if got, want := r.Notice(), latchkey.MsgPasswordSet; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	noSession(t, r)
	a, err := e.store.AccountByEmail(t.Context(), ws.ID, admin.Email)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.Status, latchkey.StatusActive; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	if evs := e.events(t, ws, latchkey.EventPasswordSet); len(evs) != 1 || evs[0].AccountID != admin.ID {
		t.Errorf("password.set events %+v, want one for %s", evs, admin.Email)
	}
	if b.signedIn(t, e, "acme") {
		t.Error("setting the password signed the browser in")
	}

	wantLinkInvalid(t, b.Get(t, link))
	r = b.Submit(t, e.url("acme", "/login"), link, url.Values{"password": {"a different password"}, "confirm": {"a different password"}})
	wantLinkInvalid(t, r)

	b.mustLogin(t, e, "acme", admin.Email, goodPassword)
}

func TestSetPasswordLinkExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	a, link := e.invite(t, f.ws, "late@acme.example", latchkey.RoleMember)
	b := e.newBrowser(t)

	e.clock.Advance(7*24*time.Hour - time.Second)
	if r := b.Get(t, link); r.Status != http.StatusOK || r.Input("password") == nil {
		t.Fatalf("a second before it expires the link does not work: %d %q", r.Status, r.Alert())
	}
	tok := b.CSRF(t, link)
	e.clock.Advance(time.Second)
	wantLinkInvalid(t, b.Get(t, link))
	// A form loaded in time is refused too once the link has expired.
	r := b.Post(t, link, url.Values{"csrf": {tok}, "password": {goodPassword}, "confirm": {goodPassword}})
	wantLinkInvalid(t, r)
	got, err := e.store.Account(t.Context(), f.ws.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != latchkey.StatusInvited || got.PasswordHash != "" {
		t.Errorf("an expired link changed the account: status %q", got.Status)
	}
}

func TestInvitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	before := len(e.mail(t))
	a, link := e.invite(t, f.ws, "ines@acme.example", latchkey.RoleMember)

	msgs := e.mail(t)[before:]
	if len(msgs) != 1 {
		t.Fatalf("%d new mails, want 1", len(msgs))
	}
	if got, want := msgs[0].To, a.Email; got != want {
		t.Errorf("invitation to %q, want %q", got, want)
	}
	if got, want := msgs[0].Subject, fmt.Sprintf(latchkey.SubjectInvite, "Acme"); got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	if got := onlyLink(t, msgs[0]); got != link {
		t.Fatalf("mailed link %q, want %q", got, link)
	}

	// An invited account cannot sign in before it has a password.
	b := e.newBrowser(t)
	wantRefused(t, b.login(t, e, "acme", a.Email, goodPassword), http.StatusUnauthorized, latchkey.MsgBadCredentials)

	fresh, err := e.adm.ReinviteMember(t.Context(), admin.MemberAction{Workspace: f.ws, AccountID: a.ID, Actor: latchkey.OperatorActor()})
	if err != nil {
		t.Fatal(err)
	}
	if fresh == link {
		t.Fatal("the resent invitation has the old link")
	}
	if got := onlyLink(t, e.mail(t)[before+1]); got != fresh {
		t.Errorf("resent mail link %q, want %q", got, fresh)
	}
	wantLinkInvalid(t, b.Get(t, link))

	r := b.setPassword(t, fresh, goodPassword, goodPassword)
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.Notice(), latchkey.MsgPasswordSet; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	wantLinkInvalid(t, b.Get(t, fresh))
	if _, err := e.adm.ReinviteMember(t.Context(), admin.MemberAction{Workspace: f.ws, AccountID: a.ID, Actor: latchkey.OperatorActor()}); latchkey.ErrorMessage(err) != latchkey.MsgNotInvited {
		t.Errorf("resending to an active account: %v, want %q", err, latchkey.MsgNotInvited)
	}
	b.mustLogin(t, e, "acme", a.Email, goodPassword)
	r = b.Get(t, e.url("acme", "/dashboard"))
	if got, want := r.Heading(), "Your dashboard"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
}

// A suspended account's link does not bring it back.
func TestSetPasswordSuspendedAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	a, link := e.invite(t, f.ws, "sue@acme.example", latchkey.RoleMember)
	e.suspend(t, f.ws, a)
	b := e.newBrowser(t)
	r := b.setPassword(t, link, goodPassword, goodPassword)
	if got, want := r.Status, http.StatusForbidden; got != want {
		t.Errorf("status %d, want %d", got, want)
	}
	if got, want := r.Alert(), latchkey.MsgNotActive; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	got, err := e.store.Account(t.Context(), f.ws.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != latchkey.StatusSuspended || got.PasswordHash != "" {
		t.Errorf("a suspended account's link changed it: status %q", got.Status)
	}
}

// A welcome link of an account that was activated some other way (the demo sets its
// administrator's password directly, and the welcome link was logged) no longer works: a
// set-password link is good only while the account is invited, and activation ends it.
func TestWelcomeLinkDeadOnceActive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, admin, link := e.createWorkspace(t, "acme", "Acme")
	e.activate(t, admin, goodPassword) // straight in the store: the link is still in the tokens table

	b := e.newBrowser(t)
	r := b.Get(t, link)
	if r.Status == http.StatusOK && r.Heading() == "Set your password" {
		t.Fatal("the welcome link of an active account still shows the set-password form")
	}
	const takeover = "an attacker's own long passphrase"
	r = b.Submit(t, e.url("acme", "/login"), link, url.Values{"password": {takeover}, "confirm": {takeover}})
	if r.Status == http.StatusOK && r.URL.Path == "/login" && r.Notice() == latchkey.MsgPasswordSet {
		t.Fatal("the welcome link set a new password on an active account")
	}
	wantRefused(t, e.newBrowser(t).login(t, e, "acme", admin.Email, takeover), http.StatusUnauthorized, latchkey.MsgBadCredentials)
	e.newBrowser(t).mustLogin(t, e, "acme", admin.Email, goodPassword)
}
