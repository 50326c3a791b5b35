package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
)

// findView is the find-your-workspace page.
type findView struct {
	page
	Entered string // what was typed, kept in the field; not page.Workspace, which the layout reads
	Suffix  string // ".app.example.com", shown after the field
}

func (s *Server) findView() findView {
	v := findView{Suffix: "." + s.base.Host}
	v.Title = "Find your workspace"
	v.CentralURL = s.base.String()
	return v
}

// findPage shows the central address: a workspace-name field and nothing that touches an
// account (no email look-up, no password, no reset).
func (s *Server) findPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, http.StatusOK, "find", s.findView())
}

// The find-your-workspace throttle (ASVS 2.4.1): look-ups per client address in FindWindow,
// counted before the look-up, so that nobody can walk the workspace names quickly.
const (
	FindLimit  = 30
	FindWindow = 10 * time.Minute
)

// findSubmit sends the browser to the workspace named in the form. The name may be typed as the
// slug or the whole address.
func (s *Server) findSubmit(w http.ResponseWriter, r *http.Request) error {
	v := s.findView()
	v.Entered = strings.TrimSpace(r.PostFormValue("workspace"))
	slug := strings.ToLower(v.Entered)
	slug = strings.TrimPrefix(strings.TrimPrefix(slug, "https://"), "http://")
	slug, _, _ = strings.Cut(slug, "/")
	slug = strings.TrimSuffix(slug, "."+strings.ToLower(s.base.Host))
	slug = strings.TrimSuffix(slug, "."+s.baseHost)
	c, err := s.store.AddFailure(r.Context(), "find:"+s.clientAddr(r), s.svc.Now().UTC(), FindWindow)
	if err != nil {
		return err
	}
	if c.Count > FindLimit {
		wait := max(c.First.Add(FindWindow).Sub(s.svc.Now()), time.Second)
		v.Error = latchkey.MsgFindThrottled + ". Try again in " + waitText(wait) + "."
		w.Header().Set("Retry-After", retryAfterSeconds(wait))
		return s.render(w, http.StatusTooManyRequests, "find", v)
	}
	switch {
	case slug == "":
		v.Error, v.ErrorField = latchkey.MsgWorkspaceRequired, "workspace"
		return s.render(w, http.StatusBadRequest, "find", v)
	case len(slug) > 63 || latchkey.ValidateSlug(slug) != nil:
		v.Error, v.ErrorField = latchkey.MsgWorkspaceUnknown, "workspace"
		return s.render(w, http.StatusNotFound, "find", v)
	}
	if _, err := s.store.WorkspaceBySlug(r.Context(), slug); errors.Is(err, latchkey.ErrNotFound) {
		v.Error, v.ErrorField = latchkey.MsgWorkspaceUnknown, "workspace"
		return s.render(w, http.StatusNotFound, "find", v)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, s.svc.WorkspaceURL(slug)+"/login", http.StatusSeeOther)
	return nil
}
