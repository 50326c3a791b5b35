package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey"
)

// Queue is a Mailer that does not send: it stores each message in the durable mail queue
// (latchkey.MailQueue), from which a Worker sends it. A request that sends mail through a Queue
// takes the same time whatever the mail server does, and a message survives a restart. Queue
// is safe for concurrent use.
type Queue struct {
	store  latchkey.MailQueue
	sealer Sealer
	now    func() time.Time
	wake   chan struct{}
}

var _ Mailer = (*Queue)(nil)

// A Sealer encrypts what the queue keeps at rest, bound to the message (the server keyring:
// *keyring.Keyring). Queued bodies hold live one-time links until they are sent, so they are
// stored sealed; only a process with the key file reads them.
type Sealer interface {
	Seal(plaintext, aad []byte) (string, error)
	Open(sealed string, aad []byte) ([]byte, error)
}

// sealedPrefix marks a sealed body; a body without it (queued by an older latchkey, or with no
// Sealer) is plaintext.
const sealedPrefix = "sealed:"

func bodyAAD(id, part string) []byte { return []byte("mail body|" + id + "|" + part) }

func seal(s Sealer, id, part, body string) (string, error) {
	if s == nil || body == "" {
		return body, nil
	}
	v, err := s.Seal([]byte(body), bodyAAD(id, part))
	if err != nil {
		return "", fmt.Errorf("seal mail body: %w", err)
	}
	return sealedPrefix + v, nil
}

func unseal(s Sealer, id, part, body string) (string, error) {
	v, ok := strings.CutPrefix(body, sealedPrefix)
	if !ok {
		return body, nil
	}
	if s == nil {
		return "", errors.New("a sealed body and no key to open it")
	}
	b, err := s.Open(v, bodyAAD(id, part))
	if err != nil {
		return "", fmt.Errorf("open mail body: %w", err)
	}
	return string(b), nil
}

// NewQueue returns a Queue storing into store, sealing bodies with sealer (nil: stored as
// they are, for tests), stamping messages with now (time.Now if nil).
func NewQueue(store latchkey.MailQueue, sealer Sealer, now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	return &Queue{store: store, sealer: sealer, now: now, wake: make(chan struct{}, 1)}
}

// Send stores m for delivery as soon as a worker gets to it. It returns an error without
// storing anything if m is invalid (see Mailer), or if the store fails.
func (q *Queue) Send(ctx context.Context, m Message) error {
	return q.Enqueue(ctx, "", m)
}

// Enqueue is Send for mail about the workspace with ID workspaceID, which the queue records
// for the operator ("" for none).
func (q *Queue) Enqueue(ctx context.Context, workspaceID string, m Message) error {
	if err := check(m); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	id := latchkey.NewID()
	text, err := seal(q.sealer, id, "text", m.Text)
	if err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	html, err := seal(q.sealer, id, "html", m.HTML)
	if err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return q.put(ctx, latchkey.OutgoingMail{ID: id, WorkspaceID: workspaceID, To: m.To, Subject: m.Subject, Text: text, HTML: html})
}

// EnqueueJob queues a job of this kind (a name in Worker.Jobs) with its payload, sealed like a
// body, for a worker to run. A request hands slow or revealing work to a job so that its reply
// takes the same time whatever the work finds (the password reset: whether the account exists).
func (q *Queue) EnqueueJob(ctx context.Context, workspaceID, kind string, payload []byte) error {
	if kind == "" {
		return errors.New("queue job: no kind")
	}
	id := latchkey.NewID()
	text, err := seal(q.sealer, id, "text", string(payload))
	if err != nil {
		return fmt.Errorf("queue job: %w", err)
	}
	return q.put(ctx, latchkey.OutgoingMail{ID: id, WorkspaceID: workspaceID, Kind: kind, Text: text})
}

func (q *Queue) put(ctx context.Context, m latchkey.OutgoingMail) error {
	now := q.now().UTC()
	m.CreatedAt, m.NextAttemptAt = now, now
	if err := q.store.EnqueueMail(ctx, m); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	select {
	case q.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	return nil
}

// Wake returns a channel that receives after a message is enqueued here, so that a Worker in
// the same process sends it at once rather than at its next poll (Worker.Wake).
func (q *Queue) Wake() <-chan struct{} { return q.wake }

// Defaults of a Worker.
const (
	DefaultPoll        = 10 * time.Second
	DefaultLease       = 10 * time.Minute
	DefaultBatch       = 10
	DefaultMaxAttempts = 12
	// FirstRetry is the wait after the first failed attempt; it doubles after each further
	// failure, up to MaxRetry: 30s, 1m, 2m, 4m … 1h, 1h. With DefaultMaxAttempts, a message
	// is given up about six hours after it was first tried.
	FirstRetry = 30 * time.Second
	MaxRetry   = time.Hour
	// FailedBodyRetention is how long the body of a message that failed for good is kept for
	// the operator to look at before the server's sweep empties it (latchkey.MailQueue
	// PurgeFailedMail); recipient, subject and error stay.
	FailedBodyRetention = 7 * 24 * time.Hour
)

// Backoff returns how long to wait after the attempt-th failed attempt (1 for the first).
func Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 8 { // 30s<<7 is already past MaxRetry; do not shift further
		return MaxRetry
	}
	return min(FirstRetry<<(attempt-1), MaxRetry)
}

// A Worker sends the mail of a durable queue through a real Mailer (SMTP or Outbox).
//
// Each round claims the due messages with a lease (MailQueue.ClaimMail, one statement that no
// other claim can overlap), sends them concurrently, each with a timeout of half the lease,
// then deletes each delivered message, or records the failure and when to try again
// (Backoff), or, after MaxAttempts attempts, marks it failed and leaves it for the operator
// (MailQueue.PendingMail lists it). Several workers, in one process or on several nodes sharing
// the store, never hold the same message at once, so none is sent twice while its lease lasts.
//
// Delivery is at least once: if the process dies after the mail server accepted a message but
// before the delete is written, the message is sent again when its lease ends.
type Worker struct {
	Queue  latchkey.MailQueue
	Mailer Mailer
	Log    *slog.Logger
	Now    func() time.Time
	// Wake, if not nil, ends Run's wait between polls early (Queue.Wake).
	Wake <-chan struct{}
	// Poll is how often Run looks for due mail (DefaultPoll if 0).
	Poll time.Duration
	// Lease is how long a claimed message is held (DefaultLease if 0). A send is given half
	// of it, so that it ends, one way or the other, before anyone else may claim the message.
	Lease time.Duration
	// Batch is how many messages a round claims at most (DefaultBatch if 0).
	Batch int
	// MaxAttempts is how many attempts a message gets before it is marked failed
	// (DefaultMaxAttempts if 0).
	MaxAttempts int
	// Sealer opens the bodies the Queue sealed (the same key file on every node).
	Sealer Sealer
	// Jobs run the queued jobs by kind (Queue.EnqueueJob) in place of a send: an error is
	// retried like a failed send. A job of a kind not here fails for good.
	Jobs map[string]Job
}

// A Job is queued work for a workspace ("" for none), given its payload.
type Job func(ctx context.Context, workspaceID string, payload []byte) error

// NewWorker returns a Worker with the defaults, sending the mail of queue through mailer,
// logging to log (nil discards) and reading the time from now (time.Now if nil).
func NewWorker(queue latchkey.MailQueue, mailer Mailer, log *slog.Logger, now func() time.Time) *Worker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Worker{Queue: queue, Mailer: mailer, Log: log, Now: now}
}

// Run sends due mail until ctx is done: a round of Drain, then a wait of Poll or until Wake.
// Errors of the store are logged and tried again at the next poll. It returns when ctx is done
// and the sends under way have been recorded.
func (w *Worker) Run(ctx context.Context) {
	poll := w.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTimer(poll)
	defer t.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.Log.Error("mail queue", "err", err)
		}
		t.Reset(poll)
		select {
		case <-ctx.Done():
			return
		case <-w.Wake:
		case <-t.C:
		}
	}
}

// Drain runs rounds (RunOnce) until one claims nothing, and returns how many messages were
// delivered. A message that fails is not due again before its back-off, so Drain ends.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		claimed, sent, err := w.round(ctx)
		total += sent
		if err != nil || claimed == 0 || ctx.Err() != nil {
			return total, err
		}
	}
}

// RunOnce runs one round: it claims up to Batch due messages, tries each, and records the
// outcomes. It returns how many were delivered.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	_, sent, err := w.round(ctx)
	return sent, err
}

func (w *Worker) round(ctx context.Context) (claimed, sent int, err error) {
	lease := w.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	batch := w.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	ms, err := w.Queue.ClaimMail(ctx, w.Now().UTC(), lease, batch)
	if err != nil {
		return 0, 0, fmt.Errorf("claim mail: %w", err)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for _, m := range ms {
		wg.Go(func() {
			ok, err := w.deliver(ctx, m, lease)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				sent++
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	wg.Wait()
	return len(ms), sent, firstErr
}

// deliver sends one claimed message and records the outcome. It reports whether the message
// was delivered; the error is the store's, not the mail server's (that one is logged and kept
// on the message).
func (w *Worker) deliver(ctx context.Context, m latchkey.OutgoingMail, lease time.Duration) (bool, error) {
	maxAttempts := w.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	text, sendErr := unseal(w.Sealer, m.ID, "text", m.Text)
	html, err := unseal(w.Sealer, m.ID, "html", m.HTML)
	sendErr = errors.Join(sendErr, err)
	msg := Message{To: m.To, Subject: m.Subject, Text: text, HTML: html}
	switch {
	case sendErr != nil:
	case m.Kind != "":
		if w.Jobs[m.Kind] == nil {
			sendErr = fmt.Errorf("no job of kind %q", m.Kind)
		}
	default:
		sendErr = check(msg)
	}
	permanent := sendErr != nil // a message that can never be sent, or opened, is not tried again
	if sendErr == nil {
		sendCtx, cancel := context.WithTimeout(ctx, lease/2)
		if m.Kind != "" {
			sendErr = w.Jobs[m.Kind](sendCtx, m.WorkspaceID, []byte(text))
		} else {
			sendErr = w.Mailer.Send(sendCtx, msg)
		}
		cancel()
	}
	// The outcome is written even if ctx has just ended (shutting down): a delivered message
	// left in the queue would be sent again.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	switch {
	case sendErr == nil:
		if err := w.Queue.DeleteMail(rec, m.ID); err != nil {
			return true, fmt.Errorf("delete delivered mail %s: %w", m.ID, err)
		}
		w.Log.Debug("mail sent", "id", m.ID, "to", m.To, "subject", m.Subject, "attempt", m.Attempts)
		return true, nil
	case ctx.Err() != nil && !permanent:
		// Interrupted by shutdown, not refused by the server: due again at once, for the next
		// process to pick up.
		if err := w.Queue.RetryMail(rec, m.ID, w.Now().UTC(), sendErr.Error(), false); err != nil {
			return false, fmt.Errorf("release mail %s: %w", m.ID, err)
		}
		return false, nil
	case permanent || m.Attempts >= maxAttempts:
		w.Log.Error("mail not delivered; given up", "id", m.ID, "to", m.To, "subject", m.Subject, "attempt", m.Attempts, "err", sendErr)
		if err := w.Queue.RetryMail(rec, m.ID, time.Time{}, sendErr.Error(), true); err != nil {
			return false, fmt.Errorf("mark mail %s failed: %w", m.ID, err)
		}
		return false, nil
	}
	next := w.Now().UTC().Add(Backoff(m.Attempts))
	w.Log.Warn("mail not delivered; will retry", "id", m.ID, "to", m.To, "subject", m.Subject, "attempt", m.Attempts, "next", next, "err", sendErr)
	if err := w.Queue.RetryMail(rec, m.ID, next, sendErr.Error(), false); err != nil {
		return false, fmt.Errorf("reschedule mail %s: %w", m.ID, err)
	}
	return false, nil
}
