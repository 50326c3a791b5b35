package scim

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey"
	filter "github.com/scim2/filter-parser/v2"
)

// Store is what the SCIM endpoint reads and writes: the SCIM stores, and the few account,
// session and audit methods it acts through. *sqlstore.DB implements it.
type Store interface {
	latchkey.SCIMTokenStore
	latchkey.SCIMUserStore
	latchkey.SCIMGroupStore
	latchkey.SCIMSettingsStore
	// AccountByEmail, from latchkey.AccountStore, answers the userName look-up in one read.
	AccountByEmail(ctx context.Context, ws, email string) (latchkey.Account, error)
	// Accounts, from latchkey.AccountStore, counts the active administrators.
	Accounts(ctx context.Context, ws string, f latchkey.AccountFilter) ([]latchkey.Account, error)
	// DeleteAccount, from latchkey.AccountStore, carries out DELETE /Users/{id}.
	DeleteAccount(ctx context.Context, ws, id string) error
	// DeleteAccountSessions, from latchkey.SessionStore, ends a suspended account's sessions.
	DeleteAccountSessions(ctx context.Context, ws, accountID, except string) (int, error)
	// RecordEvent, from latchkey.AuditLog, records every change.
	RecordEvent(ctx context.Context, e latchkey.Event) error
}

// Domains gives a workspace's approved company domains (lower case, such as "acme.com").
// A userName whose domain is not among them is refused.
type Domains interface {
	// Domains returns the approved domains of workspace ws; an empty list approves none.
	Domains(ctx context.Context, ws string) ([]string, error)
}

// DomainsFunc adapts a function to Domains.
type DomainsFunc func(ctx context.Context, ws string) ([]string, error)

// Domains calls f.
func (f DomainsFunc) Domains(ctx context.Context, ws string) ([]string, error) { return f(ctx, ws) }

// Config is what a Handler needs.
type Config struct {
	Store   Store
	Domains Domains // required: the approved-domains rule always applies
	Now     func() time.Time
	Log     *slog.Logger
	// RateLimit is how many requests one token may make per minute on this node; 0 means
	// DefaultRateLimit. Beyond it requests get 429 with Retry-After.
	RateLimit int
	// ClientAddr returns the address recorded in audit events; nil means the host of
	// r.RemoteAddr. The lead passes the web package's proxy-aware function.
	ClientAddr func(r *http.Request) string
}

// DefaultRateLimit is the per-token request budget per minute. Entra sends bursts during an
// initial cycle and backs off on 429, so the budget is generous and the answer honest.
const DefaultRateLimit = 1200

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// TokenPrefix starts every SCIM token, so that secret scanners and people can tell one apart.
const TokenPrefix = "lksc_"

// Handler serves the SCIM 2.0 API of every workspace. It is safe for concurrent use.
type Handler struct {
	cfg Config

	mu       sync.Mutex
	windows  map[string]window // token ID → this minute's count
	lastPrun time.Time
}

// window counts one token's requests in the minute that began at start.
type window struct {
	start time.Time
	n     int
}

// New returns a Handler. It returns an error if Store, Domains or Now is missing.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Domains == nil || cfg.Now == nil {
		return nil, errors.New("scim: Config needs Store, Domains and Now")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	return &Handler{cfg: cfg, windows: map[string]window{}}, nil
}

// NewToken makes a SCIM token for workspace ws: the secret to show once, and the record to
// store (only its SHA-256 is kept).
func NewToken(ws, name string, now time.Time) (secret string, t latchkey.SCIMToken) {
	s, _ := latchkey.NewSecret()
	secret = TokenPrefix + s
	return secret, latchkey.SCIMToken{ID: latchkey.NewID(), WorkspaceID: ws, Name: name,
		Hash: latchkey.HashSecret(secret), CreatedAt: now.UTC()}
}

// CreateToken makes, stores and audits a token of ws named name, created by actorID (an
// administrator's account ID, "" for the CLI). It returns the secret, to be shown once.
// Returns an *latchkey.Error with CodeInvalid for an empty or over-long name.
func (h *Handler) CreateToken(ctx context.Context, ws, name, actorID string) (string, latchkey.SCIMToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", latchkey.SCIMToken{}, nameError(name)
	}
	secret, tok := NewToken(ws, name, h.cfg.Now())
	if err := h.cfg.Store.CreateSCIMToken(ctx, tok); err != nil {
		return "", latchkey.SCIMToken{}, fmt.Errorf("create scim token: %w", err)
	}
	h.audit(ctx, latchkey.Event{WorkspaceID: ws, ActorID: actorID, Type: latchkey.EventSCIMTokenCreate,
		Detail: "SCIM token " + strconv.Quote(name) + " (" + tok.ID + ")"})
	return secret, tok, nil
}

// RevokeToken revokes the live token id of ws and audits it, naming actorID. Returns
// ErrNotFound if ws has no such live token.
func (h *Handler) RevokeToken(ctx context.Context, ws, id, actorID string) error {
	if err := h.cfg.Store.RevokeSCIMToken(ctx, ws, id, h.cfg.Now()); err != nil {
		return fmt.Errorf("revoke scim token: %w", err)
	}
	h.audit(ctx, latchkey.Event{WorkspaceID: ws, ActorID: actorID, Type: latchkey.EventSCIMTokenRevoke,
		Detail: "SCIM token " + id})
	return nil
}

// errUnauthorized is what Authenticate returns for any bad token, whatever was wrong with it.
var errUnauthorized = &latchkey.Error{Code: latchkey.CodeUnauthorized, Message: latchkey.MsgNotFound}

// Authenticate returns the live token of ws whose secret is bearer (the token itself, or a
// whole "Bearer …" Authorization value), and records its use. A missing, unknown, revoked
// or other workspace's token is an *latchkey.Error with CodeUnauthorized.
func (h *Handler) Authenticate(ctx context.Context, ws latchkey.Workspace, bearer string) (latchkey.SCIMToken, error) {
	bearer = strings.TrimSpace(bearer)
	if len(bearer) > 7 && strings.EqualFold(bearer[:7], "bearer ") {
		bearer = strings.TrimSpace(bearer[7:])
	}
	if bearer == "" || len(bearer) > 200 {
		return latchkey.SCIMToken{}, errUnauthorized
	}
	hash := latchkey.HashSecret(bearer)
	tok, err := h.cfg.Store.SCIMTokenByHash(ctx, ws.ID, hash)
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.SCIMToken{}, errUnauthorized
	}
	if err != nil {
		return latchkey.SCIMToken{}, fmt.Errorf("authenticate scim token: %w", err)
	}
	// The store found the row by the hash; comparing again in constant time keeps the final
	// decision free of an early-exit comparison whatever the store does. The look-up itself
	// is over SHA-256 of a 256-bit secret, so its timing tells an attacker nothing useful.
	if subtle.ConstantTimeCompare([]byte(tok.Hash), []byte(hash)) != 1 || tok.WorkspaceID != ws.ID || tok.Revoked() {
		return latchkey.SCIMToken{}, errUnauthorized
	}
	now := h.cfg.Now()
	// One write a minute per token is enough for "last used", and spares the database a write
	// per request during a provisioning burst.
	if now.Sub(tok.LastUsedAt) >= time.Minute {
		if err := h.cfg.Store.TouchSCIMToken(ctx, ws.ID, tok.ID, now); err != nil {
			return latchkey.SCIMToken{}, fmt.Errorf("touch scim token: %w", err)
		}
		tok.LastUsedAt = now
	}
	return tok, nil
}

// Serve authenticates the request's bearer token for ws and serves it with ServeSCIM. It is
// what the workspace host mounts at /scim/v2/. baseURL is the endpoint's absolute URL,
// https://<slug>.<base host>/scim/v2, used in meta.location.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request, ws latchkey.Workspace, baseURL string) {
	tok, err := h.Authenticate(r.Context(), ws, r.Header.Get("Authorization"))
	if err != nil {
		if latchkey.ErrorCode(err) == latchkey.CodeUnauthorized {
			WriteUnauthorized(w)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.ServeSCIM(w, r, ws, tok, baseURL)
}

// ServeSCIM serves one SCIM request of workspace ws made with token tok, which the caller has
// authenticated (Authenticate). r.URL.Path is the path below the endpoint, with or without
// the /scim/v2 prefix. Requests beyond the token's rate limit get 429.
func (h *Handler) ServeSCIM(w http.ResponseWriter, r *http.Request, ws latchkey.Workspace, tok latchkey.SCIMToken, baseURL string) {
	if wait := h.throttle(tok.ID); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		writeError(w, errorf(429, "", "too many requests for this token; retry later"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	rq := &request{h: h, w: w, r: r, ws: ws, tok: tok, base: strings.TrimSuffix(baseURL, "/")}
	if err := rq.route(); err != nil {
		h.fail(w, r, err)
	}
}

// throttle counts one request of token id and returns how long to wait if it is over budget.
// Counts are per node and in memory: a fixed one-minute window per token. They bound a
// runaway client; they are not a security boundary (the tokens are 256-bit secrets).
func (h *Handler) throttle(id string) time.Duration {
	now := h.cfg.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.lastPrun) > 10*time.Minute {
		for k, win := range h.windows {
			if now.Sub(win.start) >= time.Minute {
				delete(h.windows, k)
			}
		}
		h.lastPrun = now
	}
	win := h.windows[id]
	if now.Sub(win.start) >= time.Minute || now.Before(win.start) {
		win = window{start: now}
	}
	win.n++
	h.windows[id] = win
	if win.n > h.cfg.RateLimit {
		return win.start.Add(time.Minute).Sub(now)
	}
	return 0
}

// apiError is a SCIM error response (RFC 7644 section 3.12).
type apiError struct {
	status   int
	scimType string
	detail   string
}

// Error implements error.
func (e *apiError) Error() string {
	return fmt.Sprintf("scim %d %s: %s", e.status, e.scimType, e.detail)
}

// errorf returns an *apiError.
func errorf(status int, scimType, format string, args ...any) *apiError {
	return &apiError{status: status, scimType: scimType, detail: fmt.Sprintf(format, args...)}
}

// writeError writes e in the SCIM error schema.
func writeError(w http.ResponseWriter, e *apiError) {
	body := resource{"schemas": []string{schemaError}, "status": strconv.Itoa(e.status), "detail": e.detail}
	if e.scimType != "" {
		body["scimType"] = e.scimType
	}
	writeJSON(w, e.status, body)
}

// fail writes err: an *apiError as it is, a not-found as 404, a conflict as 409 uniqueness,
// and anything else as a logged 500 whose detail stays on the server.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		writeError(w, ae)
	case errors.As(err, &mbe):
		writeError(w, errorf(413, "", "the request body is larger than %d bytes", MaxBodyBytes))
	case errors.Is(err, latchkey.ErrNotFound):
		writeError(w, errorf(404, "", "no such resource"))
	case errors.Is(err, latchkey.ErrConflict):
		writeError(w, errorf(409, "uniqueness", "the value is already taken"))
	default:
		h.cfg.Log.ErrorContext(r.Context(), "scim request", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, errorf(500, "", "internal error"))
	}
}

// writeJSON writes v as application/scim+json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// audit records e, stamping its time; a failure is logged, as the change itself is done.
func (h *Handler) audit(ctx context.Context, e latchkey.Event) {
	e.ID, e.Time = latchkey.NewID(), h.cfg.Now()
	if err := h.cfg.Store.RecordEvent(ctx, e); err != nil {
		h.cfg.Log.ErrorContext(ctx, "scim audit", "type", e.Type, "err", err)
	}
}

// request is one SCIM request being served.
type request struct {
	h    *Handler
	w    http.ResponseWriter
	r    *http.Request
	ws   latchkey.Workspace
	tok  latchkey.SCIMToken
	base string
}

// route dispatches on the path below /scim/v2.
func (rq *request) route() error {
	path := rq.r.URL.Path
	if i := strings.Index(strings.ToLower(path), "/scim/v2"); i >= 0 {
		path = path[i+len("/scim/v2"):]
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	method := rq.r.Method
	res := strings.ToLower(parts[0])
	switch {
	case len(parts) == 1 && res == "serviceproviderconfig" && method == http.MethodGet:
		return rq.serviceProviderConfig()
	case res == "resourcetypes" && method == http.MethodGet && len(parts) <= 2:
		return rq.resourceTypes(parts[1:])
	case res == "schemas" && method == http.MethodGet && len(parts) <= 2:
		return rq.schemas(parts[1:])
	case res == "users" || res == "groups":
		if len(parts) > 2 {
			break
		}
		id := ""
		if len(parts) == 2 {
			id = parts[1]
		}
		return rq.resourceRoute(res, id)
	case res == "bulk":
		return errorf(501, "", "bulk operations are not supported")
	case res == "me":
		return errorf(501, "", "/Me is not supported: the caller is an identity provider")
	}
	return errorf(404, "", "no such endpoint")
}

func (rq *request) resourceRoute(res, id string) error {
	method := rq.r.Method
	users := res == "users"
	switch {
	case id == "" && method == http.MethodGet:
		q := rq.r.URL.Query()
		return rq.list(users, q.Get("filter"), q.Get("startIndex"), q.Get("count"), q.Get("attributes"), q.Get("excludedAttributes"))
	case id == ".search" && method == http.MethodPost:
		body, err := rq.body()
		if err != nil {
			return err
		}
		join := func(v any) string {
			if s, ok := v.(string); ok {
				return s
			}
			var parts []string
			for _, e := range elements(v) {
				parts = append(parts, str(e))
			}
			return strings.Join(parts, ",")
		}
		num := func(v any) string {
			if f, ok := v.(float64); ok {
				return strconv.Itoa(int(f))
			}
			return str(v)
		}
		return rq.list(users, str(get(body, "filter")), num(get(body, "startIndex")), num(get(body, "count")),
			join(get(body, "attributes")), join(get(body, "excludedAttributes")))
	case id == "" && method == http.MethodPost:
		body, err := rq.body()
		if err != nil {
			return err
		}
		if users {
			return rq.createUser(body)
		}
		return rq.createGroup(body)
	case id != "" && method == http.MethodGet:
		if users {
			return rq.getUser(id)
		}
		return rq.getGroup(id)
	case id != "" && (method == http.MethodPut || method == http.MethodPatch):
		body, err := rq.body()
		if err != nil {
			return err
		}
		patch := method == http.MethodPatch
		if users {
			return rq.updateUser(id, body, patch)
		}
		return rq.updateGroup(id, body, patch)
	case id != "" && method == http.MethodDelete:
		if users {
			return rq.deleteUser(id)
		}
		return rq.deleteGroup(id)
	}
	rq.w.Header().Set("Allow", "GET, POST, PUT, PATCH, DELETE")
	return errorf(405, "", "method not allowed")
}

// body reads a JSON object body of at most MaxBodyBytes, of type application/scim+json or
// application/json (or none given).
func (rq *request) body() (resource, error) {
	if ct := rq.r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/scim+json" && mt != "application/json" {
			return nil, errorf(415, "invalidSyntax", "send application/scim+json")
		}
	}
	b, err := io.ReadAll(rq.r.Body)
	if err != nil {
		return nil, err
	}
	var m resource
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, errorf(400, "invalidSyntax", "the body is not a JSON object")
	}
	return m, nil
}

// respond writes a single resource with its ETag.
func (rq *request) respond(status int, r resource) error {
	if meta, ok := r["meta"].(map[string]any); ok {
		if v := str(meta["version"]); v != "" {
			rq.w.Header().Set("ETag", v)
		}
		if status == http.StatusCreated {
			rq.w.Header().Set("Location", str(meta["location"]))
		}
	}
	writeJSON(rq.w, status, r)
	return nil
}

// respondProjected writes r as respond does, with the request's attributes and
// excludedAttributes parameters applied.
func (rq *request) respondProjected(status int, r resource) error {
	q := rq.r.URL.Query()
	return rq.respond(status, project(r, q.Get("attributes"), q.Get("excludedAttributes")))
}

// notModified answers 304 with the ETag when the request's If-None-Match is version, and
// reports whether it did.
func (rq *request) notModified(version string) bool {
	if inm := rq.r.Header.Get("If-None-Match"); inm != "" && inm == version {
		rq.w.Header().Set("ETag", inm)
		rq.w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// getResource answers a GET of one resource: load finds it (an error if there is none), a
// matching If-None-Match gets 304, and respond writes its current state otherwise.
func getResource[T any](rq *request, id string, load func(string) (T, error), version func(T) string, respond func(int, string) error) error {
	v, err := load(id)
	if err != nil {
		return err
	}
	if rq.notModified(version(v)) {
		return nil
	}
	return respond(http.StatusOK, id)
}

// checkIfMatch refuses a write whose If-Match names another version (412).
func (rq *request) checkIfMatch(version string) error {
	im := strings.TrimSpace(rq.r.Header.Get("If-Match"))
	if im == "" || im == "*" {
		return nil
	}
	for _, v := range strings.Split(im, ",") {
		if strings.TrimSpace(v) == version {
			return nil
		}
	}
	return errorf(412, "", "the resource has changed: its version is %s", version)
}

// clientAddr is the address recorded in audit events.
func (rq *request) clientAddr() string {
	if rq.h.cfg.ClientAddr != nil {
		return rq.h.cfg.ClientAddr(rq.r)
	}
	if host, _, err := net.SplitHostPort(rq.r.RemoteAddr); err == nil {
		return host
	}
	return rq.r.RemoteAddr
}

// audit records an event of this request, naming its token as the actor.
func (rq *request) audit(t latchkey.EventType, accountID, email, detail string) {
	d := "SCIM token " + strconv.Quote(rq.tok.Name)
	if detail != "" {
		d += ": " + detail
	}
	rq.h.audit(rq.r.Context(), latchkey.Event{WorkspaceID: rq.ws.ID, AccountID: accountID, ActorID: rq.tok.ID,
		Type: t, Email: email, ClientAddr: rq.clientAddr(), UserAgent: rq.r.UserAgent(), Detail: d})
}

// The paging limits.
const (
	defaultCount = 100
	maxCount     = 1000
)

// list serves GET /Users and /Groups (and POST …/.search).
func (rq *request) list(users bool, filterText, startText, countText, attributes, excluded string) error {
	start, count := 1, defaultCount
	if startText != "" {
		n, err := strconv.Atoi(startText)
		if err != nil {
			return errorf(400, "invalidValue", "startIndex must be an integer")
		}
		start = max(n, 1) // RFC 7644 3.4.2.4: less than 1 is taken as 1
	}
	if countText != "" {
		n, err := strconv.Atoi(countText)
		if err != nil {
			return errorf(400, "invalidValue", "count must be an integer")
		}
		count = min(max(n, 0), maxCount) // negative is 0; more than maxResults is maxResults
	}
	var e filter.Expression
	if strings.TrimSpace(filterText) != "" {
		var err error
		if e, err = parseFilter(filterText); err != nil {
			return err
		}
	}
	var all []resource
	var err error
	switch email, ok := userNameEq(e); {
	case users && ok:
		// The look-up every provider makes before creating a user: one indexed read instead
		// of the whole workspace. The filter still runs on the result, for the same answer.
		all, err = rq.userResourcesByEmail(email)
	case users:
		all, err = rq.userResources()
	default:
		all, err = rq.groupResources()
	}
	if err != nil {
		return err
	}
	matched := all
	if e != nil {
		matched = nil
		for _, r := range all {
			ok, err := match(e, r)
			if err != nil {
				return err
			}
			if ok {
				matched = append(matched, r)
			}
		}
	}
	page := []resource{}
	for i := start - 1; i < len(matched) && len(page) < count; i++ {
		page = append(page, project(matched[i], attributes, excluded))
	}
	writeJSON(rq.w, http.StatusOK, resource{
		"schemas":      []string{schemaListResponse},
		"totalResults": len(matched),
		"startIndex":   start,
		"itemsPerPage": len(page),
		"Resources":    page,
	})
	return nil
}

// rfc3339 formats a time for meta.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// nameError is the refusal of a token name that is empty or too long.
func nameError(name string) error {
	if name == "" {
		return latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgNameRequired)
	}
	return latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgNameTooLong)
}

// userNameEq returns the value of a filter that is exactly `userName eq "<value>"`.
func userNameEq(e filter.Expression) (string, bool) {
	a, ok := e.(*filter.AttributeExpression)
	if !ok || a.Operator != filter.EQ || a.AttributePath.SubAttribute != nil {
		return "", false
	}
	_, name := stripSchema(a.AttributePath.String())
	v, ok := a.CompareValue.(string)
	return v, ok && strings.EqualFold(name, "userName") && !strings.Contains(v, `\`)
}

// WriteError writes an error response in the SCIM error schema (RFC 7644 section 3.12), for
// the refusals a caller makes before Serve, such as a throttled client address. scimType may be
// empty.
func WriteError(w http.ResponseWriter, status int, scimType, detail string) {
	writeError(w, &apiError{status: status, scimType: scimType, detail: detail})
}

// WriteUnauthorized writes the 401 that Serve answers a missing, unknown or revoked token with.
func WriteUnauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
	writeError(w, errorf(401, "", "the bearer token is missing, unknown or revoked"))
}
