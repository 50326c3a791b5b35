package main

import (
	"bytes"
	"testing"

	"github.com/latchkey/latchkey"
)

// The demo workspace gets its items and request once: a second start adds nothing.
func TestDemoInventory(t *testing.T) {
	dir := t.TempDir()
	var d demo
	for range 2 {
		m := &Main{Config: testConfig(nil), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
		m.Config.DataDir, m.Config.Addr = dir, "127.0.0.1:0"
		if err := m.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		var err error
		if d, err = m.ensureDemo(t.Context()); err != nil {
			m.Close()
			t.Fatal(err)
		}
		ws, err := m.Store.WorkspaceBySlug(t.Context(), d.Slug)
		if err != nil {
			t.Fatal(err)
		}
		member, err := m.Store.AccountByEmail(t.Context(), ws.ID, d.MemberEmail)
		if err != nil {
			t.Fatal(err)
		}
		all, _ := m.Store.ListHardware(t.Context(), ws.ID, latchkey.HardwareFilter{})
		mine, _ := m.Store.ListHardware(t.Context(), ws.ID, latchkey.HardwareFilter{AssignedTo: member.ID})
		sws, _ := m.Store.ListSoftware(t.Context(), ws.ID, latchkey.SoftwareFilter{Assignee: member.ID})
		rs, _ := m.Store.ListRequests(t.Context(), ws.ID, latchkey.RequestFilter{RequesterID: member.ID})
		m.Close()
		if len(all) != 3 || len(mine) != 2 || len(sws) != 2 || len(rs) != 1 {
			t.Fatalf("demo: %d items, %d of the member's, %d software, %d requests; want 3, 2, 2, 1", len(all), len(mine), len(sws), len(rs))
		}
	}
}
