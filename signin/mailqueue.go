package signin

import (
	"context"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
)

// workspaceMailer is a Mailer that records which workspace a message is about (*mail.Queue).
type workspaceMailer interface {
	Enqueue(ctx context.Context, workspaceID string, m mail.Message) error
}

// send hands m to the Service's Mailer. The server's Mailer is a *mail.Queue, so a request only
// stores the message (tagged with its workspace) and a mail.Worker sends it: the reply, and the
// time it takes, never depend on the mail server. Any other Mailer (the tests' outbox) sends at
// once.
func (s *Service) send(ctx context.Context, ws string, m mail.Message) error {
	if q, ok := s.Mailer.(workspaceMailer); ok {
		return q.Enqueue(ctx, ws, m)
	}
	return s.Mailer.Send(ctx, m)
}

// mailAccount composes and sends one of the account's own notices (a mail template whose data
// the caller fills in) to its address, about workspace w.
func (s *Service) mailAccount(ctx context.Context, w latchkey.Workspace, a latchkey.Account, subject, template string, data any) error {
	msg, err := mail.Compose(a.Email, subject, template, data)
	if err != nil {
		return wrap("compose "+template, err)
	}
	return wrap("send "+template, s.send(ctx, w.ID, msg))
}

// mailTime formats a time for an email: in UTC, to the minute.
func mailTime(t time.Time) string { return t.UTC().Format("2 January 2006 at 15:04 UTC") }
