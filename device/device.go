// Package device holds the rules of new-device sign-in alerts: a short description of a user
// agent ("Firefox on Windows"), when a sign-in sends an alert, and how many may go out.
//
// A device is remembered by signin's device cookie (latchkey_device), not by its address,
// which changes with every network: the cookie holds a random device identifier and, for each
// account that signed in from the browser, an HMAC bound to the workspace and the account, so
// that it can be neither forged nor moved to another account. The store keeps only the hash of
// the identifier, per account (latchkey.DeviceStore). There is one device cookie: the same one
// spares known browsers the per-account sign-in lockout.
//
//	sign-in ok ─► device cookie (kept, or new) ─► hash of its identifier
//	              SeeDevice(hash) ─► ShouldAlert(sighting, alerts on)
//	                                  └─yes─► AlertAllowed(recent alerts, now) ─yes─► queue the email, audit it
package device

import (
	"context"
	"fmt"
	"time"

	"github.com/latchkey/latchkey"
)

// ShouldAlert reports whether a sign-in seen as s sends a new-device alert to an account
// whose alerts are on: only for a device the account had not used, and never for the first
// device of an account (its first sign-in).
func ShouldAlert(s latchkey.DeviceSighting, alertsOn bool) bool {
	return alertsOn && s.New && s.Others > 0
}

// The alert throttle: at most MaxAlerts alert emails per account in any AlertWindow.
const (
	MaxAlerts   = 3
	AlertWindow = time.Hour
)

// AlertAllowed reports whether one more alert may be sent at now to an account that was sent
// alerts at the times in sent (in any order; the audit log's EventNewDeviceAlert events of the
// account, newest MaxAlerts are enough). It allows at most MaxAlerts in any window of
// AlertWindow, so that a flood of sign-ins sends a few emails, not one each.
func AlertAllowed(sent []time.Time, now time.Time) bool {
	n := 0
	for _, t := range sent {
		if now.Sub(t) < AlertWindow {
			n++
		}
	}
	return n < MaxAlerts
}

// SentAlerts returns the times of the newest MaxAlerts new-device alerts of the account in the
// audit log, for AlertAllowed.
func SentAlerts(ctx context.Context, log latchkey.AuditLog, ws, accountID string) ([]time.Time, error) {
	es, err := log.Events(ctx, ws, latchkey.EventFilter{AccountID: accountID, Type: latchkey.EventNewDeviceAlert, Limit: MaxAlerts})
	if err != nil {
		return nil, fmt.Errorf("read sent alerts: %w", err)
	}
	ts := make([]time.Time, len(es))
	for i, e := range es {
		ts[i] = e.Time
	}
	return ts, nil
}
