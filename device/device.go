// Package device recognises the browsers an account signs in from, for new-device sign-in
// alerts: a long-lived device cookie signed per account, a short description of a user agent
// ("Firefox on Windows"), and the rules of when to send an alert.
//
// A device is remembered by its cookie, not by its address, which changes with every network.
// The cookie holds a random device identifier and an HMAC of it bound to the workspace and the
// account, so that it cannot be forged, nor moved to another account. The store keeps only
// the identifier's hash (latchkey.DeviceStore).
//
//	sign-in ok ─► Parse(cookie) ─ok─► hash ─┐
//	               └─missing/bad─► New() ───┤ (set the cookie)
//	                                        ▼
//	              SeeDevice(hash) ─► ShouldAlert(sighting, alerts on)
//	                                  └─yes─► AlertAllowed(recent alerts, now) ─yes─► queue the email, audit it
package device

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/keyring"
)

// CookieMaxAge is how long a device cookie lives in the browser: long, since forgetting a
// device means one more alert, not a security problem.
const CookieMaxAge = 400 * 24 * time.Hour

// Signer makes and checks device cookie values.
type Signer struct{ key []byte }

// NewSigner returns a signer whose key is derived from the server keyring's current key for
// this one purpose. Rotating the keyring's current key makes the old cookies unknown, and the
// next sign-in from each device sends one alert.
func NewSigner(k *keyring.Keyring) *Signer {
	return &Signer{key: k.Derive("device cookie")}
}

// CookieName is the name of the account's device cookie. Each account of a browser has its
// own, so that two people sharing a browser do not make each other's devices new; the name
// does not show the account ID.
func CookieName(accountID string) string {
	sum := sha256.Sum256([]byte("latchkey device cookie name|" + accountID))
	return "latchkey_device_" + hex.EncodeToString(sum[:8])
}

var b64 = base64.RawURLEncoding

func (s *Signer) mac(ws, accountID, id string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("device|" + ws + "|" + accountID + "|" + id))
	return m.Sum(nil)
}

// New returns the value of a new device cookie of the account and the hash under which the
// store knows the device.
func (s *Signer) New(ws, accountID string) (value, hash string) {
	raw := make([]byte, 32)
	rand.Read(raw) // never returns an error (crypto/rand docs)
	id := b64.EncodeToString(raw)
	return id + "." + b64.EncodeToString(s.mac(ws, accountID, id)), latchkey.HashSecret(id)
}

// Parse checks a device cookie value of the account and returns the device's hash. ok is
// false for a value that this signer did not make for this workspace and account (forged,
// copied from another account, or made under a rotated key): the device is then new.
func (s *Signer) Parse(value, ws, accountID string) (hash string, ok bool) {
	id, sig, found := strings.Cut(value, ".")
	if !found || len(id) != 43 {
		return "", false
	}
	got, err := b64.DecodeString(sig)
	if err != nil || subtle.ConstantTimeCompare(got, s.mac(ws, accountID, id)) != 1 {
		return "", false
	}
	return latchkey.HashSecret(id), true
}

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
