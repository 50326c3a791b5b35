package signin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// A device cookie names a browser and lists, signed, the accounts that have signed in from it:
// "<device id>.<mac>.<mac>…", newest first, at most maxDeviceAccounts. Each mac is
// HMAC-SHA256(device key, workspace|account|device id), cut to 96 bits, so that the cookie can
// neither be forged nor moved to another device id, and it names no account in clear. A known
// device is spared the per-account throttle (see passwordRules), and the new-device alert
// reads it too.
const (
	maxDeviceAccounts = 8
	deviceIDLen       = 22 // 16 random bytes, base64url
	deviceMACLen      = 16 // 12 bytes, base64url
)

func (s *Service) deviceMAC(ws, account, id string) string {
	m := hmac.New(sha256.New, s.deviceKey)
	m.Write([]byte("device|" + ws + "|" + account + "|" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// splitDevice parses a device cookie, or returns an empty id for anything malformed.
func splitDevice(cookie string) (id string, macs []string) {
	if len(cookie) > deviceIDLen+(deviceMACLen+1)*maxDeviceAccounts {
		return "", nil
	}
	parts := strings.Split(cookie, ".")
	if len(parts[0]) != deviceIDLen {
		return "", nil
	}
	for _, m := range parts[1:] {
		if len(m) != deviceMACLen {
			return "", nil
		}
	}
	return parts[0], parts[1:]
}

// KnownDevice reports whether the device cookie says that this browser has signed in to the
// account before.
func (s *Service) KnownDevice(cookie, ws, account string) bool {
	if s.deviceKey == nil || account == "" {
		return false
	}
	id, macs := splitDevice(cookie)
	if id == "" {
		return false
	}
	want := s.deviceMAC(ws, account, id)
	found := false
	for _, m := range macs {
		// Every entry is compared, in constant time, so the time does not tell which matched.
		if hmac.Equal([]byte(m), []byte(want)) {
			found = true
		}
	}
	return found
}

// rememberDevice returns the device cookie with the account first in its list: a new cookie when
// the old one is missing or malformed.
func (s *Service) rememberDevice(cookie, ws, account string) string {
	if s.deviceKey == nil {
		return ""
	}
	id, macs := splitDevice(cookie)
	if id == "" {
		b := make([]byte, 16)
		rand.Read(b)
		id, macs = base64.RawURLEncoding.EncodeToString(b), nil
	}
	mac := s.deviceMAC(ws, account, id)
	out := []string{id, mac}
	for _, m := range macs {
		if m != mac && len(out) <= maxDeviceAccounts {
			out = append(out, m)
		}
	}
	return strings.Join(out, ".")
}
