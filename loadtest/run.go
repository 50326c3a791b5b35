package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/password"
)

// The scenarios, in the order Run measures them: the two references first, the storm last
// (it leaves the most memory and work behind).
const (
	ScenarioHash = "hash" // argon2id verification alone, in this process
	// ScenarioHashAlloc is a row of the hash scenario: the same verification with fresh
	// argon2 memory per hash (x/crypto's way), for comparison.
	ScenarioHashAlloc = "hash-alloc"
	ScenarioBare      = "bare"   // a bare net/http handler returning a small JSON body
	ScenarioSignIn    = "signin" // full password sign-ins
	ScenarioAuth      = "auth"   // signed-in page views
	ScenarioStorm     = "storm"  // a burst of sign-ins while signed-in clients keep going
)

// Scenarios lists every scenario in the order Run measures them.
var Scenarios = []string{ScenarioHash, ScenarioBare, ScenarioSignIn, ScenarioAuth, ScenarioStorm}

// Target is the latchkey server a run drives.
type Target struct {
	// URL is the workspace's address, such as http://bench-x.bench.test: requests carry its
	// host, scheme and port.
	URL string
	// Addr is the host:port every connection dials; "" dials URL's host.
	Addr string
	// Emails are accounts that sign in with Password, used in turn.
	Emails   []string
	Password string
	// Sessions are session cookie values to make signed-in requests with, used in turn. If
	// empty, Run signs in a few times first to get some.
	Sessions []string
}

// Options configure Run. Zero values take the defaults in brackets.
type Options struct {
	Target Target
	// Scenarios to measure (all).
	Scenarios []string
	// Duration bounds each step (5s), StormDuration the storm (15s).
	Duration      time.Duration
	StormDuration time.Duration
	// MaxOps bounds the operations of each step, and of each side of the storm (no bound).
	MaxOps int
	// The concurrencies of each scenario's steps: sign-ins (1, 2, 4, 8, 16), signed-in
	// requests (16, 64), hashing (1 and the number of CPUs), the bare handler (64).
	SignInConcurrency []int
	AuthConcurrency   []int
	HashConcurrency   []int
	BareConcurrency   []int
	// StormSignIns sign in at once (500) while StormClients make signed-in requests (16).
	StormSignIns int
	StormClients int
	// AuthPath is the signed-in page requested (/dashboard).
	AuthPath string
	// Params are the argon2id parameters of the hash scenario: those of the seeded accounts
	// (password.Default).
	Params password.Params
	// Timeout bounds each request (30s).
	Timeout time.Duration
	// Progress, if not nil, is called about twice a second while a step runs.
	Progress func(Progress)
	// ServerInProcess tells the report that the server runs in this process, so that CPU and
	// memory figures are the server's (and the driver's); otherwise they are the driver's.
	ServerInProcess bool
}

// Progress is the state of the running step.
type Progress struct {
	Step    string // such as "signin c=4"
	Elapsed time.Duration
	Ops     int
	Errors  int
}

// Result is the measurement of one step.
type Result struct {
	Scenario    string `json:"scenario"`
	Concurrency int    `json:"concurrency"`
	Ops         int    `json:"ops"`
	Errors      int    `json:"errors"`
	// FirstError is the first failure's message, "" without errors.
	FirstError string `json:"first_error,omitempty"`
	// ErrorKinds counts the errors by kind, such as "status 503" or "timeout".
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
	Elapsed    time.Duration  `json:"elapsed_ns"`
	Throughput float64        `json:"throughput_per_s"`
	Latency
	// CPUPerOp is the process's CPU time during the step divided by Ops: server and driver
	// together when the server runs in process. 0 when not measured (the signed-in side of
	// the storm, whose CPU the storm's sign-in row carries).
	CPUPerOp time.Duration `json:"cpu_per_op_ns"`
	// PeakRSS is the process's peak resident memory during the step, in bytes (since the
	// process started if Report.PeakRSSPerStep is false).
	PeakRSS int64 `json:"peak_rss_bytes"`
	// Ratio is Throughput over that of the reference named by RatioTo: the hash ceiling for
	// sign-ins, the bare handler for signed-in requests.
	Ratio   float64 `json:"ratio,omitempty"`
	RatioTo string  `json:"ratio_to,omitempty"`
}

// Report is the outcome of a run.
type Report struct {
	Machine Machine  `json:"machine"`
	Target  string   `json:"target"`
	Results []Result `json:"results"`
	// PeakRSSPerStep tells whether the peak was reset before each step.
	PeakRSSPerStep bool `json:"peak_rss_per_step"`
	// ServerInProcess tells whether CPU/op and peak RSS include the server.
	ServerInProcess bool `json:"server_in_process"`
}

// Machine describes where the run ran.
type Machine struct {
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPU        string `json:"cpu"`
	GoVersion  string `json:"go_version"`
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.Duration, 5*time.Second)
	def(&o.StormDuration, 15*time.Second)
	def(&o.Timeout, 30*time.Second)
	defs := func(s *[]int, v ...int) {
		if len(*s) == 0 {
			*s = v
		}
	}
	defs(&o.SignInConcurrency, 1, 2, 4, 8, 16)
	defs(&o.AuthConcurrency, 16, 64)
	defs(&o.HashConcurrency, slices.Compact([]int{1, runtime.NumCPU()})...)
	defs(&o.BareConcurrency, 64)
	if o.StormSignIns == 0 {
		o.StormSignIns = 500
	}
	if o.StormClients == 0 {
		o.StormClients = 16
	}
	if o.AuthPath == "" {
		o.AuthPath = "/dashboard"
	}
	if o.Params == (password.Params{}) {
		o.Params = password.Default
	}
	if len(o.Scenarios) == 0 {
		o.Scenarios = Scenarios
	}
}

// Run measures the scenarios of o, one step after another, and returns every step's result
// with the ratios filled in. It returns an error, with the results so far, if the options
// are wrong, a step cannot start, or ctx is cancelled.
func Run(ctx context.Context, o Options) (Report, error) {
	o.defaults()
	rep := Report{Machine: machine(), Target: o.Target.URL, PeakRSSPerStep: resetPeakRSS(), ServerInProcess: o.ServerInProcess}
	for _, s := range o.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return rep, fmt.Errorf("unknown scenario %q (known: %s)", s, strings.Join(Scenarios, ", "))
		}
	}
	base, err := url.Parse(o.Target.URL)
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return rep, fmt.Errorf("target URL %q is not an http:// or https:// address", o.Target.URL)
	}
	r := &runner{o: o, base: base, rep: &rep}
	// The ratios change the results in place, so the copy returned has them too.
	defer func() { fillRatios(rep.Results) }()
	for _, s := range Scenarios {
		if !slices.Contains(o.Scenarios, s) {
			continue
		}
		if err := r.scenario(ctx, s); err != nil {
			return rep, err
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// runner holds the state of one Run.
type runner struct {
	o        Options
	base     *url.URL
	rep      *Report
	sessions []*http.Cookie
}

func (r *runner) scenario(ctx context.Context, name string) error {
	switch name {
	case ScenarioHash:
		hash, err := password.HashWith("correct horse battery staple", r.o.Params)
		if err != nil {
			return err
		}
		for _, c := range r.o.HashConcurrency {
			// The ceiling: verifying as the server does, through a Hasher whose c slots keep
			// their argon2 memory between hashes.
			h := password.NewHasher(password.HasherConfig{Params: r.o.Params, Limit: c, Queue: c})
			r.step(ctx, name, c, r.o.Duration, r.o.MaxOps, func(ctx context.Context, _, _ int) error {
				ok, err := h.Verify(ctx, "correct horse battery staple", hash)
				if err == nil && !ok {
					err = errors.New("the password does not verify against its own hash")
				}
				return err
			})
			h.ReleaseMemory()
			// For comparison, the same verify with fresh memory for every hash, as
			// golang.org/x/crypto/argon2 does it (and latchkey did before its Hasher kept
			// memory): not a ceiling, no ratio is taken to it.
			r.step(ctx, ScenarioHashAlloc, c, r.o.Duration, r.o.MaxOps, func(context.Context, int, int) error {
				ok, err := password.Verify("correct horse battery staple", hash)
				if err == nil && !ok {
					err = errors.New("the password does not verify against its own hash")
				}
				return err
			})
		}
	case ScenarioBare:
		return r.bare(ctx)
	case ScenarioSignIn:
		if len(r.o.Target.Emails) == 0 {
			return errors.New("sign-ins need at least one account")
		}
		for _, c := range r.o.SignInConcurrency {
			cl := newClient(r.base, r.o.Target.Addr, c, r.o.Timeout)
			r.step(ctx, name, c, r.o.Duration, r.o.MaxOps, r.signInOp(cl))
			cl.close()
		}
	case ScenarioAuth:
		if err := r.ensureSessions(ctx); err != nil {
			return err
		}
		for _, c := range r.o.AuthConcurrency {
			cl := newClient(r.base, r.o.Target.Addr, c, r.o.Timeout)
			r.step(ctx, name, c, r.o.Duration, r.o.MaxOps, r.authOp(cl))
			cl.close()
		}
	case ScenarioStorm:
		if len(r.o.Target.Emails) == 0 {
			return errors.New("the storm needs at least one account")
		}
		if err := r.ensureSessions(ctx); err != nil {
			return err
		}
		r.storm(ctx)
	}
	return nil
}

// signInOp signs in with the accounts in turn.
func (r *runner) signInOp(cl *client) Op {
	emails := r.o.Target.Emails
	return func(ctx context.Context, _, seq int) error {
		_, err := cl.signIn(ctx, emails[seq%len(emails)], r.o.Target.Password)
		return err
	}
}

// authOp loads the signed-in page with the sessions in turn.
func (r *runner) authOp(cl *client) Op {
	return func(ctx context.Context, _, seq int) error {
		return cl.get(ctx, r.o.AuthPath, r.sessions[seq%len(r.sessions)])
	}
}

// ensureSessions makes the session cookies of the target's sessions, or signs in to get some.
func (r *runner) ensureSessions(ctx context.Context) error {
	if len(r.sessions) > 0 {
		return nil
	}
	name := sessionCookieSuffix
	if r.base.Scheme == "https" {
		name = "__Host-" + sessionCookieSuffix
	}
	for _, s := range r.o.Target.Sessions {
		r.sessions = append(r.sessions, &http.Cookie{Name: name, Value: s})
	}
	if len(r.sessions) > 0 {
		return nil
	}
	if len(r.o.Target.Emails) == 0 {
		return errors.New("signed-in requests need sessions or an account to sign in with")
	}
	cl := newClient(r.base, r.o.Target.Addr, 1, r.o.Timeout)
	defer cl.close()
	// A few sessions are enough: a session is read, not written, on each request. No more
	// than there are clients, though: each costs a hash.
	n := 8
	for _, c := range r.o.AuthConcurrency {
		n = min(n, max(c, r.o.StormClients))
	}
	for i := range n {
		ck, err := cl.signIn(ctx, r.o.Target.Emails[i%len(r.o.Target.Emails)], r.o.Target.Password)
		if err != nil {
			return fmt.Errorf("sign in for signed-in requests: %w", err)
		}
		r.sessions = append(r.sessions, &http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	return nil
}

// bareBody is what the bare handler returns: about the size of a small JSON API answer.
const bareBody = `{"id":"4PVBWJ3SCIQKOTXE3BXQ6YOF5M","email":"member0@bench.test","name":"Bench member0","role":"member","workspace":"bench"}`

// bare serves bareBody from a plain net/http server on loopback and drives it.
func (r *runner) bare(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("bare handler: %w", err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(bareBody))
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go srv.Serve(ln)
	defer srv.Close()
	base := &url.URL{Scheme: "http", Host: "bare.test"}
	for _, c := range r.o.BareConcurrency {
		cl := newClient(base, ln.Addr().String(), c, r.o.Timeout)
		r.step(ctx, ScenarioBare, c, r.o.Duration, r.o.MaxOps, func(ctx context.Context, _, _ int) error {
			return cl.get(ctx, "/", nil)
		})
		cl.close()
	}
	return nil
}

// storm starts StormSignIns sign-ins at once, each worker one (up to MaxOps if set, until
// StormDuration), while StormClients make signed-in requests for StormDuration. The sign-in
// row carries the CPU of the whole storm.
func (r *runner) storm(ctx context.Context) {
	signins := newClient(r.base, r.o.Target.Addr, r.o.StormSignIns, r.o.Timeout)
	defer signins.close()
	authed := newClient(r.base, r.o.Target.Addr, r.o.StormClients, r.o.Timeout)
	defer authed.close()
	ops := r.o.StormSignIns
	if r.o.MaxOps > 0 {
		ops = min(ops, r.o.MaxOps)
	}
	var (
		wg           sync.WaitGroup
		signs, auths Sample
		mu           sync.Mutex
		progress     [2][2]int
		start        time.Time
	)
	tick := func(i int) func(int, int) {
		return func(ops, errs int) {
			if r.o.Progress == nil {
				return
			}
			mu.Lock()
			progress[i] = [2]int{ops, errs}
			p := progress
			mu.Unlock()
			r.o.Progress(Progress{Step: fmt.Sprintf("storm %d sign-ins (%d done, %d failed) + %d signed-in",
				r.o.StormSignIns, p[0][0], p[0][1], r.o.StormClients), Elapsed: time.Since(start), Ops: p[1][0], Errors: p[1][1]})
		}
	}
	prepare()
	start = time.Now()
	cpu0 := cpuTime()
	wg.Go(func() {
		signs = Drive(ctx, Load{Concurrency: r.o.StormSignIns, Duration: r.o.StormDuration, MaxOps: ops}, r.signInOp(signins), progressEvery, tick(0))
	})
	wg.Go(func() {
		auths = Drive(ctx, Load{Concurrency: r.o.StormClients, Duration: r.o.StormDuration, MaxOps: r.o.MaxOps}, r.authOp(authed), progressEvery, tick(1))
	})
	wg.Wait()
	cpu, rss := cpuTime()-cpu0, peakRSS()
	sr := result("storm-signin", r.o.StormSignIns, signs, cpu, rss)
	ar := result("storm-auth", r.o.StormClients, auths, 0, rss)
	r.rep.Results = append(r.rep.Results, sr, ar)
}

// progressEvery is how often a running step reports progress.
const progressEvery = 500 * time.Millisecond

// prepare returns the garbage of earlier steps to the system and resets the peak, so that a
// step's peak RSS is its own.
func prepare() {
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
}

// step drives op at concurrency c and records the result.
func (r *runner) step(ctx context.Context, name string, c int, d time.Duration, maxOps int, op Op) {
	label := fmt.Sprintf("%s c=%d", name, c)
	start := time.Now()
	var tick func(int, int)
	if r.o.Progress != nil {
		tick = func(ops, errs int) {
			r.o.Progress(Progress{Step: label, Elapsed: time.Since(start), Ops: ops, Errors: errs})
		}
	}
	prepare()
	cpu0 := cpuTime()
	s := Drive(ctx, Load{Concurrency: c, Duration: d, MaxOps: maxOps}, op, progressEvery, tick)
	r.rep.Results = append(r.rep.Results, result(name, c, s, cpuTime()-cpu0, peakRSS()))
}

func result(name string, c int, s Sample, cpu time.Duration, rss int64) Result {
	res := Result{Scenario: name, Concurrency: c, Ops: s.Ops, Errors: s.Errors, Elapsed: s.Elapsed,
		Latency: Summarize(s.Latency), PeakRSS: rss}
	if s.FirstError != nil {
		res.FirstError = s.FirstError.Error()
	}
	res.ErrorKinds = s.ErrorKinds
	if s.Elapsed > 0 {
		res.Throughput = float64(s.Ops) / s.Elapsed.Seconds()
	}
	if s.Ops > 0 && cpu > 0 {
		res.CPUPerOp = cpu / time.Duration(s.Ops)
	}
	return res
}

// fillRatios compares sign-ins with the hash ceiling and signed-in requests with the bare
// handler. The ceiling at c is the hash row of the highest concurrency not above c, scaled
// linearly up to the number of CPUs (c sign-ins can use at most c cores); the bare reference
// is the bare row of the nearest concurrency.
func fillRatios(rs []Result) {
	cores := runtime.GOMAXPROCS(0)
	var hashes, bares []Result
	for _, r := range rs {
		switch r.Scenario {
		case ScenarioHash:
			hashes = append(hashes, r)
		case ScenarioBare:
			bares = append(bares, r)
		}
	}
	for i := range rs {
		r := &rs[i]
		switch r.Scenario {
		case ScenarioSignIn, "storm-signin":
			var h *Result
			for j := range hashes {
				if hashes[j].Concurrency <= r.Concurrency && (h == nil || hashes[j].Concurrency > h.Concurrency) {
					h = &hashes[j]
				}
			}
			if h == nil || h.Throughput == 0 {
				continue
			}
			ceiling := h.Throughput * float64(min(r.Concurrency, cores)) / float64(min(h.Concurrency, cores))
			r.Ratio, r.RatioTo = r.Throughput/ceiling, fmt.Sprintf("hash c=%d", h.Concurrency)
			if min(r.Concurrency, cores) != min(h.Concurrency, cores) {
				r.RatioTo += fmt.Sprintf(" ×%d/%d", min(r.Concurrency, cores), min(h.Concurrency, cores))
			}
		case ScenarioAuth, "storm-auth":
			var b *Result
			for j := range bares {
				if b == nil || absDiff(bares[j].Concurrency, r.Concurrency) < absDiff(b.Concurrency, r.Concurrency) {
					b = &bares[j]
				}
			}
			if b == nil || b.Throughput == 0 {
				continue
			}
			r.Ratio, r.RatioTo = r.Throughput/b.Throughput, fmt.Sprintf("bare c=%d", b.Concurrency)
		}
	}
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

// machine describes this machine: CPU count and the model from /proc/cpuinfo where there is one.
func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
