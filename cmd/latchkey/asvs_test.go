package main

import (
	"bytes"
	"net"
	"net/http"
	"testing"
)

// TestFreshServeHasNoAccounts: a server started without --demo has no workspace and no account
// at all, so there is no default account to guess (ASVS 6.3.2); the demo workspace's host is
// unknown.
func TestFreshServeHasNoAccounts(t *testing.T) {
	ln, port := listenLocal(t)
	m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Listener: ln}
	m.Config.DataDir = t.TempDir()
	m.Config.Addr = "127.0.0.1:" + port
	m.Config.BaseURL = "http://localhost:" + port
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	wss, err := m.Store.Workspaces(t.Context())
	if err != nil || len(wss) != 0 {
		t.Fatalf("a fresh server has workspaces %+v (%v), want none", wss, err)
	}
	client := &http.Client{Transport: &http.Transport{
		DialContext: (&net.Dialer{}).DialContext,
	}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+m.Addr()+"/login", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "acme.localhost:" + port
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("GET the demo workspace's sign-in page on a fresh server: %d, want 404", res.StatusCode)
	}
}
