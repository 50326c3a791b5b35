package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/testenv"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// testConfig is the configuration of a test node: the defaults with vars as the environment,
// and cheap password hashing (the parameters travel with each hash, so every check is still a
// real argon2id verification) with room for the tests' bursts.
func testConfig(vars map[string]string) Config {
	c := DefaultConfig(env(vars))
	c.HashParams = password.InsecureTestParams
	c.HashQueue = 1024
	c.PrivateIdPs = true // the tests' identity providers listen on loopback
	return c
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, []byte("x"), 0o600)
	tests := []struct {
		name string
		edit func(*Config)
		want string // substring of the error; "" for none
	}{
		{"defaults", func(c *Config) {}, ""},
		{"https base", func(c *Config) { c.BaseURL = "https://app.example.com" }, ""},
		{"base without scheme", func(c *Config) { c.BaseURL = "app.example.com" }, "--base-url"},
		{"base with path", func(c *Config) { c.BaseURL = "https://app.example.com/auth" }, "no path"},
		{"base ftp", func(c *Config) { c.BaseURL = "ftp://app.example.com" }, "--base-url"},
		{"data dir is a file", func(c *Config) { c.DataDir = notDir }, "--data-dir"},
		{"postgres ok", func(c *Config) { c.Database = "postgres://u:p@db:5432/latchkey" }, ""},
		{"bad dsn", func(c *Config) { c.Database = "mysql://u:secret@db/x" }, "--database"},
		{"dsn password hidden", func(c *Config) { c.Database = "mysql://u:secret@db/x" }, "xxxxx"},
		{"bad smtp", func(c *Config) { c.SMTP = "smtp://" }, "--smtp"},
		{"idle zero", func(c *Config) { c.SessionIdle = 0 }, "--session-idle"},
		{"idle over max", func(c *Config) { c.SessionIdle = 48 * time.Hour; c.SessionMax = 24 * time.Hour }, "must not be longer"},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, "--log-format"},
		{"challenge ttl", func(c *Config) { c.ChallengeTTL = 2 * time.Hour }, "--challenge-ttl"},
		{"proxies ok", func(c *Config) { c.TrustedProxies = "10.0.0.1, 192.168.0.0/16, ::1" }, ""},
		{"proxies bad", func(c *Config) { c.TrustedProxies = "10.0.0.1, nonsense" }, "nonsense"},
		{"pprof on IPv4 loopback", func(c *Config) { c.PprofAddr = "127.0.0.1:6060" }, ""},
		{"pprof on IPv6 loopback", func(c *Config) { c.PprofAddr = "[::1]:6060" }, ""},
		{"pprof on localhost", func(c *Config) { c.PprofAddr = "localhost:6060" }, ""},
		{"pprof on every interface", func(c *Config) { c.PprofAddr = ":6060" }, "--pprof-addr"},
		{"pprof on all IPv4", func(c *Config) { c.PprofAddr = "0.0.0.0:6060" }, "--pprof-addr"},
		{"pprof on a public address", func(c *Config) { c.PprofAddr = "192.0.2.10:6060" }, "loopback"},
		{"pprof on a host name", func(c *Config) { c.PprofAddr = "example.com:6060" }, "--pprof-addr"},
		{"pprof without port", func(c *Config) { c.PprofAddr = "127.0.0.1" }, "--pprof-addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig(env(nil))
			c.DataDir = filepath.Join(dir, "data")
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.want)
			}
			if tt.name == "dsn password hidden" && strings.Contains(err.Error(), "secret") {
				t.Fatalf("error %q shows the database password", err)
			}
		})
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	c := DefaultConfig(env(map[string]string{
		"LATCHKEY_ADDR": "127.0.0.1:9000", "LATCHKEY_BASE_URL": "https://app.example.com",
		"LATCHKEY_SESSION_IDLE": "2h", "LATCHKEY_LOG_FORMAT": "json", "LATCHKEY_TRUSTED_PROXIES": "10.0.0.0/8",
	}))
	if c.Addr != "127.0.0.1:9000" || c.BaseURL != "https://app.example.com" || c.SessionIdle != 2*time.Hour || c.LogFormat != "json" {
		t.Fatalf("environment not applied: %+v", c)
	}
	c.DataDir = t.TempDir()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	c.register(fs)
	if err := fs.Parse([]string{"--session-idle", "30m"}); err != nil {
		t.Fatal(err)
	}
	if c.SessionIdle != 30*time.Minute {
		t.Fatalf("flag did not override the environment: %v", c.SessionIdle)
	}
	if c.storeOptions().NoCache {
		t.Fatal("the read cache is off by default")
	}
	if off := DefaultConfig(env(map[string]string{"LATCHKEY_NO_READ_CACHE": "true"})); !off.storeOptions().NoCache {
		t.Fatal("LATCHKEY_NO_READ_CACHE=true did not turn the read cache off")
	}
	if err := fs.Parse([]string{"--no-read-cache"}); err != nil || !c.storeOptions().NoCache {
		t.Fatalf("--no-read-cache did not turn the read cache off (%v)", err)
	}
	bad := DefaultConfig(env(map[string]string{"LATCHKEY_SESSION_MAX": "forever"}))
	bad.DataDir = t.TempDir()
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "--session-max") {
		t.Fatalf("Validate with a bad LATCHKEY_SESSION_MAX = %v", err)
	}
}

// cli runs a command line against dataDir and returns its output.
func cli(t *testing.T, dataDir string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), append(args, "--data-dir", dataDir, "--log-level", "error"), env(nil), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestCLIWorkspaceAndAccounts(t *testing.T) {
	dir := t.TempDir()
	out, err := cli(t, dir, "workspace", "create", "--slug", "acme", "--name", "Acme Corp", "--admin-email", "admin@acme.test")
	if err != nil {
		t.Fatalf("workspace create: %v\n%s", err, out)
	}
	if !strings.Contains(out, "http://acme.localhost:8080") {
		t.Fatalf("output does not give the workspace URL:\n%s", out)
	}
	msgs, err := mail.ReadOutbox(filepath.Join(dir, "outbox"))
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox = %d messages, %v; want the welcome email", len(msgs), err)
	}
	if got := msgs[0]; got.To != "admin@acme.test" || got.Subject != "Your workspace is ready" ||
		!strings.Contains(got.Text, "http://acme.localhost:8080/set-password/") {
		t.Fatalf("welcome email = %+v", got)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"taken", []string{"--slug", "acme", "--name", "Again", "--admin-email", "x@acme.test"}, latchkey.MsgSlugTaken},
		{"reserved", []string{"--slug", "admin", "--name", "A", "--admin-email", "x@acme.test"}, latchkey.MsgSlugReserved},
		{"bad slug", []string{"--slug", "-acme", "--name", "A", "--admin-email", "x@acme.test"}, latchkey.MsgSlugInvalid},
		{"bad email", []string{"--slug", "beta", "--name", "B", "--admin-email", "not-an-email"}, latchkey.MsgEmailInvalid},
		{"missing flags", []string{"--slug", "beta"}, "--name, --admin-email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := cli(t, dir, append([]string{"workspace", "create"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q\n%s", err, tc.want, out)
			}
		})
	}
	if msgs, _ := mail.ReadOutbox(filepath.Join(dir, "outbox")); len(msgs) != 1 {
		t.Fatalf("refused creations sent mail: %d messages", len(msgs))
	}

	if out, err := cli(t, dir, "account", "invite", "--workspace", "acme", "--email", "Bob@Acme.test", "--role", "admin"); err != nil || !strings.Contains(out, "Invited Bob@Acme.test as admin") {
		t.Fatalf("invite: %v\n%s", err, out)
	}
	if _, err := cli(t, dir, "account", "invite", "--workspace", "acme", "--email", "bob@acme.test"); err == nil || !strings.Contains(err.Error(), latchkey.MsgEmailTaken) {
		t.Fatalf("second invite of the same email (other case) = %v, want %q", err, latchkey.MsgEmailTaken)
	}
	if _, err := cli(t, dir, "account", "invite", "--workspace", "acme", "--email", "c@acme.test", "--role", "owner"); err == nil || !strings.Contains(err.Error(), latchkey.MsgRoleInvalid) {
		t.Fatalf("invite with role owner = %v", err)
	}
	if _, err := cli(t, dir, "account", "invite", "--workspace", "nope", "--email", "c@acme.test"); err == nil || !strings.Contains(err.Error(), `no workspace "nope"`) {
		t.Fatalf("invite to unknown workspace = %v", err)
	}
	if out, err := cli(t, dir, "account", "suspend", "--workspace", "acme", "--email", "bob@acme.test"); err != nil || !strings.Contains(out, "is now suspended") {
		t.Fatalf("suspend: %v\n%s", err, out)
	}
	// Bob never set a password: reactivating leaves him invited.
	if out, err := cli(t, dir, "account", "activate", "--workspace", "acme", "--email", "bob@acme.test"); err != nil || !strings.Contains(out, "is now invited") {
		t.Fatalf("activate: %v\n%s", err, out)
	}
	if out, err := cli(t, dir, "account", "unlock", "--workspace", "acme", "--email", "BOB@acme.test"); err != nil || !strings.Contains(out, "Cleared the sign-in limits of Bob@Acme.test") {
		t.Fatalf("unlock: %v\n%s", err, out)
	}
	if _, err := cli(t, dir, "account", "unlock", "--workspace", "acme", "--email", "nobody@acme.test"); err == nil || !strings.Contains(err.Error(), "has no account nobody@acme.test") {
		t.Fatalf("unlock unknown = %v", err)
	}
	if _, err := cli(t, dir, "account", "suspend", "--workspace", "acme", "--email", "nobody@acme.test"); err == nil || !strings.Contains(err.Error(), "has no account nobody@acme.test") {
		t.Fatalf("suspend unknown = %v", err)
	}
	if out, err := cli(t, dir, "workspace", "list"); err != nil || !strings.Contains(out, "acme") || !strings.Contains(out, "Acme Corp") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	var out2 bytes.Buffer
	if err := run(t.Context(), []string{"version"}, env(nil), &out2, &out2); err != nil || !strings.HasPrefix(out2.String(), "latchkey ") {
		t.Fatalf("version: %v %q", err, out2.String())
	}
	if err := run(t.Context(), []string{"frobnicate"}, env(nil), &out2, &out2); err == nil {
		t.Fatal("unknown command succeeded")
	}
}

// latchkey account reset-2fa is the operator's way back in for an administrator who lost their
// phone and recovery codes: no password asked, the factor gone, the person told by email.
func TestCLIResetTwoFactor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m, d := openDemo(t, dir)
	signedIn, err := m.Service.PasswordSignIn(t.Context(), signin.PasswordInput{Workspace: mustWorkspace(t, m), Email: d.AdminEmail, Password: d.AdminPassword})
	if err != nil || signedIn.Pending() {
		t.Fatalf("sign in before the reset: %+v, %v", signedIn, err)
	}
	admin, _ := turnOnTOTP(t, m, d.AdminEmail)
	m.Close()
	notices := func() (to []string) {
		t.Helper()
		msgs, err := mail.ReadOutbox(filepath.Join(dir, "outbox"))
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range msgs {
			if msg.Subject == latchkey.SubjectTwoFactorReset {
				to = append(to, msg.To)
			}
		}
		return to
	}

	out, err := cli(t, dir, "account", "reset-2fa", "--workspace", "acme", "--email", strings.ToUpper(d.AdminEmail))
	if err != nil || !strings.Contains(out, "Reset the two-factor authentication of "+d.AdminEmail+" and signed them out everywhere; they were told by email") {
		t.Fatalf("reset-2fa: %v\n%s", err, out)
	}
	if to := notices(); len(to) != 1 || to[0] != d.AdminEmail {
		t.Fatalf("two-factor reset notices to %v, want one to %s", to, d.AdminEmail)
	}
	if _, err := cli(t, dir, "account", "reset-2fa", "--workspace", "acme", "--email", d.AdminEmail); err == nil || !strings.Contains(err.Error(), latchkey.MsgTwoFactorNotOn) {
		t.Fatalf("reset-2fa again = %v, want %q", err, latchkey.MsgTwoFactorNotOn)
	}
	if _, err := cli(t, dir, "account", "reset-2fa", "--workspace", "acme", "--email", "nobody@acme.test"); err == nil || !strings.Contains(err.Error(), "has no account nobody@acme.test") {
		t.Fatalf("reset-2fa unknown = %v", err)
	}

	m, _ = openDemo(t, dir)
	defer m.Close()
	a, err := m.Store.Account(t.Context(), admin.WorkspaceID, admin.ID)
	if err != nil || a.TOTPSecret != "" || !a.TOTPEnabledAt.IsZero() {
		t.Fatalf("the administrator after reset-2fa: secret %q enabled %v (%v), want none", a.TOTPSecret, a.TOTPEnabledAt, err)
	}
	if ss, err := m.Store.AccountSessions(t.Context(), admin.WorkspaceID, admin.ID); err != nil || len(ss) != 0 {
		t.Fatalf("the administrator's sessions after reset-2fa: %d (%v), want none: the command says they were signed out", len(ss), err)
	}
	evs, err := m.Store.Events(t.Context(), admin.WorkspaceID, latchkey.EventFilter{Type: latchkey.EventTwoFactorReset})
	if err != nil || len(evs) != 1 || evs[0].AccountID != admin.ID || evs[0].ActorID != "" {
		t.Fatalf("2fa.reset events %+v (%v), want one about the administrator by the operator", evs, err)
	}
}

func TestDemoCredentialsAreStable(t *testing.T) {
	dir := t.TempDir()
	start := func() demo {
		m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
		m.Config.DataDir, m.Config.Addr = dir, "127.0.0.1:0"
		if err := m.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		d, err := m.ensureDemo(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := start()
	second := start()
	if first != second || len(first.AdminPassword) < 16 || first.AdminPassword == first.MemberPassword {
		t.Fatalf("demo credentials changed or are weak: %+v then %+v", first, second)
	}
	info, err := os.Stat(filepath.Join(dir, "demo.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("demo.json: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	var saved demo
	b, _ := os.ReadFile(filepath.Join(dir, "demo.json"))
	json.Unmarshal(b, &saved)
	if saved != first {
		t.Fatalf("demo.json = %+v, want %+v", saved, first)
	}
}

// listenLocal opens a listener on a free loopback port for Main.Listener, and returns it with
// its port: the browser tests need the port before the server starts, because the base URL
// (and so every workspace URL) carries it. The listener stays open, so no other process can
// take the port in between.
func listenLocal(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// findChromium finds the headless shell first: the build of Chromium made for automation, which
// ran these tests in a third of the CPU the desktop browser's headless mode took.
func findChromium() string {
	// Debian's /usr/bin/chromium-headless-shell is a shell script that runs the browser as its
	// child instead of exec'ing it: stopping the script, as chromedp does, left the browser
	// running after every test run. The binary itself comes first.
	if fi, err := os.Stat("/usr/lib/chromium/chromium-headless-shell"); err == nil && fi.Mode()&0o111 != 0 {
		return "/usr/lib/chromium/chromium-headless-shell"
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromium is the test process's one headless Chromium, started by the first browser test:
// starting a browser for each test was about a second of each. Each test gets a browser context
// of its own in it (as an incognito window: its own cookies and storage) and a tab there.
var chromium struct {
	once sync.Once
	ctx  context.Context // the browser's first tab, which holds the browser open
	err  error
	stop func() error
}

// TestMain stops the shared Chromium when the tests are done.
func TestMain(m *testing.M) {
	// The browser tests spend most of their time waiting for Chromium, and the parallel limit
	// is the CPU count (2 here) unless -parallel says otherwise: let four run at once.
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == strconv.Itoa(runtime.GOMAXPROCS(0)) {
		f.Value.Set(strconv.Itoa(max(4, runtime.GOMAXPROCS(0))))
	}
	code := m.Run()
	if chromium.stop != nil {
		if err := chromium.stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// startBrowser returns a chromedp context on a tab of the shared headless Chromium, in a
// browser context of the test's own that is closed when the test ends, or skips the test when
// there is no Chromium. Call it after starting the server the test drives: cleanups run last
// first, and closing the browser context closes the sockets Chromium opened ahead of need,
// which the server's graceful shutdown would otherwise wait 5s for (net/http counts a
// connection that has sent nothing as busy for its first 5s).
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := findChromium()
	if path == "" {
		testenv.Missing(t, "chromium", "Chromium is not installed (apt-get install -y chromium-headless-shell); skipping the browser test")
	}
	chromium.once.Do(func() { chromium.ctx, chromium.stop, chromium.err = launchChromium(path) })
	if chromium.err != nil {
		t.Fatalf("start Chromium: %v", chromium.err)
	}
	// The tab opens in a window of its own: Chromium refuses a tab in a new browser context that
	// has no window yet ("no browser is open"), which is what chromedp's WithNewBrowserContext
	// asks for.
	browser := chromedp.FromContext(chromium.ctx).Browser
	id, err := target.CreateBrowserContext().WithDisposeOnDetach(true).Do(cdp.WithExecutor(t.Context(), browser))
	if err != nil {
		t.Fatalf("new browser context: %v", err)
	}
	tab, err := target.CreateTarget("about:blank").WithBrowserContextID(id).WithNewWindow(true).Do(cdp.WithExecutor(t.Context(), browser))
	if err != nil {
		t.Fatalf("new tab: %v", err)
	}
	ctx, cancel := chromedp.NewContext(chromium.ctx, chromedp.WithTargetID(tab))
	t.Cleanup(func() {
		cancel() // closes the tab
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer dcancel()
		if err := target.DisposeBrowserContext(id).Do(cdp.WithExecutor(dctx, browser)); err != nil {
			t.Errorf("close the browser context: %v", err)
		}
	})
	ctx, cancel2 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel2)
	return ctx
}

// launchChromium starts Chromium at path with a profile directory of its own, and returns its
// first tab and the function that stops it and removes the profile. The browser runs in a
// process group of its own (on Linux), which stop kills whole and then checks is gone: a
// wrapper script's browser, or a helper process, left behind fails the run.
func launchChromium(path string) (context.Context, func() error, error) {
	dir, err := os.MkdirTemp("", "latchkey-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// chromedp's own list, and the desktop browser's address-bar pop-ups: each window
		// loaded them as web pages of their own, in a renderer of their own (0.8s of CPU each).
		chromedp.Flag("disable-features", "site-per-process,Translate,BlinkGenPropertyTrees,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup"),
		chromedp.UserDataDir(dir),
	)
	var cmd *exec.Cmd
	opts = append(opts, chromedp.ModifyCmdFunc(func(c *exec.Cmd) { cmd = c; ownProcessGroup(c) }))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	stop := func() error {
		cancelBrowser()
		cancelAlloc()
		err := endProcessGroup(cmd)
		removeProfile(dir)
		return err
	}
	if err := chromedp.Run(ctx); err != nil {
		stop()
		return nil, nil, err
	}
	return ctx, stop, nil
}

// removeProfile removes Chromium's profile directory. Its helper processes may still write
// there for a moment after the browser has exited, which made the removal fail now and then
// ("directory not empty"): it is tried again for a few seconds, and a directory that still
// resists is left to the system's clean-up of temporary files.
func removeProfile(dir string) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for os.RemoveAll(dir) != nil {
		select {
		case <-deadline:
			return
		case <-tick.C:
		}
	}
}

// bootDemo starts latchkey with the demo workspace on a free port and returns it.
func bootDemo(t *testing.T) (*Main, demo) {
	t.Helper()
	ln, port := listenLocal(t)
	m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Listener: ln}
	m.Config.DataDir = t.TempDir()
	m.Config.Addr = "127.0.0.1:" + port
	m.Config.BaseURL = "http://localhost:" + port
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	d, err := m.ensureDemo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return m, d
}

// textOf waits until the page after a navigation has an element matching selector (and, if
// want is given, with that text) and stores its text.
func textOf(selector string, dst *string, want ...string) chromedp.Action {
	cond := "document.querySelector(" + strconv.Quote(selector) + ")"
	expr := cond + " && " + cond + ".textContent.trim()"
	if len(want) > 0 {
		expr = "(" + expr + ") === " + strconv.Quote(want[0]) + " && " + cond + ".textContent.trim()"
	}
	return until(expr, "no "+selector+" on the page", dst)
}

// until waits until the JavaScript expression expr gives a non-empty string, stores it in dst
// and returns; after 20s it fails with what. Polling in the page survives the navigation a
// click starts, where a node query can hang on the old document.
func until(expr, what string, dst *string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(20 * time.Second)
		for {
			var got any
			// An error here is the navigation still under way: look again at the next tick.
			if err := chromedp.Evaluate(expr, &got).Do(ctx); err == nil {
				if s, ok := got.(string); ok && s != "" {
					*dst = s
					return nil
				}
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-deadline:
				return fmt.Errorf("%s after 20s", what)
			case <-tick.C:
			}
		}
	})
}

func TestBrowserSignIn(t *testing.T) {
	t.Parallel()
	m, d := bootDemo(t)
	ctx := startBrowser(t)
	base := m.Service.WorkspaceURL("acme")

	var heading, errText string
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.SendKeys(`#email`, d.AdminEmail, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, "not the password", chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`.error`, &errText),
	)
	if err != nil {
		t.Fatalf("wrong password in the browser: %v", err)
	}
	if errText != latchkey.MsgBadCredentials {
		t.Fatalf("error shown = %q, want %q", errText, latchkey.MsgBadCredentials)
	}
	var shot []byte
	err = chromedp.Run(ctx,
		chromedp.SendKeys(`#password`, d.AdminPassword, chromedp.ByQuery),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		textOf(`h1:not(:empty)`, &heading, "Admin dashboard"),
		chromedp.CaptureScreenshot(&shot),
	)
	if err != nil {
		t.Fatalf("sign in in the browser: %v", err)
	}
	if heading != "Admin dashboard" {
		t.Fatalf("landed on %q, want the admin dashboard", heading)
	}
	if dir := os.Getenv("LATCHKEY_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "dashboard.png"), shot, 0o644)
	}

	// Sign out through the header button; the dashboard then sends the browser to sign in.
	var title string
	err = chromedp.Run(ctx,
		chromedp.Click(`header button`, chromedp.ByQuery),
		textOf(`.notice`, new(string), latchkey.MsgSignedOut), // the signed-out page, not the old one's notice
		chromedp.Navigate(base+"/dashboard"),
		chromedp.WaitVisible(`#email`, chromedp.ByQuery),
		chromedp.Title(&title),
	)
	if err != nil {
		t.Fatalf("sign out in the browser: %v", err)
	}
	if !strings.HasPrefix(title, "Sign in") {
		t.Fatalf("after sign-out /dashboard shows %q, want the sign-in page", title)
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	out, err := cli(t, dir, "migrate")
	if err != nil || !strings.Contains(out, "database is up to date") || strings.Contains(out, "(0 migration") {
		t.Fatalf("first migrate: %v\n%s", err, out)
	}
	out, err = cli(t, dir, "migrate")
	if err != nil || !strings.Contains(out, "(0 migration(s) applied now)") {
		t.Fatalf("second migrate: %v\n%s", err, out)
	}
}

// A secret key file (or SQLite database) that others can read is reported at start; a private
// one is not.
func TestWarnsOfReadableSecrets(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "secret.key")
	var quiet bytes.Buffer
	m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &quiet}
	m.Config.DataDir = dir
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if strings.Contains(quiet.String(), "readable by others") {
		t.Fatalf("a fresh data directory was reported readable:\n%s", quiet.String())
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	var loud bytes.Buffer
	m = &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &loud}
	m.Config.DataDir = dir
	if err := m.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if !strings.Contains(loud.String(), "readable by others") || !strings.Contains(loud.String(), "secret.key") {
		t.Fatalf("a 0644 key file was not reported:\n%s", loud.String())
	}
}
