package mail

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// fileTime starts every outbox file name, so that names sort by time.
const fileTime = "20060102T150405.000000000Z"

// An Outbox is the default Mailer: it writes each message to a directory as an
// RFC 5322 .eml file and logs it, links included, so that a development or
// single-host install needs no mail server. Anyone who can read the files or
// the logs can use the links in them.
type Outbox struct {
	// From is the sender of every message. NewOutbox sets it to DefaultFrom.
	From string

	dir string
	log *slog.Logger

	mu   sync.Mutex
	last time.Time // the latest file time handed out, to keep names ordered
}

// NewOutbox returns an Outbox writing to dir, creating it with mode 0700 if it
// does not exist, and logging to log (nil discards the log). It returns an
// error if dir is empty or cannot be created.
func NewOutbox(dir string, log *slog.Logger) (*Outbox, error) {
	if dir == "" {
		return nil, errors.New("outbox directory not set")
	}
	// 0700: the messages hold one-time links that work for anyone.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create outbox: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{From: DefaultFrom, dir: dir, log: log}, nil
}

// Dir returns the directory the Outbox writes to.
func (o *Outbox) Dir() string { return o.dir }

// Send writes m to a new file in the outbox directory, with mode 0600, then
// logs the recipient, subject, file and every link in m.Text, its secret
// redacted (RedactLink). The file appears
// complete or not at all, and its name (time, then a random part, then .eml)
// sorts after every earlier message from this Outbox. Send returns an error if
// m is invalid (see Mailer), ctx is done, or the file cannot be written.
func (o *Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	at := o.stamp()
	msg, err := build(o.From, m, at)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	name := filepath.Join(o.dir, at.Format(fileTime)+"-"+rand.Text()[:10]+".eml")

	if err := writeFile(o.dir, name, msg); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	// The links' secrets stay out of the log: the file has them, readable by its owner only.
	links := Links(m.Text)
	for i, l := range links {
		links[i] = RedactLink(l)
	}
	o.log.InfoContext(ctx, "mail written to outbox",
		"to", m.To, "subject", m.Subject, "file", name, "links", links)
	return nil
}

// writeFile writes w's output to name, mode 0600, through a temporary file
// in dir renamed into place: a reader never sees half a message. The
// temporary name begins with a dot, which keeps it out of ReadOutbox.
func writeFile(dir, name string, w io.WriterTo) error {
	f, err := os.CreateTemp(dir, ".sending-*") // mode 0600
	if err != nil {
		return err
	}
	_, err = w.WriteTo(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// stamp returns the current UTC time, moved forward if needed so that it is
// later than every time it returned before: two messages sent in the same
// clock tick still get file names in the order they were sent.
func (o *Outbox) stamp() time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now().UTC()
	if !now.After(o.last) {
		now = o.last.Add(time.Nanosecond)
	}
	o.last = now
	return now
}

// ReadOutbox parses the .eml files in dir, oldest first (by file name), and
// returns them as Messages: To is the bare address, or "Name <address>" when
// the message has a display name; Subject is decoded; Text and HTML are the
// first text/plain and text/html parts, decoded, with CRLF line ends turned
// into LF. It reads any file it can parse, not only an Outbox's: single-part
// or nested multipart, quoted-printable, base64 or unencoded. Files whose names
// begin with a dot (messages still being written) are skipped. It returns an
// error naming the file if one cannot be read or parsed.
func ReadOutbox(dir string) ([]Message, error) {
	entries, err := os.ReadDir(dir) // sorted by name, hence by time
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	var msgs []Message
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		m, err := readFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read outbox: %s: %w", e.Name(), err)
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

func readFile(name string) (Message, error) {
	f, err := os.Open(name)
	if err != nil {
		return Message{}, err
	}
	defer f.Close()
	return parse(f)
}

// parse reads one RFC 5322 message.
func parse(r io.Reader) (Message, error) {
	msg, err := netmail.ReadMessage(r)
	if err != nil {
		return Message{}, err
	}
	var m Message
	to, err := msg.Header.AddressList("To")
	if err != nil {
		return Message{}, fmt.Errorf("to: %w", err)
	}
	if len(to) != 1 {
		return Message{}, fmt.Errorf("to: %d addresses, want 1", len(to))
	}
	m.To = to[0].Address
	if to[0].Name != "" {
		m.To = to[0].Name + " <" + to[0].Address + ">"
	}
	var dec mime.WordDecoder
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("subject: %w", err)
	}
	if err := readPart(&m, msg.Header, msg.Body); err != nil {
		return Message{}, err
	}
	return m, nil
}

// header is the part of a MIME header that readPart needs.
type header interface{ Get(key string) string }

// readPart fills m.Text and m.HTML from the first text/plain and text/html
// parts found in body, depth first, skipping attachments.
func readPart(m *Message, h header, body io.Reader) error {
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain" // RFC 2045's default
	}
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return fmt.Errorf("content type %q: %w", ctype, err)
	}
	if disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		return nil
	}
	switch {
	case strings.HasPrefix(media, "multipart/"):
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart, not NextPart, so that readPart decodes every
			// transfer encoding the same way.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := readPart(m, p.Header, p); err != nil {
				return err
			}
		}
	case media == "text/plain" && m.Text == "":
		m.Text, err = decode(h.Get("Content-Transfer-Encoding"), body)
	case media == "text/html" && m.HTML == "":
		m.HTML, err = decode(h.Get("Content-Transfer-Encoding"), body)
	}
	return err
}

// decode undoes a content transfer encoding and turns CRLF into LF.
func decode(encoding string, r io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r) // skips line breaks itself
	case "", "7bit", "8bit", "binary":
	default:
		return "", fmt.Errorf("unknown transfer encoding %q", encoding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("decode %s body: %w", encoding, err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
