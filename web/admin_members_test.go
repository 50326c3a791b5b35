package web_test

import (
	"errors"
	"fmt"
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
)

// memberRow is one row of the members table: status, role, two-factor, last sign-in, and the
// labels of its action buttons and links.
type memberRow struct {
	Status, Role, TwoFactor, LastSignIn string
	Actions                             []string
}

// memberRows returns the rows of the members table by email.
func memberRows(t *testing.T, r *webtest.Response) map[string]memberRow {
	t.Helper()
	rows := map[string]memberRow{}
	for _, tr := range r.Find(func(n *html.Node) bool { return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" }) {
		var cells []*html.Node
		for c := range tr.ChildNodes() {
			if c.Type == html.ElementNode && c.Data == "td" {
				cells = append(cells, c)
			}
		}
		if len(cells) != 6 {
			t.Fatalf("a members row has %d cells, want 6: %q", len(cells), webtest.Text(tr))
		}
		row := memberRow{Status: webtest.Text(cells[1]), Role: webtest.Text(cells[2]), TwoFactor: webtest.Text(cells[3]), LastSignIn: webtest.Text(cells[4])}
		for n := range cells[5].Descendants() {
			if n.Type == html.ElementNode && (n.Data == "button" || n.Data == "a") {
				row.Actions = append(row.Actions, webtest.Text(n))
			}
		}
		rows[strings.Fields(webtest.Text(cells[0]))[0]] = row
	}
	return rows
}

// emails returns the emails of the members table, in order.
func emails(t *testing.T, r *webtest.Response) []string {
	t.Helper()
	var out []string
	for _, tr := range r.Find(func(n *html.Node) bool { return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" }) {
		out = append(out, strings.Fields(webtest.Text(tr))[0])
	}
	return out
}

// act submits a row action of the members page (resend, suspend, reactivate, role, remove).
func (b *browser) act(t *testing.T, e *env, a latchkey.Account, action string, fields url.Values) *webtest.Response {
	t.Helper()
	return b.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/members/"+a.ID+"/"+action), fields)
}

// account reads the account from the store; ok is false if it is gone.
func (e *env) account(t *testing.T, a latchkey.Account) (latchkey.Account, bool) {
	t.Helper()
	got, err := e.store.Account(t.Context(), a.WorkspaceID, a.ID)
	if errors.Is(err, latchkey.ErrNotFound) {
		return got, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return got, true
}

// adminBrowser signs the acme administrator in on a browser of its own.
func (e *env) adminBrowser(t *testing.T, f acme) *browser {
	t.Helper()
	b := e.newBrowser(t)
	b.Addr = "198.51.100.9"
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	return b
}

// wantMemberError fails the test unless r is the members page re-rendered with status and msg.
func wantMemberError(t *testing.T, r *webtest.Response, status int, msg string) {
	t.Helper()
	if r.Status != status || r.Heading() != "Members" {
		t.Fatalf("got %d %q at %s, want %d and the members page", r.Status, r.Heading(), r.URL, status)
	}
	if got := r.Alert(); got != msg {
		t.Errorf("alert %q, want %q", got, msg)
	}
}

func TestMembersPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	carol, _ := e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	dave := e.member(t, f.ws, "dave@acme.example", latchkey.RoleMember, goodPassword)
	e.suspend(t, f.ws, dave)
	turnOnTOTP(t, e, f.ws, f.member)
	b := e.adminBrowser(t, f)
	signedInAt := date(e.clock.Now())

	r := b.Get(t, e.url("acme", "/admin/members"))
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got, want := r.Heading(), "Members"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	want := map[string]memberRow{
		f.admin.Email:  {"active", "admin", "Off", signedInAt, []string{"Make member"}},
		f.member.Email: {"active", "member", "On", "never", []string{"Suspend", "Make administrator", "Clear sign-in limits", "Remove…"}},
		carol.Email:    {"invited", "member", "Off", "never", []string{"Resend invitation", "Suspend", "Make administrator", "Clear sign-in limits", "Remove…"}},
		dave.Email:     {"suspended", "member", "Off", "never", []string{"Reactivate", "Make administrator", "Clear sign-in limits", "Remove…"}},
	}
	if diff := cmp.Diff(want, memberRows(t, r)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// Every row action is a POST form of its own with the form token; removal is a link to a
	// confirmation.
	for _, form := range r.Find(func(n *html.Node) bool {
		return n.Data == "form" && strings.HasPrefix(webtest.Attr(n, "action"), "/admin/members/")
	}) {
		if webtest.Attr(form, "method") != "post" {
			t.Errorf("form %s: method %q", webtest.Attr(form, "action"), webtest.Attr(form, "method"))
		}
		var tok bool
		for n := range form.Descendants() {
			tok = tok || n.Data == "input" && webtest.Attr(n, "name") == "csrf" && webtest.Attr(n, "value") == r.CSRF()
		}
		if !tok {
			t.Errorf("form %s has no form token", webtest.Attr(form, "action"))
		}
	}
	for id, label := range map[string]string{"q": "Search", "status": "Status", "role": "Role", "invite-email": "Email", "invite-name": "Name", "invite-role": "Role"} {
		if got := labelOf(r, id); got != label {
			t.Errorf("label of #%s %q, want %q", id, got, label)
		}
	}
	wantNoInline(t, r)

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{f.admin.Email, f.member.Email, carol.Email, dave.Email}},
		{"?q=CAR", []string{carol.Email}},
		{"?q=someone", []string{f.member.Email, carol.Email, dave.Email}}, // the name e.invite gives
		{"?status=suspended", []string{dave.Email}},
		{"?status=invited&role=member", []string{carol.Email}},
		{"?role=admin", []string{f.admin.Email}},
		{"?status=active&q=dave", nil},
		{"?status=bogus&role=owner", []string{f.admin.Email, f.member.Email, carol.Email, dave.Email}},
	} {
		r := b.Get(t, e.url("acme", "/admin/members"+tc.query))
		wantPage(t, r, http.StatusOK, "/admin/members")
		if got := emails(t, r); !cmp.Equal(got, tc.want) {
			t.Errorf("%s: members %q, want %q", tc.query, got, tc.want)
		}
		if tc.want == nil && !containsText(r, "No members match.") {
			t.Errorf("%s: no empty-state sentence", tc.query)
		}
	}
	r = b.Get(t, e.url("acme", "/admin/members?status=suspended&role=member&q=dav"))
	if _, sel := options(r, "status"); sel != "suspended" {
		t.Errorf("status filter shown %q, want suspended", sel)
	}
	if _, sel := options(r, "role"); sel != "member" {
		t.Errorf("role filter shown %q, want member", sel)
	}
	if got := webtest.Attr(r.Input("q"), "value"); got != "dav" {
		t.Errorf("search shown %q, want dav", got)
	}
}

// wantNoInline fails the test if the page has inline script or style, which the
// Content-Security-Policy would block.
func wantNoInline(t *testing.T, r *webtest.Response) {
	t.Helper()
	inline := r.Find(func(n *html.Node) bool {
		return n.Data == "style" || webtest.HasAttr(n, "style") || n.Data == "script" && webtest.Attr(n, "src") == "" ||
			slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return strings.HasPrefix(a.Key, "on") })
	})
	if len(inline) > 0 {
		t.Errorf("%s: %d elements with inline script or style", r.URL.Path, len(inline))
	}
}

// date is how the pages write a time.
func date(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

// Members, even signed in, find nothing under /admin, and change nothing there.
func TestAdminPagesAreAdminsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	carol, _ := e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	m := e.newBrowser(t)
	m.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	n := len(e.mail(t))
	for _, path := range []string{"/admin/members", "/admin/audit", "/admin/settings", "/admin/members?remove=" + f.admin.ID} {
		if r := m.Get(t, e.url("acme", path)); r.Status != http.StatusNotFound {
			t.Errorf("member GET %s: %d, want 404", path, r.Status)
		}
	}
	for _, tc := range []struct {
		path   string
		fields url.Values
	}{
		{"/admin/members/invite", url.Values{"email": {"eve@acme.example"}, "role": {"admin"}}},
		{"/admin/members/" + carol.ID + "/resend", nil},
		{"/admin/members/" + f.admin.ID + "/suspend", nil},
		{"/admin/members/" + f.admin.ID + "/role", url.Values{"role": {"member"}}},
		{"/admin/members/" + f.member.ID + "/role", url.Values{"role": {"admin"}}},
		{"/admin/members/" + f.admin.ID + "/remove", url.Values{"confirm": {"yes"}}},
		{"/admin/settings", url.Values{"min_length": {"20"}, "password_signin": {"off"}, "session_idle": {"0"}}},
	} {
		r := m.Submit(t, e.url("acme", "/dashboard"), e.url("acme", tc.path), tc.fields)
		if r.Status != http.StatusNotFound {
			t.Errorf("member POST %s: %d, want 404", tc.path, r.Status)
		}
	}
	if a, ok := e.account(t, f.admin); !ok || a.Status != latchkey.StatusActive || a.Role != latchkey.RoleAdmin {
		t.Errorf("the administrator is now %+v", a)
	}
	if a, _ := e.account(t, f.member); a.Role != latchkey.RoleMember {
		t.Errorf("the member made itself %s", a.Role)
	}
	if _, err := e.store.AccountByEmail(t.Context(), f.ws.ID, "eve@acme.example"); err == nil {
		t.Error("a member invited someone")
	}
	if len(e.newMail(t, n)) != 0 {
		t.Error("mail was sent")
	}
	// Signed out, the admin pages ask to sign in.
	r := e.newBrowser(t).Get(t, e.url("acme", "/admin/members"))
	wantPage(t, r, http.StatusOK, "/login")
}

func TestInviteFromMembersPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.adminBrowser(t, f)
	n := len(e.mail(t))

	r := b.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/members/invite"),
		url.Values{"email": {"ines@acme.example"}, "name": {"Ines Ibarra"}, "role": {"admin"}})
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgInvitationSent, "ines@acme.example", "7 days"); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	a, err := e.store.AccountByEmail(t.Context(), f.ws.ID, "ines@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != latchkey.StatusInvited || a.Role != latchkey.RoleAdmin || a.Name != "Ines Ibarra" {
		t.Errorf("invited account %+v, want invited admin Ines Ibarra", a)
	}
	if row := memberRows(t, r)[a.Email]; row.Status != "invited" || row.Role != "admin" {
		t.Errorf("row %+v", row)
	}
	msgs := e.newMail(t, n)
	if len(msgs) != 1 || msgs[0].To != a.Email || msgs[0].Subject != fmt.Sprintf(latchkey.SubjectInvite, "Acme") {
		t.Fatalf("mails %+v, want one invitation to %s", msgs, a.Email)
	}
	if !strings.Contains(msgs[0].Text, "Ada Admin") {
		t.Errorf("the invitation does not say who invited: %s", msgs[0].Text)
	}
	evs := e.events(t, f.ws, latchkey.EventAccountInvite)
	if len(evs) == 0 || evs[0].AccountID != a.ID || evs[0].ActorID != f.admin.ID {
		t.Errorf("newest invite event %+v, want ines invited by the admin", evs)
	}
	// The console's invitation records where it came from, like every other audited action.
	if len(evs) > 0 && (evs[0].ClientAddr == "" || evs[0].UserAgent == "") {
		t.Errorf("invite event %+v has no client address or user agent", evs[0])
	}

	for _, tc := range []struct {
		name, email, role string
		status            int
		field, msg        string
	}{
		{"taken", "BOB@acme.example", "member", http.StatusConflict, "email", latchkey.MsgEmailTaken},
		{"invalid", "not an email", "member", http.StatusBadRequest, "email", latchkey.MsgEmailInvalid},
		{"empty", "", "member", http.StatusBadRequest, "email", latchkey.MsgEmailRequired},
		{"role", "jo@acme.example", "owner", http.StatusBadRequest, "role", latchkey.MsgRoleInvalid},
	} {
		n := len(e.mail(t))
		r := b.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/members/invite"),
			url.Values{"email": {tc.email}, "name": {"Jo"}, "role": {tc.role}})
		wantMemberError(t, r, tc.status, tc.msg)
		wantInvalid(t, r, tc.field)
		if got := webtest.Attr(r.Input("email"), "value"); got != tc.email {
			t.Errorf("%s: email field %q, want %q", tc.name, got, tc.email)
		}
		if got := webtest.Attr(r.Input("name"), "value"); got != "Jo" {
			t.Errorf("%s: name field %q, want Jo", tc.name, got)
		}
		if len(e.newMail(t, n)) != 0 {
			t.Errorf("%s: mail was sent", tc.name)
		}
	}
	if _, err := e.store.AccountByEmail(t.Context(), f.ws.ID, "jo@acme.example"); err == nil {
		t.Error("an invitation with a bad role created an account")
	}

	// Ines sets her password from the mail and signs in as an administrator.
	link := onlyLink(t, msgs[0])
	ib := e.newBrowser(t)
	r = ib.setPassword(t, link, goodPassword, goodPassword)
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.Notice(), latchkey.MsgPasswordSet; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	ib.mustLogin(t, e, "acme", a.Email, goodPassword)
	if r := ib.Get(t, e.url("acme", "/admin/members")); r.Status != http.StatusOK {
		t.Errorf("the new administrator gets %d on the members page", r.Status)
	}
}

func TestResendInvitationFromMembersPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	carol, first := e.invite(t, f.ws, "carol@acme.example", latchkey.RoleMember)
	b := e.adminBrowser(t, f)
	n := len(e.mail(t))

	r := b.act(t, e, carol, "resend", nil)
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgInvitationSent, carol.Email, "7 days"); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	msgs := e.newMail(t, n)
	if len(msgs) != 1 || msgs[0].To != carol.Email {
		t.Fatalf("mails %+v, want one to carol", msgs)
	}
	fresh := onlyLink(t, msgs[0])
	if fresh == first {
		t.Fatal("the resent invitation has the old link")
	}
	cb := e.newBrowser(t)
	wantLinkInvalid(t, cb.Get(t, first))
	if r := cb.Get(t, fresh); r.Status != http.StatusOK || r.Input("password") == nil {
		t.Fatalf("the fresh link: %d %q", r.Status, r.Alert())
	}
	evs := e.events(t, f.ws, latchkey.EventAccountInvite)
	if len(evs) == 0 || evs[0].Detail != "resend" || evs[0].ActorID != f.admin.ID || evs[0].ClientAddr != "198.51.100.9" {
		t.Errorf("newest invite event %+v, want a resend by the admin from 198.51.100.9", evs)
	}

	// An active member has no invitation to resend.
	n = len(e.mail(t))
	wantMemberError(t, b.act(t, e, f.member, "resend", nil), http.StatusConflict, latchkey.MsgNotInvited)
	if len(e.newMail(t, n)) != 0 {
		t.Error("a resend to an active member sent mail")
	}

	// After seven days the link explains itself and points to the administrator.
	e.clock.Advance(7 * 24 * time.Hour)
	r = cb.Get(t, fresh)
	wantLinkInvalid(t, r)
	if !containsText(r, "Ask your administrator") {
		t.Errorf("the expired link does not say to ask the administrator: %q", r.Text())
	}
}

func TestSuspendAndReactivate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	bob := e.newBrowser(t)
	bobCookie := bob.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	bob2 := e.newBrowser(t)
	bob2Cookie := bob2.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	b := e.adminBrowser(t, f)
	adminCookie := b.Cookie(t, e.url("acme", "/"), "latchkey_session")

	r := b.act(t, e, f.member, "suspend", nil)
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgMemberSuspended, f.member.Email); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if got := memberRows(t, r)[f.member.Email].Status; got != "suspended" {
		t.Errorf("bob's row says %q", got)
	}
	for _, c := range []string{bobCookie, bob2Cookie} {
		if e.sessionExists(t, f.ws, c) {
			t.Error("a session of the suspended member outlived the suspension")
		}
	}
	if bob.signedIn(t, e, "acme") || bob2.signedIn(t, e, "acme") {
		t.Error("the suspended member's cookie still works")
	}
	if !e.sessionExists(t, f.ws, adminCookie) {
		t.Error("suspending bob ended the administrator's session")
	}
	wantRefused(t, bob.login(t, e, "acme", f.member.Email, goodPassword), http.StatusForbidden, latchkey.MsgNotActive)
	evs := e.events(t, f.ws, latchkey.EventAccountSuspend)
	if len(evs) != 1 || evs[0].AccountID != f.member.ID || evs[0].ActorID != f.admin.ID || evs[0].Detail != "was active; 2 sessions ended" {
		t.Errorf("suspend events %+v", evs)
	}

	wantMemberError(t, b.act(t, e, f.member, "suspend", nil), http.StatusConflict, latchkey.MsgAlreadySuspended)
	wantMemberError(t, b.act(t, e, f.admin, "reactivate", nil), http.StatusConflict, latchkey.MsgNotSuspended)

	r = b.act(t, e, f.member, "reactivate", nil)
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgMemberReactivated, f.member.Email); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	bob.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	if evs := e.events(t, f.ws, latchkey.EventAccountActivate); len(evs) != 1 || evs[0].ActorID != f.admin.ID {
		t.Errorf("activate events %+v", evs)
	}

	// An unknown member is a 404, whatever the action.
	ghost := latchkey.Account{ID: "NOSUCHACCOUNT", WorkspaceID: f.ws.ID}
	for _, action := range []string{"resend", "suspend", "reactivate", "role", "remove"} {
		r := b.act(t, e, ghost, action, url.Values{"role": {"admin"}, "confirm": {"yes"}})
		if r.Status != http.StatusNotFound {
			t.Errorf("%s on an unknown member: %d, want 404", action, r.Status)
		}
	}
	// Nor does a notice address claim what did not happen.
	r = b.Get(t, e.url("acme", "/admin/members?m=suspended&id="+f.admin.ID))
	if r.Notice() != "" {
		t.Errorf("a crafted address shows %q", r.Notice())
	}
}

// The last active administrator cannot be suspended, demoted or removed, by anyone, themselves
// included.
func TestLastAdministrator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.adminBrowser(t, f)

	r := b.Get(t, e.url("acme", "/admin/members"))
	if got := memberRows(t, r)[f.admin.Email].Actions; !cmp.Equal(got, []string{"Make member"}) {
		t.Errorf("own row actions %q, want only Make member", got)
	}
	for _, tc := range []struct {
		action string
		fields url.Values
	}{
		{"suspend", nil},
		{"role", url.Values{"role": {"member"}}},
		{"remove", url.Values{"confirm": {"yes"}}},
	} {
		wantMemberError(t, b.act(t, e, f.admin, tc.action, tc.fields), http.StatusConflict, latchkey.MsgLastAdmin)
	}
	if a, ok := e.account(t, f.admin); !ok || a.Status != latchkey.StatusActive || a.Role != latchkey.RoleAdmin {
		t.Fatalf("the last administrator is now %+v (exists %v)", a, ok)
	}
	for _, typ := range []latchkey.EventType{latchkey.EventAccountSuspend, latchkey.EventAccountRole, latchkey.EventAccountRemove} {
		if evs := e.events(t, f.ws, typ); len(evs) != 0 {
			t.Errorf("refused actions audited as %s: %+v", typ, evs)
		}
	}
	if !b.signedIn(t, e, "acme") {
		t.Fatal("the refused actions signed the administrator out")
	}

	// With bob an administrator too, the first one may step down.
	r = b.act(t, e, f.member, "role", url.Values{"role": {"admin"}})
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgMemberRoleChanged, f.member.Email, "an administrator"); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	bob := e.newBrowser(t)
	bob.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	if r := bob.Get(t, e.url("acme", "/admin/members")); r.Status != http.StatusOK {
		t.Errorf("bob, now an administrator, gets %d on the members page", r.Status)
	}
	// A change of privilege ends the member's sessions, the actor's own included: the former
	// administrator signs in again, as a member.
	r = b.act(t, e, f.admin, "role", url.Values{"role": {"member"}})
	wantPage(t, r, http.StatusOK, "/login")
	if b.signedIn(t, e, "acme") {
		t.Fatal("stepping down kept the administrator's session")
	}
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	if got, want := b.Get(t, e.url("acme", "/dashboard")).Heading(), "Your dashboard"; got != want {
		t.Errorf("after stepping down: heading %q, want %q", got, want)
	}
	if r := b.Get(t, e.url("acme", "/admin/members")); r.Status != http.StatusNotFound {
		t.Errorf("the former administrator gets %d on the members page, want 404", r.Status)
	}
	evs := e.events(t, f.ws, latchkey.EventAccountRole)
	if len(evs) != 2 || evs[0].AccountID != f.admin.ID || evs[0].Detail != "admin → member" || evs[1].Detail != "member → admin" {
		t.Errorf("role events %+v", evs)
	}

	// And now bob is the last one.
	r = bob.act(t, e, f.member, "role", url.Values{"role": {"member"}})
	wantMemberError(t, r, http.StatusConflict, latchkey.MsgLastAdmin)
	wantMemberError(t, bob.act(t, e, f.member, "role", url.Values{"role": {"owner"}}), http.StatusBadRequest, latchkey.MsgRoleInvalid)
}

func TestRemoveMember(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	bob := e.newBrowser(t)
	bobCookie := bob.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	b := e.adminBrowser(t, f)

	r := b.Get(t, e.url("acme", "/admin/members"))
	confirm := "/admin/members?remove=" + f.member.ID
	if !containsLink(r, confirm) {
		t.Fatalf("no link to confirm bob's removal in %q", r.Links())
	}
	r = b.Get(t, e.url("acme", confirm))
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got := r.Texts("h2", ""); !slices.Contains(got, "Remove "+f.member.Email+"?") {
		t.Errorf("headings %q, want the confirmation question", got)
	}
	if got := r.Texts("button", "danger"); !cmp.Equal(got, []string{"Remove member"}) {
		t.Errorf("danger buttons %q, want [Remove member]", got)
	}

	// Without the confirmation, the request only asks for it.
	r = b.act(t, e, f.member, "remove", nil)
	wantPage(t, r, http.StatusOK, "/admin/members")
	if r.URL.RawQuery != "remove="+f.member.ID {
		t.Errorf("an unconfirmed removal went to %s, want the confirmation", r.URL)
	}
	if _, ok := e.account(t, f.member); !ok {
		t.Fatal("an unconfirmed removal removed the member")
	}

	r = b.act(t, e, f.member, "remove", url.Values{"confirm": {"yes"}})
	wantPage(t, r, http.StatusOK, "/admin/members")
	if got, want := r.Notice(), fmt.Sprintf(latchkey.MsgMemberRemoved, f.member.Email); got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if _, ok := memberRows(t, r)[f.member.Email]; ok {
		t.Error("the removed member is still listed")
	}
	if _, ok := e.account(t, f.member); ok {
		t.Error("the account still exists")
	}
	if e.sessionExists(t, f.ws, bobCookie) || bob.signedIn(t, e, "acme") {
		t.Error("the removed member is still signed in")
	}
	wantRefused(t, bob.login(t, e, "acme", f.member.Email, goodPassword), http.StatusUnauthorized, latchkey.MsgBadCredentials)
	evs := e.events(t, f.ws, latchkey.EventAccountRemove)
	if len(evs) != 1 || evs[0].AccountID != f.member.ID || evs[0].ActorID != f.admin.ID || evs[0].Email != f.member.Email {
		t.Errorf("remove events %+v", evs)
	}
	if r := b.act(t, e, f.member, "remove", url.Values{"confirm": {"yes"}}); r.Status != http.StatusNotFound {
		t.Errorf("removing again: %d, want 404", r.Status)
	}
	if r := b.Get(t, e.url("acme", confirm)); r.Status != http.StatusNotFound {
		t.Errorf("confirming a removed member: %d, want 404", r.Status)
	}
}

// An administrator who suspends their own account (another one being left) is signed out.
func TestSuspendOwnAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	e.setAccount(t, f.member, func(a *latchkey.Account) { a.Role = latchkey.RoleAdmin })
	b := e.adminBrowser(t, f)
	cookie := b.Cookie(t, e.url("acme", "/"), "latchkey_session")

	r := b.act(t, e, f.admin, "suspend", nil)
	wantPage(t, r, http.StatusOK, "/login")
	if got, want := r.Notice(), latchkey.MsgSignedOut; got != want {
		t.Errorf("notice %q, want %q", got, want)
	}
	if c := r.SetCookie("latchkey_session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("the session cookie was not cleared: %q", r.SetCookieLine("latchkey_session"))
	}
	if e.sessionExists(t, f.ws, cookie) {
		t.Error("the session outlived the suspension")
	}
	wantRefused(t, b.login(t, e, "acme", f.admin.Email, goodPassword), http.StatusForbidden, latchkey.MsgNotActive)
}

// A passkey counts as a second factor on the members page, beside the authenticator app.
func TestMembersPageShowsPasskeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	for i, name := range []string{"Laptop", "Phone"} {
		if err := e.store.CreatePasskey(t.Context(), latchkey.Passkey{ID: latchkey.NewID(), WorkspaceID: f.ws.ID, AccountID: f.member.ID,
			CredentialID: []byte{byte(i + 1)}, PublicKey: []byte("key"), Name: name, CreatedAt: start}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.newBrowser(t)
	b.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	rows := memberRows(t, b.Get(t, e.url("acme", "/admin/members")))
	if got, want := rows[f.member.Email].TwoFactor, "Passkeys (2)"; got != want {
		t.Errorf("member with two passkeys: two-factor %q, want %q", got, want)
	}
	if got, want := rows[f.admin.Email].TwoFactor, "Off"; got != want {
		t.Errorf("admin without a second factor: two-factor %q, want %q", got, want)
	}
}
