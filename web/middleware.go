package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/scim"
	"github.com/latchkey/latchkey/signin"
)

// maxBody bounds every request body: the largest form latchkey has is a few kilobytes.
const maxBody = 64 << 10

type requestIDKey struct{}

// requestID returns the ID the logging middleware gave the request.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// statusWriter records the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// observe gives each request an ID, recovers from a panic in a handler, and logs and measures
// the request. It logs the route pattern, never the raw path: paths carry one-time secrets.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panic", "request_id", id, "panic", v)
				if sw.code == 0 {
					s.fail(sw, r, errors.New("panic in handler"))
				}
			}
			code := sw.code
			if code == 0 {
				code = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.observe(r.Pattern, code, d)
			s.log.Debug("request", "request_id", id, "method", r.Method, "host", r.Host, "route", r.Pattern, "status", code, "duration", d)
		}()
		next.ServeHTTP(sw, r)
	})
}

// headers sets the security headers of every response and bounds the request body.
func (s *Server) headers(next http.Handler) http.Handler {
	formAction := "'self' " + s.base.Scheme + "://*." + s.base.Host
	// connect-src 'self': passkey.js fetches the WebAuthn ceremonies from the page's own origin.
	csp := "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		// The SAML ACS bounds its own body (maxACSBody), before it parses it; SCIM takes an
		// identity provider's group of many members.
		if !(r.Method == http.MethodPost && isACSPath(r.URL.Path)) {
			limit := int64(maxBody)
			if isSCIMPath(r.URL.Path) {
				limit = scim.MaxBodyBytes
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// hostKind tells what a request's Host names.
type hostKind int

const (
	hostOther     hostKind = iota
	hostCentral            // the base host
	hostWorkspace          // one label below the base host
)

// classifyHost returns the kind of host and, for a workspace host, its slug.
func (s *Server) classifyHost(host string) (hostKind, string) {
	host = strings.ToLower(host)
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasPrefix(host, "[") {
		host = h
	}
	host = strings.TrimSuffix(host, ".")
	if host == s.baseHost {
		return hostCentral, ""
	}
	slug, ok := strings.CutSuffix(host, "."+s.baseHost)
	if !ok || slug == "" || strings.Contains(slug, ".") {
		return hostOther, ""
	}
	return hostWorkspace, slug
}

// byHost sends central-host requests to central and workspace-host requests to workspace; any
// other host gets the unknown-workspace page.
func (s *Server) byHost(central, workspace http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch kind, _ := s.classifyHost(r.Host); kind {
		case hostCentral:
			central.ServeHTTP(w, r)
		case hostWorkspace:
			workspace.ServeHTTP(w, r)
		default:
			s.unknownWorkspace(w, r)
		}
	})
}

// handler is a central-address handler that returns its error.
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) central(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// wsHandler is a workspace handler: it gets the workspace and session explicitly.
type wsHandler func(w http.ResponseWriter, r *http.Request, rq *request) error

// access says who may reach a workspace route.
type access int

const (
	anyone   access = iota // signed in or not
	signedIn               // a live session; otherwise off to sign in
	admins                 // a live session of an administrator
)

// formCheck says how a state-changing request to a workspace route proves it comes from one of
// our own pages.
type formCheck int

const (
	// formToken: the request must carry the form token (and pass CrossOriginProtection).
	formToken formCheck = iota
	// protocolChecked: the endpoint takes a cross-site POST that its protocol protects (the
	// SAML ACS: signature, audience, InResponseTo bound to this browser's flow); no form token.
	// It must also be exempted from CrossOriginProtection in routes.
	protocolChecked
)

// workspace mounts a page of a workspace: the workspace from the host, the session from its
// cookie, access enforced, and the form token of every state-changing request checked, before
// h is called.
func (s *Server) workspace(who access, h wsHandler) http.Handler {
	return s.mountWorkspace(who, formToken, h)
}

// protocolPost mounts a workspace endpoint that a third party's page posts to cross-site (the
// SAML ACS): as workspace, without the form token.
func (s *Server) protocolPost(h wsHandler) http.Handler {
	return s.mountWorkspace(anyone, protocolChecked, h)
}

// bearerHandler is a machine endpoint of a workspace (SCIM, the API with a token): it gets the
// workspace and nothing of a browser's (no cookie is read, none is set).
type bearerHandler func(w http.ResponseWriter, r *http.Request, ws latchkey.Workspace) error

// bearer mounts a machine endpoint: only the workspace from the host. Authentication (a bearer
// token) is the handler's; CSRF does not apply, as no cookie is used.
func (s *Server) bearer(h bearerHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, ok := s.hostWorkspace(w, r)
		if !ok {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r, ws); err != nil {
			s.fail(w, r, err)
		}
	})
}

func (s *Server) mountWorkspace(who access, check formCheck, h wsHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, ok := s.hostWorkspace(w, r)
		if !ok {
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		rq := &request{Workspace: ws, Client: signin.Client{Addr: s.clientAddr(r), UserAgent: r.UserAgent()}}
		ended, err := s.readSession(w, r, rq)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !s.admit(w, r, rq, who, ended) {
			return
		}
		if r.Method == http.MethodPost && !s.readForm(w, r, rq, check) {
			return
		}
		if err := h(w, r, rq); err != nil {
			s.fail(w, r, err)
		}
	})
}

// hostWorkspace is the workspace the request's host names; it answers the request itself (404
// page, or the error) and returns false when there is none.
func (s *Server) hostWorkspace(w http.ResponseWriter, r *http.Request) (latchkey.Workspace, bool) {
	_, slug := s.classifyHost(r.Host)
	ws, err := s.store.WorkspaceBySlug(r.Context(), slug)
	if errors.Is(err, latchkey.ErrNotFound) {
		s.unknownWorkspace(w, r)
		return ws, false
	}
	if err != nil {
		s.fail(w, r, err)
		return ws, false
	}
	return ws, true
}

// readSession puts the session of the request's cookie, if live, into rq; a cookie whose
// session has ended is cleared (ended). A browser without a session gets its form nonce.
func (s *Server) readSession(w http.ResponseWriter, r *http.Request, rq *request) (ended bool, err error) {
	if c, err := r.Cookie(s.cookieName(sessionCookie)); err == nil {
		sess, acct, err := s.svc.Authenticate(r.Context(), rq.Workspace, c.Value)
		switch {
		case err == nil:
			rq.Session, rq.Account = sess, acct
		case errors.Is(err, signin.ErrNoSession):
			s.clearSession(w)
			ended = true
		default:
			return false, err
		}
	}
	if !rq.SignedIn() {
		rq.Nonce = s.nonce(w, r)
	}
	return ended, nil
}

// admit enforces who may reach the route, answering the request itself (off to sign in, to the
// two-factor set-up, or 404 for a member on an administrators' page) when it may not.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, rq *request, who access, ended bool) bool {
	if who != anyone && !rq.SignedIn() {
		q := url.Values{}
		if r.Method == http.MethodGet {
			if p := safeReturn(r.URL.RequestURI()); p != "" && p != "/" {
				q.Set("return_to", p)
			}
		}
		if ended {
			q.Set("m", "session-ended")
		}
		to := "/login"
		if len(q) > 0 {
			to += "?" + q.Encode()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return false
	}
	// A workspace that requires two-factor authentication lets a member without it (an
	// authenticator app or a passkey) reach only the set-up pages (and sign out) until it is on.
	// A session started by single sign-on is exempt: the provider did the second factor (SPEC §4).
	if rq.SignedIn() && rq.Workspace.Policy.Require2FA && !rq.Session.SSO && !rq.Account.TwoFactor() && !allowedBeforeSetup(r.URL.Path) {
		second, err := s.svc.HasSecondFactor(r.Context(), rq.Account)
		if err != nil {
			s.fail(w, r, err)
			return false
		}
		if !second {
			http.Redirect(w, r, "/profile/two-factor/setup?m=required", http.StatusSeeOther)
			return false
		}
	}
	if who == admins && rq.Account.Role != latchkey.RoleAdmin {
		s.svc.AccessDenied(r.Context(), rq.Workspace.ID, rq.Account, rq.Client, "member on an administrators' page: "+r.Pattern)
		s.fail(w, r, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgNotFound))
		return false
	}
	return true
}

// isACSPath reports whether path is a SAML ACS, /sso/{id}/acs.
func isACSPath(path string) bool {
	rest, ok := strings.CutPrefix(path, "/sso/")
	id, ok2 := strings.CutSuffix(rest, "/acs")
	return ok && ok2 && id != "" && !strings.Contains(id, "/")
}

// readForm parses a POST's form (413 past the body limit) and, unless the route's protocol
// protects it, checks the form token. A protocol-checked endpoint (the SAML ACS) bounds and
// parses its own body, so that an oversize one gets its own page and audit event.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, rq *request, check formCheck) bool {
	if check == protocolChecked {
		return true // the handler bounds and parses its own body
	}
	parse := r.ParseForm
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// A file upload (CSV import): ParseForm leaves its fields, the form token among
		// them, unread. maxBody bounds it as any other form.
		parse = func() error { return r.ParseMultipartForm(maxBody) }
	}
	if err := parse(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.log.Warn("request body too large", "route", r.Pattern, "limit", tooBig.Limit)
			http.Error(w, "The form is too large.", http.StatusRequestEntityTooLarge)
			return false
		}
		s.fail(w, r, latchkey.NewError(latchkey.CodeInvalid, "", latchkey.MsgFormExpired))
		return false
	}
	if err := s.checkForm(r, rq); err != nil {
		s.svc.AccessDenied(r.Context(), rq.Workspace.ID, rq.Account, rq.Client, "wrong or missing form token: "+r.Pattern)
		s.fail(w, r, err)
		return false
	}
	return true
}

// allowedBeforeSetup are the paths a member may reach while their workspace requires
// two-factor authentication and they have not set it up.
func allowedBeforeSetup(path string) bool {
	return path == "/logout" || path == "/profile/two-factor" || strings.HasPrefix(path, "/profile/two-factor/") ||
		strings.HasPrefix(path, "/profile/passkeys/")
}
