package web

import (
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/signin"
)

// routes is the whole route table.
func (s *Server) routes() http.Handler {
	central := http.NewServeMux()
	central.Handle("GET /{$}", s.central(s.findPage))
	central.Handle("GET /login", s.central(s.findPage))
	central.Handle("POST /find", s.central(s.findSubmit))
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
	ws.Handle("POST /profile/passkeys/begin", s.workspace(signedIn, s.passkeyAddBegin))
	ws.Handle("POST /profile/passkeys/finish", s.workspace(signedIn, s.passkeyAddFinish))
	ws.Handle("POST /profile/passkeys/{id}/remove", s.workspace(signedIn, s.passkeyRemove))
	ws.Handle("POST /two-factor/passkey/begin", s.workspace(anyone, s.passkeyChallengeBegin))
	ws.Handle("POST /two-factor/passkey/finish", s.workspace(anyone, s.passkeyChallengeFinish))
	ws.Handle("POST /login/passkey/begin", s.workspace(anyone, s.passkeySignInBegin))
	ws.Handle("POST /login/passkey/finish", s.workspace(anyone, s.passkeySignInFinish))
	ws.Handle("GET /profile/security", s.workspace(signedIn, s.profileSecurity))
	ws.Handle("POST /profile/security/alerts", s.workspace(signedIn, s.profileAlerts))
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
	ws.Handle("POST /admin/security/passkeys", s.workspace(admins, s.adminPasskeyPolicy))
	ws.Handle("POST /admin/members/{id}/reset-2fa", s.workspace(admins, s.adminReset2FA))
	s.inventoryRoutes(ws)
	ws.Handle("GET /admin/provisioning", s.workspace(admins, s.adminProvisioning))
	ws.Handle("POST /admin/provisioning/tokens", s.workspace(admins, s.adminSCIMTokenCreate))
	ws.Handle("POST /admin/provisioning/tokens/{id}/revoke", s.workspace(admins, s.adminSCIMTokenRevoke))
	ws.Handle("POST /admin/provisioning/groups/{id}/role", s.workspace(admins, s.adminSCIMGroupRole))
	ws.Handle("POST /admin/provisioning/settings", s.workspace(admins, s.adminSCIMSettings))
	ws.Handle(scimPrefix, s.bearer(s.serveSCIM))
	ws.Handle(scimPrefix+"/", s.bearer(s.serveSCIM))
	ws.Handle("POST /sso/{id}/start", s.workspace(anyone, s.ssoStart))
	ws.Handle("GET /sso/{id}/callback", s.workspace(anyone, s.ssoCallback))
	ws.Handle("POST /sso/{id}/acs", s.protocolPost(s.ssoACS))
	ws.Handle("GET /sso/{id}/metadata", s.workspace(anyone, s.ssoMetadata))
	ws.Handle("GET /admin/sso", s.workspace(admins, s.adminSSO))
	ws.Handle("POST /admin/sso/connections", s.workspace(admins, s.adminSSOAdd))
	ws.Handle("POST /admin/sso/{id}/edit", s.workspace(admins, s.adminSSOEdit))
	ws.Handle("POST /admin/sso/{id}/{action}", s.workspace(admins, s.adminSSOAction))
	ws.Handle("POST /admin/sso/domains", s.workspace(admins, s.adminSSODomainAdd))
	ws.Handle("POST /admin/sso/domains/remove", s.workspace(admins, s.adminSSODomainRemove))
	ws.Handle("GET /admin/members/{id}/identities", s.workspace(admins, s.adminIdentities))
	ws.Handle("POST /admin/members/{id}/identities/unlink", s.workspace(admins, s.adminUnlink))
	s.apiRoutes(ws)
	s.apiTokenRoutes(ws)
	s.troubleshootRoutes(ws)
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
	// The SAML ACS: the IdP's page posts it cross-site; its protocol checks protect it.
	cop.AddInsecureBypassPattern("POST /sso/{id}/acs")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "host", r.Host, "origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		s.auditCrossOrigin(r)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			s.apiFail(w, r, errCrossOriginAPI)
			return
		}
		s.fail(w, r, errForbiddenForm)
	}))
	// SCIM is a machine endpoint authenticated by its bearer token alone: no cookie is read, so
	// there is nothing for a cross-site request to ride on.
	cop.AddInsecureBypassPattern(scimPrefix + "/")
	cop.AddInsecureBypassPattern(scimPrefix)
	return s.observe(s.headers(cop.Handler(all)))
}
