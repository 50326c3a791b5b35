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
	"sync"
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

// mustParsePages returns the templates and assets, parsed on the first call: they depend only
// on the embedded files, and parsed templates are safe to execute from many servers at once (a
// process with several, like the tests, parses them once).
var mustParsePages = sync.OnceValue(parsePages)

func parsePages() *pages {
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
