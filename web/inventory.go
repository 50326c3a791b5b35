package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/signin"
)

// inventoryRoutes adds the pages of the inventory and the requests (admin_hardware.go,
// admin_software.go, requests.go) to the workspace mux.
func (s *Server) inventoryRoutes(ws *http.ServeMux) {
	ws.Handle("GET /admin/hardware", s.workspace(admins, s.adminHardware))
	ws.Handle("POST /admin/hardware", s.workspace(admins, s.adminHardwareAdd))
	ws.Handle("GET /admin/hardware.csv", s.workspace(admins, s.adminHardwareExport))
	ws.Handle("POST /admin/hardware/import", s.workspace(admins, s.adminHardwareImport))
	ws.Handle("GET /admin/hardware/{id}", s.workspace(admins, s.adminHardwareItem))
	ws.Handle("POST /admin/hardware/{id}", s.workspace(admins, s.adminHardwareEdit))
	ws.Handle("POST /admin/hardware/{id}/assign", s.workspace(admins, s.adminHardwareAssign))
	ws.Handle("POST /admin/hardware/{id}/status", s.workspace(admins, s.adminHardwareStatus))
	ws.Handle("GET /admin/software", s.workspace(admins, s.adminSoftware))
	ws.Handle("POST /admin/software", s.workspace(admins, s.adminSoftwareAdd))
	ws.Handle("GET /admin/software.csv", s.workspace(admins, s.adminSoftwareExport))
	ws.Handle("POST /admin/software/import", s.workspace(admins, s.adminSoftwareImport))
	ws.Handle("GET /admin/software/{id}", s.workspace(admins, s.adminSoftwareItem))
	ws.Handle("POST /admin/software/{id}", s.workspace(admins, s.adminSoftwareEdit))
	ws.Handle("POST /admin/software/{id}/seats", s.workspace(admins, s.adminSeatAssign))
	ws.Handle("POST /admin/software/{id}/seats/{account}/remove", s.workspace(admins, s.adminSeatRemove))
	ws.Handle("POST /software/{id}/reveal", s.workspace(signedIn, s.revealKey))
	ws.Handle("GET /requests", s.workspace(signedIn, s.requestList))
	ws.Handle("GET /requests/new", s.workspace(signedIn, s.requestNew))
	ws.Handle("POST /requests", s.workspace(signedIn, s.requestOpen))
	ws.Handle("GET /requests/{id}", s.workspace(signedIn, s.requestPage))
	ws.Handle("POST /requests/{id}/comments", s.workspace(signedIn, s.requestComment))
	ws.Handle("POST /requests/{id}/status", s.workspace(admins, s.requestStatus))
	ws.Handle("POST /requests/{id}/assign", s.workspace(admins, s.requestAssign))
}

// newInventory builds the inventory service on the sign-in service's store, keyring and mailer.
func newInventory(svc *signin.Service) (*inventory.Service, error) {
	return inventory.New(inventory.Config{
		Hardware: svc.Store, Software: svc.Store, Requests: svc.Store, Accounts: svc.Store,
		Workspaces: svc.Store, Audit: svc.Store, Mail: mailQueue{svc.Mailer}, Keys: svc.Keys,
		WorkspaceURL: svc.WorkspaceURL, Now: svc.Now, Log: svc.Log,
	})
}

// mailQueue gives the inventory the server's Mailer as a queue: a *mail.Queue enqueues, any
// other Mailer (the tests' outbox) sends at once.
type mailQueue struct{ m mail.Mailer }

func (q mailQueue) Enqueue(ctx context.Context, ws string, m mail.Message) error {
	if mq, ok := q.m.(*mail.Queue); ok {
		return mq.Enqueue(ctx, ws, m)
	}
	return q.m.Send(ctx, m)
}

// errNoInventory is returned by the inventory pages of a server built without a keyring.
var errNoInventory = errors.New("web: the inventory needs the sign-in service's keyring")

// inventory returns the inventory service and the request's actor.
func (s *Server) inventory(rq *request) (*inventory.Service, inventory.Actor, error) {
	if s.inv == nil {
		return nil, inventory.Actor{}, errNoInventory
	}
	return s.inv, inventory.ActorOf(rq.Account), nil
}

// listPageSize is how many rows an inventory list shows per page.
const listPageSize = 50

// pageNumber reads ?p=, the 1-based page of a list.
func pageNumber(q url.Values) int {
	n, err := strconv.Atoi(q.Get("p"))
	if err != nil || n < 1 || n > 10000 {
		return 1
	}
	return n
}

// listPage is the Page that fetches page n, with one row more to tell whether there is a next.
func listPage(n int) latchkey.Page {
	return latchkey.Page{Limit: listPageSize + 1, Offset: (n - 1) * listPageSize}
}

// pager is the paging of a list: links keep the filter's query.
type pager struct {
	Number   int
	HasNext  bool
	query    url.Values
	basePath string
}

func newPager(path string, q url.Values, n, got int) pager {
	return pager{Number: n, HasNext: got > listPageSize, query: q, basePath: path}
}

// Prev and Next are the addresses of the neighbouring pages.
func (p pager) Prev() string { return p.link(p.Number - 1) }

// Next is the address of the next page.
func (p pager) Next() string { return p.link(p.Number + 1) }

func (p pager) link(n int) string {
	q := url.Values{}
	for k, v := range p.query {
		q[k] = v
	}
	q.Set("p", strconv.Itoa(n))
	return p.basePath + "?" + q.Encode()
}

// query trims a search box's value to 100 bytes.
func query(q url.Values) string {
	v := strings.TrimSpace(q.Get("q"))
	if len(v) > 100 {
		v = v[:100]
	}
	return v
}

// people maps the workspace's account IDs to accounts, for showing who holds what.
type people map[string]latchkey.Account

// Who names the account with this ID: its email, or a note that it is gone.
func (p people) Who(id string) string {
	if id == "" {
		return ""
	}
	if a, ok := p[id]; ok {
		return a.Email
	}
	return "a removed member"
}

func (s *Server) people(ctx context.Context, ws string) (people, error) {
	as, err := s.store.Accounts(ctx, ws, latchkey.AccountFilter{})
	if err != nil {
		return nil, err
	}
	p := make(people, len(as))
	for _, a := range as {
		p[a.ID] = a
	}
	return p, nil
}

// assignable lists the accounts items may be assigned to: the active ones.
func (p people) assignable() []latchkey.Account {
	var as []latchkey.Account
	for _, a := range p {
		if a.Status == latchkey.StatusActive {
			as = append(as, a)
		}
	}
	sortAccounts(as)
	return as
}

func sortAccounts(as []latchkey.Account) {
	slices.SortFunc(as, func(a, b latchkey.Account) int { return strings.Compare(a.Email, b.Email) })
}

// csvUpload returns the uploaded file of the form field "file". The body limit of every request
// (maxBody) bounds it.
func csvUpload(r *http.Request) (io.Reader, error) {
	f, _, err := r.FormFile("file")
	if err != nil {
		return nil, latchkey.NewError(latchkey.CodeInvalid, "file", latchkey.MsgCSVInvalid)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(b), nil
}

// sendCSV writes an export as a download. It renders into a buffer first, so that a failure
// is an error page rather than half a file.
func sendCSV(w http.ResponseWriter, name string, write func(w io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err := b.WriteTo(w)
	return err
}

// csvExport downloads what export writes as <workspace>-<kind>.csv.
func (s *Server) csvExport(w http.ResponseWriter, r *http.Request, rq *request, kind string, export func(*inventory.Service, context.Context, inventory.Actor, io.Writer) error) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	return sendCSV(w, rq.Workspace.Slug+"-"+kind+".csv", func(out io.Writer) error { return export(svc, r.Context(), actor, out) })
}

// importView is a list page that shows what a CSV import did.
type importView interface {
	base() *page
	setReport(*inventory.ImportReport)
}

// base is the page a view embeds.
func (p *page) base() *page { return p }

// csvImport imports the uploaded CSV file with imp and re-renders the list page (template
// tmpl, view from list) with what it did, or every bad row.
func csvImport[V importView](s *Server, w http.ResponseWriter, r *http.Request, rq *request, tmpl string,
	imp func(*inventory.Service, context.Context, inventory.Actor, io.Reader) (inventory.ImportReport, error),
	list func(*http.Request, *request) (V, error)) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	file, err := csvUpload(r)
	var rep inventory.ImportReport
	if err == nil {
		rep, err = imp(svc, r.Context(), actor, file)
	}
	v, verr := list(r, rq)
	if verr != nil {
		return verr
	}
	v.setReport(&rep)
	if err != nil {
		return s.formError(w, tmpl, v.base(), v, err)
	}
	v.base().Notice = importNotice(rep)
	return s.render(w, http.StatusOK, tmpl, v)
}

func importNotice(rep inventory.ImportReport) string {
	return fmt.Sprintf(latchkey.MsgImported, rep.Created, rep.Updated)
}

// itemChange runs change on the item of kind ("hardware", "software") in the path. Success
// goes back to the item's page, /admin/<kind>/{id}; an error that shown reports false for is
// returned, any other re-renders the page (template admin_<kind>_item, view from load, then
// keep if not nil) with the message.
func itemChange[V interface{ base() *page }](s *Server, w http.ResponseWriter, r *http.Request, rq *request, kind string,
	load func(*http.Request, *request) (V, error), shown func(error) bool,
	change func(*inventory.Service, inventory.Actor, string) error, keep func(V)) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := change(svc, actor, id); err != nil {
		if !shown(err) {
			return err
		}
		v, verr := load(r, rq)
		if verr != nil {
			return verr
		}
		if keep != nil {
			keep(v)
		}
		return s.formError(w, "admin_"+kind+"_item", v.base(), v, err)
	}
	http.Redirect(w, r, "/admin/"+kind+"/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// inventoryEventLabel names the inventory's audit events, and any other type by itself.
func inventoryEventLabel(t latchkey.EventType) string {
	switch t {
	case latchkey.EventHardwareCreate:
		return "Hardware added"
	case latchkey.EventHardwareUpdate:
		return "Hardware edited"
	case latchkey.EventHardwareAssign:
		return "Hardware assigned"
	case latchkey.EventHardwareUnassign:
		return "Hardware taken back"
	case latchkey.EventHardwareStatus:
		return "Hardware status changed"
	case latchkey.EventHardwareImport:
		return "Hardware imported"
	case latchkey.EventSoftwareCreate:
		return "Software added"
	case latchkey.EventSoftwareUpdate:
		return "Software edited"
	case latchkey.EventSoftwareAssign:
		return "Seat assigned"
	case latchkey.EventSoftwareUnassign:
		return "Seat freed"
	case latchkey.EventSoftwareImport:
		return "Software imported"
	case latchkey.EventLicenceReveal:
		return "Licence key shown"
	case latchkey.EventRequestOpen:
		return "Request opened"
	case latchkey.EventRequestComment:
		return "Request comment"
	case latchkey.EventRequestStatus:
		return "Request status changed"
	case latchkey.EventRequestAssign:
		return "Request assigned"
	}
	return apiEventLabel(t)
}
