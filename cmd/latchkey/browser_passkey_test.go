package main

import (
	"context"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/latchkey/latchkey"
)

// TestBrowserPasskey adds a passkey through the real pages in Chromium, with the browser's
// virtual authenticator over CDP (a CTAP2 platform authenticator with resident keys and user
// verification), signs out, and signs in with the passkey and no password.
func TestBrowserPasskey(t *testing.T) { browserPasskey(t, false) }

// TestBrowserPasskeyFallback is TestBrowserPasskey in a browser without
// PublicKeyCredential.parseCreationOptionsFromJSON, parseRequestOptionsFromJSON and toJSON
// (removed before the page's scripts run), so that passkey.js's own encoding is what runs.
func TestBrowserPasskeyFallback(t *testing.T) { browserPasskey(t, true) }

func browserPasskey(t *testing.T, fallback bool) {
	t.Parallel()
	m, d := bootDemo(t)
	ctx := startBrowser(t)
	base := m.Service.WorkspaceURL("acme")

	var heading, notice string
	setup := chromedp.ActionFunc(func(ctx context.Context) error { return nil })
	if fallback {
		setup = func(ctx context.Context) error {
			_, err := cdppage.AddScriptToEvaluateOnNewDocument(`delete PublicKeyCredential.parseCreationOptionsFromJSON;
delete PublicKeyCredential.parseRequestOptionsFromJSON;
delete PublicKeyCredential.prototype.toJSON;`).Do(ctx)
			return err
		}
	}
	err := chromedp.Run(ctx,
		setup,
		chromedp.Navigate(base+"/login"),
		webauthn.Enable().WithEnableUI(false),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := webauthn.AddVirtualAuthenticator(&webauthn.VirtualAuthenticatorOptions{
				Protocol:                    webauthn.AuthenticatorProtocolCtap2,
				Ctap2version:                webauthn.Ctap2versionCtap21,
				Transport:                   webauthn.AuthenticatorTransportInternal,
				HasResidentKey:              true,
				HasUserVerification:         true,
				IsUserVerified:              true,
				AutomaticPresenceSimulation: true,
			}).Do(ctx)
			return err
		}),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, d.MemberEmail, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, d.MemberPassword, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Your dashboard"),
		chromedp.Navigate(base+"/profile/two-factor"),
		chromedp.WaitVisible(`#passkey-name`, chromedp.ByQuery),
		chromedp.SendKeys(`#passkey-name`, "Chromium", chromedp.ByQuery),
		chromedp.Click(`[data-passkey=add] [data-passkey-start]`, chromedp.ByQuery),
		textOf(`.notice`, &notice, latchkey.MsgPasskeyAdded),
	)
	if fallback {
		var gone bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(`typeof PublicKeyCredential.parseCreationOptionsFromJSON === "undefined" && typeof PublicKeyCredential.prototype.toJSON === "undefined"`, &gone)); err != nil || !gone {
			t.Fatalf("the JSON helpers are still there (%v): the fallback did not run", err)
		}
	}
	if err != nil {
		var shown string
		chromedp.Run(ctx, chromedp.Evaluate(`(document.querySelector("[data-passkey-error]")||{}).textContent||""`, &shown))
		t.Fatalf("add a passkey: %v (page says %q)", err, shown)
	}

	err = chromedp.Run(ctx,
		chromedp.Click(`header button`, chromedp.ByQuery),
		textOf(`.notice`, new(string), latchkey.MsgSignedOut), // the signed-out page, not the old one's notice
		// Chromium's virtual authenticator may answer the page's autofill (conditional) request
		// by itself and sign in before the click lands: either way ends on the dashboard, so a
		// click on a button that is already gone is no failure. Neither the wait nor the click
		// may query a node: the page can navigate away under them, and a node query then waits
		// on the old document until the test's timeout.
		until(`(function(){const box=document.querySelector("[data-passkey=signin]"); if (box && !box.hidden) return "button";
const h=document.querySelector("h1"); return h && h.textContent.trim() === "Your dashboard" ? "dashboard" : ""})()`,
			"neither the passkey button nor the dashboard", new(string)),
		chromedp.ActionFunc(func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			chromedp.Evaluate(`(function(){const b=document.querySelector("[data-passkey=signin] [data-passkey-start]"); if (b) b.click(); return true})()`, nil).Do(ctx)
			return nil
		}),
		textOf(`h1:not(:empty)`, &heading, "Your dashboard"),
	)
	if err != nil {
		var shown string
		chromedp.Run(ctx, chromedp.Evaluate(`(document.querySelector("[data-passkey-error]")||{}).textContent||""`, &shown))
		t.Fatalf("sign in with the passkey: %v (page says %q)", err, shown)
	}
	a, err := m.Store.AccountByEmail(t.Context(), mustWorkspace(t, m).ID, d.MemberEmail)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := m.Store.Passkeys(t.Context(), a.WorkspaceID, a.ID)
	if err != nil || len(ps) != 1 || ps[0].Name != "Chromium" || ps[0].LastUsedAt.IsZero() {
		t.Fatalf("passkeys after the sign-in: %+v, %v", ps, err)
	}
}
