package web_test

import (
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

// auditRow is one row of the audit table.
type auditRow struct {
	When, What, Who, Email, Address, Detail string
}

// auditRows returns the rows of the audit table, in order.
func auditRows(t *testing.T, r *webtest.Response) []auditRow {
	t.Helper()
	var rows []auditRow
	for _, tr := range r.Find(func(n *html.Node) bool { return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" }) {
		var cells []string
		for c := range tr.ChildNodes() {
			if c.Type == html.ElementNode && c.Data == "td" {
				cells = append(cells, webtest.Text(c))
			}
		}
		if len(cells) != 6 {
			t.Fatalf("an audit row has %d cells, want 6: %q", len(cells), cells)
		}
		rows = append(rows, auditRow{cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]})
	}
	return rows
}

// olderLink returns the href of the page's "Older" link, or "".
func olderLink(r *webtest.Response) string {
	for _, a := range r.Find(func(n *html.Node) bool { return n.Data == "a" && webtest.Text(n) == "Older" }) {
		return webtest.Attr(a, "href")
	}
	return ""
}

func TestAuditPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.adminBrowser(t, f)
	step := func() { e.clock.Advance(time.Minute) }

	step()
	wantPage(t, b.Submit(t, e.url("acme", "/admin/members"), e.url("acme", "/admin/members/invite"),
		url.Values{"email": {"carol@acme.example"}, "role": {"member"}}), http.StatusOK, "/admin/members")
	step()
	wantPage(t, b.act(t, e, f.member, "suspend", nil), http.StatusOK, "/admin/members")
	step()
	wantPage(t, b.act(t, e, f.member, "role", url.Values{"role": {"admin"}}), http.StatusOK, "/admin/members")
	step()
	wantPage(t, b.saveSettings(t, e, "14", "on", "0"), http.StatusOK, "/admin/settings")
	step()
	eve := e.newBrowser(t)
	eve.Addr = "203.0.113.66"
	eve.login(t, e, "acme", "eve@acme.example", wrongPassword)

	r := b.Get(t, e.url("acme", "/admin/audit"))
	wantPage(t, r, http.StatusOK, "/admin/audit")
	if got, want := r.Heading(), "Audit log"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	wantNoInline(t, r)
	if got, want := r.Texts("th", ""), []string{"When", "What", "Who", "Email", "Address", "Detail"}; !cmp.Equal(got, want) {
		t.Errorf("columns %q, want %q", got, want)
	}
	rows := auditRows(t, r)
	if len(rows) < 6 {
		t.Fatalf("%d rows, want at least 6", len(rows))
	}
	at := func(minutes int) string {
		return start.Add(time.Duration(minutes) * time.Minute).Format("2 Jan 2006 15:04:05 UTC")
	}
	want := []auditRow{
		{at(5), "Unknown email", "", "eve@acme.example", "203.0.113.66", ""},
		{at(4), "Settings changed", f.admin.Email, f.admin.Email, "198.51.100.9", "minimum password length: 0 → 14"},
		{at(3), "Role changed", f.admin.Email, f.member.Email, "198.51.100.9", "member → admin"},
		{at(2), "Suspended", f.admin.Email, f.member.Email, "198.51.100.9", "was active; 0 sessions ended"},
		{at(1), "Invited", f.admin.Email, "carol@acme.example", "198.51.100.9", "member"},
		{at(0), "Signed in", "", f.admin.Email, "198.51.100.9", ""},
	}
	if diff := cmp.Diff(want, rows[:6]); diff != "" {
		t.Errorf("newest rows (-want +got):\n%s", diff)
	}
	if olderLink(r) != "" {
		t.Error("an Older link on the only page")
	}

	for _, tc := range []struct {
		query string
		what  []string
	}{
		{"?what=account", []string{"Role changed", "Suspended", "Invited", "Invited"}},
		{"?what=signin", []string{"Unknown email", "Signed in"}},
		{"?what=workspace", []string{"Settings changed", "Workspace created"}},
		{"?what=password", nil},
		{"?email=BOB@acme.example", []string{"Role changed", "Suspended", "Invited"}},
		{"?what=account&email=bob%40acme.example", []string{"Role changed", "Suspended", "Invited"}},
		{"?what=nonsense&email=eve%40acme.example", []string{"Unknown email"}},
	} {
		r := b.Get(t, e.url("acme", "/admin/audit"+tc.query))
		wantPage(t, r, http.StatusOK, "/admin/audit")
		var what []string
		for _, row := range auditRows(t, r) {
			what = append(what, row.What)
		}
		if !cmp.Equal(what, tc.what) {
			t.Errorf("%s: events %q, want %q", tc.query, what, tc.what)
		}
	}
	r = b.Get(t, e.url("acme", "/admin/audit?what=account&email=bob%40acme.example"))
	if _, sel := options(r, "what"); sel != "account" {
		t.Errorf("group shown %q, want account", sel)
	}
	if got := webtest.Attr(r.Input("email"), "value"); got != "bob@acme.example" {
		t.Errorf("email shown %q", got)
	}
	if got := labelOf(r, "what"); got != "What" {
		t.Errorf("group label %q", got)
	}
}

// Paging with "Older" shows every event once, even when events share a time across the
// boundary of a page.
func TestAuditPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	b := e.adminBrowser(t, f)
	// 120 events a second apart, except that 65 to 74 share one time: newest first, the first
	// page of 50 ends inside them.
	base := start.Add(time.Hour)
	for i := range 120 {
		at := base.Add(time.Duration(i) * time.Second)
		if i >= 65 && i <= 74 {
			at = base.Add(65 * time.Second)
		}
		if err := e.store.RecordEvent(t.Context(), latchkey.Event{
			ID: latchkey.NewID(), WorkspaceID: f.ws.ID, Type: latchkey.EventWrongPassword,
			Email: "paging@acme.example", Detail: fmt.Sprintf("event %03d", i), Time: at,
		}); err != nil {
			t.Fatal(err)
		}
	}

	var seen []string
	var sizes []int
	next := "/admin/audit?email=paging%40acme.example"
	pages := 0
	for next != "" {
		pages++
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		r := b.Get(t, e.url("acme", next))
		wantPage(t, r, http.StatusOK, "/admin/audit")
		rows := auditRows(t, r)
		if len(rows) == 0 || len(rows) > 50 {
			t.Fatalf("page %d: %d rows", pages, len(rows))
		}
		sizes = append(sizes, len(rows))
		for _, row := range rows {
			seen = append(seen, row.Detail)
		}
		next = olderLink(r)
		if next != "" && !strings.Contains(next, "email=paging%40acme.example") {
			t.Errorf("the Older link %q drops the email filter", next)
		}
		if pages > 1 && !containsLink(r, "/admin/audit?email=paging%40acme.example") {
			t.Errorf("page %d has no link back to the newest", pages)
		}
	}
	want := make([]string, 120)
	for i := range want {
		want[i] = fmt.Sprintf("event %03d", 119-i)
	}
	got := slices.Clone(seen)
	slices.Sort(got)
	slices.Reverse(got)
	if !cmp.Equal(got, want) {
		t.Errorf("events seen across the pages (%d): %q, want each of the 120 once", len(seen), seen)
	}
	// The first page stops before the ten events of one time, which start the second.
	if want := []int{45, 50, 25}; !cmp.Equal(sizes, want) {
		t.Errorf("page sizes %v, want %v", sizes, want)
	}

	r := b.Get(t, e.url("acme", "/admin/audit?before=not-a-time&email=paging%40acme.example"))
	if rows := auditRows(t, r); len(rows) != 45 || rows[0].Detail != "event 119" {
		t.Errorf("a malformed before: %d rows from %q, want the newest page", len(rows), rows[0].Detail)
	}
}
