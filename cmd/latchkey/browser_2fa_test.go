package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/totp"
)

// TestBrowserTwoFactor sets up two-factor authentication through the real pages in Chromium,
// reading the key as text as a person typing it into their app would, signs out, and signs in
// again with a code computed from that key.
func TestBrowserTwoFactor(t *testing.T) {
	t.Parallel()
	m, d := bootDemo(t)
	ctx := startBrowser(t)
	base := m.Service.WorkspaceURL("acme")

	var heading, key string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, d.MemberEmail, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, d.MemberPassword, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Your dashboard"),
		chromedp.Click(`a[href="/profile/two-factor"]`, chromedp.ByQuery),
		textOf(`a[href="/profile/two-factor/setup"]`, new(string)),
		chromedp.Click(`a[href="/profile/two-factor/setup"]`, chromedp.ByQuery),
		textOf(`#totp-key`, &key),
	)
	if err != nil {
		t.Fatalf("reach the set-up page: %v", err)
	}
	secret := strings.ReplaceAll(key, " ", "")
	code, err := totp.Code(secret, totp.Step(m.Service.Now()))
	if err != nil {
		t.Fatalf("the key shown (%q) is not a TOTP key: %v", key, err)
	}
	var notice, codes string
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#password`, d.MemberPassword, chromedp.ByQuery),
		chromedp.SendKeys(`#code`, code, chromedp.ByQuery),
		chromedp.Click(`form[action="/profile/two-factor/setup"] button[type=submit]`, chromedp.ByQuery),
		textOf(`.notice`, &notice),
		textOf(`#recovery-codes`, &codes),
	)
	if err != nil {
		t.Fatalf("confirm the set-up: %v", err)
	}
	if notice != latchkey.MsgTwoFactorOn || len(strings.Fields(codes)) != 10 {
		t.Fatalf("after set-up: notice %q and %d recovery codes, want %q and 10", notice, len(strings.Fields(codes)), latchkey.MsgTwoFactorOn)
	}

	// Sign out and in again: the password now leads to the two-factor page.
	var intro string
	err = chromedp.Run(ctx,
		chromedp.Click(`header button`, chromedp.ByQuery),
		textOf(`.notice`, new(string), latchkey.MsgSignedOut), // the signed-out page, not the old one's notice
		chromedp.SendKeys(`#email`, d.MemberEmail, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, d.MemberPassword, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, latchkey.MsgTwoFactorTitle),
		textOf(`p.sub`, &intro),
	)
	if err != nil {
		t.Fatalf("password step with 2FA on: %v", err)
	}
	if intro != latchkey.MsgPasswordAccepted {
		t.Fatalf("two-factor page says %q, want %q", intro, latchkey.MsgPasswordAccepted)
	}
	// The code used to confirm the set-up is spent; use the next step's code, which the window
	// of one step either way accepts.
	next, _ := totp.Code(secret, totp.Step(m.Service.Now())+1)
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#code`, next, chromedp.ByQuery),
		chromedp.Click(`form[action="/two-factor"] button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Your dashboard"),
	)
	if err != nil {
		t.Fatalf("sign in with a code in the browser: %v", err)
	}
}
