package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/google/go-cmp/cmp"
)

const (
	testUser     = "mailer@example.com"
	testPassword = "s3cret:/@pass"
)

// testURL is the SMTP URL of srv with the given credentials, percent-encoded.
func testURL(scheme, user, password string, srv *testServer) string {
	u := url.URL{Scheme: scheme, User: url.UserPassword(user, password), Host: srv.addr}
	return u.String()
}

// selfSigned returns a TLS certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "latchkey test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
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

// A testServer is a real SMTP server (go-smtp) that offers AUTH PLAIN,
// accepts testUser and testPassword, and records what it is told.
type testServer struct {
	addr  string
	roots *x509.CertPool

	mu       sync.Mutex
	auths    []authAttempt
	received []delivery
}

type authAttempt struct {
	User, Password string
	TLS            bool
}

type delivery struct {
	From string
	To   []string
	TLS  bool
	Data []byte
}

// serverMode says how a testServer offers TLS.
type serverMode int

const (
	startTLS    serverMode = iota // STARTTLS on a plain connection
	implicitTLS                   // TLS from the first byte
	noTLS                         // no TLS at all, and AUTH allowed in the clear
)

func startServer(t *testing.T, mode serverMode) *testServer {
	t.Helper()
	cert, roots := selfSigned(t)
	ts := &testServer{roots: roots}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &testSession{srv: ts, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case startTLS:
		s.TLSConfig = tlsConfig
	case implicitTLS:
		l = tls.NewListener(l, tlsConfig)
	case noTLS:
		s.AllowInsecureAuth = true
	}
	ts.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(l)
	}()
	t.Cleanup(func() {
		s.Close()
		// Close misses a listener that Serve has not registered yet.
		l.Close()
		<-done
	})
	return ts
}

func (ts *testServer) snapshot() ([]authAttempt, []delivery) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.auths), slices.Clone(ts.received)
}

type testSession struct {
	srv    *testServer
	conn   *smtp.Conn
	authed bool
	d      delivery
}

func (s *testSession) isTLS() bool {
	_, ok := s.conn.TLSConnectionState()
	return ok
}

func (s *testSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, password string) error {
		s.srv.mu.Lock()
		s.srv.auths = append(s.srv.auths, authAttempt{User: user, Password: password, TLS: s.isTLS()})
		s.srv.mu.Unlock()
		if user != testUser || password != testPassword {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.d = delivery{From: from, TLS: s.isTLS()}
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.d.To = append(s.d.To, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.d.Data = b
	s.srv.mu.Lock()
	s.srv.received = append(s.srv.received, s.d)
	s.srv.mu.Unlock()
	return nil
}

func (s *testSession) Reset()        { s.d = delivery{} }
func (s *testSession) Logout() error { return nil }

// newTestSMTP returns an SMTP mailer for url that trusts srv's certificate.
func newTestSMTP(t *testing.T, url string, srv *testServer) *SMTP {
	t.Helper()
	s, err := NewSMTP(url, "latchkey <no-reply@latchkey.test>")
	if err != nil {
		t.Fatal(err)
	}
	s.TLSConfig = &tls.Config{RootCAs: srv.roots}
	return s
}

func inviteMessage(t *testing.T) Message {
	t.Helper()
	m, err := Compose("Zoë <zoe@example.com>", "You have been invited to Acme — ✓", TemplateInvite, acme)
	if err != nil {
		t.Fatal(err)
	}
	m.Text += awkward // dot-stuffing, long lines and the like must survive SMTP too
	return m
}

func TestSMTPSend(t *testing.T) {
	tests := []struct {
		name   string
		mode   serverMode
		scheme string
	}{
		{"STARTTLS", startTLS, "smtp"},
		{"implicit TLS", implicitTLS, "smtps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.mode)
			s := newTestSMTP(t, testURL(tt.scheme, testUser, testPassword, srv), srv)
			m := inviteMessage(t)
			if err := s.Send(t.Context(), m); err != nil {
				t.Fatal(err)
			}

			auths, received := srv.snapshot()
			if diff := cmp.Diff([]authAttempt{{User: testUser, Password: testPassword, TLS: true}}, auths); diff != "" {
				t.Errorf("AUTH mismatch (-want +got):\n%s", diff)
			}
			if len(received) != 1 {
				t.Fatalf("server received %d messages, want 1", len(received))
			}
			d := received[0]
			if got, want := d.From, "no-reply@latchkey.test"; got != want {
				t.Errorf("MAIL FROM=%q, want %q", got, want)
			}
			if diff := cmp.Diff([]string{"zoe@example.com"}, d.To); diff != "" {
				t.Errorf("RCPT TO mismatch (-want +got):\n%s", diff)
			}
			if !d.TLS {
				t.Error("message was sent without TLS")
			}
			for _, want := range []string{"Content-Type: multipart/alternative;", "Content-Type: text/plain; charset=UTF-8", "Content-Type: text/html; charset=UTF-8"} {
				if !bytes.Contains(d.Data, []byte(want)) {
					t.Errorf("message lacks %q", want)
				}
			}
			got, err := parse(bytes.NewReader(d.Data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(m, got); diff != "" {
				t.Errorf("received message mismatch (-sent +received):\n%s", diff)
			}
		})
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	srv := startServer(t, startTLS)
	s := newTestSMTP(t, testURL("smtp", testUser, "wrong password", srv), srv)
	if err := s.Send(t.Context(), inviteMessage(t)); err == nil {
		t.Fatal("Send with a wrong password succeeded, want an error")
	}
	auths, received := srv.snapshot()
	if len(auths) != 1 || auths[0].Password != "wrong password" {
		t.Errorf("AUTH attempts=%+v, want one with the wrong password", auths)
	}
	if len(received) != 0 {
		t.Errorf("server received %d messages, want 0", len(received))
	}
}

// TestSMTPNeverInTheClear checks that a server without STARTTLS gets neither
// the password nor the message, even though it would accept both.
func TestSMTPNeverInTheClear(t *testing.T) {
	srv := startServer(t, noTLS)
	s := newTestSMTP(t, testURL("smtp", testUser, testPassword, srv), srv)
	err := s.Send(t.Context(), inviteMessage(t))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send to a server without STARTTLS: err=%v, want an error about STARTTLS", err)
	}
	auths, received := srv.snapshot()
	if len(auths) != 0 || len(received) != 0 {
		t.Errorf("server got %d AUTH and %d messages in the clear, want none", len(auths), len(received))
	}
}

func TestSMTPUntrustedCertificate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mode   serverMode
		scheme string
	}{{"STARTTLS", startTLS, "smtp"}, {"implicit TLS", implicitTLS, "smtps"}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.mode)
			s := newTestSMTP(t, testURL(tt.scheme, testUser, testPassword, srv), srv)
			s.TLSConfig = nil // the system roots do not trust the test certificate
			err := s.Send(t.Context(), inviteMessage(t))
			var certErr *tls.CertificateVerificationError
			if !errors.As(err, &certErr) {
				t.Fatalf("Send: err=%v, want a certificate verification error", err)
			}
			if auths, received := srv.snapshot(); len(auths) != 0 || len(received) != 0 {
				t.Errorf("server got %d AUTH and %d messages, want none", len(auths), len(received))
			}
		})
	}
}

// TestSMTPContext checks that Send gives up as soon as its context ends, here
// in the middle of the conversation: the server greets, reads EHLO and then
// says nothing more, which would otherwise hold Send for go-mail's timeout.
func TestSMTPContext(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan struct{})
	t.Cleanup(func() { <-served })
	go func() {
		defer close(served)
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		io.WriteString(conn, "220 localhost ESMTP\r\n")
		line, _ := bufio.NewReader(conn).ReadString('\n')
		if strings.HasPrefix(line, "EHLO") {
			cancel()
		}
		io.Copy(io.Discard, conn) // until the client hangs up
	}()
	s, err := NewSMTP("smtp://"+l.Addr().String(), "")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(ctx, Message{To: "a@example.com", Subject: "s", Text: "t"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Send: err=%v, want context.Canceled", err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Send: err=%v, want it to stop at cancellation, not at go-mail's timeout", err)
	}
}

func TestNewSMTP(t *testing.T) {
	type result struct {
		Addr     string
		Implicit bool
		User     string
		Password string
	}
	tests := []struct {
		name, url string
		want      result
		wantErr   string // a part of the error; empty if none is expected
	}{
		{"smtp default port", "smtp://u:hunter2@mail.example.com", result{"mail.example.com:587", false, "u", "hunter2"}, ""},
		{"smtps default port", "smtps://u:hunter2@mail.example.com", result{"mail.example.com:465", true, "u", "hunter2"}, ""},
		{"explicit port", "smtp://u:hunter2@mail.example.com:2525", result{"mail.example.com:2525", false, "u", "hunter2"}, ""},
		{"trailing slash", "smtps://u:hunter2@mail.example.com:2465/", result{"mail.example.com:2465", true, "u", "hunter2"}, ""},
		{"no credentials", "smtp://mail.example.com", result{"mail.example.com:587", false, "", ""}, ""},
		{"percent-encoded credentials", "smtp://me%40example.com:p%2Fw%3A%40x@mail.example.com", result{"mail.example.com:587", false, "me@example.com", "p/w:@x"}, ""},
		{"IPv6 host", "smtp://[::1]:2525", result{"[::1]:2525", false, "", ""}, ""},
		{"empty", "", result{}, "scheme"},
		{"missing host", "smtp://u:hunter2@:587", result{}, "no host"},
		{"missing host and port", "smtp://", result{}, "no host"},
		{"opaque", "smtp:mail.example.com", result{}, "no host"},
		{"bad scheme", "http://u:hunter2@mail.example.com", result{}, `scheme "http"`},
		{"no scheme", "mail.example.com:587", result{}, "scheme"},
		{"port zero", "smtp://u:hunter2@mail.example.com:0", result{}, "port"},
		{"port too large", "smtp://u:hunter2@mail.example.com:65536", result{}, "port"},
		{"port not a number", "smtp://u:hunter2@mail.example.com:abc", result{}, "port"},
		{"user without password", "smtp://u@mail.example.com", result{}, "password"},
		{"empty password", "smtp://u:@mail.example.com", result{}, "password"},
		{"query", "smtp://u:hunter2@mail.example.com?tls=off", result{}, "query"},
		{"path", "smtp://u:hunter2@mail.example.com/relay", result{}, "path"},
		{"bad escape", "smtp://u:hunter2%zz@mail.example.com", result{}, "escape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSMTP(tt.url, "")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewSMTP(%q): err=%v, want an error containing %q", tt.url, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := result{s.Addr(), s.implicitTLS, s.user, s.pass}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("NewSMTP(%q) mismatch (-want +got):\n%s", tt.url, diff)
			}
			if got, want := s.from, DefaultFrom; got != want {
				t.Errorf("from=%q, want %q", got, want)
			}
		})
	}
	if _, err := NewSMTP("smtp://mail.example.com", "not an address"); err == nil {
		t.Error("NewSMTP with a bad sender succeeded, want an error")
	}
}
