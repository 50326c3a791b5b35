package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/loadtest"
)

// tiny are flags that make every step of "latchkey bench" a handful of operations.
var tiny = []string{
	"--max-ops", "3", "--duration", "20s", "--storm-duration", "20s",
	"--signin-c", "1,2", "--auth-c", "2", "--hash-c", "1", "--bare-c", "2", "--storm", "2", "--storm-clients", "2",
	"--json",
}

// benchJSON runs "latchkey bench" with args and decodes its report, checking that every step
// did some work without an error.
func benchJSON(t *testing.T, args ...string) loadtest.Report {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(t.Context(), append([]string{"bench"}, args...), env(nil), &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	var rep loadtest.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("bench --json printed no report: %v\n%s", err, out.String())
	}
	for _, r := range rep.Results {
		if r.Ops == 0 || r.Errors != 0 {
			t.Errorf("%s c=%d: %d ops, %d errors (first: %s)", r.Scenario, r.Concurrency, r.Ops, r.Errors, r.FirstError)
		}
	}
	return rep
}

// The in-process server on SQLite, every scenario, with the real argon2id parameters.
func TestBenchInProcess(t *testing.T) {
	rep := benchJSON(t, append([]string{"--accounts", "2", "--sessions", "3"}, tiny...)...)
	var steps []string
	for _, r := range rep.Results {
		steps = append(steps, r.Scenario)
	}
	if got, want := strings.Join(steps, " "), "hash hash-alloc bare signin signin auth storm-signin storm-auth"; got != want {
		t.Errorf("steps %q, want %q", got, want)
	}
	if !rep.ServerInProcess {
		t.Errorf("the report does not say that the server ran in process")
	}
}

// --url drives a running server: the demo's member signs in, and signs in again for the
// sessions of the signed-in requests.
func TestBenchURL(t *testing.T) {
	m, d := bootDemo(t)
	pwFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pwFile, []byte(d.MemberPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, port, _ := strings.Cut(m.Addr(), ":")
	rep := benchJSON(t, append([]string{"--url", "http://acme.localhost:" + port, "--connect", m.Addr(),
		"--email", d.MemberEmail, "--password-file", pwFile, "--only", "signin,auth"}, tiny...)...)
	if len(rep.Results) != 3 || rep.ServerInProcess {
		t.Errorf("%d steps, server in process %v; want 3 (signin c=1, c=2, auth c=2), not in process", len(rep.Results), rep.ServerInProcess)
	}
}

func TestBenchFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"url without credentials", []string{"--url", "http://acme.localhost:1"}, "--email"},
		{"url with scale", []string{"--url", "http://acme.localhost:1", "--email", "a@b.test", "--password-file", "x", "--scale"}, "--scale"},
		{"credentials without url", []string{"--email", "a@b.test"}, "go with --url"},
		{"zero concurrency", []string{"--auth-c", "0"}, "at least 1"},
		{"unknown scenario", []string{"--only", "hash,nap", "--hash-c", "1", "--max-ops", "1"}, `"nap"`},
		{"pprof off loopback", []string{"--pprof-addr", "0.0.0.0:6060"}, "--pprof-addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(t.Context(), append([]string{"bench"}, tc.args...), env(nil), &out, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("bench %v = %v, want an error containing %q\n%s", tc.args, err, tc.want, out.String())
			}
		})
	}
}

// --pprof-addr serves the profiles on their own loopback listener, and only there.
func TestPprofAddr(t *testing.T) {
	m := startNode(t, func(c *Config) { c.PprofAddr = "127.0.0.1:0" })
	get := func(u string) int {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("http://" + m.PprofAddr() + "/debug/pprof/"); got != http.StatusOK {
		t.Errorf("GET /debug/pprof/ on --pprof-addr: %d, want 200", got)
	}
	if got := get("http://" + m.Addr() + "/debug/pprof/"); got == http.StatusOK {
		t.Errorf("GET /debug/pprof/ on the main address: %d, want it not served", got)
	}
	if n := startNode(t, func(*Config) {}); n.PprofAddr() != "" {
		t.Errorf("PprofAddr() = %q without --pprof-addr, want none", n.PprofAddr())
	}
}

// /metrics is served on --metrics-addr only, never on the public address (off by default).
func TestMetricsAddr(t *testing.T) {
	m := startNode(t, func(c *Config) { c.MetricsAddr = "127.0.0.1:0" })
	get := func(u string, host string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if got := get("http://"+m.MetricsAddr()+"/metrics", ""); got != http.StatusOK {
		t.Errorf("GET /metrics on --metrics-addr: %d, want 200", got)
	}
	base, _ := url.Parse(testBase)
	if got := get("http://"+m.Addr()+"/metrics", base.Host); got != http.StatusNotFound {
		t.Errorf("GET /metrics on the public base host: %d, want 404", got)
	}
	if n := startNode(t, func(*Config) {}); n.MetricsAddr() != "" {
		t.Errorf("MetricsAddr() = %q without --metrics-addr, want none", n.MetricsAddr())
	}
}
