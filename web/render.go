package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds the parsed templates, one set per page, and the static assets under their
// content-hash names.
type pages struct {
	byName map[string]*template.Template
	assets map[string]string // "app.css" → "/static/app.3f2a9c1b.css"
	files  map[string][]byte // "/static/app.3f2a9c1b.css" → content
}

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}, assets: map[string]string{}, files: map[string][]byte{}}
	err := fs.WalkDir(staticFS, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		base := path.Base(name)
		ext := path.Ext(base)
		hashed := "/static/" + strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		p.assets[base] = hashed
		p.files[hashed] = b
		return nil
	})
	if err != nil {
		panic(err)
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			if a, ok := p.assets[name]; ok {
				return a, nil
			}
			return "", fmt.Errorf("no asset %q", name)
		},
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		},
		"eventLabel": eventLabel,
	}
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(path.Base(e), ".html")
		if name == "layout" {
			continue
		}
		p.byName[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", e))
	}
	return p
}

// page is what the layout needs; every view embeds it.
type page struct {
	Title      string
	Workspace  *latchkey.Workspace // nil on the central address
	Account    *latchkey.Account   // nil when signed out
	CSRF       string
	CentralURL string
	Notice     string // a success message
	Error      string // the error message of the form, shown above it
	ErrorField string // the field the error is about, if any
	Refresh    string // a URL to move on to at once (meta refresh), for the SSO hand-off
}

// render writes the named page with status. It renders into a buffer first, so that a template
// error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, view any) error {
	t, ok := s.pages.byName[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// serveStatic serves an embedded asset under its content-hash name, cacheable for a year.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	b, ok := s.pages.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(r.URL.Path) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

func eventLabel(t latchkey.EventType) string {
	switch t {
	case latchkey.EventSignIn:
		return "Signed in"
	case latchkey.EventWrongPassword:
		return "Wrong password"
	case latchkey.EventUnknownEmail:
		return "Unknown email"
	case latchkey.EventThrottled:
		return "Throttled"
	case latchkey.EventNotActive:
		return "Refused: not active"
	case latchkey.EventSignOut:
		return "Signed out"
	case latchkey.EventPasswordSet:
		return "Password set"
	case latchkey.EventWorkspaceCreate:
		return "Workspace created"
	case latchkey.EventAccountInvite:
		return "Invited"
	case latchkey.EventAccountSuspend:
		return "Suspended"
	case latchkey.EventAccountActivate:
		return "Reactivated"
	case latchkey.EventAccountRole:
		return "Role changed"
	case latchkey.EventAccountRemove:
		return "Removed"
	case latchkey.EventAccountUnlock:
		return "Sign-in limits cleared"
	case latchkey.EventResetRequested:
		return "Reset requested"
	case latchkey.EventPasswordReset:
		return "Password reset"
	case latchkey.EventPasswordChanged:
		return "Password changed"
	case latchkey.EventSessionRevoked:
		return "Session signed out"
	case latchkey.EventWorkspacePolicy:
		return "Settings changed"
	case latchkey.EventAccessDenied:
		return "Access refused"
	case latchkey.EventTwoFactorFailed:
		return "Wrong two-factor code"
	case latchkey.EventTwoFactorReplay:
		return "Two-factor code reused"
	case latchkey.EventRecoveryCodeUsed:
		return "Signed in with a recovery code"
	case latchkey.EventChallengeExpired:
		return "Two-factor step expired"
	case latchkey.EventChallengeAbandon:
		return "Two-factor step abandoned"
	case latchkey.EventTwoFactorEnable:
		return "Two-factor turned on"
	case latchkey.EventTwoFactorDisable:
		return "Two-factor turned off"
	case latchkey.EventTwoFactorReset:
		return "Two-factor reset"
	case latchkey.EventRecoveryCodesNew:
		return "New recovery codes"
	case latchkey.EventSCIMTokenCreate:
		return "SCIM token created"
	case latchkey.EventSCIMTokenRevoke:
		return "SCIM token revoked"
	case latchkey.EventSCIMUserCreate:
		return "Provisioned"
	case latchkey.EventSCIMUserUpdate:
		return "Updated by the identity provider"
	case latchkey.EventSCIMUserSuspend:
		return "Suspended by the identity provider"
	case latchkey.EventSCIMUserActivate:
		return "Reactivated by the identity provider"
	case latchkey.EventSCIMUserDelete:
		return "Deprovisioned"
	case latchkey.EventSCIMUserRole:
		return "Role changed by the identity provider"
	case latchkey.EventSCIMGroupCreate, latchkey.EventSCIMGroupUpdate, latchkey.EventSCIMGroupDelete:
		return "Provisioning group changed"
	case latchkey.EventSCIMSettings:
		return "Provisioning settings changed"
	case latchkey.EventPasskeyAdd:
		return "Passkey added"
	case latchkey.EventPasskeyRemove:
		return "Passkey removed"
	case latchkey.EventPasskeyUsed:
		return "Passkey used"
	case latchkey.EventPasskeyRefused:
		return "Passkey refused"
	case latchkey.EventNewDeviceAlert:
		return "New-device alert sent"
	case latchkey.EventAlertsOff:
		return "New-device alerts turned off"
	case latchkey.EventAlertsOn:
		return "New-device alerts turned on"
	case latchkey.EventSSORefused:
		return "Single sign-on refused"
	case latchkey.EventSSOProvisioned:
		return "Provisioned by single sign-on"
	case latchkey.EventSSOLinked:
		return "Identity linked"
	case latchkey.EventSSOUnlinked:
		return "Identity unlinked"
	case latchkey.EventSSOConnection:
		return "Connection changed"
	case latchkey.EventSSODomain:
		return "Approved domains changed"
	case latchkey.EventSSOTest:
		return "Test connection"
	}
	return inventoryEventLabel(t)
}

// waitText says a throttle wait in whole minutes, rounded up, or seconds under a minute.
func waitText(d time.Duration) string {
	if d < time.Minute {
		secs := int((d + time.Second - 1) / time.Second)
		if secs <= 1 {
			return "1 second"
		}
		return fmt.Sprintf("%d seconds", secs)
	}
	mins := int((d + time.Minute - 1) / time.Minute)
	if mins == 1 {
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", mins)
}
