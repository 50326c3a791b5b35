package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/internal/webtest"
)

// lastPart returns the last segment of the page's path: the ID a redirect landed on.
func lastPart(r *webtest.Response) string { return path.Base(r.URL.Path) }

// upload posts a CSV file as the import forms do, with the page's form token.
func (b *browser) upload(t *testing.T, page, action, content string) *webtest.Response {
	t.Helper()
	tok := b.CSRF(t, page)
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf", tok)
	fw, err := w.CreateFormFile("file", "items.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(content))
	w.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, action, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.Do(t, req)
}

// An administrator adds a laptop and assigns it; the member sees it on their dashboard, and
// another member sees it nowhere, not even at its address.
func TestAdminAssignsHardwareMemberSeesIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	carol := e.member(t, f.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)

	list := e.url("acme", "/admin/hardware")
	r := admin.Submit(t, list, list, url.Values{"name": {""}, "asset_tag": {"LT-1"}, "type": {"laptop"}})
	if r.Status != http.StatusBadRequest || r.Alert() != latchkey.MsgNameRequired || webtest.Attr(r.Input("asset_tag"), "value") != "LT-1" {
		t.Fatalf("add without a name: %d, alert %q, tag kept %q", r.Status, r.Alert(), webtest.Attr(r.Input("asset_tag"), "value"))
	}
	r = admin.Submit(t, list, list, url.Values{"name": {"ThinkPad X1"}, "asset_tag": {"LT-1"}, "type": {"laptop"}, "serial": {"PF-123"}})
	wantPage(t, r, http.StatusOK, "/admin/hardware/"+lastPart(r))
	id := lastPart(r)
	item := e.url("acme", "/admin/hardware/"+id)
	r = admin.Submit(t, item, item+"/assign", url.Values{"account": {f.member.ID}})
	wantPage(t, r, http.StatusOK, "/admin/hardware/"+id)
	if !strings.Contains(r.Text(), "assigned to "+f.member.Email) {
		t.Fatalf("item page after assigning: %s", r.Text())
	}
	r = admin.Submit(t, list, list, url.Values{"name": {"Other"}, "asset_tag": {"lt-1"}, "type": {"phone"}})
	if r.Status != http.StatusConflict || r.Alert() != latchkey.MsgAssetTagTaken {
		t.Fatalf("add with a taken tag: %d, %q", r.Status, r.Alert())
	}

	bob := e.newBrowser(t)
	bob.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	r = bob.Get(t, e.url("acme", "/dashboard"))
	if rows := r.Texts("tr", ""); !containsRow(rows, "ThinkPad X1", "laptop", "LT-1", "PF-123") {
		t.Fatalf("bob's dashboard does not show his laptop: %q", rows)
	}
	for _, u := range []string{list, item, e.url("acme", "/admin/hardware.csv")} {
		if r := bob.Get(t, u); r.Status != http.StatusNotFound {
			t.Errorf("bob GET %s: %d, want 404", u, r.Status)
		}
	}
	r = bob.Post(t, item+"/status", url.Values{"csrf": {bob.CSRF(t, e.url("acme", "/dashboard"))}, "status": {"retired"}})
	if r.Status != http.StatusNotFound {
		t.Errorf("bob retires the laptop: %d, want 404", r.Status)
	}

	c := e.newBrowser(t)
	c.mustLogin(t, e, "acme", carol.Email, goodPassword)
	if r := c.Get(t, e.url("acme", "/dashboard")); strings.Contains(r.Text(), "ThinkPad") {
		t.Error("carol's dashboard shows bob's laptop")
	}
	h, err := e.store.Hardware(t.Context(), f.ws.ID, id)
	if err != nil || h.Status != latchkey.HardwareAssigned || h.AssignedTo != f.member.ID {
		t.Fatalf("stored item: %+v, %v", h, err)
	}
	if n := len(e.events(t, f.ws, latchkey.EventHardwareAssign)); n != 1 {
		t.Fatalf("%d assign events, want 1", n)
	}
}

// A request: the member opens it, another member cannot reach it, the administrator changes
// its status and the member is emailed.
func TestRequestFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	carol := e.member(t, f.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)
	bob := e.newBrowser(t)
	bob.mustLogin(t, e, "acme", f.member.Email, goodPassword)

	form := e.url("acme", "/requests/new?category=hardware")
	r := bob.Get(t, form)
	if sel := r.Find(func(n *html.Node) bool { return n.Data == "option" && webtest.HasAttr(n, "selected") }); len(sel) != 1 || webtest.Attr(sel[0], "value") != "hardware" {
		t.Fatalf("the form does not preselect the category of ?category=hardware")
	}
	r = bob.Submit(t, form, e.url("acme", "/requests"), url.Values{"title": {""}, "category": {"hardware"}, "description": {"kept"}})
	if r.Status != http.StatusBadRequest || r.Alert() != latchkey.MsgRequestTitleRequired || !strings.Contains(r.Body, "kept") {
		t.Fatalf("open without a title: %d %q", r.Status, r.Alert())
	}
	r = bob.Submit(t, form, e.url("acme", "/requests"), url.Values{"title": {"A second monitor"}, "category": {"hardware"}, "description": {"27 inch please"}})
	id := lastPart(r)
	wantPage(t, r, http.StatusOK, "/requests/"+id)
	page := e.url("acme", "/requests/"+id)
	r = bob.Submit(t, page, page+"/comments", url.Values{"body": {"For the design review"}})
	wantPage(t, r, http.StatusOK, "/requests/"+id)
	if !strings.Contains(r.Text(), "For the design review") {
		t.Fatal("the comment is not shown")
	}

	c := e.newBrowser(t)
	c.mustLogin(t, e, "acme", carol.Email, goodPassword)
	if r := c.Get(t, page); r.Status != http.StatusNotFound {
		t.Errorf("carol GET bob's request: %d, want 404", r.Status)
	}
	tok := c.CSRF(t, e.url("acme", "/dashboard"))
	if r := c.Post(t, page+"/comments", url.Values{"csrf": {tok}, "body": {"me too"}}); r.Status != http.StatusNotFound {
		t.Errorf("carol comments on bob's request: %d, want 404", r.Status)
	}
	if r := c.Post(t, page+"/status", url.Values{"csrf": {tok}, "status": {"closed"}}); r.Status != http.StatusNotFound {
		t.Errorf("carol closes bob's request: %d, want 404", r.Status)
	}
	if r := c.Get(t, e.url("acme", "/requests")); strings.Contains(r.Text(), "A second monitor") {
		t.Error("carol's request list shows bob's request")
	}

	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	r = admin.Get(t, e.url("acme", "/requests?status=open"))
	if !containsRow(r.Texts("tr", ""), "A second monitor", f.member.Email) {
		t.Fatalf("the admin's list lacks the request: %q", r.Texts("tr", ""))
	}
	before := len(e.mail(t))
	r = admin.Submit(t, page, page+"/status", url.Values{"status": {"in_progress"}})
	wantPage(t, r, http.StatusOK, "/requests/"+id)
	r = admin.Submit(t, page, page+"/assign", url.Values{"assignee": {f.admin.ID}})
	wantPage(t, r, http.StatusOK, "/requests/"+id)
	r = admin.Submit(t, page, page+"/assign", url.Values{"assignee": {f.member.ID}})
	if r.Status != http.StatusBadRequest || r.Alert() != latchkey.MsgAssigneeNotAdmin {
		t.Fatalf("assign to a member: %d %q", r.Status, r.Alert())
	}
	ms := e.mail(t)[before:]
	if len(ms) != 1 || ms[0].To != f.member.Email || ms[0].Subject != `Your request "A second monitor" is now in progress` {
		t.Fatalf("mail after the status change: %+v", ms)
	}
	r = bob.Get(t, page)
	if !strings.Contains(r.Text(), "Status: in progress") || !strings.Contains(r.Text(), "Handled by "+f.admin.Email) {
		t.Fatalf("bob's view after the change: %s", r.Text())
	}
	if r := bob.Get(t, e.url("acme", "/dashboard")); !containsRow(r.Texts("tr", ""), "A second monitor", "in progress") {
		t.Fatalf("bob's dashboard: %q", r.Texts("tr", ""))
	}
}

// Licence keys: masked everywhere, revealed by POST to an administrator or a seat holder,
// each reveal audited; anyone else gets 404.
func TestLicenceKeyReveal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	carol := e.member(t, f.ws, "carol@acme.example", latchkey.RoleMember, goodPassword)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	list := e.url("acme", "/admin/software")
	r := admin.Submit(t, list, list, url.Values{"name": {"Figma"}, "vendor": {"Figma"}, "seats": {"1"}, "licence_key": {"FIG-SECRET-42"}})
	id := lastPart(r)
	wantPage(t, r, http.StatusOK, "/admin/software/"+id)
	if strings.Contains(r.Body, "FIG-SECRET-42") {
		t.Fatal("the software page shows the licence key unasked")
	}
	item := e.url("acme", "/admin/software/"+id)
	r = admin.Submit(t, item, item+"/seats", url.Values{"account": {f.member.ID}})
	wantPage(t, r, http.StatusOK, "/admin/software/"+id)
	r = admin.Submit(t, item, item+"/seats", url.Values{"account": {carol.ID}})
	if r.Status != http.StatusConflict || r.Alert() != latchkey.MsgNoSeatsLeft {
		t.Fatalf("a second seat of one: %d %q", r.Status, r.Alert())
	}
	reveal := e.url("acme", "/software/"+id+"/reveal")
	r = admin.Submit(t, item, reveal, nil)
	if r.Status != http.StatusOK || !strings.Contains(r.Text(), "FIG-SECRET-42") {
		t.Fatalf("admin reveal: %d", r.Status)
	}

	bob := e.newBrowser(t)
	bob.mustLogin(t, e, "acme", f.member.Email, goodPassword)
	dash := e.url("acme", "/dashboard")
	r = bob.Get(t, dash)
	if strings.Contains(r.Body, "FIG-SECRET-42") || !containsRow(r.Texts("tr", ""), "Figma", "Show licence key") {
		t.Fatalf("bob's dashboard: %q", r.Texts("tr", ""))
	}
	if r := bob.Submit(t, dash, reveal, nil); r.Status != http.StatusOK || !strings.Contains(r.Text(), "FIG-SECRET-42") {
		t.Fatalf("bob reveal: %d", r.Status)
	}
	if r := bob.Get(t, reveal); r.Status != http.StatusMethodNotAllowed && r.Status != http.StatusNotFound {
		t.Errorf("GET reveal: %d, want it refused", r.Status)
	}
	c := e.newBrowser(t)
	c.mustLogin(t, e, "acme", carol.Email, goodPassword)
	if r := c.Submit(t, dash, reveal, nil); r.Status != http.StatusNotFound || strings.Contains(r.Body, "FIG-SECRET-42") {
		t.Errorf("carol reveal: %d, want 404", r.Status)
	}
	evs := e.events(t, f.ws, latchkey.EventLicenceReveal)
	if len(evs) != 2 || evs[0].ActorID != f.member.ID || evs[1].ActorID != f.admin.ID {
		t.Fatalf("reveal events: %+v", evs)
	}
}

// CSV import through the page: a bad file lists its bad rows and imports nothing; a good one
// imports; the export downloads.
func TestHardwareCSVPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	list := e.url("acme", "/admin/hardware")
	bad := "asset_tag,name,type,assigned_to\nLT-1,Laptop,laptop,\nLT-2,,laptop,\nLT-3,Phone,phone,nobody@acme.example\n"
	r := admin.upload(t, list, list+"/import", bad)
	if r.Status != http.StatusBadRequest || r.Alert() != latchkey.MsgCSVRowsRejected {
		t.Fatalf("bad file: %d %q", r.Status, r.Alert())
	}
	rows := r.Texts("tr", "")
	if !containsRow(rows, "3", "name", latchkey.MsgNameRequired) || !containsRow(rows, "4", "assigned_to", latchkey.MsgAssigneeUnknown) {
		t.Fatalf("report rows: %q", rows)
	}
	if hs, _ := e.store.ListHardware(t.Context(), f.ws.ID, latchkey.HardwareFilter{}); len(hs) != 0 {
		t.Fatalf("a bad file imported %d items", len(hs))
	}
	good := "asset_tag,name,type,assigned_to\nLT-1,Laptop,laptop,\nLT-3,Phone,phone," + f.member.Email + "\n"
	r = admin.upload(t, list, list+"/import", good)
	if r.Status != http.StatusOK || r.Notice() != "Imported: 2 added, 0 updated." {
		t.Fatalf("good file: %d %q %q", r.Status, r.Notice(), r.Alert())
	}
	r = admin.Get(t, list+".csv")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Body, "LT-3,Phone,phone,,assigned,"+f.member.Email+",") {
		t.Fatalf("export: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	r = admin.Get(t, list+"?status=assigned")
	if got := r.Texts("tr", ""); len(got) != 2 || !containsRow(got, "LT-3", "Phone", f.member.Email) {
		t.Fatalf("filtered list: %q", got)
	}
	r = admin.Get(t, e.url("acme", "/dashboard"))
	if !strings.Contains(r.Text(), "1 assigned") || !strings.Contains(r.Text(), "1 in stock") {
		t.Fatalf("admin dashboard counts: %s", r.Text())
	}
}

// An administrator of another workspace, on their own host, cannot reach acme's items by ID.
func TestInventoryStaysInItsWorkspace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seedAcme(t)
	other, otherAdmin, _ := e.createWorkspace(t, "globex", "Globex")
	e.activate(t, otherAdmin, goodPassword)
	admin := e.newBrowser(t)
	admin.mustLogin(t, e, "acme", f.admin.Email, goodPassword)
	list := e.url("acme", "/admin/hardware")
	r := admin.Submit(t, list, list, url.Values{"name": {"Laptop"}, "asset_tag": {"LT-1"}, "type": {"laptop"}})
	id := lastPart(r)

	g := e.newBrowser(t)
	g.mustLogin(t, e, "globex", otherAdmin.Email, goodPassword)
	if r := g.Get(t, e.url("globex", "/admin/hardware/"+id)); r.Status != http.StatusNotFound {
		t.Errorf("globex admin GET acme's item: %d", r.Status)
	}
	tok := g.CSRF(t, e.url("globex", "/dashboard"))
	if r := g.Post(t, e.url("globex", "/admin/hardware/"+id+"/status"), url.Values{"csrf": {tok}, "status": {"retired"}}); r.Status != http.StatusNotFound {
		t.Errorf("globex admin retires acme's item: %d", r.Status)
	}
	if r := g.Get(t, e.url("globex", "/admin/hardware")); strings.Contains(r.Text(), "LT-1") {
		t.Error("globex's list shows acme's item")
	}
	if h, _ := e.store.Hardware(t.Context(), f.ws.ID, id); h.Status != latchkey.HardwareInStock {
		t.Errorf("acme's item is now %s", h.Status)
	}
	_ = other
}
