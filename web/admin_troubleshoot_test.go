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
	"github.com/latchkey/latchkey/signin"
	"golang.org/x/net/html"
)

// signInRow is one row of the troubleshooter: what the member saw, the explanation (with the
// hint), and the fix's button or link text ("" for none).
type signInRow struct {
	Outcome, Explain, Fix string
}

func signInRows(t *testing.T, r *webtest.Response) []signInRow {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("troubleshooter: %d at %s, alert %q", r.Status, r.URL, r.Alert())
	}
	var rows []signInRow
	for _, tr := range r.Find(func(n *html.Node) bool { return n.Data == "tr" }) {
		var cells []*html.Node
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "td" {
				cells = append(cells, c)
			}
		}
		if len(cells) != 4 {
			continue
		}
		fix := ""
		for n := range cells[3].Descendants() {
			if n.Type == html.ElementNode && (n.Data == "button" || n.Data == "a") {
				fix = webtest.Text(n)
			}
		}
		rows = append(rows, signInRow{Outcome: webtest.Text(cells[1]), Explain: webtest.Text(cells[2]), Fix: fix})
	}
	return rows
}

func TestSignInTroubleshooterFromRealSignIns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	console := e.newBrowser(t)
	console.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	page := e.url("acme", "/admin/members/"+a.member.ID+"/sign-ins")

	// The members page links each member's sign-ins.
	if r := console.Get(t, e.url("acme", "/admin/members")); !strings.Contains(strings.Join(r.Links(), " "), "/admin/members/"+a.member.ID+"/sign-ins") {
		t.Fatalf("the members page does not link the troubleshooter")
	}

	bob := e.newBrowser(t)
	bob.Addr = "192.0.2.44"
	bob.login(t, e, "acme", a.member.Email, wrongPassword)
	rows := signInRows(t, console.Get(t, page))
	if len(rows) != 1 || rows[0].Outcome != latchkey.MsgBadCredentials || !strings.Contains(rows[0].Explain, "Forgot password?") || rows[0].Fix != "Send a reset link" {
		t.Fatalf("wrong password rows = %+v", rows)
	}
	// One click sends the reset link.
	r := console.Submit(t, page, e.url("acme", "/admin/members/"+a.member.ID+"/send-reset"), nil)
	wantPage(t, r, http.StatusOK, "/admin/members/"+a.member.ID+"/sign-ins")
	if r.Notice() != fmt.Sprintf(latchkey.MsgResetLinkSent, a.member.Email) {
		t.Fatalf("notice = %q", r.Notice())
	}
	msgs := e.mail(t)
	if last := msgs[len(msgs)-1]; last.To != a.member.Email || last.Subject != fmt.Sprintf(latchkey.SubjectReset, "Acme") {
		t.Fatalf("last mail = %s %q", last.To, last.Subject)
	}
	if evs := e.events(t, a.ws, latchkey.EventResetRequested); len(evs) != 1 || evs[0].ActorID != a.admin.ID || evs[0].AccountID != a.member.ID {
		t.Fatalf("reset events = %+v", evs)
	}

	// Too many attempts: the wait left, when it ends, and the action that lifts it.
	for range signin.PairFree {
		bob.login(t, e, "acme", a.member.Email, wrongPassword)
	}
	rows = signInRows(t, console.Get(t, page))
	until := e.clock.Now().Add(signin.PairFirst).UTC().Format("15:04:05 UTC on 2 Jan 2006")
	if rows[0].Outcome != latchkey.MsgTooManyAttempts || !strings.Contains(rows[0].Explain, "1 minute left; the wait ends at "+until) || rows[0].Fix != "Clear sign-in limits" {
		t.Fatalf("throttled row = %+v (want the wait to end at %s)", rows[0], until)
	}
	if !strings.Contains(rows[1].Explain, "This failure started a wait") {
		t.Fatalf("the failure that started the wait = %+v", rows[1])
	}
	e.clock.Advance(2 * time.Minute)
	if rows = signInRows(t, console.Get(t, page)); !strings.Contains(rows[0].Explain, "the wait ended at "+until) || rows[0].Fix != "" {
		t.Fatalf("throttled row after the wait = %+v", rows[0])
	}
	bob.login(t, e, "acme", a.member.Email, wrongPassword)
	r = console.Submit(t, page, e.url("acme", "/admin/members/"+a.member.ID+"/unlock"), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("unlock: %d", r.Status)
	}
	rows = signInRows(t, console.Get(t, page))
	if rows[0].Outcome != latchkey.MsgBadCredentials || !strings.Contains(rows[0].Explain, "but the sign-in limits were cleared since") {
		t.Fatalf("a wait cleared by an administrator = %+v", rows[0])
	}

	// Not active: suspended, then the right password.
	actor, err := e.store.Account(t.Context(), a.ws.ID, a.admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.adm.SuspendMember(t.Context(), admin.MemberAction{Workspace: a.ws, AccountID: a.member.ID, Actor: latchkey.AdminActor(actor)}); err != nil {
		t.Fatal(err)
	}
	bob.login(t, e, "acme", a.member.Email, goodPassword)
	rows = signInRows(t, console.Get(t, page))
	if rows[0].Outcome != latchkey.MsgNotActive || !strings.Contains(rows[0].Explain, "The account was suspended then.") || rows[0].Fix != "Reactivate" {
		t.Fatalf("not active row = %+v", rows[0])
	}
	r = console.Submit(t, page, e.url("acme", "/admin/members/"+a.member.ID+"/reactivate"), nil)
	if r.Status != http.StatusOK {
		t.Fatalf("reactivate: %d", r.Status)
	}
	bob.mustLogin(t, e, "acme", a.member.Email, goodPassword)
	if rows = signInRows(t, console.Get(t, page)); rows[0].Outcome != "Signed in" || rows[0].Fix != "" {
		t.Fatalf("success row = %+v", rows[0])
	}

	// Another workspace's administrator cannot open it; a member cannot either.
	if r := bob.Get(t, page); r.Status != http.StatusNotFound {
		t.Fatalf("a member opens the troubleshooter: %d", r.Status)
	}
	globex, gadmin, _ := e.createWorkspace(t, "globex", "Globex")
	e.activate(t, gadmin, goodPassword)
	g := e.newBrowser(t)
	g.mustLogin(t, e, "globex", gadmin.Email, goodPassword)
	if r := g.Get(t, e.url("globex", "/admin/members/"+a.member.ID+"/sign-ins")); r.Status != http.StatusNotFound {
		t.Fatalf("globex admin opens acme's member: %d", r.Status)
	}
	_ = globex
}

func TestSignInTroubleshooterExplainsEachOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		member func(*latchkey.Account) // the member's state now
		event  latchkey.Event          // Type, Detail, and AccountID "none" for an event that names no account
		want   signInRow               // substrings of Outcome and Explain; Fix exactly
	}{
		{"wrong password", nil, latchkey.Event{Type: latchkey.EventWrongPassword},
			signInRow{latchkey.MsgBadCredentials, "The email or password is wrong", "Send a reset link"}},
		{"throttled, wait left", nil, latchkey.Event{Type: latchkey.EventThrottled, Detail: latchkey.ThrottledDetail(start.Add(4 * time.Minute))},
			signInRow{latchkey.MsgTooManyAttempts, "4 minutes left; the wait ends at 09:04:00 UTC on 4 Mar 2030.", "Clear sign-in limits"}},
		{"throttled, wait over", nil, latchkey.Event{Type: latchkey.EventThrottled, Detail: latchkey.ThrottledDetail(start.Add(-time.Minute))},
			signInRow{latchkey.MsgTooManyAttempts, "the wait ended at 08:59:00 UTC", ""}},
		{"not active, suspended", func(a *latchkey.Account) { a.Status = latchkey.StatusSuspended },
			latchkey.Event{Type: latchkey.EventNotActive, Detail: "suspended"},
			signInRow{latchkey.MsgNotActive, "It is suspended: reactivate it", "Reactivate"}},
		{"not active, invited", func(a *latchkey.Account) { a.Status = latchkey.StatusInvited },
			latchkey.Event{Type: latchkey.EventNotActive, Detail: "invited"},
			signInRow{latchkey.MsgNotActive, "It is not activated yet", "Resend invitation"}},
		{"code rejected, clock ahead", func(a *latchkey.Account) { a.TOTPSecret, a.TOTPEnabledAt = "sealed", start },
			latchkey.Event{Type: latchkey.EventTwoFactorFailed, Detail: "totp; the device's clock is about 3 minutes ahead"},
			signInRow{"The two-factor code is rejected", "the device's clock is about 3 minutes ahead. Ask them to set the device's clock to update automatically.", "Reset two-factor"}},
		{"code rejected, no drift", func(a *latchkey.Account) { a.TOTPSecret, a.TOTPEnabledAt = "sealed", start },
			latchkey.Event{Type: latchkey.EventTwoFactorFailed, Detail: "totp"},
			signInRow{"The two-factor code is rejected", "Codes are time-based and change every 30 seconds", "Reset two-factor"}},
		{"recovery code rejected", func(a *latchkey.Account) { a.TOTPSecret, a.TOTPEnabledAt = "sealed", start },
			latchkey.Event{Type: latchkey.EventTwoFactorFailed, Detail: "recovery code"},
			signInRow{"The recovery code is rejected", "each works once", "Reset two-factor"}},
		{"code reused", nil, latchkey.Event{Type: latchkey.EventTwoFactorReplay},
			signInRow{latchkey.MsgCodeUsed, "A code can be used only once", ""}},
		{"challenge expired", nil, latchkey.Event{Type: latchkey.EventChallengeExpired},
			signInRow{latchkey.MsgChallengeExpired, "The pending two-factor challenge timed out", ""}},
		{"SSO domain refused", nil, latchkey.Event{Type: "signin.sso_refused", Detail: "domain_refused: Google", AccountID: "none"},
			signInRow{"Single sign-on refused: domain not approved", "a domain the workspace doesn't allow", "Approved domains and connections"}},
		{"SSO not provisioned", nil, latchkey.Event{Type: "signin.sso_refused", Detail: "not_provisioned: Okta", AccountID: "none"},
			signInRow{"access not provisioned yet", "Their access has not been provisioned yet", "Approved domains and connections"}},
		{"SSO other refusal", nil, latchkey.Event{Type: "signin.sso_refused", Detail: "issuer_mismatch: Okta"},
			signInRow{"Single sign-on refused", "the detail says which check failed", "Approved domains and connections"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.seedAcme(t)
			admin := e.newBrowser(t)
			admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
			if tc.member != nil {
				e.setAccount(t, a.member, tc.member)
			}
			ev := tc.event
			ev.ID, ev.WorkspaceID, ev.Email, ev.Time, ev.ClientAddr = latchkey.NewID(), a.ws.ID, a.member.Email, start, "192.0.2.9"
			switch ev.AccountID {
			case "none":
				ev.AccountID = ""
			default:
				ev.AccountID = a.member.ID
			}
			if err := e.store.RecordEvent(t.Context(), ev); err != nil {
				t.Fatal(err)
			}
			rows := signInRows(t, admin.Get(t, e.url("acme", "/admin/members/"+a.member.ID+"/sign-ins")))
			if len(rows) != 1 {
				t.Fatalf("rows = %+v, want 1", rows)
			}
			got := rows[0]
			if !strings.Contains(got.Outcome, tc.want.Outcome) || !strings.Contains(got.Explain, tc.want.Explain) || got.Fix != tc.want.Fix {
				t.Fatalf("row = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestSendResetLinkRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", a.admin.Email, goodPassword)
	carol, _ := e.invite(t, a.ws, "carol@acme.example", latchkey.RoleMember)
	page := e.url("acme", "/admin/members/"+carol.ID+"/sign-ins")
	r := admin.Submit(t, page, e.url("acme", "/admin/members/"+carol.ID+"/send-reset"), url.Values{})
	if r.Status != http.StatusConflict || !strings.Contains(r.Text(), latchkey.MsgNotActive) {
		t.Fatalf("reset link for an invited member: %d %q", r.Status, r.Text())
	}
	r = admin.Submit(t, page, e.url("acme", "/admin/members/nobody/send-reset"), url.Values{})
	if r.Status != http.StatusNotFound {
		t.Fatalf("reset link for nobody: %d", r.Status)
	}
}
