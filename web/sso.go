package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
	"github.com/latchkey/latchkey/connector/saml"
	"github.com/latchkey/latchkey/signin"
)

// The browser-binding cookies of single sign-on flows. The OIDC callback is a top-level GET,
// which carries a SameSite=Lax cookie; the SAML ACS is a cross-site POST from the IdP's page,
// which carries only a SameSite=None cookie, so SAML has its own (Secure, as None requires; on
// plain http, for local development, the browser's default instead).
const (
	ssoCookie  = "latchkey_sso"
	samlCookie = "latchkey_saml"
)

// maxACSBody bounds the body posted to the ACS, before it is parsed.
const maxACSBody = saml.MaxResponseSize

// ssoButton is one "Continue with …" button of the sign-in page.
type ssoButton struct {
	ID, Label string
}

// buttonLabel is the seed's label: Google and Microsoft by name, the others by the name the
// administrator gave the connection.
func buttonLabel(c latchkey.Connection) string {
	switch c.Kind {
	case latchkey.KindGoogle:
		return "Continue with Google"
	case latchkey.KindMicrosoft:
		return "Continue with Microsoft"
	}
	return "Continue with " + c.Name
}

// ssoButtons are the enabled connections' buttons, in the administrators' order.
func (s *Server) ssoButtons(r *http.Request, ws latchkey.Workspace) ([]ssoButton, error) {
	cs, err := s.store.Connections(r.Context(), ws.ID)
	if err != nil {
		return nil, err
	}
	var out []ssoButton
	for _, c := range cs {
		if c.Enabled {
			out = append(out, ssoButton{ID: c.ID, Label: buttonLabel(c)})
		}
	}
	return out, nil
}

// redirectView is the page that sends the browser on to the provider. A 303 from the form's
// POST would be refused by the sign-in page's CSP form-action (which names only our hosts), so
// the page moves on with a meta refresh, and a link for browsers that do not.
type redirectView struct {
	page
	URL      string
	Provider string
}

// setBinding sets the flow's browser-binding cookie for ten minutes.
func (s *Server) setBinding(w http.ResponseWriter, kind latchkey.ConnectionKind, value string) {
	c := &http.Cookie{Name: s.cookieName(ssoCookie), Value: value, Path: "/", MaxAge: int(latchkey.SSOFlowTTL.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
	if kind == latchkey.KindSAML {
		c.Name = s.cookieName(samlCookie)
		c.SameSite = http.SameSiteDefaultMode
		if s.secure {
			c.SameSite = http.SameSiteNoneMode
		}
	}
	http.SetCookie(w, c)
}

func (s *Server) bindingValue(r *http.Request, kind latchkey.ConnectionKind) string {
	if kind == latchkey.KindSAML {
		return cookieValue(r, s.cookieName(samlCookie))
	}
	return cookieValue(r, s.cookieName(ssoCookie))
}

// ssoStart begins a sign-in at the connection's provider (POST /sso/{id}/start, from a
// "Continue with …" button).
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.beginSSO(w, r, rq, false)
}

// ssoTest begins Test connection (POST /admin/sso/{id}/test).
func (s *Server) ssoTest(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.beginSSO(w, r, rq, true)
}

func (s *Server) beginSSO(w http.ResponseWriter, r *http.Request, rq *request, test bool) error {
	id := r.PathValue("id")
	c, err := s.store.Connection(r.Context(), rq.Workspace.ID, id)
	if errors.Is(err, latchkey.ErrNotFound) {
		return s.ssoError(w, r, rq, latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgSSOUnavailable))
	} else if err != nil {
		return err
	}
	start, err := s.svc.BeginSSO(r.Context(), signin.SSOBegin{
		Workspace: rq.Workspace, ConnectionID: id, Browser: s.bindingValue(r, c.Kind),
		Remember: r.PostFormValue("remember") != "", ReturnTo: safeReturn(r.PostFormValue("return_to")),
		Test: test, Actor: rq.Account, Client: rq.Client,
	})
	if err != nil {
		s.metrics.signins.WithLabelValues("sso", "refused").Inc()
		return s.ssoError(w, r, rq, err)
	}
	if start.Form != nil {
		// No connector answers with a form to post yet (SAML's AuthnRequest goes by
		// HTTP-Redirect); posting one to the provider would also need the sign-in page's
		// form-action to name it.
		return errors.New("sso start: an HTTP-POST hand-off is not supported")
	}
	s.setBinding(w, start.Kind, start.Browser)
	v := redirectView{URL: start.URL, Provider: buttonLabel(c)}
	v.Title, v.Workspace, v.CentralURL = "Continuing to your provider", &rq.Workspace, s.base.String()
	v.Refresh = start.URL
	return s.render(w, http.StatusOK, "sso_redirect", v)
}

// ssoCallback is the OIDC redirect URI (GET /sso/{id}/callback): a top-level GET from the
// provider, which brings the Lax binding cookie.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.finishSSO(w, r, rq, r.URL.Query(), latchkey.KindOIDC)
}

// ssoACS is the SAML assertion consumer service (POST /sso/{id}/acs), the one POST exempt from
// the same-origin checks: the IdP's page posts it cross-site. The connector's checks
// (signature, audience, recipient, InResponseTo of this browser's flow, once-only assertion)
// are what protect it. The body is bounded before it is parsed.
func (s *Server) ssoACS(w http.ResponseWriter, r *http.Request, rq *request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxACSBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		reason := "unreadable form"
		if errors.As(err, &tooBig) {
			reason = "body over 256 KiB"
		}
		s.svc.SSORefusedRequest(r.Context(), rq.Workspace, r.PathValue("id"), rq.Client, reason)
		status := latchkey.NewError(latchkey.CodeInvalid, "", latchkey.MsgSSOFailed)
		return s.ssoError(w, r, rq, status)
	}
	return s.finishSSO(w, r, rq, r.PostForm, latchkey.KindSAML)
}

func (s *Server) finishSSO(w http.ResponseWriter, r *http.Request, rq *request, reply url.Values, kind latchkey.ConnectionKind) error {
	out, err := s.svc.FinishSSO(r.Context(), signin.SSOFinish{
		Workspace: rq.Workspace, ConnectionID: r.PathValue("id"), Reply: reply, ACS: kind == latchkey.KindSAML,
		Browser: s.bindingValue(r, kind), Device: s.deviceValue(r), PreviousSession: s.sessionValue(r), Client: rq.Client,
	})
	if err != nil {
		s.metrics.signins.WithLabelValues("sso", outcome(err)).Inc()
		return s.ssoError(w, r, rq, err)
	}
	if out.Test {
		return s.ssoTestResult(w, rq, out)
	}
	s.metrics.signins.WithLabelValues("sso", "success").Inc()
	// Sanitised when the flow began and again here: the stored value is never a way out.
	return s.finishSignIn(w, r, out.Result, safeReturn(out.ReturnTo))
}

// ssoError is the page for a refused single sign-on: the message signin chose (never the
// provider's words), its status, and a way back to Sign in. An unexpected error is logged and
// shown as the same kind of page, never a bare 500 page.
func (s *Server) ssoError(w http.ResponseWriter, r *http.Request, rq *request, err error) error {
	v := errorView{Status: http.StatusBadGateway, Heading: "Single sign-on did not work", Message: latchkey.MsgSSOFailed, BackURL: "/login", BackLabel: "Back to Sign in"}
	var le *latchkey.Error
	if errors.As(err, &le) && le.Code != latchkey.CodeInternal {
		v.Status, v.Message = statusOf(le.Code), le.Message
		switch le.Message {
		case latchkey.MsgSSODomainRefused:
			v.Heading = "Access is restricted"
		case latchkey.MsgSSONotProvisioned:
			v.Heading = "Access not provisioned yet"
		case latchkey.MsgNotActive:
			v.Heading = "This account is not active"
		case latchkey.MsgSSOExpired:
			v.Heading = "Start again"
		case latchkey.MsgAdminOnly:
			v.Heading = "Not allowed"
		}
		if le.Code == latchkey.CodeThrottled {
			v.Heading, v.Message = "Too many attempts", le.Message+". Try again in "+waitText(le.RetryAfter)+"."
			w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter))
		}
	} else {
		v.RequestID = requestID(r)
		s.log.Error("single sign-on failed", "request_id", v.RequestID, "route", r.Pattern, "host", r.Host, "err", err)
	}
	v.Title, v.Workspace, v.CentralURL = v.Heading, &rq.Workspace, s.base.String()
	return s.render(w, v.Status, "error", v)
}

// testView is Test connection's result.
type testView struct {
	page
	Connection latchkey.Connection
	Identity   connector.Identity
	Checks     []connector.Check
	Failure    string
	Detail     string
}

func (s *Server) ssoTestResult(w http.ResponseWriter, rq *request, out signin.SSOOutcome) error {
	v := testView{Connection: out.Connection, Identity: out.Identity, Checks: out.Checks, Failure: out.Failure, Detail: out.Detail}
	v.Title, v.Workspace, v.CentralURL = "Test connection", &rq.Workspace, s.base.String()
	v.Notice = latchkey.MsgSSOTestDone
	return s.render(w, http.StatusOK, "sso_test", v)
}

// ssoMetadata publishes the SP metadata of a SAML connection (GET /sso/{id}/metadata), whose
// address is also the SP entity ID.
func (s *Server) ssoMetadata(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := s.store.Connection(r.Context(), rq.Workspace.ID, r.PathValue("id"))
	if errors.Is(err, latchkey.ErrNotFound) || err == nil && c.Kind != latchkey.KindSAML {
		return latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgNotFound)
	}
	if err != nil {
		return err
	}
	b, err := saml.SPMetadata(s.svc.ConnectionURLs(rq.Workspace, c))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b)
	return err
}
