package inventory_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

func TestNewNeedsItsDependencies(t *testing.T) {
	if _, err := inventory.New(inventory.Config{}); err == nil {
		t.Fatal("New(no dependencies) = nil error")
	}
}

// An update to a tag another item has is refused on the tag field, and changes nothing.
func TestUpdateHardwareTagTaken(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.laptop(t, "LT-0001")
	other := e.laptop(t, "LT-0002")
	_, err := e.svc.UpdateHardware(ctx, e.admin, other.ID, inventory.HardwareInput{Name: "Other", AssetTag: "lt-0001", Type: "laptop"})
	wantError(t, "UpdateHardware(tag taken)", err, latchkey.CodeConflict, latchkey.MsgAssetTagTaken)
	if got, err := e.svc.Hardware(ctx, e.admin, other.ID); err != nil || got.AssetTag != "LT-0002" || got.Name != other.Name {
		t.Fatalf("the item after a refused update: %+v, %v; want it unchanged", got, err)
	}
}

func TestHardwareLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	h := e.laptop(t, "LT-0001")
	if h.Status != latchkey.HardwareInStock || h.AssignedTo != "" || h.WorkspaceID != e.ws.ID {
		t.Fatalf("new item: %+v, want in stock, unassigned, in acme", h)
	}
	_, err := e.svc.AddHardware(ctx, e.admin, inventory.HardwareInput{Name: "Other", AssetTag: "lt-0001", Type: "phone"})
	wantError(t, "AddHardware(tag taken)", err, latchkey.CodeConflict, latchkey.MsgAssetTagTaken)
	_, err = e.svc.AddHardware(ctx, e.admin, inventory.HardwareInput{Name: "Other", AssetTag: "X-1", Type: "toaster"})
	wantError(t, "AddHardware(bad type)", err, latchkey.CodeInvalid, latchkey.MsgHardwareTypeInvalid)
	_, err = e.svc.AddHardware(ctx, e.admin, inventory.HardwareInput{Name: " ", AssetTag: "X-1", Type: "phone"})
	wantError(t, "AddHardware(no name)", err, latchkey.CodeInvalid, latchkey.MsgNameRequired)

	h, err = e.svc.UpdateHardware(ctx, e.admin, h.ID, inventory.HardwareInput{Name: "ThinkPad X1", AssetTag: "LT-0001", Type: "laptop", Notes: "16 GB"})
	must(t, "UpdateHardware", err)
	if h.Name != "ThinkPad X1" || h.Notes != "16 GB" || h.Serial != "" {
		t.Fatalf("updated item: %+v", h)
	}
	h, err = e.svc.AssignHardware(ctx, e.admin, h.ID, e.pat.AccountID)
	must(t, "AssignHardware", err)
	if h.Status != latchkey.HardwareAssigned || h.AssignedTo != e.pat.AccountID {
		t.Fatalf("assigned item: %+v", h)
	}
	_, err = e.svc.AssignHardware(ctx, e.admin, h.ID, e.outsider.AccountID)
	wantError(t, "AssignHardware(member of another workspace)", err, latchkey.CodeInvalid, latchkey.MsgAssigneeUnknown)
	_, err = e.svc.SetHardwareStatus(ctx, e.admin, h.ID, latchkey.HardwareAssigned)
	wantError(t, "SetHardwareStatus(assigned)", err, latchkey.CodeInvalid, latchkey.MsgAssigneeRequired)

	got, err := e.svc.Hardware(ctx, e.pat, h.ID)
	must(t, "Hardware(as its member)", err)
	if diff := cmp.Diff(h, got); diff != "" {
		t.Fatalf("the member's view of their item (-want +got):\n%s", diff)
	}
	mine, err := e.svc.ListHardware(ctx, e.pat, latchkey.HardwareFilter{})
	must(t, "ListHardware(pat)", err)
	if len(mine) != 1 || mine[0].ID != h.ID {
		t.Fatalf("pat's hardware: %v", mine)
	}

	h, err = e.svc.SetHardwareStatus(ctx, e.admin, h.ID, latchkey.HardwareRetired)
	must(t, "retire", err)
	if h.Status != latchkey.HardwareRetired || h.AssignedTo != "" {
		t.Fatalf("retired item: %+v", h)
	}
	_, err = e.svc.AssignHardware(ctx, e.admin, h.ID, e.pat.AccountID)
	wantError(t, "AssignHardware(retired)", err, latchkey.CodeConflict, latchkey.MsgItemRetired)
	notFound(t, "Hardware(as its former member)", func() error { _, err := e.svc.Hardware(ctx, e.pat, h.ID); return err }())

	h, err = e.svc.SetHardwareStatus(ctx, e.admin, h.ID, latchkey.HardwareInRepair)
	must(t, "in repair", err)
	h, err = e.svc.AssignHardware(ctx, e.admin, h.ID, e.sam.AccountID)
	must(t, "AssignHardware(sam)", err)
	h, err = e.svc.UnassignHardware(ctx, e.admin, h.ID)
	must(t, "UnassignHardware", err)
	if h.Status != latchkey.HardwareInStock || h.AssignedTo != "" {
		t.Fatalf("unassigned item: %+v", h)
	}

	want := []latchkey.EventType{
		latchkey.EventHardwareCreate, latchkey.EventHardwareUpdate, latchkey.EventHardwareAssign,
		latchkey.EventHardwareStatus, latchkey.EventHardwareUnassign, // retired: taken from pat
		latchkey.EventHardwareStatus, latchkey.EventHardwareAssign,
		latchkey.EventHardwareStatus, latchkey.EventHardwareUnassign,
	}
	es := e.events(t, "hardware.")
	if diff := cmp.Diff(want, types(es)); diff != "" {
		t.Fatalf("audit events (-want +got):\n%s", diff)
	}
	for _, ev := range es {
		if ev.ActorID != e.admin.AccountID {
			t.Errorf("%s: actor %q, want the admin", ev.Type, ev.ActorID)
		}
	}
	if es[2].AccountID != e.pat.AccountID || es[2].Email != "pat@acme.test" {
		t.Errorf("assign event names %q %q, want pat", es[2].AccountID, es[2].Email)
	}
}

// A member may not change anything in the inventory, nor set a request's status; the refusal
// changes nothing.
func TestMembersCannotAdminister(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	h := e.laptop(t, "LT-1")
	must(t, "assign", func() error { _, err := e.svc.AssignHardware(ctx, e.admin, h.ID, e.pat.AccountID); return err }())
	sw := e.software(t, "Figma", "KEY", 5)
	r, err := e.svc.OpenRequest(ctx, e.pat, inventory.RequestInput{Title: "Monitor", Category: "hardware"})
	must(t, "OpenRequest", err)
	var errs = map[string]error{}
	_, errs["AddHardware"] = e.svc.AddHardware(ctx, e.pat, inventory.HardwareInput{Name: "Mine", AssetTag: "M-1", Type: "laptop"})
	_, errs["UpdateHardware"] = e.svc.UpdateHardware(ctx, e.pat, h.ID, inventory.HardwareInput{Name: "Mine", AssetTag: "LT-1", Type: "laptop"})
	_, errs["AssignHardware"] = e.svc.AssignHardware(ctx, e.sam, h.ID, e.sam.AccountID)
	_, errs["UnassignHardware"] = e.svc.UnassignHardware(ctx, e.pat, h.ID)
	_, errs["SetHardwareStatus"] = e.svc.SetHardwareStatus(ctx, e.pat, h.ID, latchkey.HardwareRetired)
	_, errs["AddSoftware"] = e.svc.AddSoftware(ctx, e.pat, inventory.SoftwareInput{Name: "Mine", Seats: 1})
	_, errs["UpdateSoftware"] = e.svc.UpdateSoftware(ctx, e.pat, sw.ID, inventory.SoftwareInput{Name: "Mine", Seats: 100})
	_, errs["AssignSeat"] = e.svc.AssignSeat(ctx, e.pat, sw.ID, e.pat.AccountID)
	_, errs["UnassignSeat"] = e.svc.UnassignSeat(ctx, e.pat, sw.ID, e.pat.AccountID)
	_, errs["SetRequestStatus"] = e.svc.SetRequestStatus(ctx, e.pat, r.ID, latchkey.RequestResolved)
	_, errs["AssignRequest"] = e.svc.AssignRequest(ctx, e.pat, r.ID, e.admin.AccountID)
	_, errs["ImportHardwareCSV"] = e.svc.ImportHardwareCSV(ctx, e.pat, strings.NewReader("asset_tag,name,type\nM-2,Mine,laptop\n"))
	_, errs["ImportSoftwareCSV"] = e.svc.ImportSoftwareCSV(ctx, e.pat, strings.NewReader("name,seats\nMine,3\n"))
	errs["ExportHardwareCSV"] = e.svc.ExportHardwareCSV(ctx, e.pat, &strings.Builder{})
	errs["ExportSoftwareCSV"] = e.svc.ExportSoftwareCSV(ctx, e.pat, &strings.Builder{})
	_, errs["AdminSummary"] = e.svc.AdminSummary(ctx, e.pat)
	for what, err := range errs {
		forbidden(t, what, err)
	}
	got, err := e.store.Hardware(ctx, e.ws.ID, h.ID)
	must(t, "Hardware", err)
	if got.AssignedTo != e.pat.AccountID || got.Name != h.Name || got.Status != latchkey.HardwareAssigned {
		t.Errorf("item after refused changes: %+v", got)
	}
	all, err := e.store.ListHardware(ctx, e.ws.ID, latchkey.HardwareFilter{})
	must(t, "ListHardware", err)
	if len(all) != 1 {
		t.Errorf("%d items after refused adds and imports, want 1", len(all))
	}
	gotSW, err := e.store.Software(ctx, e.ws.ID, sw.ID)
	must(t, "Software", err)
	if gotSW.Seats != 5 || len(gotSW.Assignees) != 0 {
		t.Errorf("software after refused changes: %+v", gotSW)
	}
	gotR, err := e.store.Request(ctx, e.ws.ID, r.ID)
	must(t, "Request", err)
	if gotR.Status != latchkey.RequestOpen || gotR.AssigneeID != "" {
		t.Errorf("request after refused changes: %+v", gotR)
	}
	if n := len(e.mails(t)); n != 0 {
		t.Errorf("%d mails queued after refused changes", n)
	}
}

// A member who guesses the ID of another member's item or request gets "not found", exactly
// as for an ID that does not exist, and changes nothing.
func TestMemberCannotReachOthersByID(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	h := e.laptop(t, "LT-1")
	must(t, "assign", func() error { _, err := e.svc.AssignHardware(ctx, e.admin, h.ID, e.pat.AccountID); return err }())
	stock := e.laptop(t, "LT-2")
	sw := e.software(t, "Figma", "FIGMA-KEY", 5)
	must(t, "seat", func() error { _, err := e.svc.AssignSeat(ctx, e.admin, sw.ID, e.pat.AccountID); return err }())
	r, err := e.svc.OpenRequest(ctx, e.pat, inventory.RequestInput{Title: "VPN access", Description: "For the trip", Category: "access"})
	must(t, "OpenRequest", err)
	adminReq, err := e.svc.OpenRequest(ctx, e.admin, inventory.RequestInput{Title: "Admin's own", Category: "other"})
	must(t, "OpenRequest(admin)", err)

	for _, id := range []string{h.ID, stock.ID, latchkey.NewID()} {
		notFound(t, "sam: Hardware("+id+")", func() error { _, err := e.svc.Hardware(ctx, e.sam, id); return err }())
	}
	notFound(t, "sam: Software(pat's)", func() error { _, err := e.svc.Software(ctx, e.sam, sw.ID); return err }())
	notFound(t, "sam: RevealLicenceKey(pat's)", func() error { _, err := e.svc.RevealLicenceKey(ctx, e.sam, sw.ID); return err }())
	for _, id := range []string{r.ID, adminReq.ID, latchkey.NewID()} {
		notFound(t, "sam: Request", func() error { _, err := e.svc.Request(ctx, e.sam, id); return err }())
		notFound(t, "sam: Comment", func() error { _, err := e.svc.Comment(ctx, e.sam, id, "me too"); return err }())
	}
	notFound(t, "pat: Request(admin's)", func() error { _, err := e.svc.Request(ctx, e.pat, adminReq.ID); return err }())

	// Filters naming someone else are overridden, not obeyed.
	hs, err := e.svc.ListHardware(ctx, e.sam, latchkey.HardwareFilter{AssignedTo: e.pat.AccountID})
	must(t, "ListHardware(sam, filter pat)", err)
	sws, err := e.svc.ListSoftware(ctx, e.sam, latchkey.SoftwareFilter{Assignee: e.pat.AccountID})
	must(t, "ListSoftware(sam, filter pat)", err)
	rs, err := e.svc.ListRequests(ctx, e.sam, latchkey.RequestFilter{RequesterID: e.pat.AccountID})
	must(t, "ListRequests(sam, filter pat)", err)
	if len(hs)+len(sws)+len(rs) != 0 {
		t.Errorf("sam sees %d items, %d software and %d requests of pat", len(hs), len(sws), len(rs))
	}
	rs, err = e.svc.ListRequests(ctx, e.pat, latchkey.RequestFilter{})
	must(t, "ListRequests(pat)", err)
	if len(rs) != 1 || rs[0].ID != r.ID {
		t.Errorf("pat's requests: %v, want only their own", rs)
	}

	// pat sees their software, but not who else holds it.
	must(t, "seat sam", func() error { _, err := e.svc.AssignSeat(ctx, e.admin, sw.ID, e.sam.AccountID); return err }())
	mine, err := e.svc.Software(ctx, e.pat, sw.ID)
	must(t, "Software(pat)", err)
	if diff := cmp.Diff([]string{e.pat.AccountID}, mine.Assignees); diff != "" || mine.SeatsUsed != 2 {
		t.Errorf("pat's view of the seats: used %d, assignees (-want +got):\n%s", mine.SeatsUsed, diff)
	}
	d, err := e.svc.Request(ctx, e.pat, r.ID)
	must(t, "Request(own)", err)
	if d.Title != "VPN access" || len(d.Comments) != 0 {
		t.Errorf("pat's request: %+v", d)
	}
	cs, err := e.store.Comments(ctx, e.ws.ID, r.ID)
	must(t, "Comments", err)
	if len(cs) != 0 {
		t.Errorf("sam's refused comment was stored: %v", cs)
	}
}

// Nothing of one workspace is visible or changeable from another, even by its administrator.
func TestNothingCrossesWorkspaces(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	h := e.laptop(t, "LT-1")
	sw := e.software(t, "Figma", "KEY", 5)
	r, err := e.svc.OpenRequest(ctx, e.pat, inventory.RequestInput{Title: "Laptop", Category: "hardware"})
	must(t, "OpenRequest", err)
	x := e.otherAdmin
	check := func(what string, err error) { t.Helper(); notFound(t, "globex admin: "+what, err) }
	check("Hardware", func() error { _, err := e.svc.Hardware(ctx, x, h.ID); return err }())
	check("UpdateHardware", func() error {
		_, err := e.svc.UpdateHardware(ctx, x, h.ID, inventory.HardwareInput{Name: "Stolen", AssetTag: "S", Type: "laptop"})
		return err
	}())
	check("AssignHardware", func() error { _, err := e.svc.AssignHardware(ctx, x, h.ID, e.outsider.AccountID); return err }())
	check("SetHardwareStatus", func() error { _, err := e.svc.SetHardwareStatus(ctx, x, h.ID, latchkey.HardwareRetired); return err }())
	check("Software", func() error { _, err := e.svc.Software(ctx, x, sw.ID); return err }())
	check("UpdateSoftware", func() error {
		_, err := e.svc.UpdateSoftware(ctx, x, sw.ID, inventory.SoftwareInput{Name: "Stolen", Seats: 9})
		return err
	}())
	check("AssignSeat", func() error { _, err := e.svc.AssignSeat(ctx, x, sw.ID, e.outsider.AccountID); return err }())
	check("RevealLicenceKey", func() error { _, err := e.svc.RevealLicenceKey(ctx, x, sw.ID); return err }())
	check("Request", func() error { _, err := e.svc.Request(ctx, x, r.ID); return err }())
	check("Comment", func() error { _, err := e.svc.Comment(ctx, x, r.ID, "hello"); return err }())
	check("SetRequestStatus", func() error { _, err := e.svc.SetRequestStatus(ctx, x, r.ID, latchkey.RequestClosed); return err }())
	check("AssignRequest", func() error { _, err := e.svc.AssignRequest(ctx, x, r.ID, ""); return err }())

	// acme's admin cannot hand acme's things to globex's people either.
	_, err = e.svc.AssignHardware(ctx, e.admin, h.ID, e.outsider.AccountID)
	wantError(t, "AssignHardware(globex member)", err, latchkey.CodeInvalid, latchkey.MsgAssigneeUnknown)
	_, err = e.svc.AssignSeat(ctx, e.admin, sw.ID, e.otherAdmin.AccountID)
	wantError(t, "AssignSeat(globex admin)", err, latchkey.CodeInvalid, latchkey.MsgAssigneeUnknown)
	_, err = e.svc.AssignRequest(ctx, e.admin, r.ID, e.otherAdmin.AccountID)
	wantError(t, "AssignRequest(globex admin)", err, latchkey.CodeInvalid, latchkey.MsgAssigneeUnknown)

	hs, err := e.svc.ListHardware(ctx, x, latchkey.HardwareFilter{})
	must(t, "ListHardware(globex)", err)
	sws, err := e.svc.ListSoftware(ctx, x, latchkey.SoftwareFilter{})
	must(t, "ListSoftware(globex)", err)
	rs, err := e.svc.ListRequests(ctx, x, latchkey.RequestFilter{})
	must(t, "ListRequests(globex)", err)
	sum, err := e.svc.AdminSummary(ctx, x)
	must(t, "AdminSummary(globex)", err)
	if len(hs)+len(sws)+len(rs) != 0 || sum.OpenRequests != 0 || sum.SeatsTotal != 0 || len(sum.Hardware) != 0 {
		t.Errorf("globex sees acme's: %d items, %d software, %d requests, summary %+v", len(hs), len(sws), len(rs), sum)
	}
	// A CSV naming acme's members does not assign to them from globex.
	rep, err := e.svc.ImportHardwareCSV(ctx, x, strings.NewReader("asset_tag,name,type,assigned_to\nG-1,Laptop,laptop,pat@acme.test\n"))
	wantError(t, "globex import naming an acme member", err, latchkey.CodeInvalid, latchkey.MsgCSVRowsRejected)
	if len(rep.Errors) != 1 || rep.Errors[0].Message != latchkey.MsgAssigneeUnknown {
		t.Errorf("report: %+v", rep.Errors)
	}
	if got, err := e.store.Hardware(ctx, e.ws.ID, h.ID); err != nil || got.Name != h.Name || got.Status != h.Status {
		t.Errorf("acme's item after globex's attempts: %+v, %v", got, err)
	}
}

func TestSoftwareSeatsAndLicenceKey(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sw := e.software(t, "Figma", "FIG-1234-5678", 2)
	if sw.LicenceKey != "" || !sw.HasKey {
		t.Fatalf("AddSoftware returned key %q, HasKey %v; want it hidden and present", sw.LicenceKey, sw.HasKey)
	}
	stored, err := e.store.Software(ctx, e.ws.ID, sw.ID)
	must(t, "store.Software", err)
	if strings.Contains(stored.LicenceKey, "FIG-1234") || stored.LicenceKey == "" {
		t.Fatalf("stored licence key %q is not sealed", stored.LicenceKey)
	}
	if _, err := e.keys.Open(stored.LicenceKey, latchkey.SoftwareKeyAAD(e.ws.ID, "another-id")); err == nil {
		t.Fatal("the sealed key opens for another software ID")
	}

	_, err = e.svc.RevealLicenceKey(ctx, e.pat, sw.ID)
	notFound(t, "pat reveals before holding a seat", err)
	_, err = e.svc.AssignSeat(ctx, e.admin, sw.ID, e.pat.AccountID)
	must(t, "AssignSeat(pat)", err)
	again, err := e.svc.AssignSeat(ctx, e.admin, sw.ID, e.pat.AccountID)
	must(t, "AssignSeat(pat again)", err)
	if again.SeatsUsed != 1 {
		t.Fatalf("seats used after assigning twice: %d", again.SeatsUsed)
	}
	key, err := e.svc.RevealLicenceKey(ctx, e.pat, sw.ID)
	must(t, "RevealLicenceKey(pat)", err)
	if key != "FIG-1234-5678" {
		t.Fatalf("revealed %q", key)
	}
	key, err = e.svc.RevealLicenceKey(ctx, e.admin, sw.ID)
	if err != nil || key != "FIG-1234-5678" {
		t.Fatalf("RevealLicenceKey(admin) = %q, %v", key, err)
	}
	_, err = e.svc.RevealLicenceKey(ctx, e.sam, sw.ID)
	notFound(t, "sam reveals", err)
	reveals := e.events(t, string(latchkey.EventLicenceReveal))
	if len(reveals) != 2 || reveals[0].ActorID != e.pat.AccountID || reveals[1].ActorID != e.admin.AccountID {
		t.Fatalf("reveal events: %+v, want pat's then the admin's", reveals)
	}

	_, err = e.svc.AssignSeat(ctx, e.admin, sw.ID, e.sam.AccountID)
	must(t, "AssignSeat(sam)", err)
	_, err = e.svc.AssignSeat(ctx, e.admin, sw.ID, e.admin.AccountID)
	wantError(t, "AssignSeat(full)", err, latchkey.CodeConflict, latchkey.MsgNoSeatsLeft)
	_, err = e.svc.UpdateSoftware(ctx, e.admin, sw.ID, inventory.SoftwareInput{Name: "Figma", Seats: 1})
	wantError(t, "UpdateSoftware(seats below used)", err, latchkey.CodeConflict, latchkey.MsgSeatsInUse)
	_, err = e.svc.UnassignSeat(ctx, e.admin, sw.ID, e.sam.AccountID)
	must(t, "UnassignSeat(sam)", err)
	_, err = e.svc.UnassignSeat(ctx, e.admin, sw.ID, e.sam.AccountID)
	notFound(t, "UnassignSeat(sam again)", err)

	// An update with no key keeps it; a new key replaces it; ClearKey removes it.
	up, err := e.svc.UpdateSoftware(ctx, e.admin, sw.ID, inventory.SoftwareInput{Name: "Figma Pro", Vendor: "Figma", Seats: 1})
	must(t, "UpdateSoftware(keep key)", err)
	if !up.HasKey || up.Name != "Figma Pro" {
		t.Fatalf("after update: %+v", up)
	}
	_, err = e.svc.UpdateSoftware(ctx, e.admin, sw.ID, inventory.SoftwareInput{Name: "Figma Pro", Seats: 1, LicenceKey: "NEW-KEY"})
	must(t, "UpdateSoftware(new key)", err)
	if key, _ := e.svc.RevealLicenceKey(ctx, e.pat, sw.ID); key != "NEW-KEY" {
		t.Fatalf("after a new key pat sees %q", key)
	}
	_, err = e.svc.UpdateSoftware(ctx, e.admin, sw.ID, inventory.SoftwareInput{Name: "Figma Pro", Seats: 1, ClearKey: true})
	must(t, "UpdateSoftware(clear key)", err)
	_, err = e.svc.RevealLicenceKey(ctx, e.admin, sw.ID)
	wantError(t, "RevealLicenceKey(none)", err, latchkey.CodeNotFound, latchkey.MsgNoLicenceKey)

	want := []latchkey.EventType{latchkey.EventSoftwareCreate, latchkey.EventSoftwareAssign, latchkey.EventLicenceReveal,
		latchkey.EventLicenceReveal, latchkey.EventSoftwareAssign, latchkey.EventSoftwareUnassign,
		latchkey.EventSoftwareUpdate, latchkey.EventSoftwareUpdate, latchkey.EventLicenceReveal, latchkey.EventSoftwareUpdate}
	if diff := cmp.Diff(want, types(e.events(t, "software."))); diff != "" {
		t.Fatalf("audit events (-want +got):\n%s", diff)
	}
}

// Concurrent assignments through the service never hand out more seats than there are.
func TestSeatLimitUnderConcurrency(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const seats, people = 4, 16
	sw := e.software(t, "Zoom", "", seats)
	var members []inventory.Actor
	for i := range people {
		members = append(members, inventory.ActorOf(newMember(t, e.store, e.ws.ID, fmt.Sprintf("p%d@acme.test", i), latchkey.RoleMember)))
	}
	errs := make(chan error, people)
	start := make(chan struct{})
	for _, m := range members {
		go func() {
			<-start
			_, err := e.svc.AssignSeat(ctx, e.admin, sw.ID, m.AccountID)
			errs <- err
		}()
	}
	close(start)
	var ok, full int
	for range people {
		switch err := <-errs; latchkey.ErrorMessage(err) {
		case "":
			ok++
		case latchkey.MsgNoSeatsLeft:
			full++
		default:
			t.Errorf("AssignSeat: %v", err)
		}
	}
	if ok != seats || full != people-seats {
		t.Fatalf("%d assigned and %d refused, want %d and %d", ok, full, seats, people-seats)
	}
	got, err := e.svc.Software(ctx, e.admin, sw.ID)
	must(t, "Software", err)
	if got.SeatsUsed != seats {
		t.Fatalf("seats used %d, want %d", got.SeatsUsed, seats)
	}
	if n := len(e.events(t, string(latchkey.EventSoftwareAssign))); n != seats {
		t.Fatalf("%d assign events, want %d", n, seats)
	}
}

func TestRequests(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	_, err := e.svc.OpenRequest(ctx, e.pat, inventory.RequestInput{Title: "  ", Category: "hardware"})
	wantError(t, "OpenRequest(no title)", err, latchkey.CodeInvalid, latchkey.MsgRequestTitleRequired)
	_, err = e.svc.OpenRequest(ctx, e.pat, inventory.RequestInput{Title: "A", Category: "pizza"})
	wantError(t, "OpenRequest(bad category)", err, latchkey.CodeInvalid, latchkey.MsgRequestCategoryInvalid)
	r, err := e.svc.OpenRequest(ctx, e.pat, inventory.RequestInput{Title: "New\nmonitor", Description: "27 inch", Category: "Hardware"})
	must(t, "OpenRequest", err)
	if r.Status != latchkey.RequestOpen || r.RequesterID != e.pat.AccountID || r.Category != latchkey.RequestHardware {
		t.Fatalf("new request: %+v", r)
	}
	_, err = e.svc.Comment(ctx, e.pat, r.ID, "   ")
	wantError(t, "Comment(empty)", err, latchkey.CodeInvalid, latchkey.MsgCommentRequired)
	c1, err := e.svc.Comment(ctx, e.pat, r.ID, "Any news?")
	must(t, "Comment(pat)", err)
	c2, err := e.svc.Comment(ctx, e.admin, r.ID, "Ordered.")
	must(t, "Comment(admin)", err)

	_, err = e.svc.AssignRequest(ctx, e.admin, r.ID, e.sam.AccountID)
	wantError(t, "AssignRequest(member)", err, latchkey.CodeInvalid, latchkey.MsgAssigneeNotAdmin)
	r, err = e.svc.AssignRequest(ctx, e.admin, r.ID, e.admin.AccountID)
	must(t, "AssignRequest", err)
	if r.AssigneeID != e.admin.AccountID {
		t.Fatalf("assignee %q", r.AssigneeID)
	}

	r, err = e.svc.SetRequestStatus(ctx, e.admin, r.ID, latchkey.RequestInProgress)
	must(t, "SetRequestStatus", err)
	_, err = e.svc.SetRequestStatus(ctx, e.admin, r.ID, latchkey.RequestInProgress)
	must(t, "SetRequestStatus(same)", err)
	_, err = e.svc.SetRequestStatus(ctx, e.admin, r.ID, "lost")
	wantError(t, "SetRequestStatus(unknown)", err, latchkey.CodeInvalid, latchkey.MsgRequestStatusInvalid)
	ms := e.mails(t)
	if len(ms) != 1 {
		t.Fatalf("%d mails queued, want 1 (no mail when nothing changed)", len(ms))
	}
	m := ms[0]
	if m.To != "pat@acme.test" || m.WorkspaceID != e.ws.ID || m.Subject != `Your request "New monitor" is now in progress` {
		t.Fatalf("status mail to %q in %q, subject %q", m.To, m.WorkspaceID, m.Subject)
	}
	if link := "https://acme.app.example.com/requests/" + r.ID; !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) {
		t.Fatalf("status mail lacks the request's link %s:\n%s", link, m.Text)
	}

	d, err := e.svc.Request(ctx, e.pat, r.ID)
	must(t, "Request(pat)", err)
	if diff := cmp.Diff([]latchkey.RequestComment{c1, c2}, d.Comments); diff != "" {
		t.Fatalf("comments (-want +got):\n%s", diff)
	}
	if d.Status != latchkey.RequestInProgress {
		t.Fatalf("pat sees status %q", d.Status)
	}
	want := []latchkey.EventType{latchkey.EventRequestOpen, latchkey.EventRequestComment, latchkey.EventRequestComment,
		latchkey.EventRequestAssign, latchkey.EventRequestStatus}
	es := e.events(t, "request.")
	if diff := cmp.Diff(want, types(es)); diff != "" {
		t.Fatalf("audit events (-want +got):\n%s", diff)
	}
	if last := es[len(es)-1]; last.AccountID != e.pat.AccountID || !strings.Contains(last.Detail, "open → in progress") {
		t.Fatalf("status event: %+v", last)
	}
}

func TestDashboards(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	empty, err := e.svc.MemberDashboard(ctx, e.pat)
	must(t, "MemberDashboard(empty)", err)
	if len(empty.Hardware)+len(empty.Software)+len(empty.Requests) != 0 {
		t.Fatalf("a new member's dashboard is not empty: %+v", empty)
	}
	h := e.laptop(t, "LT-1")
	e.laptop(t, "LT-2")
	repair := e.laptop(t, "LT-3")
	must(t, "assign", func() error { _, err := e.svc.AssignHardware(ctx, e.admin, h.ID, e.pat.AccountID); return err }())
	must(t, "repair", func() error {
		_, err := e.svc.SetHardwareStatus(ctx, e.admin, repair.ID, latchkey.HardwareInRepair)
		return err
	}())
	sw := e.software(t, "Figma", "K", 3)
	e.software(t, "Slack", "", 10)
	must(t, "seat", func() error { _, err := e.svc.AssignSeat(ctx, e.admin, sw.ID, e.pat.AccountID); return err }())
	r, err := e.svc.OpenRequest(ctx, e.pat, inventory.RequestInput{Title: "Mouse", Category: "hardware"})
	must(t, "OpenRequest(pat)", err)
	done, err := e.svc.OpenRequest(ctx, e.sam, inventory.RequestInput{Title: "Access", Category: "access"})
	must(t, "OpenRequest(sam)", err)
	must(t, "resolve", func() error {
		_, err := e.svc.SetRequestStatus(ctx, e.admin, done.ID, latchkey.RequestResolved)
		return err
	}())

	d, err := e.svc.MemberDashboard(ctx, e.pat)
	must(t, "MemberDashboard(pat)", err)
	if len(d.Hardware) != 1 || d.Hardware[0].ID != h.ID || len(d.Software) != 1 || d.Software[0].ID != sw.ID ||
		len(d.Requests) != 1 || d.Requests[0].ID != r.ID {
		t.Fatalf("pat's dashboard: %+v", d)
	}
	if d.Software[0].LicenceKey != "" {
		t.Fatal("the dashboard carries a licence key")
	}
	own, err := e.svc.MemberDashboard(ctx, e.admin)
	must(t, "MemberDashboard(admin)", err)
	if len(own.Hardware)+len(own.Software)+len(own.Requests) != 0 {
		t.Fatalf("the admin's own dashboard shows others' things: %+v", own)
	}

	sum, err := e.svc.AdminSummary(ctx, e.admin)
	must(t, "AdminSummary", err)
	want := inventory.AdminSummary{
		OpenRequests: 1,
		Requests:     map[latchkey.RequestStatus]int{latchkey.RequestOpen: 1, latchkey.RequestResolved: 1},
		Hardware:     map[latchkey.HardwareStatus]int{latchkey.HardwareAssigned: 1, latchkey.HardwareInStock: 1, latchkey.HardwareInRepair: 1},
		SeatsTotal:   13,
		SeatsUsed:    1,
	}
	if diff := cmp.Diff(want, sum); diff != "" {
		t.Fatalf("AdminSummary (-want +got):\n%s", diff)
	}
}

// An actor that names no account (a suspended account's, say) is refused everything.
func TestInactiveActorIsRefused(t *testing.T) {
	e := newEnv(t)
	suspended := e.patAccount
	suspended.Status = latchkey.StatusSuspended
	a := inventory.ActorOf(suspended)
	_, err := e.svc.ListHardware(t.Context(), a, latchkey.HardwareFilter{})
	if latchkey.ErrorCode(err) != latchkey.CodeUnauthorized {
		t.Fatalf("ListHardware(suspended) err=%v, want unauthorized", err)
	}
	_, err = e.svc.OpenRequest(t.Context(), a, inventory.RequestInput{Title: "x", Category: "other"})
	if latchkey.ErrorCode(err) != latchkey.CodeUnauthorized {
		t.Fatalf("OpenRequest(suspended) err=%v, want unauthorized", err)
	}
}
