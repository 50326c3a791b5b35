package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/latchkey/latchkey"
)

// An administrator adds a laptop and assigns it to the member; the member signs in and sees
// it on their dashboard.
func TestBrowserAssignLaptop(t *testing.T) {
	t.Parallel()
	m, d := bootDemo(t)
	ctx := startBrowser(t)
	base := m.Service.WorkspaceURL("acme")
	ws, err := m.Store.WorkspaceBySlug(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	member, err := m.Store.AccountByEmail(t.Context(), ws.ID, d.MemberEmail)
	if err != nil {
		t.Fatal(err)
	}

	var heading, status string
	err = chromedp.Run(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, d.AdminEmail, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, d.AdminPassword, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Admin dashboard"),
		chromedp.Navigate(base+"/admin/hardware"),
		chromedp.WaitVisible(`#hw-name`, chromedp.ByQuery),
		chromedp.SendKeys(`#hw-name`, "ThinkPad T14 for testing", chromedp.ByQuery),
		chromedp.SendKeys(`#hw-tag`, "LT-9000", chromedp.ByQuery),
		chromedp.Click(`form[method=post][action="/admin/hardware"] button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "LT-9000 · ThinkPad T14 for testing"),
		chromedp.SetValue(`#assign-to`, member.ID, chromedp.ByQuery),
		chromedp.Click(`form[action$="/assign"] button`, chromedp.ByQuery),
		textOf(`main .panel p strong + strong`, &status, d.MemberEmail),
		chromedp.Click(`header button`, chromedp.ByQuery),
		textOf(`.notice`, new(string), latchkey.MsgSignedOut), // the signed-out page, not the old one's notice
	)
	if err != nil {
		t.Fatalf("admin assigns the laptop: %v (heading %q)", err, heading)
	}

	var table string
	err = chromedp.Run(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, d.MemberEmail, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, d.MemberPassword, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Your dashboard"),
		textOf(`main .panel table`, &table),
	)
	if err != nil {
		t.Fatalf("member signs in: %v", err)
	}
	if !strings.Contains(table, "ThinkPad T14 for testing") || !strings.Contains(table, "LT-9000") {
		t.Fatalf("the member's hardware: %q", table)
	}
}
