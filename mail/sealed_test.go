package mail_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testclock"
	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

// Queued bodies are sealed at rest: the store never holds the link in clear, a worker with the
// key file delivers the message as written, and one without the key gives it up rather than
// send ciphertext.
func TestQueuedBodiesAreSealed(t *testing.T) {
	store := openStore(t, sqlitetest.DSN(t))
	keys, err := keyring.Parse(keyring.NewKeyLine("k1"))
	if err != nil {
		t.Fatal(err)
	}
	c := testclock.New(t0)
	q := mail.NewQueue(store, keys, c.Now)
	const link = "http://acme.app.test/reset-password/SECRETTOKENSECRETTOKEN"
	m := mail.Message{To: "zoe@example.com", Subject: "Reset", Text: "Open " + link, HTML: "<a href=\"" + link + "\">reset</a>"}
	if err := q.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	for _, om := range pending(t, store) {
		if strings.Contains(om.Text, "SECRETTOKEN") || strings.Contains(om.HTML, "SECRETTOKEN") {
			t.Fatalf("the queue holds the link in clear: %q / %q", om.Text, om.HTML)
		}
	}
	box, err := mail.NewOutbox(filepath.Join(t.TempDir(), "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(store, box, testLog(t), c.Now)
	w.Sealer = keys
	if n := drain(t, w); n != 1 {
		t.Fatalf("delivered %d, want 1", n)
	}
	got, err := mail.ReadOutbox(box.Dir())
	if err != nil || len(got) != 1 || !strings.Contains(got[0].Text, link) {
		t.Fatalf("delivered %+v (%v), want the text with its link", got, err)
	}

	// A node without the key cannot open the body: the message fails for good.
	if err := q.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	keyless := mail.NewWorker(store, box, testLog(t), c.Now)
	if n := drain(t, keyless); n != 0 {
		t.Fatalf("a worker without the key delivered %d", n)
	}
	if ms := pending(t, store); len(ms) != 1 || !ms[0].Failed || !strings.Contains(ms[0].LastError, "sealed") {
		t.Fatalf("queue after a keyless worker: %+v, want one failed message naming the sealed body", ms)
	}
}

// A queued job runs on the worker with its payload (sealed at rest like a body) and is then
// gone; a job that fails is retried like a send; a job of an unknown kind fails for good.
func TestQueuedJobs(t *testing.T) {
	store := openStore(t, sqlitetest.DSN(t))
	keys, _ := keyring.Parse(keyring.NewKeyLine("k1"))
	c := testclock.New(t0)
	q := mail.NewQueue(store, keys, c.Now)
	if err := q.EnqueueJob(t.Context(), "ws1", "greet", []byte(`{"who":"zoe"}`)); err != nil {
		t.Fatal(err)
	}
	if ms := pending(t, store); len(ms) != 1 || strings.Contains(ms[0].Text, "zoe") || ms[0].Kind != "greet" {
		t.Fatalf("queued job %+v: want kind greet and a sealed payload", ms)
	}
	var ran []string
	fail := true
	w := mail.NewWorker(store, nil, testLog(t), c.Now)
	w.Sealer = keys
	w.Jobs = map[string]mail.Job{"greet": func(_ context.Context, ws string, payload []byte) error {
		ran = append(ran, ws+" "+string(payload))
		if fail {
			fail = false
			return context.DeadlineExceeded
		}
		return nil
	}}
	drain(t, w)
	if len(ran) != 1 || len(pending(t, store)) != 1 {
		t.Fatalf("after a failed run: ran %q, %d queued; want one run and the job kept", ran, len(pending(t, store)))
	}
	c.Advance(mail.FirstRetry)
	drain(t, w)
	if len(ran) != 2 || ran[1] != `ws1 {"who":"zoe"}` || len(pending(t, store)) != 0 {
		t.Fatalf("after the retry: ran %q, %d queued; want two runs and nothing left", ran, len(pending(t, store)))
	}
	if err := q.EnqueueJob(t.Context(), "ws1", "unknown", nil); err != nil {
		t.Fatal(err)
	}
	drain(t, w)
	if ms := pending(t, store); len(ms) != 1 || !ms[0].Failed {
		t.Fatalf("a job of an unknown kind: %+v, want it failed for good", ms)
	}
}
