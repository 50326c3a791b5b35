package device_test

import (
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/device"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

func TestDescribe(t *testing.T) {
	for _, tc := range []struct{ name, ua, want string }{
		{"Firefox on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Windows"},
		{"Chrome on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome on macOS"},
		{"Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15", "Safari on macOS"},
		{"Safari on iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"Safari on iPadOS", "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPadOS"},
		{"Chrome on iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1", "Chrome on iOS"},
		{"Firefox on iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15", "Firefox on iOS"},
		{"Chrome on Android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36", "Chrome on Android"},
		{"Samsung Internet", "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Samsung Internet on Android"},
		{"Edge on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68", "Edge on Windows"},
		{"Opera on Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0", "Opera on Linux"},
		{"Firefox on Linux", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "Firefox on Linux"},
		{"Chrome on ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36", "Chrome on ChromeOS"},
		{"headless Chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36", "Chrome on Linux"},
		{"iOS WebView", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148", "Unknown browser on iOS"},
		{"curl", "curl/8.8.0", "Unknown device"},
		{"empty", "", "Unknown device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := device.Describe(tc.ua); got != tc.want {
				t.Errorf("Describe(%q)=%q, want %q", tc.ua, got, tc.want)
			}
		})
	}
}

func TestShouldAlert(t *testing.T) {
	for _, tc := range []struct {
		name     string
		s        latchkey.DeviceSighting
		alertsOn bool
		want     bool
	}{
		{"new device of an account with others", latchkey.DeviceSighting{New: true, Others: 1}, true, true},
		{"first device of a new account", latchkey.DeviceSighting{New: true, Others: 0}, true, false},
		{"known device", latchkey.DeviceSighting{New: false, Others: 2}, true, false},
		{"alerts off", latchkey.DeviceSighting{New: true, Others: 3}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := device.ShouldAlert(tc.s, tc.alertsOn); got != tc.want {
				t.Errorf("ShouldAlert(%+v, %t)=%t, want %t", tc.s, tc.alertsOn, got, tc.want)
			}
		})
	}
}

func TestAlertAllowed(t *testing.T) {
	now := time.Date(2031, 3, 4, 5, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, tc := range []struct {
		name string
		sent []time.Time
		want bool
	}{
		{"none sent", nil, true},
		{"two in the hour", []time.Time{ago(time.Minute), ago(30 * time.Minute)}, true},
		{"three in the hour", []time.Time{ago(time.Minute), ago(2 * time.Minute), ago(59 * time.Minute)}, false},
		{"three, the oldest exactly an hour ago", []time.Time{ago(time.Minute), ago(2 * time.Minute), ago(time.Hour)}, true},
		{"three, the oldest just inside the hour", []time.Time{ago(time.Minute), ago(2 * time.Minute), ago(time.Hour - time.Microsecond)}, false},
		{"three long ago", []time.Time{ago(2 * time.Hour), ago(3 * time.Hour), ago(4 * time.Hour)}, true},
		{"order does not matter", []time.Time{ago(59 * time.Minute), ago(time.Second), ago(30 * time.Minute)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := device.AlertAllowed(tc.sent, now); got != tc.want {
				t.Errorf("AlertAllowed=%t, want %t", got, tc.want)
			}
		})
	}
}

// TestAlertFlow walks what the lead's sign-in code does, on a real store: the first sign-in of
// an account sends nothing, a new device sends one alert, a known device none, a flood of new
// devices at most MaxAlerts an hour, and the opt-out holds.
func TestAlertFlow(t *testing.T) {
	ctx := t.Context()
	db, err := sqlstore.Open(ctx, sqlitetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2031, 3, 4, 5, 0, 0, 0, time.UTC)
	ws := latchkey.Workspace{ID: latchkey.NewID(), Slug: "acme", Name: "Acme", CreatedAt: now}
	a := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: "pat@acme.test", Role: latchkey.RoleAdmin,
		Status: latchkey.StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateWorkspace(ctx, ws, a); err != nil {
		t.Fatal(err)
	}
	// signIn is a sign-in from the browser holding cookie; it returns the cookie afterwards
	// and whether an alert went out.
	signIn := func(cookie string) (string, bool) {
		t.Helper()
		if cookie == "" {
			cookie, _ = latchkey.NewSecret()
		}
		hash := latchkey.HashSecret(cookie)
		seen, err := db.SeeDevice(ctx, ws.ID, a.ID, hash, now)
		if err != nil {
			t.Fatal(err)
		}
		on, err := db.NewDeviceAlerts(ctx, ws.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !device.ShouldAlert(seen, on) {
			return cookie, false
		}
		sent, err := device.SentAlerts(ctx, db, ws.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !device.AlertAllowed(sent, now) {
			return cookie, false
		}
		err = db.RecordEvent(ctx, latchkey.Event{ID: latchkey.NewID(), WorkspaceID: ws.ID, AccountID: a.ID,
			Type: latchkey.EventNewDeviceAlert, Time: now})
		if err != nil {
			t.Fatal(err)
		}
		return cookie, true
	}

	laptop, alerted := signIn("")
	if alerted {
		t.Errorf("the account's first sign-in sent an alert")
	}
	if _, alerted := signIn(laptop); alerted {
		t.Errorf("a known device sent an alert")
	}
	if _, alerted := signIn(""); !alerted {
		t.Errorf("a new device sent no alert")
	}
	alerts := 1
	for range 10 {
		now = now.Add(time.Minute)
		if _, alerted := signIn(""); alerted {
			alerts++
		}
	}
	if alerts != device.MaxAlerts {
		t.Errorf("%d alerts within the hour, want %d", alerts, device.MaxAlerts)
	}
	now = now.Add(time.Hour)
	if _, alerted := signIn(""); !alerted {
		t.Errorf("a new device an hour later sent no alert")
	}
	if err := db.SetNewDeviceAlerts(ctx, ws.ID, a.ID, false, now); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if _, alerted := signIn(""); alerted {
		t.Errorf("an alert went out after the person turned them off")
	}
}
