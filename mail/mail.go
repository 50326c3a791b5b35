package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultFrom is the sender used when none is configured.
const DefaultFrom = "latchkey <no-reply@localhost>"

// A Message is one email to one recipient, with a plain-text body and an
// optional HTML alternative of the same content.
type Message struct {
	// To is the recipient: an address, optionally with a display name
	// ("Zoë <zoe@example.com>").
	To string
	// Subject is one line of text; it may hold any Unicode but no line break.
	Subject string
	// Text is the plain-text body. It is required: every message can be read without HTML.
	Text string
	// HTML is the HTML body. When set it is sent as the preferred alternative to Text.
	HTML string
}

// A Mailer delivers messages.
type Mailer interface {
	// Send delivers m or returns an error; a nil error means the message has left
	// latchkey's hands (written to the outbox, or accepted by the SMTP server).
	// Send returns an error without sending when m is invalid: no parsable To, no
	// Text, or a Subject with a line break. It stops when ctx is done and is safe
	// for concurrent use.
	Send(ctx context.Context, m Message) error
}

var (
	_ Mailer = (*Outbox)(nil)
	_ Mailer = (*SMTP)(nil)
)

// linkPattern matches http and https URLs in plain text. It stops at
// whitespace and at characters that cannot appear unescaped in a URL.
var linkPattern = regexp.MustCompile("(?i)https?://[^\\s<>\"'`]+")

// Links returns every http and https URL in s, in order of appearance,
// without trailing sentence punctuation. It returns nil when there is none.
func Links(s string) []string {
	var links []string
	for _, l := range linkPattern.FindAllString(s, -1) {
		links = append(links, strings.TrimRight(l, ".,;:!?)]}"))
	}
	return links
}

// RedactLink hides the secret of a link for a log line: every path segment and query value
// of 16 characters or more (a token: the secrets of latchkey's links are 26 or more) keeps its
// first four characters and loses the rest, so that an operator can still tell links apart but
// nobody can use one from the log.
func RedactLink(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return "[unreadable link]"
	}
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		segs[i] = redactPart(seg)
	}
	u.Path, u.RawPath = strings.Join(segs, "/"), ""
	if u.RawQuery != "" {
		q := u.Query()
		for k, vs := range q {
			for i, v := range vs {
				vs[i] = redactPart(v)
			}
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment = ""
	return u.String()
}

func redactPart(s string) string {
	if len(s) < 16 {
		return s
	}
	return s[:4] + "-redacted"
}

// check reports why m cannot be sent, or nil.
func check(m Message) error {
	if _, err := netmail.ParseAddress(m.To); err != nil {
		return fmt.Errorf("recipient %q: %w", m.To, err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return errors.New("subject contains a line break")
	}
	if m.Text == "" {
		return errors.New("message has no text body")
	}
	return nil
}

// build turns m into a MIME message from the given sender: multipart/alternative
// with a quoted-printable text part and, when m.HTML is set, an HTML part.
// The outbox and SMTP share it, so the outbox shows exactly what SMTP would send.
func build(from string, m Message, date time.Time) (*gomail.Msg, error) {
	if err := check(m); err != nil {
		return nil, err
	}
	sender, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("sender %q: %w", from, err)
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset(gomail.CharsetUTF8))
	msg.FromMailAddress(sender)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(date)
	// The sender's domain names the Message-ID rather than the host name,
	// which go-mail would otherwise put in every message.
	msg.SetMessageIDWithValue(rand.Text() + "@" + domainOf(sender.Address))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// domainOf returns the part of addr after the last @.
func domainOf(addr string) string {
	return addr[strings.LastIndexByte(addr, '@')+1:]
}
