package mail

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites the file under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

var acme = LinkData{
	WorkspaceName: "Acme",
	WorkspaceURL:  "https://acme.app.example.com",
	Link:          "https://acme.app.example.com/invite?token=abc123&x=1",
	InvitedBy:     "Ada Admin",
	ExpiresIn:     FormatExpiry(7 * 24 * time.Hour),
}

func TestComposeGolden(t *testing.T) {
	noInviter := acme
	noInviter.InvitedBy = ""
	tests := []struct {
		name, template, subject string
		data                    LinkData
	}{
		{"welcome", TemplateWelcome, "Your workspace is ready", acme},
		{"invite", TemplateInvite, "You have been invited to Acme", acme},
		{"invite-no-inviter", TemplateInvite, "You have been invited to Acme", noInviter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Compose("zoe@example.com", tt.subject, tt.template, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := m.To, "zoe@example.com"; got != want {
				t.Errorf("To=%q, want %q", got, want)
			}
			if got, want := m.Subject, tt.subject; got != want {
				t.Errorf("Subject=%q, want %q", got, want)
			}
			golden(t, tt.name+".txt", m.Text)
			golden(t, tt.name+".html", m.HTML)

			if got, want := Links(m.Text), []string{tt.data.Link, tt.data.WorkspaceURL}; !sameSet(got, want) {
				t.Errorf("links in text=%q, want %q", got, want)
			}
			for _, want := range []string{
				`href="https://acme.app.example.com/invite?token=abc123&amp;x=1"`,
				`href="https://acme.app.example.com"`,
				"expires in 7 days", "works once",
			} {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("HTML lacks %q", want)
				}
			}
			if !strings.Contains(m.Text, "expires in 7 days") || !strings.Contains(m.Text, "works once") {
				t.Errorf("text does not say the link works once and expires in 7 days:\n%s", m.Text)
			}
			if tt.template == TemplateInvite {
				who := "You have been invited"
				if tt.data.InvitedBy != "" {
					who = tt.data.InvitedBy + " has invited you"
				}
				if !strings.Contains(m.Text, who) || !strings.Contains(m.HTML, who) {
					t.Errorf("invite does not say %q", who)
				}
			}
		})
	}
}

// sameSet reports whether a and b hold the same strings, ignoring order and repeats.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func TestComposeEscapesHTML(t *testing.T) {
	evil := LinkData{
		WorkspaceName: `<script>alert("ws")</script>`,
		WorkspaceURL:  "https://evil.app.example.com",
		Link:          "javascript:alert(1)",
		InvitedBy:     `<img src=x onerror=alert(1)>`,
		ExpiresIn:     "1 hour",
	}
	for _, name := range []string{TemplateWelcome, TemplateInvite} {
		t.Run(name, func(t *testing.T) {
			m, err := Compose("a@example.com", "s", name, evil)
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"<script>", "<img", `href="javascript:`} {
				if strings.Contains(m.HTML, bad) {
					t.Errorf("HTML contains %q unescaped:\n%s", bad, m.HTML)
				}
			}
			if want := "&lt;script&gt;alert(&#34;ws&#34;)&lt;/script&gt;"; !strings.Contains(m.HTML, want) {
				t.Errorf("HTML lacks the escaped workspace name %q:\n%s", want, m.HTML)
			}
			// The plain-text part is not HTML: names appear as they are.
			if !strings.Contains(m.Text, evil.WorkspaceName) {
				t.Errorf("text lacks the workspace name %q as written", evil.WorkspaceName)
			}
		})
	}
}

func TestComposeErrors(t *testing.T) {
	if _, err := Compose("a@example.com", "s", "no-such-template", acme); err == nil {
		t.Error("Compose with an unknown template succeeded, want an error")
	}
	if _, err := Compose("a@example.com", "s", TemplateWelcome, struct{ Other string }{}); err == nil {
		t.Error("Compose with data that lacks the template's fields succeeded, want an error")
	}
}

// TestTemplatePairs checks that every template has both parts, so that
// Compose never finds only one of them.
func TestTemplatePairs(t *testing.T) {
	names := map[string][]string{}
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(path)
		base := strings.TrimSuffix(filepath.Base(path), ext)
		names[base] = append(names[base], ext)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for base, exts := range names {
		slices.Sort(exts)
		if !slices.Equal(exts, []string{".html", ".txt"}) {
			t.Errorf("template %q has parts %v, want .html and .txt", base, exts)
		}
	}
	for _, name := range []string{TemplateWelcome, TemplateInvite} {
		if _, ok := names[name]; !ok {
			t.Errorf("no template %q", name)
		}
	}
}

func TestFormatExpiry(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{7 * 24 * time.Hour, "7 days"},
		{24 * time.Hour, "1 day"},
		{time.Hour, "1 hour"},
		{36 * time.Hour, "36 hours"},
		{90 * time.Minute, "90 minutes"},
		{time.Minute, "1 minute"},
		{5*time.Minute + 59*time.Second, "5 minutes"},
		{30 * time.Second, "0 minutes"},
		{-time.Hour, "0 minutes"},
	}
	for _, tt := range tests {
		if got := FormatExpiry(tt.d); got != tt.want {
			t.Errorf("FormatExpiry(%v)=%q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestLinks(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"none", "no links here, only www.example.com", nil},
		{"one per line", "Go to:\n    https://a.example.com/x?t=1&u=2\nthen http://b.example.com\n",
			[]string{"https://a.example.com/x?t=1&u=2", "http://b.example.com"}},
		{"sentence end", "See https://a.example.com/reset. Or (https://b.example.com/), ok?", []string{"https://a.example.com/reset", "https://b.example.com/"}},
		{"html attribute", `<a href="https://a.example.com/?a=1&amp;b=2">x</a>`, []string{"https://a.example.com/?a=1&amp;b=2"}},
		{"upper case scheme", "HTTPS://A.EXAMPLE.COM", []string{"HTTPS://A.EXAMPLE.COM"}},
		{"other schemes", "ftp://a.example.com mailto:a@example.com javascript:alert(1)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Links(tt.in)); diff != "" {
				t.Errorf("Links mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestComposeNotice(t *testing.T) {
	m, err := Compose("ada@acme.test", "Two-factor authentication was reset", TemplateNotice, NoticeData{
		WorkspaceName: "Acme <Corp>", WorkspaceURL: "https://acme.app.test",
		Paragraphs: []string{"An administrator reset your two-factor authentication.", "Set it up again <soon>."},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"An administrator reset your two-factor authentication.", "Set it up again <soon>.", "https://acme.app.test"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text part lacks %q:\n%s", want, m.Text)
		}
	}
	if !strings.Contains(m.HTML, "Set it up again &lt;soon&gt;.") || strings.Contains(m.HTML, "<soon>") || strings.Contains(m.HTML, "Acme <Corp>") {
		t.Errorf("HTML part does not escape the paragraphs and name:\n%s", m.HTML)
	}
}

func TestComposeNewSignIn(t *testing.T) {
	data := NewSignInData{
		WorkspaceName: "Acme",
		WorkspaceURL:  "https://acme.app.example.com",
		Time:          FormatTime(time.Date(2031, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))),
		Device:        "Firefox on Windows",
		Address:       "192.0.2.7",
		SecurityURL:   "https://acme.app.example.com/profile/security",
	}
	m, err := Compose("pat@acme.test", "New sign-in to your Acme account", TemplateNewSignIn, data)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "newsignin.txt", m.Text)
	golden(t, "newsignin.html", m.HTML)
	for _, want := range []string{"Tuesday, 4 March 2031 at 04:06 UTC", "Firefox on Windows", "192.0.2.7"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
			t.Errorf("the alert does not say %q", want)
		}
	}
	if got, want := Links(m.Text), []string{data.SecurityURL, data.WorkspaceURL}; !sameSet(got, want) {
		t.Errorf("links in text=%q, want %q", got, want)
	}
	if !strings.Contains(m.HTML, `href="https://acme.app.example.com/profile/security"`) {
		t.Errorf("HTML lacks the Security page link")
	}

	evil := data
	evil.Device = `<script>alert(1)</script>`
	evil.WorkspaceName = `<b>x</b>`
	m, err = Compose("pat@acme.test", "s", TemplateNewSignIn, evil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<b>x</b>") {
		t.Errorf("HTML does not escape the user agent or workspace name:\n%s", m.HTML)
	}
}

// The account notices of the sign-in flows are templates of their own, with their sentences
// and no prose left in the flows; the HTML part escapes the data.
func TestComposeAccountNotices(t *testing.T) {
	for _, tc := range []struct {
		name, template string
		data           any
		want           []string
	}{
		{"password changed from the security page", TemplatePasswordChanged,
			PasswordChangedData{WorkspaceName: "Acme <Corp>", WorkspaceURL: "https://acme.app.test", Email: "zoe@example.com", When: "4 March 2030 at 09:00 UTC"},
			[]string{"was changed from its security page on 4 March 2030 at 09:00 UTC", "Your other sessions have been signed out.", "Forgot password?"}},
		{"password changed with a reset link", TemplatePasswordChanged,
			PasswordChangedData{WorkspaceName: "Acme <Corp>", WorkspaceURL: "https://acme.app.test", Email: "zoe@example.com", When: "4 March 2030 at 09:00 UTC", ByReset: true},
			[]string{"was changed with a reset link", "You have been signed out everywhere.", "ask for a new reset link"}},
		{"two-factor reset", TemplateTwoFactorReset,
			TwoFactorResetData{WorkspaceName: "Acme <Corp>", WorkspaceURL: "https://acme.app.test", Email: "zoe@example.com", AdminEmail: "ada@example.com"},
			[]string{"(ada@example.com) reset the two-factor authentication", "only your password is asked"}},
		{"two-factor reset where it is required", TemplateTwoFactorReset,
			TwoFactorResetData{WorkspaceName: "Acme <Corp>", WorkspaceURL: "https://acme.app.test", Email: "zoe@example.com", AdminEmail: "ada@example.com", Required: true},
			[]string{"you are asked to set it up again before anything else"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Compose("zoe@example.com", "Subject", tc.template, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(m.Text, w) || !strings.Contains(m.HTML, strings.ReplaceAll(w, "'", "&#39;")) {
					t.Errorf("%s does not say %q:\n%s\n%s", tc.template, w, m.Text, m.HTML)
				}
			}
			if strings.Contains(m.HTML, "Acme <Corp>") || !strings.Contains(m.HTML, "Acme &lt;Corp&gt;") {
				t.Errorf("the HTML part does not escape the workspace name:\n%s", m.HTML)
			}
		})
	}
}

// The operator at the command line has no email: the notice names nobody, and shows no empty
// brackets.
func TestTwoFactorResetByTheOperator(t *testing.T) {
	m, err := Compose("zoe@example.com", "Subject", TemplateTwoFactorReset, TwoFactorResetData{WorkspaceName: "Acme", WorkspaceURL: "https://acme.app.test", Email: "zoe@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{m.Text, m.HTML} {
		if !strings.Contains(part, "An administrator of Acme reset the two-factor authentication") || strings.Contains(part, "()") {
			t.Errorf("the notice of a reset by the operator:\n%s", part)
		}
	}
}
