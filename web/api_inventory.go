package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

// apiRoutes adds the JSON API (api.go, api_inventory.go) to the workspace mux. Every endpoint
// goes through the inventory service with the caller's account, so what the API shows and
// allows is what the pages show and allow.
func (s *Server) apiRoutes(ws *http.ServeMux) {
	ws.Handle("GET /api/v1/me", s.api(s.apiMeGet))
	ws.Handle("GET /api/v1/hardware", s.api(s.apiHardwareList))
	ws.Handle("GET /api/v1/hardware/{id}", s.api(s.apiHardwareGet))
	ws.Handle("GET /api/v1/software", s.api(s.apiSoftwareList))
	ws.Handle("GET /api/v1/software/{id}", s.api(s.apiSoftwareGet))
	ws.Handle("GET /api/v1/requests", s.api(s.apiRequestList))
	ws.Handle("POST /api/v1/requests", s.api(s.apiRequestOpen))
	ws.Handle("GET /api/v1/requests/{id}", s.api(s.apiRequestGet))
	ws.Handle("POST /api/v1/requests/{id}/comments", s.api(s.apiRequestComment))
	ws.Handle("POST /api/v1/requests/{id}/status", s.api(s.apiRequestStatus))
	ws.Handle("POST /api/v1/requests/{id}/assignee", s.api(s.apiRequestAssign))
	s.apiAdminRoutes(ws)
	ws.HandleFunc("/api/", s.apiNotFound)
}

// apiInventory is the inventory service and the caller as its Actor.
func (s *Server) apiInventory(c *apiCaller) (*inventory.Service, inventory.Actor, error) {
	if s.inv == nil {
		return nil, inventory.Actor{}, errNoInventory
	}
	return s.inv, inventory.ActorOf(c.Account), nil
}

// apiList is the body of every list: one page of items, and the next page's number if there
// is one. Pages hold listPageSize items and count from 1 (?page=).
type apiList[T any] struct {
	Items    []T `json:"items"`
	Page     int `json:"page"`
	NextPage int `json:"next_page,omitempty"`
}

func newAPIList[T any](items []T, n int) apiList[T] {
	l := apiList[T]{Items: items, Page: n}
	if len(items) > listPageSize {
		l.Items, l.NextPage = items[:listPageSize], n+1
	}
	if l.Items == nil {
		l.Items = []T{}
	}
	return l
}

// apiPage reads ?page=, refusing anything but a whole number from 1 to 10000.
func apiPage(q url.Values) (int, latchkey.Page, error) {
	n := 1
	if v := q.Get("page"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 10000 {
			return 0, latchkey.Page{}, latchkey.NewError(latchkey.CodeInvalid, "page", latchkey.MsgAPIPageInvalid)
		}
	}
	return n, listPage(n), nil
}

// optional parses a filter value that may be absent.
func optional[T ~string](v string, parse func(string) (T, error)) (T, error) {
	if v == "" {
		return "", nil
	}
	return parse(v)
}

// apiHardware is a piece of hardware in the API.
type apiHardware struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	AssetTag   string    `json:"asset_tag"`
	Type       string    `json:"type"`
	Serial     string    `json:"serial"`
	Status     string    `json:"status"`
	AssignedTo string    `json:"assigned_to,omitempty"` // account ID
	Notes      string    `json:"notes"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func hardwareJSON(h latchkey.Hardware) apiHardware {
	return apiHardware{ID: h.ID, Name: h.Name, AssetTag: h.AssetTag, Type: string(h.Type), Serial: h.Serial,
		Status: string(h.Status), AssignedTo: h.AssignedTo, Notes: h.Notes, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt}
}

// apiHardwareList is GET /api/v1/hardware?q=&status=&type=&assigned_to=&page=: for an
// administrator the workspace's items, for a member those assigned to them.
func (s *Server) apiHardwareList(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	n, pg, err := apiPage(q)
	if err != nil {
		return err
	}
	f := latchkey.HardwareFilter{Query: query(q), AssignedTo: q.Get("assigned_to"), Page: pg}
	if f.Status, err = optional(q.Get("status"), latchkey.ParseHardwareStatus); err != nil {
		return err
	}
	if f.Type, err = optional(q.Get("type"), latchkey.ParseHardwareType); err != nil {
		return err
	}
	hs, err := svc.ListHardware(r.Context(), actor, f)
	if err != nil {
		return err
	}
	items := make([]apiHardware, len(hs))
	for i, h := range hs {
		items[i] = hardwareJSON(h)
	}
	writeJSON(w, http.StatusOK, newAPIList(items, n))
	return nil
}

// apiHardwareGet is GET /api/v1/hardware/{id}; a member's request for an item not assigned to
// them is not found.
func (s *Server) apiHardwareGet(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	h, err := svc.Hardware(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hardwareJSON(h))
	return nil
}

// apiSoftware is software in the API. The licence key is never in it: has_licence_key says
// whether one is stored (the pages reveal it, audited). A member sees only themselves among
// the assignees.
type apiSoftware struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Vendor        string    `json:"vendor"`
	Seats         int       `json:"seats"`
	SeatsUsed     int       `json:"seats_used"`
	Assignees     []string  `json:"assignees"` // account IDs
	HasLicenceKey bool      `json:"has_licence_key"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func softwareJSON(sw inventory.SoftwareItem) apiSoftware {
	as := sw.Assignees
	if as == nil {
		as = []string{}
	}
	return apiSoftware{ID: sw.ID, Name: sw.Name, Vendor: sw.Vendor, Seats: sw.Seats, SeatsUsed: sw.SeatsUsed,
		Assignees: as, HasLicenceKey: sw.HasKey, CreatedAt: sw.CreatedAt, UpdatedAt: sw.UpdatedAt}
}

// apiSoftwareList is GET /api/v1/software?q=&assignee=&page=.
func (s *Server) apiSoftwareList(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	n, pg, err := apiPage(q)
	if err != nil {
		return err
	}
	sws, err := svc.ListSoftware(r.Context(), actor, latchkey.SoftwareFilter{Query: query(q), Assignee: q.Get("assignee"), Page: pg})
	if err != nil {
		return err
	}
	items := make([]apiSoftware, len(sws))
	for i, sw := range sws {
		items[i] = softwareJSON(sw)
	}
	writeJSON(w, http.StatusOK, newAPIList(items, n))
	return nil
}

// apiSoftwareGet is GET /api/v1/software/{id}.
func (s *Server) apiSoftwareGet(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	sw, err := svc.Software(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, softwareJSON(sw))
	return nil
}

// apiRequest is a request in the API; Comments only in GET /api/v1/requests/{id}.
type apiRequest struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Category    string        `json:"category"`
	Status      string        `json:"status"`
	RequesterID string        `json:"requester_id"`
	AssigneeID  string        `json:"assignee_id,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	Comments    *[]apiComment `json:"comments,omitempty"`
}

type apiComment struct {
	ID        string    `json:"id"`
	AuthorID  string    `json:"author_id"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

func requestJSON(r latchkey.Request) apiRequest {
	return apiRequest{ID: r.ID, Title: r.Title, Description: r.Description, Category: string(r.Category),
		Status: string(r.Status), RequesterID: r.RequesterID, AssigneeID: r.AssigneeID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func commentJSON(c latchkey.RequestComment) apiComment {
	return apiComment{ID: c.ID, AuthorID: c.AuthorID, Body: c.Body, CreatedAt: c.CreatedAt}
}

// apiRequestList is GET /api/v1/requests?q=&status=&category=&assignee=&page=: for an
// administrator every request of the workspace, for a member their own. assignee is an
// account ID or "me".
func (s *Server) apiRequestList(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	n, pg, err := apiPage(q)
	if err != nil {
		return err
	}
	f := latchkey.RequestFilter{Query: query(q), AssigneeID: q.Get("assignee"), Page: pg}
	if f.AssigneeID == "me" {
		f.AssigneeID = c.Account.ID
	}
	if f.Status, err = optional(q.Get("status"), latchkey.ParseRequestStatus); err != nil {
		return err
	}
	if f.Category, err = optional(q.Get("category"), latchkey.ParseRequestCategory); err != nil {
		return err
	}
	rs, err := svc.ListRequests(r.Context(), actor, f)
	if err != nil {
		return err
	}
	items := make([]apiRequest, len(rs))
	for i, rq := range rs {
		items[i] = requestJSON(rq)
	}
	writeJSON(w, http.StatusOK, newAPIList(items, n))
	return nil
}

// apiRequestGet is GET /api/v1/requests/{id}, with the comments: to a member only their own.
func (s *Server) apiRequestGet(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	d, err := svc.Request(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, requestDetailJSON(d))
	return nil
}

func requestDetailJSON(d inventory.RequestDetail) apiRequest {
	v := requestJSON(d.Request)
	cs := make([]apiComment, len(d.Comments))
	for i, c := range d.Comments {
		cs[i] = commentJSON(c)
	}
	v.Comments = &cs
	return v
}

// apiRequestOpen is POST /api/v1/requests {"title", "description", "category"}: opens a
// request of the caller. 201 with the request.
func (s *Server) apiRequestOpen(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	var in struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		Category    string `json:"category"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	req, err := svc.OpenRequest(r.Context(), actor, inventory.RequestInput{Title: in.Title, Description: in.Description, Category: in.Category})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/requests/"+req.ID)
	writeJSON(w, http.StatusCreated, requestJSON(req))
	return nil
}

// apiRequestComment is POST /api/v1/requests/{id}/comments {"body"}: the requester or an
// administrator comments. 201 with the comment.
func (s *Server) apiRequestComment(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	cm, err := svc.Comment(r.Context(), actor, r.PathValue("id"), in.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, commentJSON(cm))
	return nil
}

// apiRequestStatus is POST /api/v1/requests/{id}/status {"status"}: administrators only; the
// requester is emailed when it changes.
func (s *Server) apiRequestStatus(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	var in struct {
		Status string `json:"status"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	req, err := svc.SetRequestStatus(r.Context(), actor, r.PathValue("id"), latchkey.RequestStatus(in.Status))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, requestJSON(req))
	return nil
}

// apiRequestAssign is POST /api/v1/requests/{id}/assignee {"assignee_id"}: administrators
// only; "" leaves the request unassigned.
func (s *Server) apiRequestAssign(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	var in struct {
		AssigneeID string `json:"assignee_id"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	req, err := svc.AssignRequest(r.Context(), actor, r.PathValue("id"), in.AssigneeID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, requestJSON(req))
	return nil
}
