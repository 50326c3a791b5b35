package mail_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/testclock"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
)

// t0 is the fake clock's first reading: a whole second, so that stored times round-trip.
var t0 = time.Date(2030, time.March, 4, 9, 0, 0, 0, time.UTC)

// openStore opens (creating if needed) the SQLite store in file and closes it at the end.
func openStore(t *testing.T, file string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), file)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
}

func message(to string) mail.Message {
	return mail.Message{To: to, Subject: "Hello " + to, Text: "Text for " + to, HTML: "<p>HTML for " + to + "</p>"}
}

func pending(t *testing.T, q latchkey.MailQueue) []latchkey.OutgoingMail {
	t.Helper()
	ms, err := q.PendingMail(t.Context(), 1000)
	if err != nil {
		t.Fatalf("pending mail: %v", err)
	}
	return ms
}

func drain(t *testing.T, w *mail.Worker) int {
	t.Helper()
	n, err := w.Drain(t.Context())
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	return n
}

// flakySMTP is a real SMTP server (go-smtp, STARTTLS) that answers the first refuse DATA
// commands with a temporary failure (451) and accepts the rest.
type flakySMTP struct {
	addr  string
	roots *x509.CertPool

	mu       sync.Mutex
	refuse   int
	tries    int
	received []string // the Subject header of each accepted message
}

func startFlakySMTP(t *testing.T, refuse int) *flakySMTP {
	t.Helper()
	cert, roots := selfSignedCert(t)
	fs := &flakySMTP{roots: roots, refuse: refuse}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &flakySession{srv: fs}, nil }))
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(l)
	}()
	t.Cleanup(func() {
		s.Close()
		l.Close()
		<-done
	})
	return fs
}

func (fs *flakySMTP) mailer(t *testing.T) *mail.SMTP {
	t.Helper()
	m, err := mail.NewSMTP("smtp://"+fs.addr, "latchkey <no-reply@latchkey.test>")
	if err != nil {
		t.Fatal(err)
	}
	m.TLSConfig = &tls.Config{RootCAs: fs.roots}
	return m
}

func (fs *flakySMTP) counts() (tries int, received []string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.tries, append([]string(nil), fs.received...)
}

type flakySession struct{ srv *flakySMTP }

func (s *flakySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *flakySession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *flakySession) Reset()                               {}
func (s *flakySession) Logout() error                        { return nil }

func (s *flakySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.tries++
	if s.srv.tries <= s.srv.refuse {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	for line := range strings.SplitSeq(string(b), "\r\n") {
		if subject, ok := strings.CutPrefix(line, "Subject: "); ok {
			s.srv.received = append(s.srv.received, subject)
		}
	}
	return nil
}

// selfSignedCert returns a TLS certificate for 127.0.0.1 and a pool that trusts it.
func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "latchkey queue test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// A real SMTP server refuses the first three deliveries with 451: the worker tries again after
// 30 s, 1 min and 2 min of the fake clock, never before, and the message arrives exactly once.
func TestWorkerRetriesWithBackoff(t *testing.T) {
	srv := startFlakySMTP(t, 3)
	store := openStore(t, sqlitetest.DSN(t))
	c := testclock.New(t0)
	q := mail.NewQueue(store, nil, c.Now)
	w := mail.NewWorker(store, srv.mailer(t), testLog(t), c.Now)

	if err := q.Send(t.Context(), message("zoe@example.com")); err != nil {
		t.Fatal(err)
	}
	if tries, _ := srv.counts(); tries != 0 {
		t.Fatalf("Send reached the server (%d tries): it must only enqueue", tries)
	}
	for i, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
		if n := drain(t, w); n != 0 {
			t.Fatalf("attempt %d: delivered %d, want 0 (the server refuses)", i+1, n)
		}
		ms := pending(t, store)
		if len(ms) != 1 {
			t.Fatalf("attempt %d: %d messages queued, want 1", i+1, len(ms))
		}
		m := ms[0]
		if m.Attempts != i+1 || m.Failed || !strings.Contains(m.LastError, "451") {
			t.Errorf("attempt %d: attempts=%d failed=%v last error %q, want %d, false, a 451", i+1, m.Attempts, m.Failed, m.LastError, i+1)
		}
		if got, want := m.NextAttemptAt, c.Now().Add(wait); !got.Equal(want) {
			t.Errorf("attempt %d: next attempt at %v, want %v", i+1, got, want)
		}
		// Not due a moment before the back-off ends.
		c.Advance(wait - time.Second)
		if drain(t, w); pending(t, store)[0].Attempts != i+1 {
			t.Fatalf("attempt %d: tried again before the back-off ended", i+1)
		}
		c.Advance(time.Second)
	}
	if n := drain(t, w); n != 1 {
		t.Fatalf("fourth attempt delivered %d, want 1", n)
	}
	c.Advance(24 * time.Hour)
	drain(t, w)
	tries, received := srv.counts()
	if diff := cmp.Diff([]string{"Hello zoe@example.com"}, received); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if tries != 4 {
		t.Errorf("server saw %d deliveries, want 4", tries)
	}
	if ms := pending(t, store); len(ms) != 0 {
		t.Errorf("%d messages still queued after delivery", len(ms))
	}
}

func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		attempt int
		want    time.Duration
	}{
		{0, 30 * time.Second}, {1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute},
		{7, 32 * time.Minute}, {8, time.Hour}, {12, time.Hour}, {1000, time.Hour},
	} {
		if got := mail.Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}

// mailerFunc adapts a function to mail.Mailer.
type mailerFunc func(context.Context, mail.Message) error

func (f mailerFunc) Send(ctx context.Context, m mail.Message) error { return f(ctx, m) }

// After MaxAttempts failures a message is marked failed, kept for the operator, and never tried
// again.
func TestWorkerGivesUp(t *testing.T) {
	store := openStore(t, sqlitetest.DSN(t))
	c := testclock.New(t0)
	var tries int
	w := mail.NewWorker(store, mailerFunc(func(context.Context, mail.Message) error {
		tries++
		return errors.New("connection refused")
	}), testLog(t), c.Now)
	w.MaxAttempts = 3
	if err := mail.NewQueue(store, nil, c.Now).Send(t.Context(), message("zoe@example.com")); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		drain(t, w)
		c.Advance(2 * time.Hour)
	}
	if tries != 3 {
		t.Errorf("tried %d times, want 3", tries)
	}
	ms := pending(t, store)
	if len(ms) != 1 || !ms[0].Failed || ms[0].Attempts != 3 || ms[0].LastError != "connection refused" {
		t.Fatalf("queue = %+v, want one failed message after 3 attempts", ms)
	}
}

// A message that can never be sent (no text) is not stored by the queue.
func TestQueueRefusesInvalidMail(t *testing.T) {
	store := openStore(t, sqlitetest.DSN(t))
	q := mail.NewQueue(store, nil, nil)
	for _, m := range []mail.Message{{To: "not an address", Subject: "s", Text: "t"}, {To: "a@example.com", Subject: "s"}, {To: "a@example.com", Subject: "a\nb", Text: "t"}} {
		if err := q.Send(t.Context(), m); err == nil {
			t.Errorf("Send(%+v) succeeded, want an error", m)
		}
	}
	if ms := pending(t, store); len(ms) != 0 {
		t.Errorf("%d invalid messages queued", len(ms))
	}
}

// recorder is a Mailer that counts deliveries per recipient. Each Send first calls onSend, if
// set (to move a clock while deliveries are under way).
type recorder struct {
	mu     sync.Mutex
	sent   map[string]int
	onSend func()
}

func (r *recorder) Send(ctx context.Context, m mail.Message) error {
	if r.onSend != nil {
		r.onSend()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sent == nil {
		r.sent = map[string]int{}
	}
	r.sent[m.To]++
	return nil
}

func (r *recorder) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.sent {
		out[k] = v
	}
	return out
}

// Two workers, each on its own connection to one database (two nodes), drain one queue at the
// same time while the clock moves a second per send (well within the lease): every message is
// sent exactly once.
func TestTwoWorkersNeverSendTwice(t *testing.T) {
	file := sqlitetest.DSN(t)
	node1, node2 := openStore(t, file), openStore(t, file)
	c := testclock.New(t0)
	q := mail.NewQueue(node1, nil, c.Now)
	want := map[string]int{}
	for i := range 60 {
		to := fmt.Sprintf("user%02d@example.com", i)
		if err := q.Send(t.Context(), message(to)); err != nil {
			t.Fatal(err)
		}
		want[to] = 1
	}
	r := recorder{onSend: func() { c.Advance(time.Second) }}
	w1 := mail.NewWorker(node1, &r, testLog(t), c.Now)
	w2 := mail.NewWorker(node2, &r, testLog(t), c.Now)
	w1.Batch, w2.Batch = 3, 3
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, w := range []*mail.Worker{w1, w2} {
		wg.Go(func() {
			if _, err := w.Drain(t.Context()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, r.snapshot()); diff != "" {
		t.Errorf("deliveries per recipient (-want +got):\n%s", diff)
	}
	if ms := pending(t, node2); len(ms) != 0 {
		t.Errorf("%d messages still queued", len(ms))
	}
}

// While one worker holds a message (its send is still under way), another finds nothing to
// do; once the lease ends without an outcome (the first node died), the other sends it.
func TestLeaseHoldsOtherWorkers(t *testing.T) {
	file := sqlitetest.DSN(t)
	node1, node2 := openStore(t, file), openStore(t, file)
	c := testclock.New(t0)
	if err := mail.NewQueue(node1, nil, c.Now).Send(t.Context(), message("zoe@example.com")); err != nil {
		t.Fatal(err)
	}
	// Node 1 claims the message and dies before it can say what happened.
	claimed, err := node1.ClaimMail(t.Context(), c.Now(), mail.DefaultLease, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %d messages", err, len(claimed))
	}
	var r recorder
	w2 := mail.NewWorker(node2, &r, testLog(t), c.Now)
	c.Advance(mail.DefaultLease - time.Second)
	if n := drain(t, w2); n != 0 {
		t.Fatalf("a second worker sent a message under another's lease")
	}
	c.Advance(time.Second)
	if n := drain(t, w2); n != 1 {
		t.Fatalf("after the lease, delivered %d, want 1", n)
	}
	if got := r.snapshot()["zoe@example.com"]; got != 1 {
		t.Errorf("sent %d times, want 1", got)
	}
}

// Run sends a message as soon as the queue wakes it, and returns when its context ends.
func TestRunWakesOnEnqueue(t *testing.T) {
	store := openStore(t, sqlitetest.DSN(t))
	q := mail.NewQueue(store, nil, nil)
	delivered := make(chan string, 1)
	w := mail.NewWorker(store, mailerFunc(func(_ context.Context, m mail.Message) error {
		delivered <- m.To
		return nil
	}), testLog(t), nil)
	w.Wake, w.Poll = q.Wake(), time.Hour // only the wake-up can send it in time
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		w.Run(ctx)
	}()
	if err := q.Send(t.Context(), message("zoe@example.com")); err != nil {
		t.Fatal(err)
	}
	if got := <-delivered; got != "zoe@example.com" {
		t.Errorf("delivered to %q", got)
	}
	cancel()
	<-stopped
}

// A worker stopped in the middle of a send gives the message back at once, for the next
// process, rather than counting it as refused.
func TestShutdownReleasesMail(t *testing.T) {
	store := openStore(t, sqlitetest.DSN(t))
	c := testclock.New(t0)
	if err := mail.NewQueue(store, nil, c.Now).Send(t.Context(), message("zoe@example.com")); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	w := mail.NewWorker(store, mailerFunc(func(ctx context.Context, _ mail.Message) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}), testLog(t), c.Now)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Drain(ctx)
	}()
	<-started
	cancel()
	<-done
	ms := pending(t, store)
	if len(ms) != 1 || ms[0].Failed || !ms[0].NextAttemptAt.Equal(c.Now()) {
		t.Fatalf("queue = %+v, want the message due again now", ms)
	}
	var r recorder
	if n := drain(t, mail.NewWorker(store, &r, testLog(t), c.Now)); n != 1 {
		t.Fatalf("the next worker delivered %d, want 1", n)
	}
}
