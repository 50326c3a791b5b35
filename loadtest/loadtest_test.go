package loadtest_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/keyring"
	"github.com/latchkey/latchkey/loadtest"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/sqlstore"
	"github.com/latchkey/latchkey/sqlstore/sqlitetest"
	"github.com/latchkey/latchkey/web"
)

// cheap are argon2id parameters that keep the smoke test fast; the harness itself uses
// password.Default.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// TestRun drives every scenario against the real router on SQLite, with tiny counts: it
// checks that each step does work and that sign-ins and signed-in requests all succeed.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	store, err := sqlstore.Open(t.Context(), sqlitetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	outbox, err := mail.NewOutbox(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://bench.test")
	keys, err := keyring.Parse(keyring.NewKeyLine("test"))
	if err != nil {
		t.Fatal(err)
	}
	svc := signin.New(signin.Config{Store: store, Mailer: outbox, BaseURL: base, Log: slog.New(slog.DiscardHandler), Keys: keys,
		Passwords: password.NewHasher(password.HasherConfig{Params: password.InsecureTestParams, LightParams: password.InsecureTestParams})})
	h, err := web.New(web.Config{Service: svc, BaseURL: base, Secret: bytes.Repeat([]byte("k"), 32), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	f, err := loadtest.SeedStore(t.Context(), store, loadtest.Seed{
		Accounts: 3, Sessions: 5, Params: cheap,
		Filler: loadtest.Size{Workspaces: 3, Accounts: 7, Sessions: 20},
	})
	if err != nil {
		t.Fatalf("SeedStore: %v", err)
	}
	if got, want := f.Rows, 1+3+5+3+7+20; got != want {
		t.Errorf("seeded %d rows, want %d", got, want)
	}

	var progress int
	rep, err := loadtest.Run(t.Context(), loadtest.Options{
		Target: loadtest.Target{
			URL: "http://" + f.Workspace.Slug + ".bench.test", Addr: ln.Addr().String(),
			Emails: f.Emails, Password: f.Password, Sessions: f.Sessions,
		},
		Duration: 10 * time.Second, StormDuration: 10 * time.Second, MaxOps: 4,
		SignInConcurrency: []int{1, 2}, AuthConcurrency: []int{2}, HashConcurrency: []int{1, 2}, BareConcurrency: []int{2},
		StormSignIns: 3, StormClients: 2, Params: cheap,
		Progress: func(loadtest.Progress) { progress++ },
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	var steps []string
	for _, r := range rep.Results {
		steps = append(steps, r.Scenario)
		if r.Ops == 0 || r.Errors != 0 {
			t.Errorf("%s c=%d: %d ops, %d errors (first: %s), want some ops and no errors", r.Scenario, r.Concurrency, r.Ops, r.Errors, r.FirstError)
		}
		if r.Throughput <= 0 || r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("%s c=%d: throughput %v, p50 %v, p99 %v", r.Scenario, r.Concurrency, r.Throughput, r.P50, r.P99)
		}
	}
	want := "hash hash-alloc hash hash-alloc bare signin signin auth storm-signin storm-auth"
	if got := strings.Join(steps, " "); got != want {
		t.Errorf("steps %q, want %q", got, want)
	}
	for _, r := range rep.Results {
		if (r.Scenario == loadtest.ScenarioSignIn || r.Scenario == loadtest.ScenarioAuth) && r.RatioTo == "" {
			t.Errorf("%s c=%d has no ratio", r.Scenario, r.Concurrency)
		}
	}

	var table bytes.Buffer
	if err := loadtest.WriteTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "storm-signin") || !strings.Contains(table.String(), "machine:") {
		t.Errorf("table lacks rows or the machine:\n%s", table.String())
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back loadtest.Report
	if err := json.Unmarshal(b, &back); err != nil || len(back.Results) != len(rep.Results) {
		t.Errorf("JSON round trip: %v, %d results", err, len(back.Results))
	}
}

// A wrong password is an error of the step, not of the run.
func TestRunCountsErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	rep, err := loadtest.Run(t.Context(), loadtest.Options{
		Target:    loadtest.Target{URL: "http://acme.bench.test", Addr: ln.Addr().String(), Emails: []string{"a@b.test"}, Password: "x"},
		Scenarios: []string{loadtest.ScenarioSignIn}, SignInConcurrency: []int{2}, MaxOps: 3, Duration: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	r := rep.Results[0]
	if r.Ops != 0 || r.Errors != 3 || !strings.Contains(r.FirstError, "404") || r.ErrorKinds["status 404"] != 3 {
		t.Errorf("against a 404 server: %d ops, %d errors %v, first %q; want 0, 3 of status 404", r.Ops, r.Errors, r.ErrorKinds, r.FirstError)
	}
}
