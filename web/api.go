package web

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// apiCaller is who makes a JSON API request: a browser's session, or an API token acting as
// its account. Exactly one of Session and Token is set.
type apiCaller struct {
	Workspace latchkey.Workspace
	Account   latchkey.Account
	Session   latchkey.Session
	Token     latchkey.APIToken
	Client    signin.Client
}

// apiHandler is an endpoint of the JSON API. What it returns goes to apiFail.
type apiHandler func(w http.ResponseWriter, r *http.Request, c *apiCaller) error

// errCrossOriginAPI answers an API request that another site's page sent from a browser
// (refused by CrossOriginProtection before any check of its own).
var errCrossOriginAPI = latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgAPICrossOrigin)

// csrfHeader carries the page's form token on a cookie-authenticated request that changes
// something: the session cookie is ambient, the header is not.
const csrfHeader = "X-CSRF-Token"

// api mounts an endpoint of the JSON API on a workspace host. A request with an Authorization
// header is a token request: it must be "Bearer <token>", and no cookie is read or set (so a
// token request can never ride on a browser's session). Any other request is authenticated
// by the session cookie, as the pages are, with two more checks on requests that change
// something: the X-CSRF-Token header must hold the page's form token, and a read token is
// refused. Every answer is JSON and not cached.
func (s *Server) api(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Cache-Control"] = noStore
		c, err := s.apiAuthenticate(w, r)
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			s.apiFail(w, r, err)
		}
	})
}

// apiAuthenticate finds the workspace and the caller and applies the checks of api.
func (s *Server) apiAuthenticate(w http.ResponseWriter, r *http.Request) (*apiCaller, error) {
	_, slug := s.classifyHost(r.Host)
	ws, err := s.store.WorkspaceBySlug(r.Context(), slug)
	if err != nil {
		return nil, err
	}
	c := &apiCaller{Workspace: ws, Client: signin.Client{Addr: s.clientAddr(r), UserAgent: r.UserAgent()}}
	writes := r.Method != http.MethodGet && r.Method != http.MethodHead
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, secret, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			secret = ""
		}
		c.Token, c.Account, err = s.svc.AuthenticateAPIToken(r.Context(), ws, strings.TrimSpace(secret), c.Client)
		if err != nil {
			return nil, err
		}
		if writes && !c.Token.Scope.CanWrite() {
			s.svc.RefuseAPIToken(r.Context(), c.Token, c.Client, "read-only token used for "+r.Pattern)
			return nil, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgAPIReadOnly)
		}
		return c, nil
	}
	ck, err := r.Cookie(s.cookieName(sessionCookie))
	if err != nil {
		return nil, signin.ErrAPIUnauthorized
	}
	c.Session, c.Account, err = s.svc.Authenticate(r.Context(), ws, ck.Value)
	if errors.Is(err, signin.ErrNoSession) {
		s.clearSession(w)
		return nil, signin.ErrAPIUnauthorized
	}
	if err != nil {
		return nil, err
	}
	// As on the pages: a workspace that requires two-factor authentication lets a member
	// without it do nothing but set it up.
	if ws.Policy.Require2FA && !c.Account.TwoFactor() {
		return nil, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgAPITwoFactorNeeded)
	}
	if writes {
		want := s.formToken(&request{Workspace: ws, Session: c.Session, Account: c.Account})
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(want)) != 1 {
			return nil, latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgAPICSRF)
		}
	}
	return c, nil
}

// apiError is the body of every API error. Code is one of the latchkey error codes, stable for
// programs; Message is for people; Field names the offending input field, if one.
type apiError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	Field      string `json:"field,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"` // seconds, with code "throttled" or "unavailable"
	RequestID  string `json:"request_id,omitempty"`  // with code "internal", to quote to the operator
}

// apiFail answers a failed API request with its JSON error and the status statusOf gives its
// code. Internal errors are logged with the request ID and never shown.
func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var le *latchkey.Error
	e := apiError{Code: latchkey.CodeInternal, Message: latchkey.MsgInternal}
	switch {
	case s.unavailable(err):
		e = apiError{Code: latchkey.CodeUnavailable, Message: MsgUnavailable}
		w.Header().Set("Retry-After", unavailableRetry)
		s.log.Error("api request failed: database unreachable", "request_id", requestID(r), "route", r.Pattern, "host", r.Host, "err", err)
	case errors.As(err, &le) && le.Code != latchkey.CodeInternal:
		e = apiError{Code: le.Code, Message: le.Message, Field: le.Field}
		if le.RetryAfter > 0 {
			w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter))
			e.RetryAfter = int((le.RetryAfter + time.Second - 1) / time.Second)
		}
		if le.Code == latchkey.CodeUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="latchkey"`)
		}
	default:
		e.RequestID = requestID(r)
		s.log.Error("api request failed", "request_id", e.RequestID, "method", r.Method, "route", r.Pattern, "host", r.Host, "err", err)
	}
	writeJSON(w, statusOf(e.Code), e)
}

var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON answers with v as JSON. It encodes into a pooled buffer first, so that an
// encoding failure is an error page rather than half a body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer jsonBuffers.Put(buf)
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		http.Error(w, `{"code":"internal","message":"`+latchkey.MsgInternal+`"}`, http.StatusInternalServerError)
		return
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// readJSON decodes the request's JSON object into v: Content-Type must be application/json,
// and unknown fields are refused, so that a typo is not silently ignored.
func readJSON(r *http.Request, v any) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" {
		return latchkey.NewError(latchkey.CodeInvalid, "", latchkey.MsgAPIJSONRequired)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return latchkey.NewError(latchkey.CodeInvalid, "", latchkey.MsgAPIJSONRequired)
		}
		return &latchkey.Error{Code: latchkey.CodeInvalid, Message: latchkey.MsgAPIJSONRequired, Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return latchkey.NewError(latchkey.CodeInvalid, "", latchkey.MsgAPIJSONRequired)
	}
	return nil
}

// apiMe is the body of GET /api/v1/me.
type apiMe struct {
	ID        string       `json:"id"`
	Email     string       `json:"email"`
	Name      string       `json:"name"`
	Role      string       `json:"role"`
	TwoFactor bool         `json:"two_factor"`
	Workspace apiWorkspace `json:"workspace"`
	Via       string       `json:"via"`             // "session" or "token"
	Token     *apiTokenRef `json:"token,omitempty"` // the token, when Via is "token"
}

type apiWorkspace struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type apiTokenRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Scope string `json:"scope"`
}

// apiMeGet is GET /api/v1/me: the signed-in person (or the account a token acts as). It is the
// cheapest authenticated request there is: the workspace and one session read, no template,
// and the body written by hand into a pooled buffer, without reflection (the JSON is the
// apiMe struct's, which documents it; TestAPIMeMatchesItsStruct holds the two together).
func (s *Server) apiMeGet(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	a, ws := &c.Account, &c.Workspace
	buf := jsonBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer jsonBuffers.Put(buf)
	b := buf.AvailableBuffer()
	b = append(b, `{"id":`...)
	b = appendJSONString(b, a.ID)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, a.Email)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, a.Name)
	b = append(b, `,"role":`...)
	b = appendJSONString(b, string(a.Role))
	b = append(b, `,"two_factor":`...)
	b = strconv.AppendBool(b, a.TwoFactor())
	b = append(b, `,"workspace":{"id":`...)
	b = appendJSONString(b, ws.ID)
	b = append(b, `,"slug":`...)
	b = appendJSONString(b, ws.Slug)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, ws.Name)
	if c.Token.ID == "" {
		b = append(b, `},"via":"session"}`...)
	} else {
		b = append(b, `},"via":"token","token":{"id":`...)
		b = appendJSONString(b, c.Token.ID)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, c.Token.Name)
		b = append(b, `,"scope":`...)
		b = appendJSONString(b, string(c.Token.Scope))
		b = append(b, `}}`...)
	}
	b = append(b, '\n')
	buf.Write(b)
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

// jsonContentType is shared by every answer: the header map takes the slice as it is, which
// saves an allocation per request (nothing appends to a response header's values).
var jsonContentType = []string{"application/json"}

// appendJSONString appends s as a JSON string, escaped as encoding/json escapes it (with <, >
// and & as \u escapes, and U+2028 and U+2029), invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// noStore is the Cache-Control of every API answer, shared as jsonContentType is.
var noStore = []string{"no-store"}

// apiNotFound answers any other path under /api/.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	w.Header()["Cache-Control"] = noStore
	s.apiFail(w, r, latchkey.ErrNotFound)
}
