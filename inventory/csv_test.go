package inventory_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

func TestImportHardwareCSV(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	old := e.laptop(t, "LT-0001")
	file := "\uFEFFAsset_Tag,Name,Type,Serial,Status,Assigned_To,Notes\n" +
		"lt-0001,ThinkPad X1 (updated),laptop,SN1,,PAT@acme.test,\n" +
		"\n" +
		"MN-0001,Dell 27,monitor,,in stock,,\"Desk 4, by the window\"\n" +
		"PH-0001,Pixel,phone,,in_repair,,'=cracked screen\n"
	rep, err := e.svc.ImportHardwareCSV(ctx, e.admin, strings.NewReader(file))
	must(t, "ImportHardwareCSV", err)
	if rep.Created != 2 || rep.Updated != 1 || len(rep.Errors) != 0 {
		t.Fatalf("report: %+v", rep)
	}
	hs, err := e.svc.ListHardware(ctx, e.admin, latchkey.HardwareFilter{})
	must(t, "ListHardware", err)
	type row struct {
		Tag, Name string
		Status    latchkey.HardwareStatus
		To, Notes string
	}
	var got []row
	for _, h := range hs {
		got = append(got, row{h.AssetTag, h.Name, h.Status, h.AssignedTo, h.Notes})
	}
	want := []row{
		{"lt-0001", "ThinkPad X1 (updated)", latchkey.HardwareAssigned, e.pat.AccountID, ""},
		{"MN-0001", "Dell 27", latchkey.HardwareInStock, "", "Desk 4, by the window"},
		{"PH-0001", "Pixel", latchkey.HardwareInRepair, "", "=cracked screen"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("imported hardware (-want +got):\n%s", diff)
	}
	if hs[0].ID != old.ID {
		t.Fatal("the import replaced the existing item instead of updating it")
	}
	if ev := e.events(t, string(latchkey.EventHardwareImport)); len(ev) != 1 || ev[0].Detail != "2 created, 1 updated" {
		t.Fatalf("import events: %+v", ev)
	}

	// Export, then import the export: the same items, all updated, none created.
	var out strings.Builder
	must(t, "ExportHardwareCSV", e.svc.ExportHardwareCSV(ctx, e.admin, &out))
	wantCSV := "asset_tag,name,type,serial,status,assigned_to,notes\n" +
		"lt-0001,ThinkPad X1 (updated),laptop,SN1,assigned,pat@acme.test,\n" +
		"MN-0001,Dell 27,monitor,,in_stock,,\"Desk 4, by the window\"\n" +
		"PH-0001,Pixel,phone,,in_repair,,'=cracked screen\n"
	if diff := cmp.Diff(wantCSV, out.String()); diff != "" {
		t.Fatalf("export (-want +got):\n%s", diff)
	}
	rep, err = e.svc.ImportHardwareCSV(ctx, e.admin, strings.NewReader(out.String()))
	must(t, "import the export", err)
	if rep.Created != 0 || rep.Updated != 3 {
		t.Fatalf("re-import: %+v", rep)
	}
	again, err := e.svc.ListHardware(ctx, e.admin, latchkey.HardwareFilter{})
	must(t, "ListHardware", err)
	if diff := cmp.Diff(hs, again); diff != "" {
		t.Fatalf("hardware changed by importing its export (-before +after):\n%s", diff)
	}
}

func TestImportHardwareCSVBadFileImportsNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		want []inventory.RowError
	}{
		{"bad rows", "asset_tag,name,type,status,assigned_to\n" +
			"A-1,Good,laptop,,\n" +
			"A-2,,laptop,,\n" +
			"A-3,Toaster,toaster,,\n" +
			"a-1,Again,laptop,,\n" +
			"A-4,Lost,laptop,,nobody@acme.test\n" +
			"A-5,Elsewhere,laptop,,pat@globex.test\n" +
			"A-6,Odd,laptop,assigned,\n" +
			"A-7,Odd,laptop,broken,\n" +
			"A-8,Short\n" +
			"LT-OLD,Fine,laptop,,\n",
			[]inventory.RowError{
				{3, "name", latchkey.MsgNameRequired},
				{4, "type", latchkey.MsgHardwareTypeInvalid},
				{5, "asset_tag", latchkey.MsgCSVDuplicateRow},
				{6, "assigned_to", latchkey.MsgAssigneeUnknown},
				{7, "assigned_to", latchkey.MsgAssigneeUnknown},
				{8, "assigned_to", latchkey.MsgAssigneeRequired},
				{9, "status", latchkey.MsgHardwareStatusInvalid},
				{10, "", latchkey.MsgCSVRowWidth},
			}},
		{"unknown and missing columns", "asset_tag,name,colour\nA-1,Laptop,red\n",
			[]inventory.RowError{{1, "colour", latchkey.MsgCSVColumnUnknown}, {1, "type", latchkey.MsgCSVColumnMissing}}},
		{"not CSV", "asset_tag,name,type\n\"A-1,Laptop,laptop\n",
			[]inventory.RowError{{2, "", latchkey.MsgCSVInvalid}}},
		{"empty", "", []inventory.RowError{{1, "", latchkey.MsgCSVInvalid}}},
		{"header only", "asset_tag,name,type\n", []inventory.RowError{{2, "", latchkey.MsgCSVEmpty}}},
		{"too long", "asset_tag,name,type\n" + strings.Repeat("X,Y,laptop\n", inventory.MaxImportRows+1),
			[]inventory.RowError{{inventory.MaxImportRows + 2, "", latchkey.MsgCSVTooLarge}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := t.Context()
			old := e.laptop(t, "LT-OLD")
			rep, err := e.svc.ImportHardwareCSV(ctx, e.admin, strings.NewReader(tc.file))
			wantError(t, "ImportHardwareCSV", err, latchkey.CodeInvalid, latchkey.MsgCSVRowsRejected)
			if diff := cmp.Diff(tc.want, rep.Errors); diff != "" {
				t.Fatalf("report (-want +got):\n%s", diff)
			}
			hs, err := e.store.ListHardware(ctx, e.ws.ID, latchkey.HardwareFilter{})
			must(t, "ListHardware", err)
			if diff := cmp.Diff([]latchkey.Hardware{old}, hs); diff != "" {
				t.Fatalf("a rejected file changed the hardware (-want +got):\n%s", diff)
			}
			if ev := e.events(t, string(latchkey.EventHardwareImport)); len(ev) != 0 {
				t.Fatalf("a rejected import was audited as done: %+v", ev)
			}
		})
	}
}

func TestImportSoftwareCSV(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	old := e.software(t, "Slack", "SLACK-KEY", 10)
	_, err := e.svc.AssignSeat(ctx, e.admin, old.ID, e.sam.AccountID)
	must(t, "AssignSeat", err)
	file := "id,name,vendor,seats,licence_key,assignees\n" +
		old.ID + ",Slack Business,Salesforce,5,,pat@acme.test; admin@acme.test\n" +
		",Figma,Figma Inc,2,FIG-NEW,sam@acme.test\n"
	rep, err := e.svc.ImportSoftwareCSV(ctx, e.admin, strings.NewReader(file))
	must(t, "ImportSoftwareCSV", err)
	if rep.Created != 1 || rep.Updated != 1 {
		t.Fatalf("report: %+v", rep)
	}
	slack, err := e.svc.Software(ctx, e.admin, old.ID)
	must(t, "Software(Slack)", err)
	if slack.Name != "Slack Business" || slack.Seats != 5 || slack.SeatsUsed != 2 || !slack.HasKey {
		t.Fatalf("updated software: %+v", slack)
	}
	if key, _ := e.svc.RevealLicenceKey(ctx, e.admin, old.ID); key != "SLACK-KEY" {
		t.Fatalf("an empty licence_key changed the key to %q", key)
	}
	if _, err := e.svc.Software(ctx, e.sam, old.ID); err == nil {
		t.Fatal("sam still holds a seat the import took away")
	}
	list, err := e.svc.ListSoftware(ctx, e.sam, latchkey.SoftwareFilter{})
	must(t, "ListSoftware(sam)", err)
	if len(list) != 1 || list[0].Name != "Figma" {
		t.Fatalf("sam's software: %+v", list)
	}
	if key, _ := e.svc.RevealLicenceKey(ctx, e.sam, list[0].ID); key != "FIG-NEW" {
		t.Fatalf("imported key reads %q", key)
	}

	var out strings.Builder
	must(t, "ExportSoftwareCSV", e.svc.ExportSoftwareCSV(ctx, e.admin, &out))
	if strings.Contains(out.String(), "FIG-NEW") || strings.Contains(out.String(), "SLACK-KEY") {
		t.Fatalf("the export holds a licence key:\n%s", out.String())
	}
	rep, err = e.svc.ImportSoftwareCSV(ctx, e.admin, strings.NewReader(out.String()))
	must(t, "import the export", err)
	if rep.Created != 0 || rep.Updated != 2 {
		t.Fatalf("re-import: %+v", rep)
	}
	if key, _ := e.svc.RevealLicenceKey(ctx, e.sam, list[0].ID); key != "FIG-NEW" {
		t.Fatalf("importing the export lost the key: %q", key)
	}
}

func TestImportSoftwareCSVBadFileImportsNothing(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	old := e.software(t, "Slack", "", 10)
	file := "name,seats,assignees,id\n" +
		"Zoom,3,,\n" +
		"Figma,two,,\n" +
		"Miro,1,pat@acme.test sam@acme.test,\n" +
		"Lost,5,ghost@acme.test,\n" +
		"Stolen,5,," + latchkey.NewID() + "\n" +
		"Slack,3,," + old.ID + "\n" +
		"Slack again,3,," + old.ID + "\n" +
		",3,,\n"
	rep, err := e.svc.ImportSoftwareCSV(ctx, e.admin, strings.NewReader(file))
	wantError(t, "ImportSoftwareCSV", err, latchkey.CodeInvalid, latchkey.MsgCSVRowsRejected)
	want := []inventory.RowError{
		{3, "seats", latchkey.MsgCSVSeatsNumber},
		{4, "assignees", latchkey.MsgSeatsInUse},
		{5, "assignees", latchkey.MsgAssigneeUnknown},
		{6, "id", latchkey.MsgCSVUnknownID},
		{8, "id", latchkey.MsgCSVDuplicateRow},
		{9, "name", latchkey.MsgNameRequired},
	}
	if diff := cmp.Diff(want, rep.Errors); diff != "" {
		t.Fatalf("report (-want +got):\n%s", diff)
	}
	list, err := e.svc.ListSoftware(ctx, e.admin, latchkey.SoftwareFilter{})
	must(t, "ListSoftware", err)
	if len(list) != 1 || list[0].Name != "Slack" || list[0].Seats != 10 {
		t.Fatalf("a rejected file changed the software: %+v", list)
	}
}
