package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/loadtest"
	"github.com/latchkey/latchkey/password"
)

// benchCommand measures a latchkey server under load: one started in this process on a
// throw-away database (SQLite in a temporary directory, or --database on PostgreSQL), or a
// running one (--url). The driving and measuring are package loadtest's; this only starts,
// seeds and prints.
func (m *Main) benchCommand(ctx context.Context, args []string) error {
	// Nothing comes from the environment: a LATCHKEY_DATABASE meant for "serve" must never
	// receive a million bench rows.
	m.Config = DefaultConfig(func(string) string { return "" })
	fs := flag.NewFlagSet("latchkey bench", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.StringVar(&m.Config.Database, "database", "", "postgres://… URL to run the in-process server on (bench rows stay there: use a throw-away database); default SQLite in a temporary directory")
	fs.IntVar(&m.Config.DBMaxOpen, "db-max-open", 0, "as for serve")
	fs.IntVar(&m.Config.DBMaxIdle, "db-max-idle", 0, "as for serve")
	fs.StringVar(&m.Config.PprofAddr, "pprof-addr", "", "serve profiles of the in-process server at this loopback host:port while it runs")
	target := fs.String("url", "", "drive the running workspace at this address (such as https://acme.example.com) instead of starting a server; needs --email and --password-file")
	connect := fs.String("connect", "", "with --url: dial this host:port instead of the URL's host (the Host header stays the URL's)")
	email := fs.String("email", "", "with --url: the account to sign in as (it must not have two-factor authentication)")
	passwordFile := fs.String("password-file", "", "with --url: file holding that account's password")
	accounts := fs.Int("accounts", 100, "accounts in the seeded workspace")
	sessions := fs.Int("sessions", 1000, "sessions in the seeded workspace")
	scale := fs.Bool("scale", false, fmt.Sprintf("also seed %d workspaces, %d accounts and %d sessions around it", loadtest.Scale.Workspaces, loadtest.Scale.Accounts, loadtest.Scale.Sessions))
	duration := fs.Duration("duration", 5*time.Second, "length of each step")
	stormDuration := fs.Duration("storm-duration", 15*time.Second, "length of the storm")
	maxOps := fs.Int("max-ops", 0, "most operations per step, and per side of the storm (0: no limit)")
	only := fs.String("only", "", "comma-separated scenarios to run, of "+strings.Join(loadtest.Scenarios, ",")+" (default all)")
	signinC := intsFlag(fs, "signin-c", "1,2,4,8,16", "concurrencies of the sign-in steps")
	authC := intsFlag(fs, "auth-c", "16,64", "concurrencies of the signed-in steps")
	hashC := intsFlag(fs, "hash-c", "1,"+strconv.Itoa(runtime.NumCPU()), "concurrencies of the pure argon2id steps")
	bareC := intsFlag(fs, "bare-c", "64", "concurrencies of the bare-handler steps")
	storm := fs.Int("storm", 500, "sign-ins started at once in the storm (each holds 19 MiB while it hashes)")
	stormClients := fs.Int("storm-clients", 16, "signed-in clients during the storm")
	path := fs.String("path", "/dashboard", "the signed-in page to request")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline of each request")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: latchkey bench [flags]

Starts a latchkey server in this process on loopback (SQLite in a temporary directory unless
--database names PostgreSQL), seeds a workspace, and measures: argon2id alone (hash), a bare
net/http handler (bare), full password sign-ins (signin), signed-in page views (auth), and a
storm of sign-ins beside signed-in clients (storm). With --url it drives a running server
instead (hash and bare still run here, as references measured on this machine). The table
goes to stdout, progress to stderr. The environment is not read.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(m.Stderr, "latchkey bench: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	o := loadtest.Options{
		Duration: *duration, StormDuration: *stormDuration, MaxOps: *maxOps,
		SignInConcurrency: *signinC, AuthConcurrency: *authC, HashConcurrency: *hashC, BareConcurrency: *bareC,
		StormSignIns: *storm, StormClients: *stormClients, AuthPath: *path, Timeout: *timeout,
		Params: password.Default, Progress: m.progressLine(), ServerInProcess: *target == "",
	}
	if *only != "" {
		o.Scenarios = strings.Split(*only, ",")
		for _, s := range o.Scenarios {
			if !slices.Contains(loadtest.Scenarios, s) {
				return fmt.Errorf("--only: unknown scenario %q (known: %s)", s, strings.Join(loadtest.Scenarios, ", "))
			}
		}
	}
	for _, c := range [][]int{*signinC, *authC, *hashC, *bareC, {*storm, *stormClients}} {
		for _, n := range c {
			if n < 1 {
				return errors.New("every concurrency must be at least 1")
			}
		}
	}
	if *duration <= 0 || *stormDuration <= 0 || *timeout <= 0 || *maxOps < 0 {
		return errors.New("--duration, --storm-duration and --timeout must be positive, --max-ops not negative")
	}

	if *target != "" {
		if *email == "" || *passwordFile == "" || m.Config.Database != "" || *scale {
			return errors.New("--url needs --email and --password-file, and takes no --database or --scale (seed a running server yourself)")
		}
		pw, err := os.ReadFile(*passwordFile)
		if err != nil {
			return fmt.Errorf("--password-file: %w", err)
		}
		o.Target = loadtest.Target{URL: *target, Addr: *connect, Emails: []string{*email}, Password: strings.TrimRight(string(pw), "\r\n")}
		return m.benchReport(ctx, o, *asJSON)
	}
	if *connect != "" || *email != "" || *passwordFile != "" {
		return errors.New("--connect, --email and --password-file go with --url")
	}

	dir, err := os.MkdirTemp("", "latchkey-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	m.Config.DataDir = dir
	m.Config.Addr = "127.0.0.1:0"
	m.Config.BaseURL = "http://bench.test"
	m.Config.LogLevel = "warn"
	if err := m.Start(ctx); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	seed := loadtest.Seed{Accounts: *accounts, Sessions: *sessions, Params: password.Default, Now: m.Service.Now()}
	if *scale {
		seed.Filler = loadtest.Scale
	}
	progress := m.progressLine()
	began := time.Now()
	seed.Progress = func(rows, total int) {
		progress(loadtest.Progress{Step: fmt.Sprintf("seeding %d/%d rows", rows, total), Elapsed: time.Since(began)})
	}
	f, err := loadtest.SeedStore(ctx, m.Store, seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "\nseeded %d rows (%s) in %s on %s; server at %s\n", f.Rows, sizeText(seed), time.Since(began).Round(time.Millisecond),
		m.Store.Dialect(), m.Addr())
	o.Target = loadtest.Target{URL: m.Service.WorkspaceURL(f.Workspace.Slug), Addr: m.Addr(), Emails: f.Emails, Password: f.Password, Sessions: f.Sessions}
	return m.benchReport(ctx, o, *asJSON)
}

// benchReport runs o and prints the report.
func (m *Main) benchReport(ctx context.Context, o loadtest.Options, asJSON bool) error {
	rep, err := loadtest.Run(ctx, o)
	fmt.Fprintln(m.Stderr)
	if err != nil && len(rep.Results) == 0 {
		return err
	}
	// Interrupted or not, the steps that ran are worth printing.
	var perr error
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		perr = enc.Encode(rep)
	} else {
		perr = loadtest.WriteTable(m.Stdout, rep)
	}
	return errors.Join(err, perr)
}

// progressLine returns a Progress func that rewrites one line on a terminal, and prints a
// line every few seconds otherwise.
func (m *Main) progressLine() func(loadtest.Progress) {
	f, ok := m.Stderr.(*os.File)
	tty := false
	if ok {
		if st, err := f.Stat(); err == nil {
			tty = st.Mode()&os.ModeCharDevice != 0
		}
	}
	var last time.Time
	return func(p loadtest.Progress) {
		line := fmt.Sprintf("%s  %.1fs  ops %d  errors %d", p.Step, p.Elapsed.Seconds(), p.Ops, p.Errors)
		if tty {
			fmt.Fprintf(m.Stderr, "\r\033[K%s", line)
			return
		}
		if time.Since(last) >= 5*time.Second {
			last = time.Now()
			fmt.Fprintln(m.Stderr, line)
		}
	}
}

func sizeText(s loadtest.Seed) string {
	t := fmt.Sprintf("1 workspace of %d accounts and %d sessions", s.Accounts, s.Sessions)
	if s.Filler != (loadtest.Size{}) {
		t += fmt.Sprintf(", plus %d workspaces, %d accounts and %d sessions", s.Filler.Workspaces, s.Filler.Accounts, s.Filler.Sessions)
	}
	return t
}

// intsFlag defines a flag holding a comma-separated list of numbers.
func intsFlag(fs *flag.FlagSet, name, value, usage string) *[]int {
	var l ints
	l.Set(value)
	fs.Var(&l, name, usage)
	return (*[]int)(&l)
}

// ints is a flag.Value of comma-separated numbers.
type ints []int

func (l *ints) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, n := range *l {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func (l *ints) Set(v string) error {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("%q is not a comma-separated list of numbers", v)
		}
		out = append(out, n)
	}
	*l = out
	return nil
}
