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
	ws.Handle("GET /api/v1/hardware", s.api(invList(s, hardwareList, hardwareJSON)))
	ws.Handle("GET /api/v1/hardware/{id}", s.api(invQuery(s, hardwareGet, hardwareJSON)))
	ws.Handle("GET /api/v1/software", s.api(invList(s, softwareList, softwareJSON)))
	ws.Handle("GET /api/v1/software/{id}", s.api(invQuery(s, softwareGet, softwareJSON)))
	ws.Handle("GET /api/v1/requests", s.api(invList(s, requestList, requestJSON)))
	ws.Handle("POST /api/v1/requests", s.api(invCreate(s, requestLocation, requestOpen, requestJSON)))
	ws.Handle("GET /api/v1/requests/{id}", s.api(invQuery(s, requestGet, requestDetailJSON)))
	ws.Handle("POST /api/v1/requests/{id}/comments", s.api(invCreate(s, nil, requestComment, commentJSON)))
	ws.Handle("POST /api/v1/requests/{id}/status", s.api(invAct(s, requestStatus, requestJSON)))
	ws.Handle("POST /api/v1/requests/{id}/assignee", s.api(invAct(s, requestAssign, requestJSON)))
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

// invReq is one inventory API request: the HTTP request, the caller, and the inventory
// service with the caller as its Actor.
type invReq struct {
	r     *http.Request
	c     *apiCaller
	svc   *inventory.Service
	actor inventory.Actor
}

// id is the {id} of the request's path.
func (k invReq) id() string { return k.r.PathValue("id") }

// invHandler is the shape of every inventory endpoint: find the service (errNoInventory
// without one), call it, and answer status with conv of the result. A non-nil location
// gives the Location header of a 201.
func invHandler[T, V any](s *Server, status int, location func(T) string, call func(invReq) (T, error), conv func(T) V) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
		svc, actor, err := s.apiInventory(c)
		if err != nil {
			return err
		}
		v, err := call(invReq{r: r, c: c, svc: svc, actor: actor})
		if err != nil {
			return err
		}
		if location != nil {
			w.Header().Set("Location", location(v))
		}
		writeJSON(w, status, conv(v))
		return nil
	}
}

// invQuery is an inventory endpoint without a request body, answering 200.
func invQuery[T, V any](s *Server, call func(invReq) (T, error), conv func(T) V) apiHandler {
	return invHandler(s, http.StatusOK, nil, call, conv)
}

// invAct is an inventory endpoint whose JSON body (readJSON) is decoded into In before act
// runs, answering 200.
func invAct[In, T, V any](s *Server, act func(invReq, In) (T, error), conv func(T) V) apiHandler {
	return invHandler(s, http.StatusOK, nil, withBody(act), conv)
}

// invCreate is invAct answering 201, with a Location header when location is not nil.
func invCreate[In, T, V any](s *Server, location func(T) string, act func(invReq, In) (T, error), conv func(T) V) apiHandler {
	return invHandler(s, http.StatusCreated, location, withBody(act), conv)
}

// withBody decodes the request's JSON body into In, then calls act with it.
func withBody[In, T any](act func(invReq, In) (T, error)) func(invReq) (T, error) {
	return func(k invReq) (T, error) {
		var in In
		if err := readJSON(k.r, &in); err != nil {
			var zero T
			return zero, err
		}
		return act(k, in)
	}
}

// invList is an inventory list endpoint: it reads ?page= (apiPage), lists with the query's
// filters and answers 200 with one page (apiList) of conv of the items.
func invList[T, V any](s *Server, list func(k invReq, q url.Values, pg latchkey.Page) ([]T, error), conv func(T) V) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
		svc, actor, err := s.apiInventory(c)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		n, pg, err := apiPage(q)
		if err != nil {
			return err
		}
		ts, err := list(invReq{r: r, c: c, svc: svc, actor: actor}, q, pg)
		if err != nil {
			return err
		}
		items := make([]V, len(ts))
		for i, t := range ts {
			items[i] = conv(t)
		}
		writeJSON(w, http.StatusOK, newAPIList(items, n))
		return nil
	}
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

// hardwareList is GET /api/v1/hardware?q=&status=&type=&assigned_to=&page=: for an
// administrator the workspace's items, for a member those assigned to them.
func hardwareList(k invReq, q url.Values, pg latchkey.Page) ([]latchkey.Hardware, error) {
	f := latchkey.HardwareFilter{Query: query(q), AssignedTo: q.Get("assigned_to"), Page: pg}
	var err error
	if f.Status, err = optional(q.Get("status"), latchkey.ParseHardwareStatus); err != nil {
		return nil, err
	}
	if f.Type, err = optional(q.Get("type"), latchkey.ParseHardwareType); err != nil {
		return nil, err
	}
	return k.svc.ListHardware(k.r.Context(), k.actor, f)
}

// hardwareGet is GET /api/v1/hardware/{id}; a member's request for an item not assigned to
// them is not found.
func hardwareGet(k invReq) (latchkey.Hardware, error) {
	return k.svc.Hardware(k.r.Context(), k.actor, k.id())
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

// softwareList is GET /api/v1/software?q=&assignee=&page=.
func softwareList(k invReq, q url.Values, pg latchkey.Page) ([]inventory.SoftwareItem, error) {
	return k.svc.ListSoftware(k.r.Context(), k.actor, latchkey.SoftwareFilter{Query: query(q), Assignee: q.Get("assignee"), Page: pg})
}

// softwareGet is GET /api/v1/software/{id}.
func softwareGet(k invReq) (inventory.SoftwareItem, error) {
	return k.svc.Software(k.r.Context(), k.actor, k.id())
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

// requestList is GET /api/v1/requests?q=&status=&category=&assignee=&page=: for an
// administrator every request of the workspace, for a member their own. assignee is an
// account ID or "me".
func requestList(k invReq, q url.Values, pg latchkey.Page) ([]latchkey.Request, error) {
	f := latchkey.RequestFilter{Query: query(q), AssigneeID: q.Get("assignee"), Page: pg}
	if f.AssigneeID == "me" {
		f.AssigneeID = k.c.Account.ID
	}
	var err error
	if f.Status, err = optional(q.Get("status"), latchkey.ParseRequestStatus); err != nil {
		return nil, err
	}
	if f.Category, err = optional(q.Get("category"), latchkey.ParseRequestCategory); err != nil {
		return nil, err
	}
	return k.svc.ListRequests(k.r.Context(), k.actor, f)
}

// requestGet is GET /api/v1/requests/{id}, with the comments: to a member only their own.
func requestGet(k invReq) (inventory.RequestDetail, error) {
	return k.svc.Request(k.r.Context(), k.actor, k.id())
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

// requestOpen is POST /api/v1/requests {"title", "description", "category"}: opens a
// request of the caller. 201 with the request.
func requestOpen(k invReq, in struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
}) (latchkey.Request, error) {
	return k.svc.OpenRequest(k.r.Context(), k.actor, inventory.RequestInput{Title: in.Title, Description: in.Description, Category: in.Category})
}

func requestLocation(req latchkey.Request) string { return "/api/v1/requests/" + req.ID }

// requestComment is POST /api/v1/requests/{id}/comments {"body"}: the requester or an
// administrator comments. 201 with the comment.
func requestComment(k invReq, in struct {
	Body string `json:"body"`
}) (latchkey.RequestComment, error) {
	return k.svc.Comment(k.r.Context(), k.actor, k.id(), in.Body)
}

// requestStatus is POST /api/v1/requests/{id}/status {"status"}: administrators only; the
// requester is emailed when it changes.
func requestStatus(k invReq, in struct {
	Status string `json:"status"`
}) (latchkey.Request, error) {
	return k.svc.SetRequestStatus(k.r.Context(), k.actor, k.id(), latchkey.RequestStatus(in.Status))
}

// requestAssign is POST /api/v1/requests/{id}/assignee {"assignee_id"}: administrators
// only; "" leaves the request unassigned.
func requestAssign(k invReq, in struct {
	AssigneeID string `json:"assignee_id"`
}) (latchkey.Request, error) {
	return k.svc.AssignRequest(k.r.Context(), k.actor, k.id(), in.AssigneeID)
}
