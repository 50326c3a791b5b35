package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
)

// TestBrowserPasswordReset walks the reset flow in Chromium: Forgot password? on the sign-in
// page, the email (delivered by the running server's mail worker into the outbox), the link,
// Set a new password, and signing in with the new password.
func TestBrowserPasswordReset(t *testing.T) {
	t.Parallel()
	m, d := bootDemo(t)
	ctx := startBrowser(t)
	base := m.Service.WorkspaceURL("acme")
	outbox := filepath.Join(m.Config.DataDir, "outbox")
	before, _ := mail.ReadOutbox(outbox)

	var title, confirmation string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`a[href="/forgot-password"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="/forgot-password"]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &title, latchkey.MsgForgotTitle),
		chromedp.SendKeys(`#email`, d.MemberEmail, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`[role=status]`, &confirmation),
	)
	if err != nil {
		t.Fatalf("request a reset link in the browser: %v", err)
	}
	if confirmation != latchkey.MsgResetSent {
		t.Fatalf("confirmation %q, want %q", confirmation, latchkey.MsgResetSent)
	}

	// The request only queued the mail; the server's worker delivers it.
	link := ""
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for link == "" {
		msgs, _ := mail.ReadOutbox(outbox)
		for _, msg := range msgs[min(len(before), len(msgs)):] {
			for _, l := range mail.Links(msg.Text) {
				if msg.To == d.MemberEmail && strings.Contains(l, "/reset-password/") {
					link = l
				}
			}
		}
		if link != "" {
			break
		}
		select {
		case <-deadline:
			t.Fatal("no reset email reached the outbox within 20s")
		case <-tick.C:
		}
	}

	const newPassword = "a brand new passphrase for max"
	var notice, heading string
	err = chromedp.Run(ctx,
		chromedp.Navigate(link),
		textOf(`h1:not(:empty)`, &title, latchkey.MsgResetTitle),
		chromedp.SendKeys(`#email`, d.MemberEmail, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, newPassword, chromedp.ByQuery),
		chromedp.SendKeys(`#confirm`, newPassword, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`.notice`, &notice),
		chromedp.SendKeys(`#email`, d.MemberEmail, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, newPassword, chromedp.ByQuery),
		chromedp.Click(`form[action="/login"] button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Your dashboard"),
	)
	if err != nil {
		t.Fatalf("set a new password and sign in with it: %v", err)
	}
	if notice != latchkey.MsgPasswordResetDone {
		t.Fatalf("after the reset the sign-in page says %q, want %q", notice, latchkey.MsgPasswordResetDone)
	}
}
