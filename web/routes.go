package web

import (
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey/signin"
)

// routes is the whole route table.
func (s *Server) routes() http.Handler {
	central := http.NewServeMux()
	central.Handle("GET /{$}", s.central(s.findPage))
	central.Handle("GET /login", s.central(s.findPage))
	central.Handle("POST /find", s.central(s.findSubmit))
	central.Handle("GET /metrics", s.metrics.handler())
	central.HandleFunc("GET /static/", s.serveStatic)
	central.Handle("/", s.central(notFound))

	ws := http.NewServeMux()
	ws.Handle("GET /{$}", s.workspace(anyone, s.home))
	ws.Handle("GET /login", s.workspace(anyone, s.loginPage))
	ws.Handle("POST /login", s.workspace(anyone, s.loginSubmit))
	ws.Handle("POST /logout", s.workspace(anyone, s.logout))
	ws.Handle("GET /dashboard", s.workspace(signedIn, s.dashboard))
	ws.Handle("GET /set-password/{token}", s.workspace(anyone, s.setPasswordPage))
	ws.Handle("POST /set-password/{token}", s.workspace(anyone, s.setPasswordSubmit))
	ws.Handle("GET /forgot-password", s.workspace(anyone, s.forgotPage))
	ws.Handle("POST /forgot-password", s.workspace(anyone, s.forgotSubmit))
	ws.Handle("GET "+signin.ResetPath+"{token}", s.workspace(anyone, s.resetPage))
	ws.Handle("POST "+signin.ResetPath+"{token}", s.workspace(anyone, s.resetSubmit))
	ws.Handle("GET /two-factor", s.workspace(anyone, s.twoFactorPage))
	ws.Handle("POST /two-factor", s.workspace(anyone, s.twoFactorSubmit))
	ws.Handle("GET /two-factor/recovery", s.workspace(anyone, s.twoFactorPage))
	ws.Handle("POST /two-factor/recovery", s.workspace(anyone, s.twoFactorSubmit))
	ws.Handle("POST /two-factor/abandon", s.workspace(anyone, s.twoFactorAbandon))
	ws.Handle("GET /profile/two-factor", s.workspace(signedIn, s.twoFactorSettings))
	ws.Handle("GET /profile/two-factor/setup", s.workspace(signedIn, s.twoFactorSetupPage))
	ws.Handle("POST /profile/two-factor/setup", s.workspace(signedIn, s.twoFactorSetupSubmit))
	ws.Handle("POST /profile/two-factor/recovery-codes", s.workspace(signedIn, s.twoFactorRegenerate))
	ws.Handle("POST /profile/two-factor/disable", s.workspace(signedIn, s.twoFactorDisable))
	ws.Handle("GET /profile/security", s.workspace(signedIn, s.profileSecurity))
	ws.Handle("POST /profile/security/password", s.workspace(signedIn, s.profilePassword))
	ws.Handle("POST /profile/security/sessions/{id}/revoke", s.workspace(signedIn, s.profileRevoke))
	ws.Handle("POST /profile/security/sessions/revoke-others", s.workspace(signedIn, s.profileRevokeOthers))
	ws.Handle("GET /admin/members", s.workspace(admins, s.adminMembers))
	ws.Handle("POST /admin/members/invite", s.workspace(admins, s.adminInvite))
	ws.Handle("POST /admin/members/{id}/resend", s.workspace(admins, s.adminMemberAction("invited", s.memberResend)))
	ws.Handle("POST /admin/members/{id}/suspend", s.workspace(admins, s.adminMemberAction("suspended", s.memberSuspend)))
	ws.Handle("POST /admin/members/{id}/reactivate", s.workspace(admins, s.adminMemberAction("reactivated", s.memberReactivate)))
	ws.Handle("POST /admin/members/{id}/role", s.workspace(admins, s.adminMemberAction("role", s.memberRole)))
	ws.Handle("POST /admin/members/{id}/unlock", s.workspace(admins, s.adminMemberAction("unlocked", s.memberUnlock)))
	ws.Handle("POST /admin/members/{id}/remove", s.workspace(admins, s.memberRemove))
	ws.Handle("GET /admin/members/{id}/sessions", s.workspace(admins, s.adminMemberSessions))
	ws.Handle("POST /admin/members/{id}/sessions/end", s.workspace(admins, s.adminEndMemberSessions))
	ws.Handle("POST /admin/sessions/end-all", s.workspace(admins, s.adminEndAllSessions))
	ws.Handle("GET /admin/audit", s.workspace(admins, s.adminAudit))
	ws.Handle("GET /admin/settings", s.workspace(admins, s.adminSettings))
	ws.Handle("POST /admin/settings", s.workspace(admins, s.adminSettingsSubmit))
	ws.Handle("GET /admin/security", s.workspace(admins, s.adminSecurity))
	ws.Handle("POST /admin/security/policy", s.workspace(admins, s.adminSecurityPolicy))
	ws.Handle("POST /admin/members/{id}/reset-2fa", s.workspace(admins, s.adminReset2FA))
	s.inventoryRoutes(ws)
	ws.HandleFunc("GET /static/", s.serveStatic)
	ws.Handle("/", s.workspace(anyone, func(w http.ResponseWriter, r *http.Request, rq *request) error { return notFound(w, r) }))

	// /healthz answers on every host: load balancers and orchestrators probe a node by its
	// address, which names no workspace.
	all := http.NewServeMux()
	all.HandleFunc("GET /healthz", s.healthz)
	all.Handle("/", s.byHost(central, ws))

	// CrossOriginProtection refuses a state-changing request whose Sec-Fetch-Site is not
	// same-origin (a sibling workspace is same-site, and refused) or whose Origin is not this
	// host. The form tokens checked in workspace() stand behind it.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "host", r.Host, "origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		s.auditCrossOrigin(r)
		s.fail(w, r, errForbiddenForm)
	}))
	return s.observe(s.headers(cop.Handler(all)))
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
