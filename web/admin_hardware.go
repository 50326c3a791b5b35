package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

// hardwareListView is the administrators' hardware page: a filtered, paged list, the form to
// add an item, and CSV import and export.
type hardwareListView struct {
	page
	Filter   latchkey.HardwareFilter
	Items    []latchkey.Hardware
	Pager    pager
	People   people
	Add      inventory.HardwareInput
	Report   *inventory.ImportReport
	Types    []latchkey.HardwareType
	Statuses []latchkey.HardwareStatus
}

// Filtered reports whether the filter narrows the list.
func (v hardwareListView) Filtered() bool {
	return v.Filter.Query != "" || v.Filter.Status != "" || v.Filter.Type != ""
}

func (s *Server) hardwareList(r *http.Request, rq *request) (*hardwareListView, error) {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := latchkey.HardwareFilter{Query: query(q)}
	if st, err := latchkey.ParseHardwareStatus(q.Get("status")); err == nil {
		f.Status = st
	}
	if ty, err := latchkey.ParseHardwareType(q.Get("type")); err == nil {
		f.Type = ty
	}
	n := pageNumber(q)
	f.Page = listPage(n)
	items, err := svc.ListHardware(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	p, err := s.people(r.Context(), rq.Workspace.ID)
	if err != nil {
		return nil, err
	}
	v := &hardwareListView{page: s.signedInPage(rq, "Hardware"), Filter: f, Items: items, People: p,
		Pager: newPager("/admin/hardware", url.Values{"q": {f.Query}, "status": {string(f.Status)}, "type": {string(f.Type)}}, n, len(items)),
		Add:   inventory.HardwareInput{Type: string(latchkey.HardwareLaptop)}, Types: latchkey.HardwareTypes, Statuses: latchkey.HardwareStatuses}
	if len(items) > listPageSize {
		v.Items = items[:listPageSize]
	}
	return v, nil
}

// adminHardware lists the workspace's hardware.
func (s *Server) adminHardware(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.hardwareList(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "admin_hardware", v)
}

func hardwareInput(r *http.Request) inventory.HardwareInput {
	return inventory.HardwareInput{
		Name: r.PostFormValue("name"), AssetTag: r.PostFormValue("asset_tag"), Type: r.PostFormValue("type"),
		Serial: r.PostFormValue("serial"), Notes: r.PostFormValue("notes"),
	}
}

// adminHardwareAdd adds an item; a refusal re-renders the list with the form as typed.
func (s *Server) adminHardwareAdd(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	in := hardwareInput(r)
	h, err := svc.AddHardware(r.Context(), actor, in)
	if err != nil {
		v, verr := s.hardwareList(r, rq)
		if verr != nil {
			return verr
		}
		v.Add = in
		return s.formError(w, "admin_hardware", &v.page, v, err)
	}
	http.Redirect(w, r, "/admin/hardware/"+url.PathEscape(h.ID), http.StatusSeeOther)
	return nil
}

// adminHardwareExport downloads every item as CSV.
func (s *Server) adminHardwareExport(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.csvExport(w, r, rq, "hardware", (*inventory.Service).ExportHardwareCSV)
}

// adminHardwareImport imports a CSV file and shows what it did, or every bad row.
func (s *Server) adminHardwareImport(w http.ResponseWriter, r *http.Request, rq *request) error {
	return csvImport(s, w, r, rq, "admin_hardware", (*inventory.Service).ImportHardwareCSV, s.hardwareList)
}

func (v *hardwareListView) setReport(rep *inventory.ImportReport) { v.Report = rep }

// hardwareItemView is one item's page: its fields, who has it, and its status.
type hardwareItemView struct {
	page
	Item     latchkey.Hardware
	Edit     inventory.HardwareInput
	People   people
	Members  []latchkey.Account
	Types    []latchkey.HardwareType
	Statuses []latchkey.HardwareStatus
}

func (s *Server) hardwareItem(r *http.Request, rq *request) (*hardwareItemView, error) {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return nil, err
	}
	h, err := svc.Hardware(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	p, err := s.people(r.Context(), rq.Workspace.ID)
	if err != nil {
		return nil, err
	}
	return &hardwareItemView{page: s.signedInPage(rq, h.AssetTag+" · Hardware"), Item: h, People: p, Members: p.assignable(),
		Edit:  inventory.HardwareInput{Name: h.Name, AssetTag: h.AssetTag, Type: string(h.Type), Serial: h.Serial, Notes: h.Notes},
		Types: latchkey.HardwareTypes, Statuses: []latchkey.HardwareStatus{latchkey.HardwareInStock, latchkey.HardwareInRepair, latchkey.HardwareRetired}}, nil
}

// adminHardwareItem shows one item.
func (s *Server) adminHardwareItem(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.hardwareItem(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "admin_hardware_item", v)
}

// hardwareChange runs change on the item in the path; success goes back to the item's page, an
// expected refusal re-renders it with the message.
func (s *Server) hardwareChange(w http.ResponseWriter, r *http.Request, rq *request, change func(*inventory.Service, inventory.Actor, string) error, keep func(*hardwareItemView)) error {
	return itemChange(s, w, r, rq, "hardware", s.hardwareItem, func(err error) bool { return !errors.Is(err, latchkey.ErrNotFound) }, change, keep)
}

// adminHardwareEdit saves an item's fields.
func (s *Server) adminHardwareEdit(w http.ResponseWriter, r *http.Request, rq *request) error {
	in := hardwareInput(r)
	return s.hardwareChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		_, err := svc.UpdateHardware(r.Context(), a, id, in)
		return err
	}, func(v *hardwareItemView) { v.Edit = in })
}

// adminHardwareAssign assigns the item to the member chosen, or unassigns it if none is.
func (s *Server) adminHardwareAssign(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.hardwareChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		var err error
		if to := r.PostFormValue("account"); to != "" {
			_, err = svc.AssignHardware(r.Context(), a, id, to)
		} else {
			_, err = svc.UnassignHardware(r.Context(), a, id)
		}
		return err
	}, nil)
}

// adminHardwareStatus moves the item to in stock, in repair or retired.
func (s *Server) adminHardwareStatus(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.hardwareChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		_, err := svc.SetHardwareStatus(r.Context(), a, id, latchkey.HardwareStatus(r.PostFormValue("status")))
		return err
	}, nil)
}
