package signin

import (
	"context"
	"fmt"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/device"
	"github.com/latchkey/latchkey/mail"
)

// New-device sign-in alerts. A browser is known to an account by the identifier in signin's
// device cookie (see device.go), the same cookie that spares it the per-account lockout; the
// store keeps the hash of that identifier per account (latchkey.DeviceStore).

// deviceHash is the store's name of the device whose cookie is cookie, or "" for none.
func deviceHash(cookie string) string {
	id, _ := splitDevice(cookie)
	if id == "" {
		return ""
	}
	return latchkey.HashSecret("device|" + id)
}

// alertNewDevice acts on the sighting of the sign-in's device (recorded with the session):
// when the account signed in from a browser it had not used before (never on its first
// sign-in), has alerts on, and was sent fewer than device.MaxAlerts in the last
// device.AlertWindow, it queues the email "New sign-in to your <workspace> account" and audits
// it (alert.new_device). Failures are logged: the sign-in stands.
func (s *Service) alertNewDevice(ctx context.Context, a latchkey.Account, seen latchkey.DeviceSighting, c Client) {
	if !seen.New || seen.Others == 0 {
		return
	}
	if err := s.maybeAlert(ctx, a, seen, c); err != nil {
		s.Log.Error("new-device alert", "workspace", a.WorkspaceID, "account", a.ID, "err", err)
	}
}

func (s *Service) maybeAlert(ctx context.Context, a latchkey.Account, seen latchkey.DeviceSighting, c Client) error {
	now := s.Now().UTC()
	on, err := s.Store.NewDeviceAlerts(ctx, a.WorkspaceID, a.ID)
	if err != nil {
		return wrap("read alert setting", err)
	}
	if !device.ShouldAlert(seen, on) {
		return nil
	}
	sent, err := device.SentAlerts(ctx, s.Store, a.WorkspaceID, a.ID)
	if err != nil {
		return err
	}
	if !device.AlertAllowed(sent, now) {
		return nil
	}
	w, err := s.Store.Workspace(ctx, a.WorkspaceID)
	if err != nil {
		return wrap("read workspace", err)
	}
	base := s.WorkspaceURL(w.Slug)
	described := device.Describe(c.UserAgent)
	msg, err := mail.Compose(a.Email, fmt.Sprintf(latchkey.MsgNewSignInSubject, w.Name), mail.TemplateNewSignIn, mail.NewSignInData{
		WorkspaceName: w.Name,
		WorkspaceURL:  base,
		Time:          mail.FormatTime(now),
		Device:        described,
		Address:       c.Addr,
		SecurityURL:   base + "/profile/security",
	})
	if err != nil {
		return wrap("compose alert", err)
	}
	if err := s.send(ctx, w.ID, msg); err != nil {
		return wrap("send alert", err)
	}
	e := event(latchkey.EventNewDeviceAlert, w.ID, a, c)
	e.Detail = described + " from " + c.Addr
	s.audit(ctx, e)
	return nil
}

// NewDeviceAlerts reports whether the account gets new-device sign-in alerts.
func (s *Service) NewDeviceAlerts(ctx context.Context, a latchkey.Account) (bool, error) {
	on, err := s.Store.NewDeviceAlerts(ctx, a.WorkspaceID, a.ID)
	return on, wrap("read alert setting", err)
}

// SetNewDeviceAlerts turns the account's own new-device sign-in alerts on or off and audits
// it (alert.on, alert.off).
func (s *Service) SetNewDeviceAlerts(ctx context.Context, a latchkey.Account, on bool, c Client) error {
	if err := s.Store.SetNewDeviceAlerts(ctx, a.WorkspaceID, a.ID, on, s.Now().UTC()); err != nil {
		return wrap("set alert setting", err)
	}
	t := latchkey.EventAlertsOff
	if on {
		t = latchkey.EventAlertsOn
	}
	s.audit(ctx, event(t, a.WorkspaceID, a, c))
	return nil
}

// NewDeviceAlertsOff lists the IDs of the workspace's accounts that turned new-device alerts
// off, for administrators.
func (s *Service) NewDeviceAlertsOff(ctx context.Context, ws string) (map[string]bool, error) {
	ids, err := s.Store.NewDeviceAlertsOff(ctx, ws)
	if err != nil {
		return nil, wrap("list alert settings", err)
	}
	off := make(map[string]bool, len(ids))
	for _, id := range ids {
		off[id] = true
	}
	return off, nil
}
