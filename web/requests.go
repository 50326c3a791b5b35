package web

import (
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

// requestListView lists requests: a member's own, or, for an administrator, every request of
// the workspace with filters.
type requestListView struct {
	page
	Admin      bool
	Filter     latchkey.RequestFilter
	Requests   []latchkey.Request
	Pager      pager
	People     people
	Statuses   []latchkey.RequestStatus
	Categories []latchkey.RequestCategory
}

// Filtered reports whether the filter narrows the list.
func (v requestListView) Filtered() bool {
	return v.Filter.Query != "" || v.Filter.Status != "" || v.Filter.Category != "" || v.Filter.AssigneeID != ""
}

// requestList shows the requests the signed-in person may see.
func (s *Server) requestList(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := latchkey.RequestFilter{Query: query(q)}
	if st, err := latchkey.ParseRequestStatus(q.Get("status")); err == nil {
		f.Status = st
	}
	if c, err := latchkey.ParseRequestCategory(q.Get("category")); err == nil {
		f.Category = c
	}
	if q.Get("assignee") == "me" {
		f.AssigneeID = rq.Account.ID
	}
	n := pageNumber(q)
	f.Page = listPage(n)
	rs, err := svc.ListRequests(r.Context(), actor, f)
	if err != nil {
		return err
	}
	title := "Your requests"
	var p people
	if actor.Admin() {
		title = "Requests"
		if p, err = s.people(r.Context(), rq.Workspace.ID); err != nil {
			return err
		}
	}
	v := requestListView{page: s.signedInPage(rq, title), Admin: actor.Admin(), Filter: f, Requests: rs, People: p,
		Pager:    newPager("/requests", url.Values{"q": {f.Query}, "status": {string(f.Status)}, "category": {string(f.Category)}, "assignee": {q.Get("assignee")}}, n, len(rs)),
		Statuses: latchkey.RequestStatuses, Categories: latchkey.RequestCategories}
	if len(rs) > listPageSize {
		v.Requests = rs[:listPageSize]
	}
	return s.render(w, http.StatusOK, "requests", v)
}

// requestFormView is the form that opens a request.
type requestFormView struct {
	page
	Form       inventory.RequestInput
	Categories []latchkey.RequestCategory
}

// requestNew shows the form; ?category= chooses the category, as the dashboard's empty states do.
func (s *Server) requestNew(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := requestFormView{page: s.signedInPage(rq, "Open a request"), Categories: latchkey.RequestCategories,
		Form: inventory.RequestInput{Category: string(latchkey.RequestOther)}}
	if c, err := latchkey.ParseRequestCategory(r.URL.Query().Get("category")); err == nil {
		v.Form.Category = string(c)
	}
	return s.render(w, http.StatusOK, "request_new", v)
}

// requestOpen opens a request and shows it.
func (s *Server) requestOpen(w http.ResponseWriter, r *http.Request, rq *request) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	in := inventory.RequestInput{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Category: r.PostFormValue("category")}
	req, err := svc.OpenRequest(r.Context(), actor, in)
	if err != nil {
		v := requestFormView{page: s.signedInPage(rq, "Open a request"), Form: in, Categories: latchkey.RequestCategories}
		return s.formError(w, "request_new", &v.page, &v, err)
	}
	http.Redirect(w, r, inventory.RequestPath(req.ID), http.StatusSeeOther)
	return nil
}

// requestView is one request with its comments, and for administrators the status and
// assignee forms.
type requestView struct {
	page
	Admin    bool
	Request  inventory.RequestDetail
	People   people
	Admins   []latchkey.Account
	Statuses []latchkey.RequestStatus
	Comment  string
}

func (s *Server) requestDetail(r *http.Request, rq *request) (*requestView, error) {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return nil, err
	}
	d, err := svc.Request(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	p, err := s.people(r.Context(), rq.Workspace.ID)
	if err != nil {
		return nil, err
	}
	v := &requestView{page: s.signedInPage(rq, d.Title), Admin: actor.Admin(), Request: d, People: p, Statuses: latchkey.RequestStatuses}
	if actor.Admin() {
		for _, a := range p.assignable() {
			if a.Role == latchkey.RoleAdmin {
				v.Admins = append(v.Admins, a)
			}
		}
	}
	return v, nil
}

// requestPage shows a request to its requester or an administrator; to anyone else it does
// not exist.
func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.requestDetail(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "request", v)
}

// requestChange runs change on the request in the path; success goes back to it, an expected
// refusal re-renders it with the message.
func (s *Server) requestChange(w http.ResponseWriter, r *http.Request, rq *request, change func(*inventory.Service, inventory.Actor, string) error, keep func(*requestView)) error {
	svc, actor, err := s.inventory(rq)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := change(svc, actor, id); err != nil {
		if latchkey.ErrorCode(err) == latchkey.CodeNotFound || latchkey.ErrorCode(err) == latchkey.CodeInternal {
			return err
		}
		v, verr := s.requestDetail(r, rq)
		if verr != nil {
			return verr
		}
		if keep != nil {
			keep(v)
		}
		return s.formError(w, "request", &v.page, v, err)
	}
	http.Redirect(w, r, inventory.RequestPath(id), http.StatusSeeOther)
	return nil
}

// requestComment adds a comment by the requester or an administrator.
func (s *Server) requestComment(w http.ResponseWriter, r *http.Request, rq *request) error {
	body := r.PostFormValue("body")
	return s.requestChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		_, err := svc.Comment(r.Context(), a, id, body)
		return err
	}, func(v *requestView) { v.Comment = body })
}

// requestStatus changes the status; the requester is emailed.
func (s *Server) requestStatus(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.requestChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		_, err := svc.SetRequestStatus(r.Context(), a, id, latchkey.RequestStatus(r.PostFormValue("status")))
		return err
	}, nil)
}

// requestAssign makes an administrator the request's assignee, or no one.
func (s *Server) requestAssign(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.requestChange(w, r, rq, func(svc *inventory.Service, a inventory.Actor, id string) error {
		_, err := svc.AssignRequest(r.Context(), a, id, r.PostFormValue("assignee"))
		return err
	}, nil)
}
