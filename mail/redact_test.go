package mail_test

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/mail"
)

func TestRedactLink(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://acme.app.test/reset-password/ABCDEFGHIJKLMNOPQRSTUVWXYZ", "http://acme.app.test/reset-password/ABCD-redacted"},
		{"https://acme.app.test/set-password/2N3KQ7XZ4M5P6R7S8T9V", "https://acme.app.test/set-password/2N3K-redacted"},
		{"https://acme.app.test/login", "https://acme.app.test/login"},
		{"https://acme.app.test/x?token=ABCDEFGHIJKLMNOPQRST&m=1", "https://acme.app.test/x?m=1&token=ABCD-redacted"},
		{"https://acme.app.test/#ABCDEFGHIJKLMNOPQRST", "https://acme.app.test/"},
	} {
		if got := mail.RedactLink(tc.in); got != tc.want {
			t.Errorf("RedactLink(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The outbox logs each message's links with their secrets redacted; the file keeps them whole.
func TestOutboxLogsRedactedLinks(t *testing.T) {
	var logs bytes.Buffer
	box, err := mail.NewOutbox(filepath.Join(t.TempDir(), "outbox"), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "Q7XZ4M5P6R7S8T9VQ7XZ4M5P6R"
	link := "http://acme.app.test/reset-password/" + secret
	if err := box.Send(t.Context(), mail.Message{To: "zoe@example.com", Subject: "Reset", Text: "Open " + link}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatalf("the log holds the link's secret:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "reset-password/Q7XZ-redacted") {
		t.Fatalf("the log does not show the redacted link:\n%s", logs.String())
	}
	msgs, err := mail.ReadOutbox(box.Dir())
	if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Text, secret) {
		t.Fatalf("the outbox file lost the link: %+v %v", msgs, err)
	}
}
