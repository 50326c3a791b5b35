package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the schema set-up

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/internal/webtest"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/pgtest"
	"github.com/latchkey/latchkey/web"
)

// postgresEnv names the variable holding a PostgreSQL URL for the tests, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. Each test gets its own schema there.
const postgresEnv = "LATCHKEY_TEST_POSTGRES"

// testBase is the base URL of the nodes the tests start. Nothing resolves app.test: visitors
// dial the node they choose and send the workspace's host name, as a load balancer would.
const testBase = "http://app.test"

func freshPostgres(t *testing.T) string {
	t.Helper()
	return pgtest.URL(t, "cmdtest")
}

// startNode starts a latchkey node on 127.0.0.1 with its own data directory and testBase as its
// base URL, after edit has adjusted the configuration, and closes it when t ends.
func startNode(t *testing.T, edit func(*Config)) *Main {
	t.Helper()
	m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: t.Output()}
	m.Config.DataDir = t.TempDir()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.BaseURL = testBase
	m.Config.LogLevel = "warn"
	edit(&m.Config)
	if err := m.Start(t.Context()); err != nil {
		m.Close()
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// newVisitor returns one browser in front of a load balancer that the test steers: v[i] sends
// to the i-th of nodes, while the URL, the Host header and the cookie jar stay those of one
// browser visiting acme.app.test. Redirects are not followed, so that each answer is seen.
func newVisitor(t *testing.T, nodes ...*Main) []*webtest.Client {
	t.Helper()
	browser := webtest.New(t, webtest.Options{NoRedirects: true})
	v := make([]*webtest.Client, len(nodes))
	for i, n := range nodes {
		v[i] = browser.Via(t, n.Addr())
	}
	return v
}

// workspaceURL is the address of path in workspace acme.
func workspaceURL(path string) string {
	u, _ := url.Parse(testBase)
	return u.Scheme + "://acme." + u.Host + path
}

// login submits the sign-in form of workspace acme with a form token fetched from the same
// node.
func login(t *testing.T, c *webtest.Client, email, pw string) *webtest.Response {
	t.Helper()
	return c.Submit(t, workspaceURL("/login"), workspaceURL("/login"), url.Values{"email": {email}, "password": {pw}})
}

// sessionCookie is the value of the session cookie the browser holds for workspace acme, or "".
func sessionCookie(t *testing.T, c *webtest.Client) string {
	t.Helper()
	return c.Cookie(t, workspaceURL("/"), "latchkey_session")
}

// wantStatus fails the test unless p has this status (and, for a redirect, a Location that
// starts with location).
func wantStatus(t *testing.T, what string, p *webtest.Response, status int, location string) {
	t.Helper()
	if p.Status != status || !strings.HasPrefix(p.Location(), location) {
		t.Fatalf("%s: %d to %q (alert %q), want %d to %q", what, p.Status, p.Location(), p.Alert(), status, location)
	}
}

// TestMultiNode runs two latchkey nodes on one PostgreSQL database with one key file, and
// checks that they share what SPEC.md §9 says they share: sessions, sign-out, throttles, one-time
// links, and background work.
func TestMultiNode(t *testing.T) {
	dsn := freshPostgres(t)
	keyFile := filepath.Join(t.TempDir(), "secret.key")
	cfg := func(c *Config) {
		c.Database = dsn
		c.SecretKeyFile = keyFile
		// Small pools: the tests of other packages share the server's 100 connections.
		c.DBMaxOpen, c.DBMaxIdle = 8, 4
	}
	nodes := []*Main{startNode(t, cfg), startNode(t, cfg)}
	const a, b = 0, 1
	d, err := nodes[a].ensureDemo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ws, err := nodes[b].Store.WorkspaceBySlug(t.Context(), "acme")
	if err != nil {
		t.Fatalf("node B does not see the workspace node A created: %v", err)
	}

	t.Run("session", func(t *testing.T) {
		v := newVisitor(t, nodes...)
		wantStatus(t, "sign in on A", login(t, v[a], d.AdminEmail, d.AdminPassword), http.StatusSeeOther, "/dashboard")
		cookie := sessionCookie(t, v[0])
		if cookie == "" {
			t.Fatal("no session cookie after signing in on A")
		}
		// A serves the session from its cache from the second request on.
		for range 2 {
			if r := v[a].Get(t, workspaceURL("/dashboard")); r.Status != http.StatusOK {
				t.Fatalf("the session on A: %d", r.Status)
			}
		}
		dash := v[b].Get(t, workspaceURL("/dashboard"))
		if dash.Status != http.StatusOK || dash.Heading() != "Admin dashboard" {
			t.Fatalf("A's session on B: %d to %q, heading %q; want the admin dashboard", dash.Status, dash.Location(), dash.Heading())
		}

		// Sign out on B with the form token of B's page.
		tok := dash.CSRF()
		wantStatus(t, "sign out on B", v[b].Post(t, workspaceURL("/logout"), url.Values{"csrf": {tok}}), http.StatusSeeOther, "/login?m=signed-out")

		// The browser dropped the cookie; someone who kept a copy gets nowhere on A either,
		// though A had the session in its cache: B's NOTIFY reaches A (asynchronously, hence
		// the short wait), and from then on A never serves it again.
		kept := newVisitor(t, nodes...)
		kept[0].SetCookie(t, workspaceURL("/"), "latchkey_session", cookie)
		refusedOnA(t, func() *webtest.Response { return kept[a].Get(t, workspaceURL("/dashboard")) })
		if _, _, err := nodes[a].Store.Session(t.Context(), ws.ID, latchkey.HashSecret(cookie)); !errors.Is(err, latchkey.ErrNotFound) {
			t.Fatalf("session after sign-out on B: %v, want ErrNotFound", err)
		}
	})

	t.Run("suspended on B", func(t *testing.T) {
		// The member's session is cached on A; an administrator suspends the member through
		// B; A refuses the session as soon as B's notice arrives, and from then on.
		v := newVisitor(t, nodes...)
		wantStatus(t, "sign in on A", login(t, v[a], d.MemberEmail, d.MemberPassword), http.StatusSeeOther, "/dashboard")
		for range 2 {
			if r := v[a].Get(t, workspaceURL("/dashboard")); r.Status != http.StatusOK {
				t.Fatalf("the member's session on A: %d", r.Status)
			}
		}
		member, err := nodes[b].Store.AccountByEmail(t.Context(), ws.ID, d.MemberEmail)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nodes[b].Admin.SuspendMember(t.Context(), admin.MemberAction{Workspace: ws, AccountID: member.ID, Actor: latchkey.OperatorActor()}); err != nil {
			t.Fatal(err)
		}
		refusedOnA(t, func() *webtest.Response { return v[a].Get(t, workspaceURL("/dashboard")) })
		if _, err := nodes[b].Admin.ReactivateMember(t.Context(), admin.MemberAction{Workspace: ws, AccountID: member.ID, Actor: latchkey.OperatorActor()}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("throttle", func(t *testing.T) {
		v := newVisitor(t, nodes...)
		// One signed-out browser has one form token, valid on every node with the same key.
		tok := v[a].CSRF(t, workspaceURL("/login"))
		wrong := url.Values{"csrf": {tok}, "email": {d.MemberEmail}, "password": {"not the member's password"}}
		for i := 1; i <= signin.PairFree; i++ {
			node := i % 2
			r := v[node].Post(t, workspaceURL("/login"), wrong)
			if i < signin.PairFree {
				if r.Status != http.StatusUnauthorized || r.Alert() != latchkey.MsgBadCredentials {
					t.Fatalf("wrong password %d (node %d): %d %q, want 401 %q", i, node, r.Status, r.Alert(), latchkey.MsgBadCredentials)
				}
				continue
			}
			if r.Status != http.StatusTooManyRequests || !strings.HasPrefix(r.Alert(), latchkey.MsgTooManyAttempts) {
				t.Fatalf("wrong password %d (node %d): %d %q, want 429 %q", i, node, r.Status, r.Alert(), latchkey.MsgTooManyAttempts)
			}
		}
		right := url.Values{"csrf": {tok}, "email": {d.MemberEmail}, "password": {d.MemberPassword}}
		for _, node := range []int{a, b} {
			r := v[node].Post(t, workspaceURL("/login"), right)
			if r.Status != http.StatusTooManyRequests || !strings.HasPrefix(r.Alert(), latchkey.MsgTooManyAttempts) || r.Header.Get("Retry-After") == "" {
				t.Errorf("right password during the wait on node %d: %d %q (Retry-After %q), want 429 %q",
					node, r.Status, r.Alert(), r.Header.Get("Retry-After"), latchkey.MsgTooManyAttempts)
			}
			if sessionCookie(t, v[0]) != "" {
				t.Fatalf("a session cookie was set during the wait (node %d)", node)
			}
		}
	})

	t.Run("one link, many nodes", func(t *testing.T) {
		acct, link, err := nodes[a].Admin.Invite(t.Context(), admin.NewMember{Workspace: ws, Email: "new@acme.test", Name: "New", Role: latchkey.RoleMember, Actor: latchkey.OperatorActor()})
		if err != nil {
			t.Fatal(err)
		}
		path := strings.TrimPrefix(link, workspaceURL(""))
		v := newVisitor(t, nodes...)
		tok := v[b].CSRF(t, workspaceURL(path))

		const n = 200
		passwords := make([]string, n)
		results := make([]*webtest.Response, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			passwords[i] = fmt.Sprintf("contender number %03d", i)
			// Built here: a goroutine may not fail the test.
			req := webtest.SameOrigin(webtest.FormRequest(t, workspaceURL(path),
				url.Values{"csrf": {tok}, "password": {passwords[i]}, "confirm": {passwords[i]}}))
			wg.Go(func() {
				<-start
				results[i], errs[i] = v[i%2].Send(req)
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		winner := -1
		statuses := map[int]int{}
		for i, r := range results {
			statuses[r.Status]++
			switch {
			case r.Status == http.StatusSeeOther && r.Location() == "/login?m=password-set":
				winner = i
			case r.Status == http.StatusGone && r.Alert() == latchkey.MsgLinkInvalid:
			default:
				t.Errorf("contender %d (node %d): %d to %q, alert %q", i, i%2, r.Status, r.Location(), r.Alert())
			}
		}
		if statuses[http.StatusSeeOther] != 1 || statuses[http.StatusGone] != n-1 {
			t.Fatalf("%d concurrent uses of one link on two nodes: statuses %v, want one 303 and %d × 410", n, statuses, n-1)
		}

		// The account holds the winner's password and no other.
		got, err := nodes[b].Store.AccountByEmail(t.Context(), ws.ID, acct.Email)
		if err != nil || got.Status != latchkey.StatusActive {
			t.Fatalf("account after the link: %+v, %v; want active", got, err)
		}
		loser := (winner + 1) % n
		fresh := newVisitor(t, nodes...)
		if r := login(t, fresh[a], acct.Email, passwords[loser]); r.Status != http.StatusUnauthorized {
			t.Fatalf("sign in with a losing password: %d, want 401", r.Status)
		}
		wantStatus(t, "sign in with the winning password", login(t, fresh[b], acct.Email, passwords[winner]), http.StatusSeeOther, "/dashboard")
	})

	t.Run("sweeps overlap", func(t *testing.T) {
		ctx := t.Context()
		admin, err := nodes[a].Store.AccountByEmail(ctx, ws.ID, d.AdminEmail)
		if err != nil {
			t.Fatal(err)
		}
		const expired = 40
		past := time.Now().UTC().Add(-time.Hour)
		for range expired {
			_, hash := latchkey.NewSecret()
			s := latchkey.Session{ID: hash, WorkspaceID: ws.ID, AccountID: admin.ID, CreatedAt: past.Add(-time.Hour), LastSeenAt: past.Add(-time.Hour), ExpiresAt: past}
			if err := nodes[a].Store.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			_, hash = latchkey.NewSecret()
			tk := latchkey.Token{Hash: hash, Purpose: latchkey.PurposeReset, WorkspaceID: ws.ID, AccountID: admin.ID, CreatedAt: past.Add(-time.Hour), ExpiresAt: past}
			if err := nodes[b].Store.CreateToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
		}
		// Both nodes sweep at once, several times over, as their timers may make them do.
		var mu sync.Mutex
		var total swept
		var errs []error
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				<-start
				n, err := nodes[i%2].sweep(ctx)
				mu.Lock()
				defer mu.Unlock()
				errs = append(errs, err)
				total.sessions += n.sessions
				total.tokens += n.tokens
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("overlapping sweeps: %v", err)
		}
		if total.sessions != expired || total.tokens != expired {
			t.Fatalf("overlapping sweeps deleted %d sessions and %d links in all, want %d of each, each once", total.sessions, total.tokens, expired)
		}
	})

	t.Run("mail queue", func(t *testing.T) {
		// Mail queued on either node is sent by workers on both, each message once. Each worker
		// delivers to an outbox of its own, so that the outboxes show who sent what.
		ctx := t.Context()
		const mails = 60
		for i := range mails {
			q := mail.NewQueue(nodes[i%2].Store, nil, nil)
			if err := q.Send(ctx, mail.Message{To: fmt.Sprintf("p%02d@acme.test", i), Subject: "Queued", Text: "Hello."}); err != nil {
				t.Fatal(err)
			}
		}
		const workers = 4
		dirs := make([]string, workers)
		sent := make([]int, workers)
		errs := make([]error, workers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range workers {
			dirs[i] = filepath.Join(t.TempDir(), "outbox")
			out, err := mail.NewOutbox(dirs[i], nil)
			if err != nil {
				t.Fatal(err)
			}
			w := mail.NewWorker(nodes[i%2].Store, out, nil, nil)
			w.Batch = 3
			wg.Go(func() {
				<-start
				sent[i], errs[i] = w.Drain(ctx)
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		delivered := map[string]int{}
		for _, dir := range dirs {
			msgs, err := mail.ReadOutbox(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				delivered[m.To]++
			}
		}
		for i := range mails {
			if to := fmt.Sprintf("p%02d@acme.test", i); delivered[to] != 1 {
				t.Errorf("%s got %d copies, want 1", to, delivered[to])
			}
		}
		if len(delivered) != mails {
			t.Errorf("%d recipients got mail, want %d (workers reported %v sent)", len(delivered), mails, sent)
		}
		if pending, err := nodes[a].Store.PendingMail(ctx, 10); err != nil || len(pending) != 0 {
			t.Errorf("queue after draining: %d messages, %v; want empty", len(pending), err)
		}
	})
}

// dbProxy forwards TCP connections to a database. stop closes it and every connection through
// it, which is to latchkey exactly what a database outage is; start opens it again on the same
// port. The real server is not touched.
type dbProxy struct {
	t      *testing.T
	target string
	addr   string // 127.0.0.1:port once started

	mu    sync.Mutex
	ln    net.Listener // nil while stopped
	conns []net.Conn
	wg    sync.WaitGroup
}

// startProxy starts a proxy to target (host:port) and stops it when t ends.
func startProxy(t *testing.T, target string) *dbProxy {
	t.Helper()
	p := &dbProxy{t: t, target: target, addr: "127.0.0.1:0"}
	p.start()
	t.Cleanup(p.stop)
	return p
}

// start listens on the proxy's address.
func (p *dbProxy) start() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy: listen on %s: %v", p.addr, err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go p.serve(ln)
}

func (p *dbProxy) serve(ln net.Listener) {
	defer p.wg.Done()
	for {
		down, err := ln.Accept()
		if err != nil {
			return // stopped
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			down.Close()
			continue
		}
		p.mu.Lock()
		if p.ln != ln { // stopped meanwhile
			p.mu.Unlock()
			down.Close()
			up.Close()
			return
		}
		p.conns = append(p.conns, down, up)
		p.wg.Add(2)
		p.mu.Unlock()
		go p.pipe(up, down)
		go p.pipe(down, up)
	}
}

func (p *dbProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// stop closes the listener and cuts every connection. Stopping a stopped proxy does nothing.
func (p *dbProxy) stop() {
	p.mu.Lock()
	ln, conns := p.ln, p.conns
	p.ln, p.conns = nil, nil
	p.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	for _, c := range conns {
		c.Close()
	}
	p.wg.Wait()
}

// through returns the database URL dsn with its host replaced by the proxy's address.
func (p *dbProxy) through(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.addr
	return u.String()
}

// postgresAddr is the host:port of a PostgreSQL URL.
func postgresAddr(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "5432")
	}
	return u.Host
}

// TestDatabaseOutage cuts a node off from its database while it runs: pages and /healthz must
// say 503 with the outage message, and the node must serve again by itself once the database
// is back, with no restart.
func TestDatabaseOutage(t *testing.T) {
	dsn := freshPostgres(t)
	proxy := startProxy(t, postgresAddr(t, dsn))
	node := startNode(t, func(c *Config) { c.Database = proxy.through(t, dsn); c.DBMaxOpen = 4 })
	d, err := node.ensureDemo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	v := newVisitor(t, node)
	health := func() (*webtest.Response, map[string]string) {
		t.Helper()
		p := v[0].Get(t, workspaceURL("/healthz"))
		var body map[string]string
		if err := json.Unmarshal([]byte(p.Body), &body); err != nil {
			t.Fatalf("/healthz: %v in %q", err, p.Body)
		}
		return p, body
	}
	if p, body := health(); p.Status != http.StatusOK || body["status"] != "ok" || body["database"] != "postgres" {
		t.Fatalf("/healthz before the outage: %d %v, want 200 ok on postgres", p.Status, body)
	}
	if p := v[0].Get(t, workspaceURL("/login")); p.Status != http.StatusOK {
		t.Fatalf("/login before the outage: %d", p.Status)
	}
	// A load balancer probes the node by its address, which names no workspace.
	probe := func() int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+node.Addr()+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := probe(); got != http.StatusOK {
		t.Fatalf("/healthz by the node's address before the outage: %d, want 200", got)
	}
	// The API answers a signed-in browser from its session cookie.
	member := newVisitor(t, node)[0]
	wantStatus(t, "sign in before the outage", login(t, member, d.MemberEmail, d.MemberPassword), http.StatusSeeOther, "/dashboard")
	if p := member.Get(t, workspaceURL("/api/v1/requests")); p.Status != http.StatusOK {
		t.Fatalf("/api/v1/requests before the outage: %d %s", p.Status, p.Body)
	}

	proxy.stop()
	// The API says so in its own JSON error, with the same status and Retry-After as the pages.
	// (A list of requests is always read from the database; /api/v1/me may be answered from the
	// read cache until the node finds its listener gone.)
	if p := member.Get(t, workspaceURL("/api/v1/requests")); p.Status != http.StatusServiceUnavailable || p.Header.Get("Retry-After") != "30" ||
		!strings.Contains(p.Body, `"code":"unavailable"`) || strings.Contains(p.Body, proxy.addr) {
		t.Fatalf("/api/v1/requests during the outage: %d (Retry-After %q) %s; want 503, Retry-After 30, code unavailable", p.Status, p.Header.Get("Retry-After"), p.Body)
	}
	p := v[0].Get(t, workspaceURL("/login"))
	if p.Status != http.StatusServiceUnavailable || p.Header.Get("Retry-After") != "30" || !strings.Contains(p.Text(), web.MsgUnavailable) {
		t.Fatalf("/login during the outage: %d (Retry-After %q): %q; want 503, Retry-After 30, %q",
			p.Status, p.Header.Get("Retry-After"), p.Text(), web.MsgUnavailable)
	}
	if strings.Contains(p.Body, proxy.addr) || strings.Contains(p.Body, "dial") {
		t.Errorf("the outage page shows internal detail: %q", p.Text())
	}
	if p, body := health(); p.Status != http.StatusServiceUnavailable || body["status"] != "unavailable" || body["store"] != "unreachable" {
		t.Fatalf("/healthz during the outage: %d %v, want 503 unavailable", p.Status, body)
	}
	if got := probe(); got != http.StatusServiceUnavailable {
		t.Fatalf("/healthz by the node's address during the outage: %d, want 503", got)
	}

	proxy.start()
	// database/sql dials again at the next request; the connections that broke in the outage
	// are dropped as they are found. Wait, bounded, until both answer.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		hp, _ := health()
		lp := v[0].Get(t, workspaceURL("/login"))
		if hp.Status == http.StatusOK && lp.Status == http.StatusOK {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("30s after the database came back: /healthz %d, /login %d; want 200", hp.Status, lp.Status)
		case <-tick.C:
		}
	}
	// Writes work again too: a whole sign-in.
	wantStatus(t, "sign in after the outage", login(t, v[0], d.MemberEmail, d.MemberPassword), http.StatusSeeOther, "/dashboard")
}

// TestMigrateCommandOnPostgres runs latchkey migrate against PostgreSQL, and checks that a
// database migrated by a newer latchkey is refused by both the command and a starting node.
func TestMigrateCommandOnPostgres(t *testing.T) {
	dsn := freshPostgres(t)
	dir := t.TempDir()
	out, err := cli(t, dir, "migrate", "--database", dsn)
	if err != nil || !strings.Contains(out, "database is up to date") || strings.Contains(out, "(0 migration") {
		t.Fatalf("first migrate: %v\n%s", err, out)
	}
	out, err = cli(t, dir, "migrate", "--database", dsn)
	if err != nil || !strings.Contains(out, "(0 migration(s) applied now)") {
		t.Fatalf("second migrate: %v\n%s", err, out)
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', 0)`); err != nil {
		t.Fatal(err)
	}
	if out, err := cli(t, dir, "migrate", "--database", dsn); !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Fatalf("migrate on a newer schema: %v, want ErrSchemaTooNew\n%s", err, out)
	}
	m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	m.Config.DataDir, m.Config.Addr, m.Config.Database = dir, "127.0.0.1:0", dsn
	err = m.Start(t.Context())
	m.Close()
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Fatalf("node start on a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

// refusedOnA waits (up to 2 s: a NOTIFY from the other node is asynchronous) until get is
// sent to the sign-in page, then checks that it stays so: once the change has reached the
// node, the stale session is never served again.
func refusedOnA(t *testing.T, get func() *webtest.Response) {
	t.Helper()
	refused := func(r *webtest.Response) bool {
		return r.Status == http.StatusSeeOther && strings.HasPrefix(r.Location(), "/login")
	}
	deadline := time.Now().Add(2 * time.Second)
	for r := get(); !refused(r); r = get() {
		if time.Now().After(deadline) {
			t.Fatalf("2 s after the change on B, A still answers %d to %q", r.Status, r.Location())
		}
		time.Sleep(time.Millisecond)
	}
	for range 20 {
		if r := get(); !refused(r) {
			t.Fatalf("A served the session again after refusing it: %d to %q", r.Status, r.Location())
		}
	}
}
