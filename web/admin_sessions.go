package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/signin"
)

// memberSessionsView is an administrator's view of one member's sessions, each with Sign out,
// and Sign out everywhere for the member.
type memberSessionsView struct {
	page
	Member   latchkey.Account
	Sessions []sessionRow
	Self     bool // the member is the acting administrator
}

func (s *Server) memberSessionsView(r *http.Request, rq *request, member latchkey.Account) (memberSessionsView, error) {
	v := memberSessionsView{page: s.signedInPage(rq, "Sessions of "+member.Email), Member: member, Self: member.ID == rq.Account.ID}
	sessions, err := s.svc.Sessions(r.Context(), signin.SessionInput{Workspace: rq.Workspace, Account: member})
	if err != nil {
		return v, err
	}
	for _, sess := range sessions {
		v.Sessions = append(v.Sessions, sessionRow{Session: sess, Device: deviceName(sess.UserAgent), Current: sess.ID == rq.Session.ID})
	}
	return v, nil
}

// adminMemberSessions lists a member's live sessions for an administrator.
func (s *Server) adminMemberSessions(w http.ResponseWriter, r *http.Request, rq *request) error {
	member, err := s.store.Account(r.Context(), rq.Workspace.ID, r.PathValue("id"))
	if errors.Is(err, latchkey.ErrNotFound) {
		return notFound(w, r)
	}
	if err != nil {
		return err
	}
	v, err := s.memberSessionsView(r, rq, member)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "admin_member_sessions", &v)
}

// adminEndMemberSessions ends one session of the member (the form's session field) or, without
// it, all of them. The page is rendered at once with the notice, so that nothing in an address
// can make it claim a sign-out; a session that has ended meanwhile (or is another account's)
// re-renders it with MsgSessionGone. An administrator who ended their own current session goes
// to sign in.
func (s *Server) adminEndMemberSessions(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, sid := r.PathValue("id"), r.PostFormValue("session")
	member, err := s.store.Account(r.Context(), rq.Workspace.ID, id)
	if errors.Is(err, latchkey.ErrNotFound) {
		return notFound(w, r)
	}
	if err != nil {
		return err
	}
	n, err := s.adm.EndMemberSessions(r.Context(), admin.MemberAction{Workspace: rq.Workspace, AccountID: id, Actor: rq.actor(), Client: rq.Client}, sid)
	if err == nil && id == rq.Account.ID && (sid == "" || sid == rq.Session.ID) {
		s.clearSession(w)
		http.Redirect(w, r, "/login?m=signed-out", http.StatusSeeOther)
		return nil
	}
	v, verr := s.memberSessionsView(r, rq, member)
	if verr != nil {
		return verr
	}
	if err != nil {
		return s.formError(w, "admin_member_sessions", &v.page, &v, err)
	}
	v.Notice = fmt.Sprintf(latchkey.MsgMemberSignedOut, member.Email, n)
	if sid != "" {
		v.Notice = fmt.Sprintf(latchkey.MsgMemberSessionEnded, member.Email)
	}
	return s.render(w, http.StatusOK, "admin_member_sessions", &v)
}

// adminEndAllSessions is Sign out everyone: every session of the workspace ends but this one.
func (s *Server) adminEndAllSessions(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := s.adm.EndAllSessions(r.Context(), admin.MemberAction{Workspace: rq.Workspace, Actor: rq.actor(), Client: rq.Client}, rq.Session)
	if err != nil {
		return err
	}
	v, err := s.membersView(r, rq, memberFilter{})
	if err != nil {
		return err
	}
	v.Notice = fmt.Sprintf(latchkey.MsgEveryoneSignedOut, n)
	return s.render(w, http.StatusOK, "admin_members", &v)
}
