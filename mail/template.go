package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	texttemplate "text/template"
	"time"
)

//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

// The templates are parsed once, at start-up: a broken template stops the
// program before it serves anything rather than failing on the first mail.
var (
	textTemplates = texttemplate.Must(texttemplate.New("").Option("missingkey=error").ParseFS(templateFS, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Option("missingkey=error").ParseFS(templateFS, "templates/*.html"))
)

// Template names for Compose.
const (
	// TemplateWelcome is sent to the first administrator of a new workspace.
	// Its data is a LinkData; InvitedBy is not used.
	TemplateWelcome = "welcome"
	// TemplateInvite is sent to a member invited to set a password.
	// Its data is a LinkData; InvitedBy is optional.
	TemplateInvite = "invite"
	// TemplateReset carries a forgotten-password link. Its data is a LinkData; InvitedBy is
	// not used.
	TemplateReset = "reset"
	// TemplateNotice is a plain notice of paragraphs, for a message that has no template of its
	// own. Its data is a NoticeData.
	TemplateNotice = "notice"
	// TemplateNewSignIn tells someone that their account was signed in to from a device it
	// had not used before. Its data is a NewSignInData; its subject is
	// latchkey.MsgNewSignInSubject with the workspace's name.
	TemplateNewSignIn = "newsignin"
	// TemplatePasswordChanged tells someone their password was changed, from the security page
	// or with a reset link. Its data is a PasswordChangedData.
	TemplatePasswordChanged = "password_changed"
	// TemplateTwoFactorReset tells someone an administrator reset their two-factor
	// authentication. Its data is a TwoFactorResetData.
	TemplateTwoFactorReset = "twofactor_reset"
	// TemplateRequestStatus tells a requester that the status of their request changed. Its
	// data is a RequestStatusData.
	TemplateRequestStatus = "request_status"
)

// PasswordChangedData is the data of TemplatePasswordChanged.
type PasswordChangedData struct {
	WorkspaceName, WorkspaceURL string
	Email                       string // the account's
	When                        string // in words, UTC
	ByReset                     bool   // with a reset link (every session ended), not from the security page
}

// TwoFactorResetData is the data of TemplateTwoFactorReset.
type TwoFactorResetData struct {
	WorkspaceName, WorkspaceURL string
	Email                       string // the account's
	AdminEmail                  string // the administrator who reset it
	Required                    bool   // the workspace requires two-factor: set-up is next
}

// RequestStatusData is the data of TemplateRequestStatus.
type RequestStatusData struct {
	// WorkspaceName is the workspace's display name.
	WorkspaceName string
	// WorkspaceURL is where the workspace's members sign in.
	WorkspaceURL string
	// Title is the request's title.
	Title string
	// Status is the new status in words, such as "in progress".
	Status string
	// RequestURL is the request's page.
	RequestURL string
	// Comment is an optional sentence about the change; "" for none.
	Comment string
}

// NewSignInData is the data of a new-device sign-in alert.
type NewSignInData struct {
	// WorkspaceName is the workspace's display name.
	WorkspaceName string
	// WorkspaceURL is where the workspace's members sign in.
	WorkspaceURL string
	// Time is when the sign-in happened, in words, such as FormatTime returns.
	Time string
	// Device is the browser and operating system, such as "Firefox on Windows".
	Device string
	// Address is the client address the sign-in came from.
	Address string
	// SecurityURL is the person's Security page, where they end sessions, change the
	// password and turn the alert off.
	SecurityURL string
}

// FormatTime writes t for NewSignInData.Time, in UTC so that it means the same to every
// reader: "Tuesday, 4 March 2031 at 05:06 UTC".
func FormatTime(t time.Time) string {
	return t.UTC().Format("Monday, 2 January 2006 at 15:04 UTC")
}

// NoticeData is the data of a notice: plain paragraphs, escaped in the HTML part.
type NoticeData struct {
	// WorkspaceName is the workspace's display name.
	WorkspaceName string
	// WorkspaceURL is where the workspace's members sign in.
	WorkspaceURL string
	// Paragraphs are the notice's text, one paragraph each, in order.
	Paragraphs []string
}

// LinkData is the data of the emails that carry a one-time link.
type LinkData struct {
	// WorkspaceName is the workspace's display name.
	WorkspaceName string
	// WorkspaceURL is where the workspace's members sign in.
	WorkspaceURL string
	// Link is the one-time link to set a password.
	Link string
	// InvitedBy names who sent an invitation; empty if nobody in particular did.
	InvitedBy string
	// ExpiresIn says how long Link stays valid, in words, such as FormatExpiry returns.
	ExpiresIn string
}

// Compose renders templates/<name>.txt with text/template and
// templates/<name>.html with html/template (which escapes data for HTML) into
// a Message to the given recipient. It returns an error if there is no
// template of that name or if data does not fit it.
func Compose(to, subject, name string, data any) (Message, error) {
	text := textTemplates.Lookup(name + ".txt")
	html := htmlTemplates.Lookup(name + ".html")
	if text == nil || html == nil {
		return Message{}, fmt.Errorf("mail template %q not found", name)
	}
	var tb, hb bytes.Buffer
	if err := text.Execute(&tb, data); err != nil {
		return Message{}, fmt.Errorf("render %s.txt: %w", name, err)
	}
	if err := html.Execute(&hb, data); err != nil {
		return Message{}, fmt.Errorf("render %s.html: %w", name, err)
	}
	return Message{To: to, Subject: subject, Text: tb.String(), HTML: hb.String()}, nil
}

// FormatExpiry says how long d is, in words, for LinkData.ExpiresIn: "7 days",
// "1 hour", "90 minutes". It rounds d down to whole minutes, so a link lives
// at least as long as the email says, then uses the largest unit that
// divides it exactly.
func FormatExpiry(d time.Duration) string {
	minutes := int64(d / time.Minute)
	switch {
	case minutes > 0 && minutes%(24*60) == 0:
		return plural(minutes/(24*60), "day")
	case minutes > 0 && minutes%60 == 0:
		return plural(minutes/60, "hour")
	default:
		return plural(max(minutes, 0), "minute")
	}
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.FormatInt(n, 10) + " " + unit + "s"
}
