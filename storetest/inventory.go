package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// newHardware stores an in-stock laptop of ws with this asset tag.
func newHardware(t *testing.T, s latchkey.Store, ws, tag string) latchkey.Hardware {
	t.Helper()
	h := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: ws, Name: "Laptop " + tag, AssetTag: tag,
		Type: latchkey.HardwareLaptop, Serial: "SN-" + tag, Status: latchkey.HardwareInStock, CreatedAt: t0, UpdatedAt: t0}
	ok(t, "CreateHardware("+tag+")", s.CreateHardware(t.Context(), h))
	return h
}

// newSoftware stores software of ws with this many seats and no assignees.
func newSoftware(t *testing.T, s latchkey.Store, ws, name string, seats int) latchkey.Software {
	t.Helper()
	sw := latchkey.Software{ID: latchkey.NewID(), WorkspaceID: ws, Name: name, Vendor: "Vendor of " + name,
		LicenceKey: "k1:sealed", Seats: seats, CreatedAt: t0, UpdatedAt: t0}
	ok(t, "CreateSoftware("+name+")", s.CreateSoftware(t.Context(), sw))
	return sw
}

// newRequest stores an open request of requester.
func newRequest(t *testing.T, s latchkey.Store, requester latchkey.Account, title string, created time.Time) latchkey.Request {
	t.Helper()
	r := latchkey.Request{ID: latchkey.NewID(), WorkspaceID: requester.WorkspaceID, Title: title, Description: "Please.",
		Category: latchkey.RequestHardware, Status: latchkey.RequestOpen, RequesterID: requester.ID,
		CreatedAt: created, UpdatedAt: created}
	ok(t, "CreateRequest("+title+")", s.CreateRequest(t.Context(), r))
	return r
}

func tags(hs []latchkey.Hardware) []string {
	var ts []string
	for _, h := range hs {
		ts = append(ts, h.AssetTag)
	}
	return ts
}

func names(sws []latchkey.Software) []string {
	var ns []string
	for _, sw := range sws {
		ns = append(ns, sw.Name)
	}
	return ns
}

func titles(rs []latchkey.Request) []string {
	var ts []string
	for _, r := range rs {
		ts = append(ts, r.Title)
	}
	return ts
}

var hardwareTests = []test{
	{"CreateAndRead", func(t *testing.T, s latchkey.Store) {
		w, _ := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		h := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: w.ID, Name: "MacBook Pro 14", AssetTag: "LT-0001",
			Type: latchkey.HardwareLaptop, Serial: "C02XYZ", Status: latchkey.HardwareAssigned, AssignedTo: pat.ID,
			Notes: "Charger included", CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}
		ok(t, "CreateHardware", s.CreateHardware(t.Context(), h))
		got, err := s.Hardware(t.Context(), w.ID, h.ID)
		ok(t, "Hardware", err)
		same(t, "Hardware", h, got)
	}},
	{"AssetTagIsUniqueIgnoringCasePerWorkspace", func(t *testing.T, s latchkey.Store) {
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		newHardware(t, s, wa.ID, "lt-1")
		dup := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: wa.ID, Name: "Other", AssetTag: " LT-1 ",
			Type: latchkey.HardwareOther, Status: latchkey.HardwareInStock, CreatedAt: t0, UpdatedAt: t0}
		wantErr(t, "CreateHardware(LT-1 after lt-1)", s.CreateHardware(t.Context(), dup), latchkey.ErrConflict)
		newHardware(t, s, wb.ID, "LT-1") // another workspace may use the tag
		other := newHardware(t, s, wa.ID, "LT-2")
		wantErr(t, "UpdateHardware(tag taken)", s.UpdateHardware(t.Context(), wa.ID, other.ID, func(h *latchkey.Hardware) error {
			h.AssetTag = "Lt-1"
			return nil
		}), latchkey.ErrConflict)
	}},
	{"UnknownWorkspaceOrAssigneeIsNotFound", func(t *testing.T, s latchkey.Store) {
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		bob := newAccount(t, s, wb.ID, "bob@bravo.test")
		h := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: latchkey.NewID(), Name: "X", AssetTag: "X",
			Type: latchkey.HardwareOther, Status: latchkey.HardwareInStock, CreatedAt: t0, UpdatedAt: t0}
		wantErr(t, "CreateHardware(unknown workspace)", s.CreateHardware(t.Context(), h), latchkey.ErrNotFound)
		h.WorkspaceID, h.Status, h.AssignedTo = wa.ID, latchkey.HardwareAssigned, bob.ID
		wantErr(t, "CreateHardware(assignee of another workspace)", s.CreateHardware(t.Context(), h), latchkey.ErrNotFound)
		item := newHardware(t, s, wa.ID, "A-1")
		wantErr(t, "UpdateHardware(assignee of another workspace)", s.UpdateHardware(t.Context(), wa.ID, item.ID, func(h *latchkey.Hardware) error {
			h.Status, h.AssignedTo = latchkey.HardwareAssigned, bob.ID
			return nil
		}), latchkey.ErrNotFound)
		got, err := s.Hardware(t.Context(), wa.ID, item.ID)
		ok(t, "Hardware", err)
		same(t, "item after refused update", item, got)
	}},
	{"OtherWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		item := newHardware(t, s, wa.ID, "A-1")
		_, err := s.Hardware(t.Context(), wb.ID, item.ID)
		wantErr(t, "Hardware(other workspace)", err, latchkey.ErrNotFound)
		called := false
		wantErr(t, "UpdateHardware(other workspace)", s.UpdateHardware(t.Context(), wb.ID, item.ID, func(*latchkey.Hardware) error {
			called = true
			return nil
		}), latchkey.ErrNotFound)
		if called {
			t.Fatal("UpdateHardware called fn for an item of another workspace")
		}
		hs, err := s.ListHardware(t.Context(), wb.ID, latchkey.HardwareFilter{})
		ok(t, "ListHardware(bravo)", err)
		same(t, "bravo's hardware", []latchkey.Hardware(nil), hs)
	}},
	{"UpdateRefusedWritesNothing", func(t *testing.T, s latchkey.Store) {
		w, _ := newWorkspace(t, s, "acme")
		item := newHardware(t, s, w.ID, "A-1")
		err := s.UpdateHardware(t.Context(), w.ID, item.ID, func(h *latchkey.Hardware) error {
			h.Name = "changed"
			return errFn
		})
		if !errors.Is(err, errFn) {
			t.Fatalf("UpdateHardware: err=%v, want the updater's", err)
		}
		ok(t, "UpdateHardware", s.UpdateHardware(t.Context(), w.ID, item.ID, func(h *latchkey.Hardware) error {
			h.Name, h.Status, h.UpdatedAt = "Renamed", latchkey.HardwareInRepair, t0.Add(time.Hour)
			return nil
		}))
		item.Name, item.Status, item.UpdatedAt = "Renamed", latchkey.HardwareInRepair, t0.Add(time.Hour)
		got, err := s.Hardware(t.Context(), w.ID, item.ID)
		ok(t, "Hardware", err)
		same(t, "updated item", item, got)
	}},
	{"ListFiltersAndPages", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		for i := range 5 {
			newHardware(t, s, w.ID, fmt.Sprintf("LT-%d", i))
		}
		phone := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: w.ID, Name: "Pixel 9", AssetTag: "PH-1",
			Type: latchkey.HardwarePhone, Serial: "100%_ok", Status: latchkey.HardwareAssigned, AssignedTo: pat.ID, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateHardware(phone)", s.CreateHardware(ctx, phone))
		for _, tc := range []struct {
			name string
			f    latchkey.HardwareFilter
			want []string
		}{
			{"all", latchkey.HardwareFilter{}, []string{"LT-0", "LT-1", "LT-2", "LT-3", "LT-4", "PH-1"}},
			{"page", latchkey.HardwareFilter{Page: latchkey.Page{Limit: 2, Offset: 2}}, []string{"LT-2", "LT-3"}},
			{"type", latchkey.HardwareFilter{Type: latchkey.HardwarePhone}, []string{"PH-1"}},
			{"status", latchkey.HardwareFilter{Status: latchkey.HardwareInStock, Page: latchkey.Page{Limit: 1}}, []string{"LT-0"}},
			{"assignee", latchkey.HardwareFilter{AssignedTo: pat.ID}, []string{"PH-1"}},
			{"query name", latchkey.HardwareFilter{Query: "pixel"}, []string{"PH-1"}},
			{"query tag", latchkey.HardwareFilter{Query: "lt-3"}, []string{"LT-3"}},
			{"query percent is plain", latchkey.HardwareFilter{Query: "0%_"}, []string{"PH-1"}},
			{"query underscore is plain", latchkey.HardwareFilter{Query: "LT_"}, nil},
		} {
			got, err := s.ListHardware(ctx, w.ID, tc.f)
			ok(t, "ListHardware("+tc.name+")", err)
			same(t, "ListHardware("+tc.name+")", tc.want, tags(got))
		}
		counts, err := s.CountHardware(ctx, w.ID)
		ok(t, "CountHardware", err)
		same(t, "CountHardware", map[latchkey.HardwareStatus]int{latchkey.HardwareInStock: 5, latchkey.HardwareAssigned: 1}, counts)
	}},
	{"ImportIsAllOrNothing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		wb, _ := newWorkspace(t, s, "bravo")
		stranger := newAccount(t, s, wb.ID, "x@bravo.test")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		old := newHardware(t, s, w.ID, "LT-1")
		item := func(tag string) latchkey.Hardware {
			return latchkey.Hardware{ID: latchkey.NewID(), Name: "Imported " + tag, AssetTag: tag, Type: latchkey.HardwareMonitor,
				Status: latchkey.HardwareInStock, CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(time.Hour)}
		}
		bad := item("MN-2")
		bad.Status, bad.AssignedTo = latchkey.HardwareAssigned, stranger.ID
		_, _, err := s.ImportHardware(ctx, w.ID, []latchkey.Hardware{item("lt-1"), item("MN-1"), bad})
		var rowErr *latchkey.ImportRowError
		if !errors.As(err, &rowErr) || rowErr.Index != 2 || !errors.Is(err, latchkey.ErrNotFound) {
			t.Fatalf("ImportHardware(assignee of another workspace): err=%v, want row 2 not found", err)
		}
		_, _, err = s.ImportHardware(ctx, w.ID, []latchkey.Hardware{item("MN-1"), item("mn-1")})
		if !errors.As(err, &rowErr) || rowErr.Index != 1 || !errors.Is(err, latchkey.ErrConflict) {
			t.Fatalf("ImportHardware(one tag twice): err=%v, want row 1 conflict", err)
		}
		hs, err := s.ListHardware(ctx, w.ID, latchkey.HardwareFilter{})
		ok(t, "ListHardware", err)
		same(t, "hardware after failed imports", []latchkey.Hardware{old}, hs)

		good := item("MN-2")
		good.Status, good.AssignedTo = latchkey.HardwareAssigned, pat.ID
		created, updated, err := s.ImportHardware(ctx, w.ID, []latchkey.Hardware{item("lt-1"), good})
		ok(t, "ImportHardware", err)
		if created != 1 || updated != 1 {
			t.Fatalf("ImportHardware: created %d, updated %d; want 1, 1", created, updated)
		}
		got, err := s.Hardware(ctx, w.ID, old.ID)
		ok(t, "Hardware(updated)", err)
		want := item("lt-1")
		want.ID, want.WorkspaceID, want.CreatedAt = old.ID, w.ID, old.CreatedAt
		same(t, "updated item keeps its ID and creation time", want, got)
		good.WorkspaceID = w.ID
		got, err = s.Hardware(ctx, w.ID, good.ID)
		ok(t, "Hardware(created)", err)
		same(t, "created item", good, got)
	}},
}

var softwareTests = []test{
	{"CreateAndRead", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		sw := latchkey.Software{ID: latchkey.NewID(), WorkspaceID: w.ID, Name: "Figma", Vendor: "Figma, Inc.",
			LicenceKey: "k1:abc", Seats: 2, Assignees: []string{pat.ID, admin.ID}, CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateSoftware", s.CreateSoftware(ctx, sw))
		got, err := s.Software(ctx, w.ID, sw.ID)
		ok(t, "Software", err)
		if pat.ID > admin.ID {
			sw.Assignees = []string{admin.ID, pat.ID}
		}
		same(t, "Software", sw, got)
		over := latchkey.Software{ID: latchkey.NewID(), WorkspaceID: w.ID, Name: "Over", Seats: 1,
			Assignees: []string{pat.ID, admin.ID}, CreatedAt: t0, UpdatedAt: t0}
		wantErr(t, "CreateSoftware(more assignees than seats)", s.CreateSoftware(ctx, over), latchkey.ErrSeatsInUse)
		_, err = s.Software(ctx, w.ID, over.ID)
		wantErr(t, "Software(refused)", err, latchkey.ErrNotFound)
	}},
	{"AssignAndUnassign", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		wb, _ := newWorkspace(t, s, "bravo")
		stranger := newAccount(t, s, wb.ID, "x@bravo.test")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		sw := newSoftware(t, s, w.ID, "Slack", 1)
		ok(t, "AssignSeat", s.AssignSeat(ctx, w.ID, sw.ID, pat.ID, t0))
		ok(t, "AssignSeat(again)", s.AssignSeat(ctx, w.ID, sw.ID, pat.ID, t0))
		wantErr(t, "AssignSeat(no seat left)", s.AssignSeat(ctx, w.ID, sw.ID, admin.ID, t0), latchkey.ErrNoSeats)
		wantErr(t, "AssignSeat(account of another workspace)", s.AssignSeat(ctx, w.ID, newSoftware(t, s, w.ID, "Zoom", 5).ID, stranger.ID, t0), latchkey.ErrNotFound)
		wantErr(t, "AssignSeat(from another workspace)", s.AssignSeat(ctx, wb.ID, sw.ID, stranger.ID, t0), latchkey.ErrNotFound)
		wantErr(t, "UpdateSoftware(seats below used)", s.UpdateSoftware(ctx, w.ID, sw.ID, func(sw *latchkey.Software) error {
			sw.Seats = 0
			return nil
		}), latchkey.ErrSeatsInUse)
		mine, err := s.ListSoftware(ctx, w.ID, latchkey.SoftwareFilter{Assignee: pat.ID})
		ok(t, "ListSoftware(pat)", err)
		same(t, "pat's software", []string{"Slack"}, names(mine))
		total, used, err := s.CountSeats(ctx, w.ID)
		ok(t, "CountSeats", err)
		if total != 6 || used != 1 {
			t.Fatalf("CountSeats: %d of %d used, want 1 of 6", used, total)
		}
		wantErr(t, "UnassignSeat(from another workspace)", s.UnassignSeat(ctx, wb.ID, sw.ID, pat.ID), latchkey.ErrNotFound)
		ok(t, "UnassignSeat", s.UnassignSeat(ctx, w.ID, sw.ID, pat.ID))
		wantErr(t, "UnassignSeat(again)", s.UnassignSeat(ctx, w.ID, sw.ID, pat.ID), latchkey.ErrNotFound)
		ok(t, "AssignSeat(freed)", s.AssignSeat(ctx, w.ID, sw.ID, admin.ID, t0))
	}},
	{"ConcurrentAssignsNeverExceedSeats", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		const seats, people = 3, 12
		var accounts []latchkey.Account
		for i := range people {
			accounts = append(accounts, newAccount(t, s, w.ID, fmt.Sprintf("p%d@acme.test", i)))
		}
		sw := newSoftware(t, s, w.ID, "Figma", seats)
		errs := concurrently(people, func(i int) error { return s.AssignSeat(ctx, w.ID, sw.ID, accounts[i].ID, t0) })
		nils, full := countErrs(t, "concurrent AssignSeat", errs, latchkey.ErrNoSeats)
		if nils != seats || full != people-seats {
			t.Fatalf("concurrent AssignSeat: %d succeeded and %d found no seat, want %d and %d", nils, full, seats, people-seats)
		}
		got, err := s.Software(ctx, w.ID, sw.ID)
		ok(t, "Software", err)
		if len(got.Assignees) != seats {
			t.Fatalf("assignees: %d, want %d", len(got.Assignees), seats)
		}
	}},
	{"ConcurrentSeatCutAndAssign", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		sw := newSoftware(t, s, w.ID, "Figma", 2)
		ok(t, "AssignSeat", s.AssignSeat(ctx, w.ID, sw.ID, admin.ID, t0))
		errs := concurrently(2, func(i int) error {
			if i == 0 {
				return s.UpdateSoftware(ctx, w.ID, sw.ID, func(sw *latchkey.Software) error { sw.Seats = 1; return nil })
			}
			return s.AssignSeat(ctx, w.ID, sw.ID, pat.ID, t0)
		})
		got, err := s.Software(ctx, w.ID, sw.ID)
		ok(t, "Software", err)
		if len(got.Assignees) > got.Seats {
			t.Fatalf("%d assignees for %d seats (errors %v)", len(got.Assignees), got.Seats, errs)
		}
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("want exactly one of cutting seats and assigning to succeed, got %v", errs)
		}
	}},
	{"OtherWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, _ := newWorkspace(t, s, "bravo")
		sw := newSoftware(t, s, wa.ID, "Figma", 1)
		_, err := s.Software(ctx, wb.ID, sw.ID)
		wantErr(t, "Software(other workspace)", err, latchkey.ErrNotFound)
		wantErr(t, "UpdateSoftware(other workspace)", s.UpdateSoftware(ctx, wb.ID, sw.ID, func(*latchkey.Software) error { return nil }), latchkey.ErrNotFound)
		list, err := s.ListSoftware(ctx, wb.ID, latchkey.SoftwareFilter{})
		ok(t, "ListSoftware(bravo)", err)
		same(t, "bravo's software", []latchkey.Software(nil), list)
	}},
	{"ListFiltersAndPages", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, _ := newWorkspace(t, s, "acme")
		for _, n := range []string{"Slack", "Figma", "Adobe CC", "Zoom"} {
			newSoftware(t, s, w.ID, n, 1)
		}
		for _, tc := range []struct {
			name string
			f    latchkey.SoftwareFilter
			want []string
		}{
			{"all", latchkey.SoftwareFilter{}, []string{"Adobe CC", "Figma", "Slack", "Zoom"}},
			{"page", latchkey.SoftwareFilter{Page: latchkey.Page{Limit: 2, Offset: 1}}, []string{"Figma", "Slack"}},
			{"query", latchkey.SoftwareFilter{Query: "FIG"}, []string{"Figma"}},
			{"vendor", latchkey.SoftwareFilter{Query: "vendor of z"}, []string{"Zoom"}},
		} {
			got, err := s.ListSoftware(ctx, w.ID, tc.f)
			ok(t, "ListSoftware("+tc.name+")", err)
			same(t, "ListSoftware("+tc.name+")", tc.want, names(got))
		}
	}},
	{"ImportIsAllOrNothing", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		old := newSoftware(t, s, w.ID, "Slack", 1)
		ok(t, "AssignSeat", s.AssignSeat(ctx, w.ID, old.ID, admin.ID, t0))
		update := latchkey.Software{ID: old.ID, Name: "Slack Pro", Seats: 2, Assignees: []string{pat.ID}, UpdatedAt: t0.Add(time.Hour)}
		fresh := latchkey.Software{ID: latchkey.NewID(), Name: "Zoom", Seats: 1, Assignees: []string{pat.ID, admin.ID}, CreatedAt: t0, UpdatedAt: t0}
		_, _, err := s.ImportSoftware(ctx, w.ID, []latchkey.Software{update, fresh})
		var rowErr *latchkey.ImportRowError
		if !errors.As(err, &rowErr) || rowErr.Index != 1 || !errors.Is(err, latchkey.ErrSeatsInUse) {
			t.Fatalf("ImportSoftware(too many assignees): err=%v, want row 1 seats in use", err)
		}
		got, err := s.Software(ctx, w.ID, old.ID)
		ok(t, "Software", err)
		old.Assignees = []string{admin.ID}
		same(t, "software after failed import", old, got)

		fresh.Seats = 2
		created, updated, err := s.ImportSoftware(ctx, w.ID, []latchkey.Software{update, fresh})
		ok(t, "ImportSoftware", err)
		if created != 1 || updated != 1 {
			t.Fatalf("ImportSoftware: created %d, updated %d; want 1, 1", created, updated)
		}
		got, err = s.Software(ctx, w.ID, old.ID)
		ok(t, "Software(updated)", err)
		want := update
		want.WorkspaceID, want.CreatedAt, want.Vendor, want.LicenceKey = w.ID, old.CreatedAt, "", old.LicenceKey
		same(t, "updated software keeps its key and creation time", want, got)
	}},
}

var requestTests = []test{
	{"CreateReadUpdate", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		r := newRequest(t, s, pat, "New monitor", t0)
		got, err := s.Request(ctx, w.ID, r.ID)
		ok(t, "Request", err)
		same(t, "Request", r, got)
		ok(t, "UpdateRequest", s.UpdateRequest(ctx, w.ID, r.ID, func(r *latchkey.Request) error {
			r.Status, r.AssigneeID, r.UpdatedAt = latchkey.RequestInProgress, admin.ID, t0.Add(time.Minute)
			return nil
		}))
		r.Status, r.AssigneeID, r.UpdatedAt = latchkey.RequestInProgress, admin.ID, t0.Add(time.Minute)
		got, err = s.Request(ctx, w.ID, r.ID)
		ok(t, "Request", err)
		same(t, "updated request", r, got)
		if err := s.UpdateRequest(ctx, w.ID, r.ID, func(r *latchkey.Request) error { r.RequesterID = admin.ID; return nil }); err == nil {
			t.Fatal("UpdateRequest changed the requester")
		}
		bad := r
		bad.ID, bad.WorkspaceID = latchkey.NewID(), latchkey.NewID()
		wantErr(t, "CreateRequest(unknown workspace)", s.CreateRequest(ctx, bad), latchkey.ErrNotFound)
	}},
	{"OtherWorkspaceIsNotFound", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, _ := newWorkspace(t, s, "alpha")
		wb, bAdmin := newWorkspace(t, s, "bravo")
		pat := newAccount(t, s, wa.ID, "pat@alpha.test")
		r := newRequest(t, s, pat, "Access to the VPN", t0)
		_, err := s.Request(ctx, wb.ID, r.ID)
		wantErr(t, "Request(other workspace)", err, latchkey.ErrNotFound)
		wantErr(t, "UpdateRequest(other workspace)", s.UpdateRequest(ctx, wb.ID, r.ID, func(*latchkey.Request) error { return nil }), latchkey.ErrNotFound)
		c := latchkey.RequestComment{ID: latchkey.NewID(), WorkspaceID: wb.ID, RequestID: r.ID, AuthorID: bAdmin.ID, Body: "hi", CreatedAt: t0}
		wantErr(t, "AddComment(other workspace)", s.AddComment(ctx, c), latchkey.ErrNotFound)
		_, err = s.Comments(ctx, wb.ID, r.ID)
		wantErr(t, "Comments(other workspace)", err, latchkey.ErrNotFound)
		rs, err := s.ListRequests(ctx, wb.ID, latchkey.RequestFilter{})
		ok(t, "ListRequests(bravo)", err)
		same(t, "bravo's requests", []latchkey.Request(nil), rs)
	}},
	{"ListNewestFirstWithFilters", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		newRequest(t, s, pat, "Laptop", t0)
		vpn := newRequest(t, s, pat, "VPN access", t0.Add(time.Minute))
		newRequest(t, s, admin, "Monitor", t0.Add(2*time.Minute))
		ok(t, "UpdateRequest", s.UpdateRequest(ctx, w.ID, vpn.ID, func(r *latchkey.Request) error {
			r.Category, r.Status, r.AssigneeID = latchkey.RequestAccess, latchkey.RequestResolved, admin.ID
			return nil
		}))
		for _, tc := range []struct {
			name string
			f    latchkey.RequestFilter
			want []string
		}{
			{"all", latchkey.RequestFilter{}, []string{"Monitor", "VPN access", "Laptop"}},
			{"page", latchkey.RequestFilter{Page: latchkey.Page{Limit: 1, Offset: 1}}, []string{"VPN access"}},
			{"requester", latchkey.RequestFilter{RequesterID: pat.ID}, []string{"VPN access", "Laptop"}},
			{"assignee", latchkey.RequestFilter{AssigneeID: admin.ID}, []string{"VPN access"}},
			{"status", latchkey.RequestFilter{Status: latchkey.RequestOpen}, []string{"Monitor", "Laptop"}},
			{"category", latchkey.RequestFilter{Category: latchkey.RequestAccess}, []string{"VPN access"}},
			{"query", latchkey.RequestFilter{Query: "vpn"}, []string{"VPN access"}},
		} {
			got, err := s.ListRequests(ctx, w.ID, tc.f)
			ok(t, "ListRequests("+tc.name+")", err)
			same(t, "ListRequests("+tc.name+")", tc.want, titles(got))
		}
		counts, err := s.CountRequests(ctx, w.ID)
		ok(t, "CountRequests", err)
		same(t, "CountRequests", map[latchkey.RequestStatus]int{latchkey.RequestOpen: 2, latchkey.RequestResolved: 1}, counts)
	}},
	{"CommentsOldestFirst", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		r := newRequest(t, s, pat, "Laptop", t0)
		var want []latchkey.RequestComment
		for i, author := range []latchkey.Account{pat, admin, pat} {
			c := latchkey.RequestComment{ID: latchkey.NewID(), WorkspaceID: w.ID, RequestID: r.ID, AuthorID: author.ID,
				Body: fmt.Sprintf("comment %d", i), CreatedAt: t0.Add(time.Duration(min(i, 1)) * time.Second)}
			ok(t, "AddComment", s.AddComment(ctx, c))
			want = append(want, c)
		}
		got, err := s.Comments(ctx, w.ID, r.ID)
		ok(t, "Comments", err)
		same(t, "Comments", want, got)
		missing := latchkey.RequestComment{ID: latchkey.NewID(), WorkspaceID: w.ID, RequestID: latchkey.NewID(), AuthorID: pat.ID, Body: "x", CreatedAt: t0}
		wantErr(t, "AddComment(unknown request)", s.AddComment(ctx, missing), latchkey.ErrNotFound)
	}},
	{"DeleteAccountReleasesItems", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		helper := newAccount(t, s, w.ID, "helper@acme.test")
		ok(t, "make helper an admin", s.UpdateAccount(ctx, w.ID, helper.ID, func(a *latchkey.Account) error { a.Role = latchkey.RoleAdmin; return nil }))
		laptop := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: w.ID, Name: "Laptop", AssetTag: "LT-1",
			Type: latchkey.HardwareLaptop, Status: latchkey.HardwareAssigned, AssignedTo: pat.ID, Notes: "Has a sticker", CreatedAt: t0, UpdatedAt: t0}
		ok(t, "CreateHardware", s.CreateHardware(ctx, laptop))
		sw := newSoftware(t, s, w.ID, "Figma", 1)
		ok(t, "AssignSeat", s.AssignSeat(ctx, w.ID, sw.ID, pat.ID, t0))
		mine := newRequest(t, s, pat, "Mine", t0)
		handled := newRequest(t, s, admin, "Handled by helper", t0)
		ok(t, "UpdateRequest", s.UpdateRequest(ctx, w.ID, handled.ID, func(r *latchkey.Request) error { r.AssigneeID = helper.ID; return nil }))

		ok(t, "DeleteAccount(pat)", s.DeleteAccount(ctx, w.ID, pat.ID))
		ok(t, "DeleteAccount(helper)", s.DeleteAccount(ctx, w.ID, helper.ID))

		got, err := s.Hardware(ctx, w.ID, laptop.ID)
		ok(t, "Hardware", err)
		laptop.Status, laptop.AssignedTo = latchkey.HardwareInStock, ""
		laptop.Notes = "Has a sticker\nUnassigned when the account of pat@acme.test was removed."
		same(t, "laptop of a removed account", laptop, got)
		gotSW, err := s.Software(ctx, w.ID, sw.ID)
		ok(t, "Software", err)
		same(t, "seats of a removed account", []string(nil), gotSW.Assignees)
		gotR, err := s.Request(ctx, w.ID, mine.ID)
		ok(t, "Request(of a removed account)", err)
		same(t, "request of a removed account", mine, gotR)
		gotR, err = s.Request(ctx, w.ID, handled.ID)
		ok(t, "Request(handled by a removed account)", err)
		same(t, "assignee of a removed account", "", gotR.AssigneeID)
	}},
}

// buildInventory gives workspace w an assigned laptop, software with a seat of pat, and a
// request of pat with two comments, for the export tests, and returns them as an export of w
// must hold them.
func buildInventory(t *testing.T, s latchkey.Store, w latchkey.Workspace, admin, pat latchkey.Account) ([]latchkey.Hardware, []latchkey.Software, []latchkey.Request, []latchkey.RequestComment) {
	t.Helper()
	ctx := t.Context()
	laptop := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: w.ID, Name: "Laptop", AssetTag: "LT-1", Type: latchkey.HardwareLaptop,
		Serial: "S1", Status: latchkey.HardwareAssigned, AssignedTo: pat.ID, Notes: "n", CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}
	ok(t, "CreateHardware", s.CreateHardware(ctx, laptop))
	stock := newHardware(t, s, w.ID, "LT-2")
	sw := newSoftware(t, s, w.ID, "Figma", 3)
	ok(t, "AssignSeat", s.AssignSeat(ctx, w.ID, sw.ID, pat.ID, t0))
	sw.Assignees = []string{pat.ID}
	r := newRequest(t, s, pat, "Monitor", t0)
	var cs []latchkey.RequestComment
	for i, author := range []latchkey.Account{pat, admin} {
		c := latchkey.RequestComment{ID: latchkey.NewID(), WorkspaceID: w.ID, RequestID: r.ID, AuthorID: author.ID,
			Body: fmt.Sprintf("comment %d", i), CreatedAt: t0} // one microsecond: order kept by seq
		ok(t, "AddComment", s.AddComment(ctx, c))
		cs = append(cs, c)
	}
	return []latchkey.Hardware{laptop, stock}, []latchkey.Software{sw}, []latchkey.Request{r}, cs
}
