package mail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// newOutbox returns an Outbox in a fresh directory that logs JSON into the returned buffer.
func newOutbox(t *testing.T) (*Outbox, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	o, err := NewOutbox(filepath.Join(t.TempDir(), "outbox"), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return o, &logs
}

// awkward holds what quoted-printable and SMTP must carry through untouched:
// long lines, "=", trailing spaces and tabs, a leading dot, "From ", non-ASCII.
const awkward = "Grüße, Zoë! ✓\n" +
	"A line that is much longer than seventy-six characters, so that quoted-printable must wrap it = soft break.\n" +
	"trailing space \n" +
	"trailing tab\t\n" +
	".a line starting with a dot\n" +
	"From the start of a line\n" +
	"\n" +
	"https://acme.example.com/invite?token=abc&x=1.\n"

func TestOutboxRoundTrip(t *testing.T) {
	o, logs := newOutbox(t)
	sent := []Message{
		{
			To:      "Zoë Müller <zoe@example.com>",
			Subject: "Ihr Arbeitsbereich ist bereit — Zoë ✓",
			Text:    awkward,
			HTML:    "<p style=\"color:#333\">Grüße, <b>Zoë</b></p>\n<p><a href=\"https://acme.example.com/invite?token=abc&amp;x=1\">Set</a></p>\n",
		},
		{To: "bob@example.com", Subject: "Plain", Text: "second", HTML: "<p>second</p>"},
	}
	for _, m := range sent {
		if err := o.Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}

	got, err := ReadOutbox(o.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sent, got); diff != "" {
		t.Errorf("ReadOutbox mismatch (-sent +read):\n%s", diff)
	}

	info, err := os.Stat(o.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.Mode().Perm(), os.FileMode(0o700); got != want {
		t.Errorf("outbox dir mode=%v, want %v", got, want)
	}
	files, err := os.ReadDir(o.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(files), len(sent); got != want {
		t.Fatalf("%d files in outbox, want %d (no temporary files left)", got, want)
	}
	for _, f := range files {
		info, err := f.Info()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := info.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("%s mode=%v, want %v", f.Name(), got, want)
		}
		if !strings.HasSuffix(f.Name(), ".eml") {
			t.Errorf("file %q does not end in .eml", f.Name())
		}
	}

	raw, err := os.ReadFile(filepath.Join(o.Dir(), files[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hdr.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	for key, want := range map[string]string{
		"From":         `"latchkey" <no-reply@localhost>`,
		"MIME-Version": "1.0",
		"Subject":      "=?UTF-8?q?Ihr_Arbeitsbereich_ist_bereit_=E2=80=94_Zo=C3=AB_=E2=9C=93?=",
	} {
		if got := hdr.Header.Get(key); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
	if got := hdr.Header.Get("Message-ID"); !strings.HasPrefix(got, "<") || !strings.HasSuffix(got, "@localhost>") {
		t.Errorf("Message-ID: %q, want <…@localhost>", got)
	}
	if media, _, _ := mime.ParseMediaType(hdr.Header.Get("Content-Type")); media != "multipart/alternative" {
		t.Errorf("Content-Type: %q, want multipart/alternative", media)
	}
	for _, want := range []string{
		"\r\nContent-Type: text/plain; charset=UTF-8\r\n", "\r\nContent-Type: text/html; charset=UTF-8\r\n",
		"\r\nContent-Transfer-Encoding: quoted-printable\r\n",
	} {
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("message file lacks %q:\n%s", want, raw)
		}
	}

	// The first log line is the first message.
	var entry struct {
		Msg, To, Subject, File string
		Links                  []string
	}
	line, _, _ := bytes.Cut(logs.Bytes(), []byte("\n"))
	if err := json.Unmarshal(line, &entry); err != nil {
		t.Fatalf("log line %s: %v", line, err)
	}
	wantEntry := entry
	wantEntry.To, wantEntry.Subject = sent[0].To, sent[0].Subject
	wantEntry.File = filepath.Join(o.Dir(), files[0].Name())
	wantEntry.Links = []string{"https://acme.example.com/invite?token=abc&x=1"}
	if diff := cmp.Diff(wantEntry, entry); diff != "" {
		t.Errorf("log entry mismatch (-want +got):\n%s", diff)
	}
}

func TestOutboxFrom(t *testing.T) {
	o, _ := newOutbox(t)
	o.From = "Acme IT <it@acme.example>"
	if err := o.Send(t.Context(), Message{To: "a@example.com", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(o.Dir(), "*.eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("files=%v, err=%v, want one file", files, err)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := "\r\nFrom: \"Acme IT\" <it@acme.example>\r\n"; !bytes.Contains(raw, []byte(want)) {
		t.Errorf("message lacks %q:\n%s", want, raw)
	}
	if want := "@acme.example>\r\n"; !bytes.Contains(raw, []byte("Message-ID: ")) || !bytes.Contains(raw, []byte(want)) {
		t.Errorf("Message-ID not in the sender's domain:\n%s", raw)
	}
}

func TestOutboxKeepsOrder(t *testing.T) {
	o, _ := newOutbox(t)
	var sent []Message
	for i := range 50 {
		m := Message{To: "a@example.com", Subject: "message " + strconv.Itoa(i), Text: "body"}
		if err := o.Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, m)
	}
	got, err := ReadOutbox(o.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sent, got); diff != "" {
		t.Errorf("ReadOutbox order mismatch (-sent +read):\n%s", diff)
	}
}

func TestOutboxRefuses(t *testing.T) {
	valid := Message{To: "a@example.com", Subject: "Hello", Text: "body"}
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		edit func(*Message)
	}{
		{"no recipient", t.Context(), func(m *Message) { m.To = "" }},
		{"bad recipient", t.Context(), func(m *Message) { m.To = "not an address" }},
		{"two recipients", t.Context(), func(m *Message) { m.To = "a@example.com, b@example.com" }},
		{"header injection in recipient", t.Context(), func(m *Message) { m.To = "a@example.com\r\nBcc: eve@example.com" }},
		{"header injection in subject", t.Context(), func(m *Message) { m.Subject = "Hi\r\nBcc: eve@example.com" }},
		{"no text", t.Context(), func(m *Message) { m.Text = ""; m.HTML = "<p>only html</p>" }},
		{"canceled", canceled, func(*Message) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _ := newOutbox(t)
			m := valid
			tt.edit(&m)
			if err := o.Send(tt.ctx, m); err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			files, err := os.ReadDir(o.Dir())
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 0 {
				t.Errorf("outbox holds %d files after a refused message, want 0", len(files))
			}
		})
	}
	if err := func() error { o, _ := newOutbox(t); return o.Send(canceled, valid) }(); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a canceled context: err=%v, want context.Canceled", err)
	}
}

func TestNewOutboxRefusesEmptyDir(t *testing.T) {
	if _, err := NewOutbox("", nil); err == nil {
		t.Fatal("NewOutbox(\"\") succeeded, want an error")
	}
}

func TestReadOutboxOtherMail(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		// Not an Outbox file: base64 HTML, nested multipart with an attachment.
		"20260101T000000.000000000Z-a.eml": "From: x@example.com\r\n" +
			"To: \"Ann\" <ann@example.com>\r\n" +
			"Subject: =?utf-8?b?SGVsbG8g4pyT?=\r\n" +
			"MIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=outer\r\n" +
			"\r\n" +
			"--outer\r\n" +
			"Content-Type: multipart/alternative; boundary=inner\r\n" +
			"\r\n" +
			"--inner\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n" +
			"\r\n" +
			"plain text\r\nline two\r\n" +
			"--inner\r\n" +
			"Content-Type: text/html; charset=utf-8\r\n" +
			"Content-Transfer-Encoding: base64\r\n" +
			"\r\n" +
			"PHA+SGVs\r\nbG88L3A+\r\n" +
			"--inner--\r\n" +
			"--outer\r\n" +
			"Content-Type: text/plain\r\n" +
			"Content-Disposition: attachment; filename=notes.txt\r\n" +
			"\r\n" +
			"not the body\r\n" +
			"--outer--\r\n",
		// Single part, no Content-Type at all: text/plain by default.
		"20260101T000001.000000000Z-b.eml": "To: bob@example.com\r\nSubject: Plain\r\n\r\njust text\r\n",
		".sending-123":                     "half a message",
		"notes.txt":                        "not a message",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadOutbox(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Message{
		{To: "Ann <ann@example.com>", Subject: "Hello ✓", Text: "plain text\nline two", HTML: "<p>Hello</p>"},
		{To: "bob@example.com", Subject: "Plain", Text: "just text\n"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadOutbox mismatch (-want +got):\n%s", diff)
	}
}

func TestReadOutboxBadFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.eml"), []byte("To: nobody\r\n\r\nbody"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadOutbox(dir)
	if err == nil || !strings.Contains(err.Error(), "broken.eml") {
		t.Fatalf("ReadOutbox err=%v, want an error naming broken.eml", err)
	}
}
