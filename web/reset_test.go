package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/totp"
)

// resetLinkIn returns the one reset link in a mail's text.
func resetLinkIn(t *testing.T, m mail.Message) string {
	t.Helper()
	var found []string
	for _, l := range mail.Links(m.Text) {
		if strings.Contains(l, signin.ResetPath) {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("mail %q to %s: reset links %q, want one", m.Subject, m.To, found)
	}
	return found[0]
}

// newMail returns the messages that reached the outbox after the first n.
func (e *env) newMail(t *testing.T, n int) []mail.Message {
	t.Helper()
	return e.mail(t)[n:]
}

// forgot asks for a reset link for email on the workspace's Forgot your password? page.
func (b *browser) forgot(t *testing.T, e *env, slug, email string) *webtest.Response {
	t.Helper()
	return b.Submit(t, e.url(slug, "/forgot-password"), e.url(slug, "/forgot-password"), url.Values{"email": {email}})
}

// reset submits the Set a new password form behind link.
func (b *browser) reset(t *testing.T, link, email, pw, confirm string) *webtest.Response {
	t.Helper()
	return b.Submit(t, link, link, url.Values{"email": {email}, "password": {pw}, "confirm": {confirm}})
}

// requestResetLink asks for a reset link for email in a browser of its own and returns the
// link mailed.
func (e *env) requestResetLink(t *testing.T, slug, email string) string {
	t.Helper()
	n := len(e.mail(t))
	r := e.newBrowser(t).forgot(t, e, slug, email)
	wantPage(t, r, http.StatusOK, "/forgot-password")
	msgs := e.newMail(t, n)
	if len(msgs) != 1 {
		t.Fatalf("%d mails after asking for a reset link for %s, want 1", len(msgs), email)
	}
	return resetLinkIn(t, msgs[0])
}

// labelOf returns the text of the label tied to the input with this id, or "".
func labelOf(r *webtest.Response, id string) string {
	if ns := r.Find(func(n *html.Node) bool { return n.Data == "label" && webtest.Attr(n, "for") == id }); len(ns) == 1 {
		return webtest.Text(ns[0])
	}
	return ""
}

// wantInvalid fails the test unless the input named name is marked aria-invalid and no other
// input is.
func wantInvalid(t *testing.T, r *webtest.Response, name string) {
	t.Helper()
	var marked []string
	for _, n := range r.Find(func(n *html.Node) bool { return webtest.Attr(n, "aria-invalid") == "true" }) {
		marked = append(marked, webtest.Attr(n, "name"))
	}
	if want := []string{name}; !cmp.Equal(marked, want) {
		t.Errorf("aria-invalid on %q, want %q", marked, want)
	}
}

// wantPasswordIs fails the test unless pw is the password of the account with this email in
// the workspace with this slug.
func (e *env) wantPasswordIs(t *testing.T, slug, email, pw string) {
	t.Helper()
	r := e.newBrowser(t).login(t, e, slug, email, pw)
	if r.URL.Path == "/login" {
		t.Fatalf("%s cannot sign in with %q: %d %q", email, pw, r.Status, r.Alert())
	}
}

// passwordHash returns the stored password hash of the account.
func (e *env) passwordHash(t *testing.T, a latchkey.Account) string {
	t.Helper()
	got, err := e.store.Account(t.Context(), a.WorkspaceID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.PasswordHash
}

func TestForgotPasswordPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)

	r := b.Get(t, e.url("acme", "/login"))
	forgotLinks := r.Find(func(n *html.Node) bool { return n.Data == "a" && webtest.Attr(n, "href") == "/forgot-password" })
	if len(forgotLinks) != 1 || webtest.Text(forgotLinks[0]) != latchkey.MsgForgotLink {
		t.Fatalf("sign-in page: links to /forgot-password %d, want one reading %q", len(forgotLinks), latchkey.MsgForgotLink)
	}

	r = b.Get(t, e.url("acme", "/forgot-password"))
	wantPage(t, r, http.StatusOK, "/forgot-password")
	if got, want := r.Heading(), latchkey.MsgForgotTitle; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	if got, want := labelOf(r, "email"), "Email"; got != want {
		t.Errorf("email label %q, want %q", got, want)
	}
	if got, want := r.Texts("button", ""), []string{latchkey.MsgResetButton}; !cmp.Equal(got, want) {
		t.Errorf("buttons %q, want %q", got, want)
	}
	if r.Input("password") != nil {
		t.Error("the page has a password field")
	}

	// The central address knows no accounts: there is no reset there, by GET or by POST.
	for _, r := range []*webtest.Response{
		b.Get(t, e.url("", "/forgot-password")),
		b.Post(t, e.url("", "/forgot-password"), url.Values{"email": {"bob@acme.example"}}),
	} {
		if r.Status != http.StatusNotFound || r.Input("email") != nil {
			t.Errorf("central /forgot-password: %d with an email field %v, want 404 and none", r.Status, r.Input("email") != nil)
		}
	}
	if r := b.Get(t, e.url("", "/")); slices.Contains(r.Links(), "/forgot-password") {
		t.Error("the central page links to /forgot-password")
	}
	if r := b.Get(t, e.url("", "/reset-password/anything")); r.Status != http.StatusNotFound {
		t.Errorf("central /reset-password/…: %d, want 404", r.Status)
	}
}

// The confirmation does not tell who has an account: the page, status and body are the same for
// an active, an unknown, an invited and a suspended email. Only the mail differs.
func TestForgotPasswordSameAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	invited, _ := e.invite(t, f.ws, "ivy@acme.example", latchkey.RoleMember)
	sue := e.member(t, f.ws, "sue@acme.example", latchkey.RoleMember, goodPassword)
	e.suspend(t, f.ws, sue)
	b := e.newBrowser(t)
	b.Addr = "198.51.100.7"

	var first string
	for _, tc := range []struct {
		email   string
		subject string // of the one mail sent, "" for none
	}{
		{f.member.Email, "Reset your password for Acme"},
		{"nobody@acme.example", ""},
		{invited.Email, "You have been invited to Acme"},
		{sue.Email, ""},
		{"  BOB@Acme.Example ", "Reset your password for Acme"},
	} {
		n := len(e.mail(t))
		r := b.forgot(t, e, "acme", tc.email)
		wantPage(t, r, http.StatusOK, "/forgot-password")
		if len(r.Hops) != 0 {
			t.Errorf("%s: %d redirects, want none", tc.email, len(r.Hops))
		}
		if got, want := r.Notice(), latchkey.MsgResetSent; got != want {
			t.Errorf("%s: notice %q, want %q", tc.email, got, want)
		}
		noSession(t, r)
		if first == "" {
			first = r.Body
		} else if diff := cmp.Diff(first, r.Body); diff != "" {
			t.Errorf("%s: the page differs from the first (-first +this):\n%s", tc.email, diff)
		}
		if strings.Contains(strings.ToLower(r.Body), strings.ToLower(strings.TrimSpace(tc.email))) {
			t.Errorf("%s: the confirmation repeats the address", tc.email)
		}
		msgs := e.newMail(t, n)
		var subjects []string
		for _, m := range msgs {
			subjects = append(subjects, m.Subject)
		}
		var want []string
		if tc.subject != "" {
			want = []string{tc.subject}
		}
		if !cmp.Equal(subjects, want) {
			t.Errorf("%s: mails %q, want %q", tc.email, subjects, want)
		}
	}
	if evs := e.events(t, f.ws, latchkey.EventResetRequested); len(evs) != 5 {
		t.Errorf("%d reset-request events, want 5", len(evs))
	}

	for _, tc := range []struct{ email, msg string }{
		{"", latchkey.MsgEmailRequired},
		{"not an address", latchkey.MsgEmailInvalid},
	} {
		n := len(e.mail(t))
		r := b.forgot(t, e, "acme", tc.email)
		wantPage(t, r, http.StatusBadRequest, "/forgot-password")
		if got := r.Alert(); got != tc.msg {
			t.Errorf("%q: alert %q, want %q", tc.email, got, tc.msg)
		}
		wantInvalid(t, r, "email")
		if n := webtest.Attr(r.Input("email"), "value"); n != tc.email {
			t.Errorf("%q: the field holds %q", tc.email, n)
		}
		if len(e.newMail(t, n)) != 0 {
			t.Errorf("%q: mail was sent", tc.email)
		}
	}
}

// With the server's queue as the mailer, the request only stores the mail: the answer is the
// same, nothing is sent until a worker runs, and then the link arrives.
func TestForgotPasswordQueuesMail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	outbox, err := mail.NewOutbox(e.outbox, nil)
	if err != nil {
		t.Fatal(err)
	}
	// No request is in flight: the service is not in use while its mailer is swapped.
	e.svc.Mailer = mail.NewQueue(e.store, nil, e.clock.Now)
	n := len(e.mail(t))
	b := e.newBrowser(t)
	known := b.forgot(t, e, "acme", f.member.Email)
	unknown := b.forgot(t, e, "acme", "nobody@acme.example")
	if known.Status != http.StatusOK || unknown.Status != http.StatusOK || known.Body != unknown.Body {
		t.Fatalf("known %d, unknown %d, bodies equal %v: want the same page", known.Status, unknown.Status, known.Body == unknown.Body)
	}
	if got := e.newMail(t, n); len(got) != 0 {
		t.Fatalf("%d mails sent during the request, want them queued", len(got))
	}
	pending, err := e.store.PendingMail(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].To != f.member.Email {
		t.Fatalf("queued %+v, want one mail to %s", pending, f.member.Email)
	}
	if sent, err := mail.NewWorker(e.store, outbox, nil, e.clock.Now).Drain(t.Context()); err != nil || sent != 1 {
		t.Fatalf("drain: %d sent, %v", sent, err)
	}
	msgs := e.newMail(t, n)
	if len(msgs) != 1 {
		t.Fatalf("%d mails after the worker ran, want 1", len(msgs))
	}
	link := resetLinkIn(t, msgs[0])
	if r := b.Get(t, link); r.Status != http.StatusOK || r.Input("password") == nil {
		t.Errorf("the queued link: %d %q, want the form", r.Status, r.Alert())
	}
}

func TestResetPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	// Bob is signed in on two browsers; the reset ends both.
	phone, laptop := e.newBrowser(t), e.newBrowser(t)
	phoneCookie := phone.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	laptopCookie := laptop.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	link := e.requestResetLink(t, "acme", f.member.Email)
	if !strings.HasPrefix(link, "http://acme.app.test"+signin.ResetPath) {
		t.Fatalf("link %q is not a reset link on acme's address", link)
	}
	path := mustParse(t, link).Path
	b := e.newBrowser(t)
	r := b.Get(t, link)
	wantPage(t, r, http.StatusOK, path)
	if got, want := r.Heading(), latchkey.MsgResetTitle; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	for id, want := range map[string]string{"email": "Email", "password": "New password", "confirm": "Confirm new password"} {
		if got := labelOf(r, id); got != want {
			t.Errorf("label of %s %q, want %q", id, got, want)
		}
	}
	if got, want := r.Texts("button", ""), []string{latchkey.MsgResetSubmit}; !cmp.Equal(got, want) {
		t.Errorf("buttons %q, want %q", got, want)
	}
	if strings.Contains(r.Body, f.member.Email) {
		t.Error("the page shows whose link it is")
	}

	for _, tc := range []struct {
		name, email, pw, confirm string
		field, msg               string
	}{
		{"wrong email", "alice@acme.example", "a new long passphrase", "a new long passphrase", "email", latchkey.MsgResetEmailMismatch},
		{"no email", "", "a new long passphrase", "a new long passphrase", "email", latchkey.MsgEmailRequired},
		{"short", f.member.Email, "short", "short", "password", latchkey.MsgPasswordTooShort},
		{"common", f.member.Email, "123qweasdzxc", "123qweasdzxc", "password", latchkey.MsgPasswordCommon},
		{"mismatch", f.member.Email, "a new long passphrase", "another long passphrase", "confirm", latchkey.MsgPasswordMismatch},
	} {
		r := b.reset(t, link, tc.email, tc.pw, tc.confirm)
		wantPage(t, r, http.StatusBadRequest, path)
		if got := r.Alert(); got != tc.msg {
			t.Errorf("%s: alert %q, want %q", tc.name, got, tc.msg)
		}
		wantInvalid(t, r, tc.field)
		if got := webtest.Attr(r.Input("email"), "value"); got != tc.email {
			t.Errorf("%s: email field %q, want the one typed, %q", tc.name, got, tc.email)
		}
		noSession(t, r)
		if r := b.Get(t, link); r.Status != http.StatusOK || r.Input("password") == nil {
			t.Fatalf("%s: the link no longer works: %d %q", tc.name, r.Status, r.Alert())
		}
	}
	e.wantPasswordIs(t, "acme", f.member.Email, goodPassword)

	const newPassword = "a new long passphrase"
	r = b.reset(t, link, strings.ToUpper(f.member.Email), newPassword, newPassword)
	wantPage(t, r, http.StatusOK, "/login")
	if len(r.Hops) != 1 || r.Hops[0].StatusCode != http.StatusSeeOther {
		t.Errorf("redirects %v, want one 303", r.Hops)
	}
	if got, want := r.Notice(), latchkey.MsgPasswordResetDone; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	noSession(t, r)
	if b.signedIn(t, e, "acme") {
		t.Error("the reset signed the browser in")
	}
	for _, c := range []string{phoneCookie, laptopCookie} {
		if e.sessionExists(t, f.ws, c) {
			t.Error("a session of the account outlived the reset")
		}
	}
	if phone.signedIn(t, e, "acme") {
		t.Error("the phone is still signed in")
	}
	if evs := e.events(t, f.ws, latchkey.EventPasswordReset); len(evs) != 1 || evs[0].AccountID != f.member.ID {
		t.Errorf("password.reset events %+v, want one for bob", evs)
	}

	// The link worked once.
	r = b.Get(t, link)
	wantPage(t, r, http.StatusGone, path)
	if got, want := r.Alert(), latchkey.MsgResetLinkInvalid; got != want {
		t.Errorf("used link: alert %q, want %q", got, want)
	}
	if r.Input("password") != nil || !slices.Contains(r.Links(), "/forgot-password") {
		t.Errorf("used link: a form %v, links %q; want no form and a link to /forgot-password", r.Input("password") != nil, r.Links())
	}
	tok := b.CSRF(t, e.url("acme", "/forgot-password"))
	r = b.Post(t, link, url.Values{"csrf": {tok}, "email": {f.member.Email}, "password": {"yet another passphrase"}, "confirm": {"yet another passphrase"}})
	wantPage(t, r, http.StatusGone, path)

	wantRefused(t, e.newBrowser(t).login(t, e, "acme", f.member.Email, goodPassword), http.StatusUnauthorized, latchkey.MsgBadCredentials)
	e.newBrowser(t).mustLogin(t, e, "acme", f.member.Email, newPassword)
}

func TestResetLinkExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	link := e.requestResetLink(t, "acme", f.member.Email)
	path := mustParse(t, link).Path
	b := e.newBrowser(t)

	e.clock.Advance(time.Hour - time.Second)
	if r := b.Get(t, link); r.Status != http.StatusOK || r.Input("password") == nil {
		t.Fatalf("a second before the hour: %d %q, want the form", r.Status, r.Alert())
	}
	tok := b.CSRF(t, link)
	e.clock.Advance(time.Second)
	r := b.Post(t, link, url.Values{"csrf": {tok}, "email": {f.member.Email}, "password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}})
	wantPage(t, r, http.StatusGone, path)
	if got, want := r.Alert(), latchkey.MsgResetLinkInvalid; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	r = b.Get(t, link)
	wantPage(t, r, http.StatusGone, path)
	if got, want := r.Alert(), latchkey.MsgResetLinkInvalid; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	e.wantPasswordIs(t, "acme", f.member.Email, goodPassword)

	// A link that never was says the same.
	r = b.Get(t, e.url("acme", signin.ResetPath+"not-a-link"))
	wantPage(t, r, http.StatusGone, signin.ResetPath+"not-a-link")
	if got, want := r.Alert(), latchkey.MsgResetLinkInvalid; got != want {
		t.Errorf("unknown link: alert %q, want %q", got, want)
	}
}

// A reset does not bypass two-factor authentication.
func TestResetKeepsTwoFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	turnOnTOTP(t, e, f.ws, f.member)
	link := e.requestResetLink(t, "acme", f.member.Email)
	const newPassword = "a new long passphrase"
	b := e.newBrowser(t)
	wantPage(t, b.reset(t, link, f.member.Email, newPassword, newPassword), http.StatusOK, "/login")

	r := b.login(t, e, "acme", f.member.Email, newPassword)
	wantPage(t, r, http.StatusOK, "/two-factor")
	noSession(t, r)
	if got, want := r.Heading(), latchkey.MsgTwoFactorTitle; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	a, err := e.store.Account(t.Context(), f.ws.ID, f.member.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !a.TwoFactor() {
		t.Error("the reset turned two-factor authentication off")
	}
}

// turnOnTOTP turns two-factor authentication on for a (whose password is goodPassword) through
// the service, and returns the key. The clock moves on a step, so that the confirming code is
// spent.
func turnOnTOTP(t *testing.T, e *env, ws latchkey.Workspace, a latchkey.Account) string {
	t.Helper()
	a, err := e.store.Account(t.Context(), ws.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	setup, err := e.svc.BeginTOTPSetup(ws, a, latchkey.Session{})
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.Code(setup.Secret, totp.Step(e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.ConfirmTOTPSetup(t.Context(), signin.SetupInput{
		Workspace: ws, Account: a, Sealed: setup.Sealed, Code: code, Password: goodPassword, Client: signinClient,
	}); err != nil {
		t.Fatalf("turn on 2FA for %s: %v", a.Email, err)
	}
	e.clock.Advance(totp.Period * time.Second)
	return setup.Secret
}

func TestResetSSOOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	link := e.requestResetLink(t, "acme", f.member.Email)
	hash := e.passwordHash(t, f.member)
	b := e.newBrowser(t)
	// Once password sign-in is off no signed-out page has a form; the browser's token is the
	// same on every page, so take it now.
	tok := b.CSRF(t, e.url("acme", "/forgot-password"))
	setPolicy(t, e, f.ws, latchkey.Policy{PasswordSignInOff: true})

	r := b.Get(t, e.url("acme", "/forgot-password"))
	wantPage(t, r, http.StatusOK, "/forgot-password")
	if r.Input("email") != nil || len(r.Texts("button", "")) != 0 {
		t.Error("an SSO-only workspace offers the reset form")
	}
	n := len(e.mail(t))
	r = b.Post(t, e.url("acme", "/forgot-password"), url.Values{"csrf": {tok}, "email": {f.member.Email}})
	wantPage(t, r, http.StatusForbidden, "/forgot-password")
	if got, want := r.Alert(), latchkey.MsgPasswordSignInOff; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	if len(e.newMail(t, n)) != 0 {
		t.Error("an SSO-only workspace mailed a reset link")
	}

	r = b.Get(t, link)
	wantPage(t, r, http.StatusForbidden, mustParse(t, link).Path)
	if r.Input("password") != nil {
		t.Error("an SSO-only workspace shows the reset form")
	}
	r = b.Post(t, link, url.Values{"csrf": {tok}, "email": {f.member.Email}, "password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}})
	wantPage(t, r, http.StatusForbidden, mustParse(t, link).Path)
	if got, want := r.Alert(), latchkey.MsgPasswordSignInOff; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	if e.passwordHash(t, f.member) != hash {
		t.Error("the password changed in an SSO-only workspace")
	}
}
