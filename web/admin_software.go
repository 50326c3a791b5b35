package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

// softwareForm is the software form as typed.
type softwareForm struct {
	Name, Vendor, Seats string
}

// softwareListView is the administrators' software page.
type softwareListView struct {
	page
	Query  string
	Items  []inventory.SoftwareItem
	Pager  pager
	Add    softwareForm
	Report *inventory.ImportReport
}

func (s *Server) softwareList(r *http.Request, rq *request) (*softwareListView, error) {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	n := pageNumber(q)
	f := latchkey.SoftwareFilter{Query: query(q), Page: listPage(n)}
	items, err := svc.ListSoftware(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	v := &softwareListView{page: s.signedInPage(rq, "Software"), Query: f.Query, Items: items,
		Pager: newPager("/admin/software", url.Values{"q": {f.Query}}, n, len(items)), Add: softwareForm{Seats: "1"}}
	if len(items) > listPageSize {
		v.Items = items[:listPageSize]
	}
	return v, nil
}

// adminSoftware lists the workspace's software.
func (s *Server) adminSoftware(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.softwareList(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "admin_software", v)
}

// softwareInput reads the software form. Seats that are not a number are refused here, with
// the message the service gives for seats out of range.
func softwareInput(r *http.Request) (softwareForm, inventory.SoftwareInput, error) {
	f := softwareForm{Name: r.PostFormValue("name"), Vendor: r.PostFormValue("vendor"), Seats: strings.TrimSpace(r.PostFormValue("seats"))}
	in := inventory.SoftwareInput{Name: f.Name, Vendor: f.Vendor, LicenceKey: r.PostFormValue("licence_key"), ClearKey: r.PostFormValue("clear_key") == "yes"}
	seats, err := strconv.Atoi(f.Seats)
	if err != nil {
		return f, in, latchkey.NewError(latchkey.CodeInvalid, "seats", latchkey.MsgSeatsInvalid)
	}
	in.Seats = seats
	return f, in, nil
}

// adminSoftwareAdd adds software; a refusal re-renders the list with the form as typed (but
// never the licence key, which is not echoed into a page).
func (s *Server) adminSoftwareAdd(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	form, in, err := softwareInput(r)
	var sw inventory.SoftwareItem
	if err == nil {
		sw, err = svc.AddSoftware(r.Context(), actor, in)
	}
	if err != nil {
		v, verr := s.softwareList(r, rq)
		if verr != nil {
			return verr
		}
		v.Add = form
		return s.formError(w, "admin_software", &v.page, v, err)
	}
	http.Redirect(w, r, "/admin/software/"+url.PathEscape(sw.ID), http.StatusSeeOther)
	return nil
}

// adminSoftwareExport downloads all software as CSV, without licence keys.
func (s *Server) adminSoftwareExport(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.csvExport(w, r, rq, "software", (*inventory.Service).ExportSoftwareCSV)
}

// adminSoftwareImport imports a CSV file and shows what it did, or every bad row.
func (s *Server) adminSoftwareImport(w http.ResponseWriter, r *http.Request, rq *request) error {
	return csvImport(s, w, r, rq, "admin_software", (*inventory.Service).ImportSoftwareCSV, s.softwareList)
}

func (v *softwareListView) setReport(rep *inventory.ImportReport) { v.Report = rep }

// softwareItemView is one software's page: its fields, its seats and who holds them.
type softwareItemView struct {
	page
	Item    inventory.SoftwareItem
	Edit    softwareForm
	People  people
	Members []latchkey.Account // those without a seat, for the assign form
}

func (s *Server) softwareItem(r *http.Request, rq *request) (*softwareItemView, error) {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return nil, err
	}
	sw, err := svc.Software(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	p, err := s.people(r.Context(), rq.Workspace.ID)
	if err != nil {
		return nil, err
	}
	v := &softwareItemView{page: s.signedInPage(rq, sw.Name+" · Software"), Item: sw, People: p,
		Edit: softwareForm{Name: sw.Name, Vendor: sw.Vendor, Seats: strconv.Itoa(sw.Seats)}}
	for _, a := range p.assignable() {
		held := false
		for _, id := range sw.Assignees {
			held = held || id == a.ID
		}
		if !held {
			v.Members = append(v.Members, a)
		}
	}
	return v, nil
}

// adminSoftwareItem shows one software.
func (s *Server) adminSoftwareItem(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.softwareItem(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "admin_software_item", v)
}

// softwareChange runs change on the software in the path; success goes back to its page, an
// expected refusal (no seat left, fewer seats than holders) re-renders it with the message.
// Only a not-found without a field is an error page.
func (s *Server) softwareChange(w http.ResponseWriter, r *http.Request, rq *request, change func(*inventory.Service, inventory.Actor, string) error, keep func(*softwareItemView)) error {
	return itemChange(s, w, r, rq, "software", s.softwareItem, func(err error) bool {
		var le *latchkey.Error
		return !errors.As(err, &le) || le.Code != latchkey.CodeNotFound || le.Field != ""
	}, change, keep)
}

// adminSoftwareEdit saves the software's fields; an empty licence key keeps the stored one.
func (s *Server) adminSoftwareEdit(w http.ResponseWriter, r *http.Request, rq *request) error {
	form, in, ferr := softwareInput(r)
	return s.softwareChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		if ferr != nil {
			return ferr
		}
		_, err := svc.UpdateSoftware(r.Context(), a, id, in)
		return err
	}, func(v *softwareItemView) { v.Edit = form })
}

// adminSeatAssign gives the member chosen a seat.
func (s *Server) adminSeatAssign(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.softwareChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		_, err := svc.AssignSeat(r.Context(), a, id, r.PostFormValue("account"))
		return err
	}, nil)
}

// adminSeatRemove frees the seat of the member in the path.
func (s *Server) adminSeatRemove(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.softwareChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		_, err := svc.UnassignSeat(r.Context(), a, id, r.PathValue("account"))
		return err
	}, nil)
}

// licenceKeyView shows a revealed licence key.
type licenceKeyView struct {
	page
	Software inventory.SoftwareItem
	Key      string
	Back     string
}

// revealKey shows the licence key to an administrator or a seat holder, on a POST so that the
// audited reveal is never a prefetch or a link in a history. The page is not cached
// (Cache-Control: no-store, set for every workspace page).
func (s *Server) revealKey(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	key, err := svc.RevealLicenceKey(r.Context(), actor, id)
	if err != nil {
		return err
	}
	sw, err := svc.Software(r.Context(), actor, id)
	if err != nil {
		return err
	}
	v := licenceKeyView{page: s.signedInPage(rq, "Licence key · "+sw.Name), Software: sw, Key: key, Back: "/dashboard"}
	if actor.Admin() {
		v.Back = "/admin/software/" + url.PathEscape(id)
	}
	v.Notice = latchkey.MsgLicenceKeyShown
	return s.render(w, http.StatusOK, "licence_key", v)
}
