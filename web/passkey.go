package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/passkey"
	"github.com/latchkey/latchkey/signin"
)

// The passkey ceremonies are same-origin fetches from static/passkey.js: POST …/begin returns
// the options for navigator.credentials, POST …/finish takes the credential. Both carry the
// form token in the X-CSRF-Token header (checkForm) and pass CrossOriginProtection like any
// form. A ceremony's secret travels in its own short-lived cookie.
//
//	POST /profile/passkeys/begin, /finish   add a passkey (signed in)
//	POST /two-factor/passkey/begin, /finish the second factor at the challenge
//	POST /login/passkey/begin, /finish      sign in with a passkey, no password

// passkeyCookie holds the secret of a begun WebAuthn ceremony; the store keeps its hash.
const passkeyCookie = "latchkey_passkey"

// maxCredential bounds the JSON of a credential: a few kilobytes in practice.
const maxCredential = 32 << 10

func (s *Server) setCeremony(w http.ResponseWriter, b passkey.Begun) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(passkeyCookie), Value: b.Secret, Path: "/",
		MaxAge: int(latchkey.CeremonyTTL.Seconds()), HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	})
}

func (s *Server) clearCeremony(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(passkeyCookie), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	})
}

// passkeyBody is what passkey.js sends to a finish endpoint.
type passkeyBody struct {
	Credential json.RawMessage `json:"credential"`
	Name       string          `json:"name,omitempty"`     // adding
	Remember   bool            `json:"remember,omitempty"` // signing in
	ReturnTo   string          `json:"return_to,omitempty"`
}

func readPasskeyBody(r *http.Request) (passkeyBody, error) {
	var b passkeyBody
	data, err := io.ReadAll(io.LimitReader(r.Body, maxCredential+1))
	if err != nil || len(data) > maxCredential || json.Unmarshal(data, &b) != nil || len(b.Credential) == 0 {
		return b, latchkey.NewError(latchkey.CodeInvalid, "", latchkey.MsgPasskeyRefused)
	}
	return b, nil
}

// answerJSON answers a ceremony endpoint with v (writeJSON, the API's), for a handler's return.
func answerJSON(w http.ResponseWriter, status int, v any) error {
	writeJSON(w, status, v)
	return nil
}

// jsonError answers a ceremony endpoint with the error's status and message: {"error": "…"}.
// Internal errors are logged and said generically, as on pages.
func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, err error) error {
	var le *latchkey.Error
	if !errors.As(err, &le) || le.Code == latchkey.CodeInternal {
		s.log.Error("request failed", "request_id", requestID(r), "route", r.Pattern, "host", r.Host, "err", err)
		return answerJSON(w, http.StatusInternalServerError, map[string]string{"error": latchkey.MsgInternal})
	}
	msg := le.Message
	if le.Code == latchkey.CodeThrottled {
		msg += ". Try again in " + waitText(le.RetryAfter) + "."
		w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter))
	}
	return answerJSON(w, statusOf(le.Code), map[string]string{"error": msg})
}

// beginJSON answers a begin endpoint: the options, and the ceremony cookie.
func (s *Server) beginJSON(w http.ResponseWriter, r *http.Request, b passkey.Begun, err error) error {
	if err != nil {
		return s.jsonError(w, r, err)
	}
	s.setCeremony(w, b)
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(b.Options)
	return err
}

func (s *Server) ceremonySecret(r *http.Request) string {
	return cookieValue(r, s.cookieName(passkeyCookie))
}

// passkeyAddBegin begins adding a passkey to the signed-in account.
func (s *Server) passkeyAddBegin(w http.ResponseWriter, r *http.Request, rq *request) error {
	b, err := s.svc.BeginAddPasskey(r.Context(), rq.Workspace, rq.Account, rq.Session)
	return s.beginJSON(w, r, b, err)
}

// passkeyAddFinish stores the new passkey; the page then goes to the settings.
func (s *Server) passkeyAddFinish(w http.ResponseWriter, r *http.Request, rq *request) error {
	body, err := readPasskeyBody(r)
	if err != nil {
		return s.jsonError(w, r, err)
	}
	secret := s.ceremonySecret(r)
	s.clearCeremony(w)
	_, rotated, err := s.svc.AddPasskey(r.Context(), signin.PasskeyInput{
		Workspace: rq.Workspace, Account: rq.Account, Session: rq.Session,
		Secret: secret, Response: body.Credential, Name: body.Name, Client: rq.Client,
	})
	if err != nil {
		return s.jsonError(w, r, err)
	}
	s.rotated(w, rq, rotated)
	return answerJSON(w, http.StatusOK, map[string]string{"redirect": "/profile/two-factor?m=passkey-added"})
}

// passkeyRemove removes a passkey of the signed-in account, with the password.
func (s *Server) passkeyRemove(w http.ResponseWriter, r *http.Request, rq *request) error {
	rotated, err := s.svc.RemovePasskey(r.Context(), signin.RemovePasskeyInput{
		Workspace: rq.Workspace, Account: rq.Account, Session: rq.Session,
		ID: r.PathValue("id"), Password: r.PostFormValue("password"), Client: rq.Client,
	})
	if err != nil {
		return s.settingsError(w, r, rq, err)
	}
	s.rotated(w, rq, rotated)
	http.Redirect(w, r, "/profile/two-factor?m=passkey-removed", http.StatusSeeOther)
	return nil
}

// passkeyChallengeBegin begins the second factor with a passkey at the challenge.
func (s *Server) passkeyChallengeBegin(w http.ResponseWriter, r *http.Request, rq *request) error {
	b, err := s.svc.BeginPasskeyChallenge(r.Context(), rq.Workspace, s.challengeSecret(r))
	if latchkey.ErrorCode(err) == latchkey.CodeExpired {
		s.clearChallenge(w)
		return answerJSON(w, http.StatusGone, map[string]string{"error": latchkey.MsgChallengeExpired, "redirect": "/login?e=challenge-expired"})
	}
	return s.beginJSON(w, r, b, err)
}

// passkeyChallengeFinish passes the challenge with the passkey and starts the session.
func (s *Server) passkeyChallengeFinish(w http.ResponseWriter, r *http.Request, rq *request) error {
	body, err := readPasskeyBody(r)
	if err != nil {
		return s.jsonError(w, r, err)
	}
	secret := s.ceremonySecret(r)
	s.clearCeremony(w)
	res, err := s.svc.VerifyPasskey(r.Context(), signin.PasskeyInput{
		Workspace: rq.Workspace, Secret: secret, Response: body.Credential, ChallengeSecret: s.challengeSecret(r),
		Device: s.deviceValue(r), PreviousSession: s.sessionValue(r), Client: rq.Client,
	})
	if err != nil {
		s.metrics.signins.WithLabelValues("passkey", outcome(err)).Inc()
		switch {
		case errors.Is(err, signin.ErrTooManyCodes):
			s.clearChallenge(w)
			return answerJSON(w, http.StatusGone, map[string]string{"error": latchkey.MsgTooManyCodes, "redirect": "/login?e=too-many-codes"})
		case latchkey.ErrorCode(err) == latchkey.CodeExpired && !errors.Is(err, passkey.ErrNoCeremony):
			s.clearChallenge(w)
			return answerJSON(w, http.StatusGone, map[string]string{"error": latchkey.MsgChallengeExpired, "redirect": "/login?e=challenge-expired"})
		}
		return s.jsonError(w, r, err)
	}
	s.metrics.signins.WithLabelValues("passkey", "success").Inc()
	return s.signedInJSON(w, r, res, body.ReturnTo)
}

// passkeySignInBegin begins a sign-in with a passkey and no password.
func (s *Server) passkeySignInBegin(w http.ResponseWriter, r *http.Request, rq *request) error {
	b, err := s.svc.BeginPasskeySignIn(r.Context(), rq.Workspace, rq.Nonce, rq.Client)
	return s.beginJSON(w, r, b, err)
}

// passkeySignInFinish signs in with the passkey: no password, no further challenge.
func (s *Server) passkeySignInFinish(w http.ResponseWriter, r *http.Request, rq *request) error {
	body, err := readPasskeyBody(r)
	if err != nil {
		return s.jsonError(w, r, err)
	}
	secret := s.ceremonySecret(r)
	s.clearCeremony(w)
	res, err := s.svc.PasskeySignIn(r.Context(), signin.PasskeyInput{
		Workspace: rq.Workspace, Secret: secret, Response: body.Credential, Nonce: rq.Nonce, Remember: body.Remember,
		Device: s.deviceValue(r), PreviousSession: s.sessionValue(r), Client: rq.Client,
	})
	if err != nil {
		s.metrics.signins.WithLabelValues("passkey", outcome(err)).Inc()
		return s.jsonError(w, r, err)
	}
	s.metrics.signins.WithLabelValues("passkey", "success").Inc()
	return s.signedInJSON(w, r, res, body.ReturnTo)
}

// signedInJSON is finishSignIn for a fetch: the same cookies, and the page to go to as JSON.
func (s *Server) signedInJSON(w http.ResponseWriter, r *http.Request, res signin.Result, returnTo string) error {
	s.signInCookies(w, r, res)
	to := safeReturn(returnTo)
	if to == "" {
		to = "/dashboard"
	}
	return answerJSON(w, http.StatusOK, map[string]string{"redirect": to})
}

// passkeyRow is a passkey on the settings page.
type passkeyRow struct {
	ID, Name    string
	CreatedAt   time.Time
	LastUsedAt  time.Time
	AAGUID      string // hex with hyphens, "" when the authenticator did not say
	Synced      bool   // backup state: the passkey is synced between devices
	Transports  string
	RemoveField string // the id of its password field
}

func passkeyRows(ps []latchkey.Passkey) []passkeyRow {
	rows := make([]passkeyRow, len(ps))
	for i, p := range ps {
		rows[i] = passkeyRow{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt, LastUsedAt: p.LastUsedAt, AAGUID: aaguidText(p.AAGUID), Synced: p.BackupState, RemoveField: "pk-password-" + url.PathEscape(p.ID)}
		for j, t := range p.Transports {
			if j > 0 {
				rows[i].Transports += ", "
			}
			rows[i].Transports += t
		}
	}
	return rows
}

// aaguidText writes an AAGUID as a UUID, or "" for none (all zero).
func aaguidText(b []byte) string {
	zero := true
	for _, c := range b {
		if c != 0 {
			zero = false
		}
	}
	if len(b) != 16 || zero {
		return ""
	}
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&15])
	}
	return string(out)
}
