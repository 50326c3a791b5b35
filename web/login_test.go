package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
)

func TestLoginPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedAcme(t)
	b := e.newBrowser(t)
	r := b.Get(t, e.url("acme", "/"))
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.Heading(), "Sign in"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	for _, name := range []string{"csrf", "email", "password", "remember"} {
		if r.Input(name) == nil {
			t.Errorf("no %s input", name)
		}
	}
	if n := r.Input("remember"); n != nil && webtest.HasAttr(n, "checked") {
		t.Error("Keep me signed in is checked by default")
	}
	if got := r.Texts("button", ""); !cmp.Equal(got, []string{"Sign in with a passkey", "Sign in"}) {
		t.Errorf("buttons %q, want [Sign in with a passkey, Sign in]", got)
	}
	if c := r.SetCookie("latchkey_nonce"); c == nil || !c.HttpOnly || c.Domain != "" {
		t.Errorf("nonce cookie %v, want a host-only HttpOnly cookie", c)
	}
}

func TestAdminDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	dave := e.member(t, f.ws, "dave@acme.example", latchkey.RoleMember, goodPassword)
	e.suspend(t, f.ws, dave)

	b := e.newBrowser(t)
	b.Addr = "198.51.100.20"
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	r := b.Get(t, e.url("acme", "/dashboard"))
	wantPage(t, r, http.StatusOK, "/dashboard")
	if got, want := r.Heading(), "Admin dashboard"; got != want {
		t.Fatalf("heading %q, want %q", got, want)
	}
	// admin and bob active, carol invited, dave suspended.
	var counts []string
	for _, li := range r.Find(func(n *html.Node) bool {
		return n.Data == "li" && n.Parent != nil && webtest.Attr(n.Parent, "class") == "stats"
	}) {
		counts = append(counts, webtest.Text(li))
	}
	if diff := cmp.Diff([]string{"2 active", "1 invited", "1 suspended", "4 in all"}, counts); diff != "" {
		t.Errorf("members by status (-want +got):\n%s", diff)
	}
	rows := r.Texts("tr", "")
	if !containsRow(rows, "carol@acme.example", "member") {
		t.Errorf("pending invitations do not list carol: %q", rows)
	}
	if containsRow(rows, "dave@acme.example", "member") {
		t.Errorf("pending invitations list a suspended account: %q", rows)
	}
	if !containsRow(rows, "Signed in", f.admin.Email, "198.51.100.20") {
		t.Errorf("recent activity does not show the sign-in: %q", rows)
	}
	if r.CSRF() == "" {
		t.Error("no sign-out form")
	}
}

// containsRow reports whether a table row's text holds every part.
func containsRow(rows []string, parts ...string) bool {
	for _, row := range rows {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(row, p)
		}
		if all {
			return true
		}
	}
	return false
}

func TestMemberDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	r := b.Get(t, e.url("acme", "/dashboard"))
	wantPage(t, r, http.StatusOK, "/dashboard")
	if got, want := r.Heading(), "Your dashboard"; got != want {
		t.Fatalf("heading %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"Assigned hardware", "Assigned software", "Your requests"}, r.Texts("h2", "")); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
	want := []string{
		"No hardware is assigned to you. Need a laptop, a phone or a monitor?",
		"No software is assigned to you. Need a licence?",
		"You have no requests. Ask the IT team for hardware, software or access.",
	}
	if diff := cmp.Diff(want, r.Texts("p", "empty")); diff != "" {
		t.Errorf("empty states (-want +got):\n%s", diff)
	}
	// Each empty state offers to open a request.
	for _, link := range []string{"/requests/new?category=hardware", "/requests/new?category=software", "/requests/new"} {
		if !slices.Contains(r.Links(), link) {
			t.Errorf("no link to %s in %q", link, r.Links())
		}
	}
	if strings.Contains(r.Text(), "Admin dashboard") || strings.Contains(r.Text(), "Pending invitations") {
		t.Error("a member sees the admin dashboard")
	}
}

// A wrong password and an unknown email must not be told apart: same status, same page, no
// session; only the audit log knows.
func TestWrongPasswordAndUnknownEmailLookAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	b.Addr = "203.0.113.7"

	wrong := b.login(t, e, "acme", f.member.Email, wrongPassword)
	unknown := b.login(t, e, "acme", "nobody@acme.example", wrongPassword)
	for name, r := range map[string]*webtest.Response{"wrong password": wrong, "unknown email": unknown} {
		wantPage(t, r, http.StatusUnauthorized, "/login")
		if got, want := r.Alert(), latchkey.MsgBadCredentials; got != want {
			t.Errorf("%s: alert %q, want %q", name, got, want)
		}
		noSession(t, r)
		if r.Header.Get("Retry-After") != "" {
			t.Errorf("%s: Retry-After set", name)
		}
	}
	if got, want := webtest.Attr(wrong.Input("email"), "value"), f.member.Email; got != want {
		t.Errorf("the form kept email %q, want %q", got, want)
	}
	a := strings.ReplaceAll(wrong.Body, f.member.Email, "EMAIL")
	u := strings.ReplaceAll(unknown.Body, "nobody@acme.example", "EMAIL")
	if diff := cmp.Diff(a, u); diff != "" {
		t.Errorf("the pages differ (-wrong password +unknown email):\n%s", diff)
	}
	if b.signedIn(t, e, "acme") {
		t.Fatal("signed in after failures")
	}

	ignore := cmpopts.IgnoreFields(latchkey.Event{}, "ID", "Time")
	wantWrong := []latchkey.Event{{
		WorkspaceID: f.ws.ID, AccountID: f.member.ID, Type: latchkey.EventWrongPassword, Email: f.member.Email,
		ClientAddr: "203.0.113.7", UserAgent: b.UserAgent,
	}}
	if diff := cmp.Diff(wantWrong, e.events(t, f.ws, latchkey.EventWrongPassword), ignore); diff != "" {
		t.Errorf("wrong-password events (-want +got):\n%s", diff)
	}
	wantUnknown := []latchkey.Event{{
		WorkspaceID: f.ws.ID, Type: latchkey.EventUnknownEmail, Email: "nobody@acme.example",
		ClientAddr: "203.0.113.7", UserAgent: b.UserAgent,
	}}
	if diff := cmp.Diff(wantUnknown, e.events(t, f.ws, latchkey.EventUnknownEmail), ignore); diff != "" {
		t.Errorf("unknown-email events (-want +got):\n%s", diff)
	}
	if evs := e.events(t, f.ws, latchkey.EventSignIn); len(evs) != 0 {
		t.Errorf("sign-in events %v, want none", evs)
	}
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	suspended := e.member(t, f.ws, "sam@acme.example", latchkey.RoleMember, goodPassword)
	e.suspend(t, f.ws, suspended)
	invited, _ := e.invite(t, f.ws, "ivy@acme.example", latchkey.RoleMember)

	for _, tc := range []struct {
		name, email, password string
		status                int
		msg                   string
	}{
		// "Not active" is only said to someone who knows the password.
		{"suspended, right password", suspended.Email, goodPassword, http.StatusForbidden, latchkey.MsgNotActive},
		{"suspended, wrong password", suspended.Email, wrongPassword, http.StatusUnauthorized, latchkey.MsgBadCredentials},
		{"invited, no password yet", invited.Email, goodPassword, http.StatusUnauthorized, latchkey.MsgBadCredentials},
		{"email missing", "", goodPassword, http.StatusBadRequest, latchkey.MsgEmailRequired},
		{"email malformed", "bob at acme", goodPassword, http.StatusBadRequest, latchkey.MsgEmailInvalid},
		{"email with a display name", "Bob <bob@acme.example>", goodPassword, http.StatusBadRequest, latchkey.MsgEmailInvalid},
		{"password missing", f.member.Email, "", http.StatusBadRequest, latchkey.MsgPasswordRequired},
		{"password over 256 bytes", f.member.Email, strings.Repeat("p", 300), http.StatusUnauthorized, latchkey.MsgBadCredentials},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := e.newBrowser(t)
			r := b.login(t, e, "acme", tc.email, tc.password)
			wantPage(t, r, tc.status, "/login")
			if got := r.Alert(); got != tc.msg {
				t.Errorf("alert %q, want %q", got, tc.msg)
			}
			noSession(t, r)
			if b.signedIn(t, e, "acme") {
				t.Error("signed in")
			}
		})
	}
	if evs := e.events(t, f.ws, latchkey.EventNotActive); len(evs) != 1 || evs[0].AccountID != suspended.ID {
		t.Errorf("not-active events %v, want one for %s", evs, suspended.Email)
	}
}

// Whatever the email field holds, it is checked whole: a long address is refused, not cut
// down to a shorter one that happens to be valid.
func TestOverlongEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	email := "bob@" + strings.Repeat("b", 240) + ".example" + strings.Repeat("x", 20)
	if len(email) <= latchkey.MaxEmailLength {
		t.Fatalf("test email is only %d bytes", len(email))
	}
	r := b.login(t, e, "acme", email, goodPassword)
	wantPage(t, r, http.StatusBadRequest, "/login")
	if got, want := r.Alert(), latchkey.MsgEmailInvalid; got != want {
		t.Errorf("alert %q, want %q", got, want)
	}
	noSession(t, r)
	if evs := e.events(t, f.ws, ""); len(evs) != 2 {
		// workspace.create and account.invite only: nothing was looked up.
		t.Errorf("events %v, want only the seed's", evs)
	}
}

func TestOversizedBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)
	tok := b.CSRF(t, e.url("acme", "/login"))
	r := b.Post(t, e.url("acme", "/login"), url.Values{
		"csrf": {tok}, "email": {f.member.Email}, "password": {goodPassword},
		"padding": {strings.Repeat("x", 1<<20)},
	})
	if r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", r.Status)
	}
	noSession(t, r)
	if b.signedIn(t, e, "acme") {
		t.Error("signed in")
	}
	if evs := e.events(t, f.ws, latchkey.EventSignIn); len(evs) != 0 {
		t.Errorf("sign-in events %v, want none", evs)
	}
}

func TestReturnTo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.newBrowser(t)

	r := b.Get(t, e.url("acme", "/dashboard"))
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.URL.String(), "http://acme.app.test/login?return_to=%2Fdashboard"; got != want {
		t.Errorf("sent to %s, want %s", got, want)
	}
	if got, want := webtest.Attr(r.Input("return_to"), "value"), "/dashboard"; got != want {
		t.Errorf("return_to field %q, want %q", got, want)
	}
	r = b.Submit(t, r.URL.String(), e.url("acme", "/login"), url.Values{
		"email": {f.member.Email}, "password": {goodPassword}, "return_to": {"/dashboard"},
	})
	wantPage(t, r, http.StatusOK, "/dashboard")

	for _, bad := range []string{
		"//evil.example", "https://evil.example", `/\evil.example`, "/\r\nSet-Cookie:%20a=b",
		"/%0d%0aSet-Cookie", "///evil.example", "/\t/evil.example", "http:/evil.example", "evil.example",
	} {
		t.Run(bad, func(t *testing.T) {
			b := e.newBrowser(t)
			page := e.url("acme", "/login") + "?return_to=" + url.QueryEscape(bad)
			p := b.Get(t, page)
			if n := p.Input("return_to"); n != nil {
				t.Errorf("the sign-in page carries return_to %q", webtest.Attr(n, "value"))
			}
			r := b.Submit(t, page, e.url("acme", "/login"), url.Values{
				"email": {f.member.Email}, "password": {goodPassword}, "return_to": {bad},
			})
			wantPage(t, r, http.StatusOK, "/dashboard")
			if got, want := r.URL.Host, "acme.app.test"; got != want {
				t.Errorf("landed on host %q, want %q", got, want)
			}
			for _, h := range r.Headers() {
				if len(h.Values("Set-Cookie")) > 0 && strings.Contains(strings.Join(h.Values("Set-Cookie"), ";"), "a=b") {
					t.Errorf("a cookie was injected: %q", h.Values("Set-Cookie"))
				}
			}
		})
	}
}
