package mail

import (
	"strings"
	"testing"
	"time"
)

func TestComposeResetGolden(t *testing.T) {
	data := acme
	data.Link = "https://acme.app.example.com/reset-password/abc123"
	data.InvitedBy = ""
	data.ExpiresIn = FormatExpiry(time.Hour)
	m, err := Compose("zoe@example.com", "Reset your password for Acme", TemplateReset, data)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "reset.txt", m.Text)
	golden(t, "reset.html", m.HTML)
	if got, want := Links(m.Text), []string{data.Link, data.WorkspaceURL}; !sameSet(got, want) {
		t.Errorf("links in text=%q, want %q", got, want)
	}
	for _, want := range []string{"works once and expires in 1 hour", "two-factor authentication"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("reset mail does not say %q", want)
		}
	}
}
