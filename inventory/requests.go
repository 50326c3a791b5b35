package inventory

import (
	"context"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/mail"
)

// RequestInput is what a member types to open a request.
type RequestInput struct {
	Title       string
	Description string
	Category    string // a latchkey.RequestCategory
}

// RequestDetail is a request with its comments, oldest first.
type RequestDetail struct {
	latchkey.Request
	Comments []latchkey.RequestComment
}

// OpenRequest stores a new open request of the actor. Any member may. Returns an *Error with
// CodeInvalid for a field that is not acceptable.
func (s *Service) OpenRequest(ctx context.Context, a Actor, in RequestInput) (latchkey.Request, error) {
	if err := a.check(); err != nil {
		return latchkey.Request{}, err
	}
	cat, err := latchkey.ParseRequestCategory(in.Category)
	if err != nil {
		return latchkey.Request{}, err
	}
	now := s.now()
	r := latchkey.Request{ID: latchkey.NewID(), WorkspaceID: a.WorkspaceID, Title: strings.TrimSpace(in.Title),
		Description: strings.TrimSpace(in.Description), Category: cat, Status: latchkey.RequestOpen,
		RequesterID: a.AccountID, CreatedAt: now, UpdatedAt: now}
	if err := latchkey.ValidateRequest(r); err != nil {
		return latchkey.Request{}, err
	}
	if err := s.d.Requests.CreateRequest(ctx, r); err != nil {
		return latchkey.Request{}, wrap("open request", err)
	}
	s.audit(ctx, a, latchkey.EventRequestOpen, latchkey.Account{ID: a.AccountID, Email: a.Email}, requestDetail(r))
	return r, nil
}

func requestDetail(r latchkey.Request) string { return r.Title + " (" + r.ID + ")" }

// request returns the request if the actor may see it: an administrator any of the workspace,
// a member only their own. Returns ErrNotFound otherwise.
func (s *Service) request(ctx context.Context, a Actor, id string) (latchkey.Request, error) {
	if err := a.check(); err != nil {
		return latchkey.Request{}, err
	}
	r, err := s.d.Requests.Request(ctx, a.WorkspaceID, id)
	if err != nil {
		return latchkey.Request{}, wrap("read request", err)
	}
	if !a.Admin() && r.RequesterID != a.AccountID {
		return latchkey.Request{}, wrap("read request", latchkey.ErrNotFound)
	}
	return r, nil
}

// Request returns a request with its comments: to an administrator any of the workspace, to a
// member only their own. Returns ErrNotFound otherwise.
func (s *Service) Request(ctx context.Context, a Actor, id string) (RequestDetail, error) {
	r, err := s.request(ctx, a, id)
	if err != nil {
		return RequestDetail{}, err
	}
	cs, err := s.d.Requests.Comments(ctx, a.WorkspaceID, id)
	if err != nil {
		return RequestDetail{}, wrap("read comments", err)
	}
	return RequestDetail{Request: r, Comments: cs}, nil
}

// ListRequests lists the requests matching f, newest first: for an administrator those of the
// workspace, for a member only their own, whatever f.RequesterID says.
func (s *Service) ListRequests(ctx context.Context, a Actor, f latchkey.RequestFilter) ([]latchkey.Request, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if !a.Admin() {
		f.RequesterID = a.AccountID
	}
	rs, err := s.d.Requests.ListRequests(ctx, a.WorkspaceID, f)
	return rs, wrap("list requests", err)
}

// Comment adds a comment to a request: its requester or an administrator may. Returns
// ErrNotFound to anyone else, CodeInvalid for an empty or long body.
func (s *Service) Comment(ctx context.Context, a Actor, id, body string) (latchkey.RequestComment, error) {
	r, err := s.request(ctx, a, id)
	if err != nil {
		return latchkey.RequestComment{}, err
	}
	body = strings.TrimSpace(body)
	if err := latchkey.ValidateComment(body); err != nil {
		return latchkey.RequestComment{}, err
	}
	c := latchkey.RequestComment{ID: latchkey.NewID(), WorkspaceID: a.WorkspaceID, RequestID: r.ID, AuthorID: a.AccountID,
		Body: body, CreatedAt: s.now()}
	if err := s.d.Requests.AddComment(ctx, c); err != nil {
		return latchkey.RequestComment{}, wrap("add comment", err)
	}
	s.audit(ctx, a, latchkey.EventRequestComment, s.account(ctx, a.WorkspaceID, r.RequesterID), requestDetail(r))
	return c, nil
}

// SetRequestStatus moves a request to status and emails its requester, through the mail
// queue, if that changed it. Only administrators may. Returns ErrNotFound for a request of
// another workspace, CodeInvalid for an unknown status. Setting the status a request has
// changes nothing and sends nothing.
func (s *Service) SetRequestStatus(ctx context.Context, a Actor, id string, status latchkey.RequestStatus) (latchkey.Request, error) {
	if err := a.checkAdmin(); err != nil {
		return latchkey.Request{}, err
	}
	if _, err := latchkey.ParseRequestStatus(string(status)); err != nil {
		return latchkey.Request{}, err
	}
	var before, after latchkey.Request
	now := s.now()
	err := s.d.Requests.UpdateRequest(ctx, a.WorkspaceID, id, func(r *latchkey.Request) error {
		before = *r
		if r.Status != status {
			r.Status, r.UpdatedAt = status, now
		}
		after = *r
		return nil
	})
	if err != nil {
		return latchkey.Request{}, wrap("set request status", err)
	}
	if before.Status == after.Status {
		return after, nil
	}
	requester := s.account(ctx, a.WorkspaceID, after.RequesterID)
	s.audit(ctx, a, latchkey.EventRequestStatus, requester,
		requestDetail(after)+": "+before.Status.Label()+" → "+after.Status.Label())
	if requester.Email != "" {
		if err := s.mailStatus(ctx, requester, after); err != nil {
			// The change is made; a lost notice must not undo it, but the operator hears of it.
			s.d.Log.Error("request status mail lost", "workspace", a.WorkspaceID, "request", id, "err", err)
		}
	}
	return after, nil
}

// mailStatus queues the status notice of r to its requester.
func (s *Service) mailStatus(ctx context.Context, to latchkey.Account, r latchkey.Request) error {
	w, err := s.d.Workspaces.Workspace(ctx, r.WorkspaceID)
	if err != nil {
		return wrap("read workspace", err)
	}
	base := s.d.WorkspaceURL(w.Slug)
	// A title is one line in the subject whatever was typed.
	title := strings.Join(strings.Fields(r.Title), " ")
	msg, err := mail.Compose(to.Email, fmt.Sprintf(latchkey.SubjectRequestStatus, title, r.Status.Label()), mail.TemplateRequestStatus,
		mail.RequestStatusData{WorkspaceName: w.Name, WorkspaceURL: base, Title: title, Status: r.Status.Label(),
			RequestURL: base + RequestPath(r.ID)})
	if err != nil {
		return wrap("compose request status mail", err)
	}
	return wrap("queue request status mail", s.d.Mail.Enqueue(ctx, r.WorkspaceID, msg))
}

// RequestPath is the path of a request's page on the workspace's host.
func RequestPath(id string) string { return "/requests/" + id }

// AssignRequest makes the administrator with this account ID the assignee of a request, or
// leaves it unassigned if assigneeID is "". Only administrators may. Returns ErrNotFound for a
// request of another workspace, CodeInvalid with MsgAssigneeUnknown or MsgAssigneeNotAdmin for
// an assignee who is not an administrator of the workspace.
func (s *Service) AssignRequest(ctx context.Context, a Actor, id, assigneeID string) (latchkey.Request, error) {
	if err := a.checkAdmin(); err != nil {
		return latchkey.Request{}, err
	}
	var assignee latchkey.Account
	if assigneeID != "" {
		var err error
		if assignee, err = s.member(ctx, a, assigneeID, "assignee"); err != nil {
			return latchkey.Request{}, err
		}
		if assignee.Role != latchkey.RoleAdmin {
			return latchkey.Request{}, latchkey.NewError(latchkey.CodeInvalid, "assignee", latchkey.MsgAssigneeNotAdmin)
		}
	}
	var after latchkey.Request
	now := s.now()
	err := s.d.Requests.UpdateRequest(ctx, a.WorkspaceID, id, func(r *latchkey.Request) error {
		r.AssigneeID, r.UpdatedAt = assignee.ID, now
		after = *r
		return nil
	})
	if err != nil {
		return latchkey.Request{}, wrap("assign request", err)
	}
	detail := requestDetail(after) + ": unassigned"
	if assignee.ID != "" {
		detail = requestDetail(after) + ": assigned to " + assignee.Email
	}
	s.audit(ctx, a, latchkey.EventRequestAssign, s.account(ctx, a.WorkspaceID, after.RequesterID), detail)
	return after, nil
}
