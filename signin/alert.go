package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

// JobNewDeviceAlert is the job kind of a new-device alert (see alertNewDevice).
const JobNewDeviceAlert = "new_device_alert"

// alertJob is the payload of JobNewDeviceAlert.
type alertJob struct {
	Account   string    `json:"account"`
	Addr      string    `json:"addr"`
	UserAgent string    `json:"user_agent"`
	At        time.Time `json:"at"`
}

// alertNewDevice acts on the sighting of the sign-in's device (recorded with the session):
// when the account signed in from a browser it had not used before (never on its first
// sign-in), it queues a job (JobNewDeviceAlert) that, if the account has alerts on and was sent
// fewer than device.MaxAlerts in the last device.AlertWindow, mails "New sign-in to your
// <workspace> account" and audits it (alert.new_device). The job keeps the reads, the mail and
// the audit off the sign-in's path. Without a job queue (tests) it runs at once. Failures are
// logged: the sign-in stands.
func (s *Service) alertNewDevice(ctx context.Context, a latchkey.Account, seen latchkey.DeviceSighting, c Client) {
	if !device.ShouldAlert(seen, true) { // alerts on or off is read by the job
		return
	}
	payload, err := json.Marshal(alertJob{Account: a.ID, Addr: c.Addr, UserAgent: truncate(c.UserAgent, 512), At: s.Now().UTC()})
	if err == nil {
		if s.jobs == nil {
			err = s.runNewDeviceAlert(ctx, a.WorkspaceID, payload)
		} else {
			err = s.jobs.EnqueueJob(ctx, a.WorkspaceID, JobNewDeviceAlert, payload)
		}
	}
	if err != nil {
		s.Log.Error("new-device alert", "workspace", a.WorkspaceID, "account", a.ID, "err", err)
	}
}

// runNewDeviceAlert is the job of a new-device alert. Errors of the store are returned (the
// worker retries); an account removed meanwhile gets nothing.
func (s *Service) runNewDeviceAlert(ctx context.Context, ws string, payload []byte) error {
	var in alertJob
	if err := json.Unmarshal(payload, &in); err != nil {
		return wrap("read alert job", err)
	}
	a, err := s.Store.Account(ctx, ws, in.Account)
	if errors.Is(err, latchkey.ErrNotFound) {
		return nil
	}
	if err != nil {
		return wrap("find account", err)
	}
	return s.maybeAlert(ctx, a, in.At, Client{Addr: in.Addr, UserAgent: in.UserAgent})
}

func (s *Service) maybeAlert(ctx context.Context, a latchkey.Account, now time.Time, c Client) error {
	on, err := s.Store.NewDeviceAlerts(ctx, a.WorkspaceID, a.ID)
	if err != nil {
		return wrap("read alert setting", err)
	}
	if !on {
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
