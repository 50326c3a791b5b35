package signin_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/device"
	"github.com/latchkey/latchkey/internal/lifecycletest"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/signin"
)

const firefoxOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"

// signInFrom signs bob in from the browser that holds the device cookie (none: a new browser)
// and returns the browser's device cookie afterwards.
func (e *lcEnv) signInFrom(t *testing.T, cookie, addr string) string {
	t.Helper()
	res, err := e.Svc.PasswordSignIn(t.Context(), signin.PasswordInput{Workspace: e.Workspace(t), Email: "bob@acme.example", Password: lifecycletest.Password,
		Device: cookie, Client: signin.Client{Addr: addr, UserAgent: firefoxOnWindows}})
	if err != nil || res.Pending() || res.Device == "" {
		t.Fatalf("sign in from %s: %+v, %v", addr, res, err)
	}
	return res.Device
}

// alerts returns the new-device alerts that went through the queue since the last call.
func (e *lcEnv) alerts(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, m := range e.DeliveredAll(t) {
		if strings.HasPrefix(m.Subject, "New sign-in to your ") {
			out = append(out, m.Subject+"\n"+m.Text)
		}
	}
	return out
}

// The first sign-in of an account sends nothing; a new browser sends one alert through the
// mail queue, with the time, the device, the address and the Security page; a known browser
// none; a flood of new browsers at most device.MaxAlerts an hour; the opt-out holds.
func TestNewDeviceAlert(t *testing.T) {
	e := newLcEnv(t)
	laptop := e.signInFrom(t, "", "192.0.2.1")
	if got := e.alerts(t); len(got) != 0 {
		t.Fatalf("the first sign-in of the account sent %q", got)
	}
	if again := e.signInFrom(t, laptop, "198.51.100.9"); !strings.HasPrefix(again, strings.SplitN(laptop, ".", 2)[0]+".") {
		t.Fatalf("the device cookie changed its id: %q → %q", laptop, again)
	}
	if got := e.alerts(t); len(got) != 0 {
		t.Fatalf("a known browser (from another address) sent %q", got)
	}

	e.Clock.Advance(time.Minute)
	e.signInFrom(t, "", "203.0.113.7")
	got := e.alerts(t)
	if len(got) != 1 {
		t.Fatalf("a new browser sent %d alerts, want 1: %q", len(got), got)
	}
	for _, want := range []string{"New sign-in to your Acme Corp account", "Firefox on Windows", "203.0.113.7", "http://acme.app.test/profile/security", "UTC"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("the alert does not say %q:\n%s", want, got[0])
		}
	}
	evs, err := e.Store.Events(t.Context(), e.WS.ID, latchkey.EventFilter{Type: latchkey.EventNewDeviceAlert})
	if err != nil || len(evs) != 1 || evs[0].AccountID != e.Bob.ID || evs[0].Detail != "Firefox on Windows from 203.0.113.7" {
		t.Fatalf("audit of the alert: %+v, %v", evs, err)
	}

	// A flood of new browsers within the hour sends at most MaxAlerts in all.
	for i := range 10 {
		e.signInFrom(t, "", fmt.Sprintf("203.0.113.%d", 10+i))
	}
	if got := e.alerts(t); len(got) != device.MaxAlerts-1 {
		t.Fatalf("a flood sent %d more alerts, want %d", len(got), device.MaxAlerts-1)
	}

	// Turned off, none.
	if err := e.Svc.SetNewDeviceAlerts(t.Context(), e.Bob, false, signin.Client{Addr: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(2 * time.Hour)
	e.signInFrom(t, "", "203.0.113.99")
	if got := e.alerts(t); len(got) != 0 {
		t.Fatalf("an alert after the person turned them off: %q", got)
	}
	off, err := e.Svc.NewDeviceAlertsOff(t.Context(), e.WS.ID)
	if err != nil || !off[e.Bob.ID] || len(off) != 1 {
		t.Fatalf("NewDeviceAlertsOff = %v, %v", off, err)
	}
	// And on again.
	if err := e.Svc.SetNewDeviceAlerts(t.Context(), e.Bob, true, signin.Client{}); err != nil {
		t.Fatal(err)
	}
	e.signInFrom(t, "", "203.0.113.100")
	if got := e.alerts(t); len(got) != 1 {
		t.Fatalf("%d alerts after turning them on again, want 1", len(got))
	}
}

// With a job queue, a sign-in from a new browser only queues a job (no mail, no audit event on
// the sign-in's path); the worker then reads the setting, mails the alert and audits it.
func TestNewDeviceAlertIsAJob(t *testing.T) {
	t.Parallel()
	e := newLcEnv(t)
	q := mail.NewQueue(e.Store, nil, e.Clock.Now)
	svc := signin.New(signin.Config{Store: e.Store, Mailer: q, Jobs: q, BaseURL: e.Svc.BaseURL, Now: e.Clock.Now, Keys: e.Svc.Keys, Passwords: e.Svc.Passwords})
	e.Worker.Jobs = svc.Jobs()
	e.Svc = svc
	e.signInFrom(t, "", "192.0.2.1") // the first browser: nothing to alert
	e.signInFrom(t, "", "192.0.2.2") // a second one
	queued := e.Queued(t)
	if len(queued) != 1 || queued[0].Kind != signin.JobNewDeviceAlert || queued[0].To != "" {
		t.Fatalf("queued after the second browser: %+v, want one alert job", queued)
	}
	if evs := e.Events(t, latchkey.EventNewDeviceAlert); len(evs) != 0 {
		t.Fatalf("audited on the sign-in's path: %+v", evs)
	}
	if got := e.alerts(t); len(got) != 1 || !strings.Contains(got[0], "192.0.2.2") {
		t.Fatalf("alerts after the job ran: %q, want one naming the new browser's address", got)
	}
	if evs := e.Events(t, latchkey.EventNewDeviceAlert); len(evs) != 1 {
		t.Fatalf("%d alert events after the job, want 1", len(evs))
	}
}
