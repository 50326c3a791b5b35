package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Default ports for the two SMTP URL schemes.
const (
	// PortSubmission is the default port of smtp:// URLs: mail submission with STARTTLS (RFC 6409).
	PortSubmission = 587
	// PortSubmissions is the default port of smtps:// URLs: submission over implicit TLS (RFC 8314).
	PortSubmissions = 465
)

// SMTP is a Mailer that submits each message to an SMTP server, over TLS only:
// the links in latchkey's mail sign people in, and a password set from a link
// read off the wire would be the attacker's.
type SMTP struct {
	// TLSConfig, if not nil, is used for the TLS connection instead of the
	// system's roots; Send fills in ServerName from the URL when it is empty.
	// Tests set it to trust a self-signed certificate.
	TLSConfig *tls.Config

	host        string
	port        int
	implicitTLS bool
	user, pass  string
	from        string
}

// NewSMTP returns an SMTP mailer for rawURL, sending as from (DefaultFrom if empty).
//
// rawURL is smtp://[user:pass@]host[:port], which requires STARTTLS (port 587 by
// default), or smtps://[user:pass@]host[:port], which uses implicit TLS (port
// 465 by default). User and password are percent-encoded as in any URL. Either
// way a message is never sent, nor a password, in the clear.
//
// NewSMTP does not connect, so configuration checks can call it. It returns an
// error, which never contains the password, if rawURL does not parse, has
// another scheme, has no host, has a bad port, has a user but no password, or
// has a path, query or fragment; or if from is not an address.
func NewSMTP(rawURL string, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password included: keep only the reason.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("SMTP URL: %w", err)
	}
	s := &SMTP{host: u.Hostname(), from: from}
	switch u.Scheme {
	case "smtp":
		s.port = PortSubmission
	case "smtps":
		s.port, s.implicitTLS = PortSubmissions, true
	default:
		return nil, fmt.Errorf("SMTP URL: scheme %q, want smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || s.host == "" {
		return nil, errors.New("SMTP URL: no host; want smtp://user:pass@host:port")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("SMTP URL: port %q, want 1 to 65535", p)
		}
		s.port = n
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("SMTP URL: unexpected path, query or fragment; want smtp://user:pass@host:port")
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if s.user == "" || s.pass == "" {
			return nil, errors.New("SMTP URL: user and password must both be set, or neither")
		}
	}
	if s.from == "" {
		s.from = DefaultFrom
	}
	if _, err := netmail.ParseAddress(s.from); err != nil {
		return nil, fmt.Errorf("SMTP sender %q: %w", s.from, err)
	}
	return s, nil
}

// Addr returns the server's host:port.
func (s *SMTP) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Send connects to the server, secures the connection (STARTTLS or implicit
// TLS), authenticates if the URL had credentials, and submits m. It returns an
// error if m is invalid (see Mailer), the server cannot be reached, does not
// offer STARTTLS, fails the TLS handshake or certificate check, refuses the
// credentials or the message, or ctx is done first: Send closes the connection
// when ctx is done. Without a deadline on ctx, go-mail still gives up about
// 15 seconds after connecting.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := build(s.from, m, time.Now())
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tlsConfig = s.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = s.host
	}

	// go-mail watches ctx only while dialing, and leaves the connection open
	// when the conversation fails before a message is sent. So Send closes
	// the connection itself: when ctx is done, and in any case on return.
	var cleanups []func()
	defer func() {
		for _, cleanup := range cleanups {
			cleanup()
		}
	}()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		cleanups = append(cleanups, func() { stop(); conn.Close() })
		if !s.implicitTLS {
			return conn, nil
		}
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(dialCtx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}

	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dial),
		// The message is always sent over TLS: STARTTLS is mandatory, and
		// with implicit TLS the dial function above does the handshake.
		gomail.WithTLSPolicy(gomail.TLSMandatory),
	}
	if s.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	}
	if s.user != "" {
		// PLAIN and LOGIN are safe here because the connection is encrypted
		// by then, and go-mail's own PLAIN and LOGIN refuse otherwise.
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("smtp %s: %w (%w)", s.Addr(), ctx.Err(), err)
		}
		return fmt.Errorf("smtp %s: %w", s.Addr(), err)
	}
	return nil
}
