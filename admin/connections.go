package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector/oidc"
	"github.com/latchkey/latchkey/connector/saml"
	"github.com/latchkey/latchkey/signin"
)

// MaxConnectionName bounds a connection's name, which is its button's label.
const MaxConnectionName = 60

// MetadataRefresh is how often a SAML connection's metadata URL is fetched again.
const MetadataRefresh = 24 * time.Hour

// ConnectionAction names a connection and who acts on it: the operator
// (latchkey.OperatorActor) or an active administrator of Workspace (latchkey.AdminActor);
// anyone else gets CodeForbidden with MsgAdminOnly.
type ConnectionAction struct {
	Workspace    latchkey.Workspace
	ConnectionID string
	Actor        latchkey.Actor
	Client       signin.Client
}

func (in ConnectionAction) check() error { return in.Actor.CheckAdmin(in.Workspace) }

// maxDetail bounds a connection event's detail, which quotes names and provider errors.
const maxDetail = 500

func (in ConnectionAction) event(t latchkey.EventType, detail string) latchkey.Event {
	if len(detail) > maxDetail {
		detail = detail[:maxDetail]
	}
	return actorEvent(t, in.Workspace.ID, in.Actor, in.Client, detail)
}

// NewConnection is a connection to add: Connection holds the kind and its fields (ID,
// WorkspaceID, Position and the times are set here), ClientSecret the OIDC client secret in
// the clear (it is sealed before it is stored). For SAML, MetadataXML or MetadataURL may stand
// in for the IdP entity ID, SSO URL and certificates.
type NewConnection struct {
	ConnectionAction
	Connection   latchkey.Connection
	ClientSecret string
}

// CreateConnection validates, seals and stores a new connection at the end of the button
// order, and audits it. Validation: a name (≤ MaxConnectionName; google and microsoft default
// to "Google" and "Microsoft"); OIDC kinds by oidc.Validate (https issuer except on loopback,
// Microsoft tenant ids) and a client secret; SAML by parsing its metadata (a file's, or the
// URL's, fetched now) or the fields given, and by saml.New (one or two certificates).
// Errors are CodeInvalid with MsgConnectionInvalid and what is wrong.
func (s *Service) CreateConnection(ctx context.Context, in NewConnection) (latchkey.Connection, error) {
	if err := in.check(); err != nil {
		return latchkey.Connection{}, err
	}
	now := s.now().UTC()
	c := in.Connection
	c.ID, c.WorkspaceID, c.CreatedAt, c.UpdatedAt = latchkey.NewID(), in.Workspace.ID, now, now
	if err := s.prepareConnection(ctx, in.Workspace, &c, in.ClientSecret, true); err != nil {
		return latchkey.Connection{}, err
	}
	existing, err := s.store.Connections(ctx, in.Workspace.ID)
	if err != nil {
		return latchkey.Connection{}, wrap("list connections", err)
	}
	for _, e := range existing {
		c.Position = max(c.Position, e.Position+1)
	}
	if err := s.store.CreateConnection(ctx, c); err != nil {
		return latchkey.Connection{}, wrap("store connection", err)
	}
	s.audit(ctx, in.event(latchkey.EventSSOConnection, fmt.Sprintf("added %s connection %s (%s)", c.Kind, c.Name, c.ID)))
	return c, nil
}

func invalidConnection(format string, a ...any) error {
	return latchkey.NewError(latchkey.CodeInvalid, "", fmt.Sprintf(latchkey.MsgConnectionInvalid, fmt.Sprintf(format, a...)))
}

// prepareConnection checks c and fills what its kind derives: the sealed secret (when secret
// is given; required when fresh), the SAML fields from metadata.
func (s *Service) prepareConnection(ctx context.Context, w latchkey.Workspace, c *latchkey.Connection, secret string, fresh bool) error {
	c.Name = strings.TrimSpace(c.Name)
	switch c.Kind {
	case latchkey.KindGoogle:
		if c.Name == "" {
			c.Name = "Google"
		}
	case latchkey.KindMicrosoft:
		if c.Name == "" {
			c.Name = "Microsoft"
		}
	case latchkey.KindOIDC, latchkey.KindSAML:
	default:
		return latchkey.NewError(latchkey.CodeInvalid, "kind", latchkey.MsgConnectionKind)
	}
	if c.Name == "" || utf8.RuneCountInString(c.Name) > MaxConnectionName {
		return latchkey.NewError(latchkey.CodeInvalid, "name", latchkey.MsgConnectionName)
	}
	if c.OIDC() {
		c.IdPEntityID, c.IdPSSOURL, c.IdPCerts, c.MetadataURL, c.MetadataXML, c.IdPInitiated = "", "", nil, "", "", false
		c.ClientID = strings.TrimSpace(c.ClientID)
		c.Issuer = strings.TrimSpace(c.Issuer)
		for i, t := range c.Tenants {
			c.Tenants[i] = strings.TrimSpace(t)
		}
		if err := oidc.Validate(*c); err != nil {
			return invalidConnection("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		secret = strings.TrimSpace(secret)
		if secret == "" && fresh {
			return latchkey.NewError(latchkey.CodeInvalid, "client_secret", latchkey.MsgConnectionSecret)
		}
		if secret != "" {
			sealed, err := s.signin.SealClientSecret(w, *c, secret)
			if err != nil {
				return err
			}
			c.ClientSecret = sealed
		}
		return nil
	}
	c.Issuer, c.ClientID, c.ClientSecret, c.Tenants = "", "", "", nil
	c.MetadataURL = strings.TrimSpace(c.MetadataURL)
	if c.MetadataURL != "" && c.MetadataXML == "" {
		body, err := s.signin.FetchMetadata(ctx, c.MetadataURL)
		if err != nil {
			return latchkey.NewError(latchkey.CodeInvalid, "metadata_url", fmt.Sprintf(latchkey.MsgMetadataInvalid, err))
		}
		c.MetadataXML, c.MetadataFetchedAt = string(body), s.now().UTC()
	}
	if c.MetadataXML != "" {
		if err := applyMetadata(c, []byte(c.MetadataXML)); err != nil {
			return latchkey.NewError(latchkey.CodeInvalid, "metadata", fmt.Sprintf(latchkey.MsgMetadataInvalid, err))
		}
	}
	c.IdPEntityID, c.IdPSSOURL = strings.TrimSpace(c.IdPEntityID), strings.TrimSpace(c.IdPSSOURL)
	if _, err := saml.New(*c, s.signin.ConnectionURLs(w, *c), s.now); err != nil {
		return invalidConnection("%s", strings.TrimPrefix(err.Error(), "saml: "))
	}
	return nil
}

// applyMetadata sets the IdP fields of c from its metadata, keeping at most saml.MaxCerts
// signing certificates (the first ones).
func applyMetadata(c *latchkey.Connection, xml []byte) error {
	m, err := saml.ParseMetadata(xml)
	if err != nil {
		return err
	}
	if m.SSOURL == "" {
		return errors.New("no HTTP-Redirect SingleSignOnService")
	}
	if len(m.Certs) == 0 {
		return errors.New("no signing certificate")
	}
	c.IdPEntityID, c.IdPSSOURL = m.EntityID, m.SSOURL
	c.IdPCerts = m.CertPEMs()
	if len(c.IdPCerts) > saml.MaxCerts {
		c.IdPCerts = c.IdPCerts[:saml.MaxCerts]
	}
	c.MetadataXML = string(xml)
	return nil
}

// IdPSource is how an edit gives a SAML connection new IdP settings, the console's form and
// latchkey connection edit alike. Certs, when given, replace the certificates and end the
// metadata refresh, and the rest is ignored; else MetadataXML, when given, replaces the
// metadata, and MetadataURL, when not nil, becomes the URL refreshed daily (a changed one is
// fetched when the edit is saved; "" stops the refresh and keeps what the metadata last gave).
// The zero value changes nothing.
type IdPSource struct {
	Certs       []string
	MetadataXML string
	MetadataURL *string
}

// Apply sets src on c, inside a ConnectionChange's Edit.
func (src IdPSource) Apply(c *latchkey.Connection) {
	if len(src.Certs) > 0 {
		c.IdPCerts, c.MetadataURL, c.MetadataXML = src.Certs, "", ""
		return
	}
	if src.MetadataXML != "" {
		c.MetadataXML = src.MetadataXML
	}
	if src.MetadataURL != nil {
		c.MetadataURL = strings.TrimSpace(*src.MetadataURL)
	}
}

// ConnectionChange is an edit of a connection's settings: Edit changes a copy of it (not ID,
// WorkspaceID or Kind); ClientSecret, when not empty, replaces the secret.
type ConnectionChange struct {
	ConnectionAction
	Edit         func(*latchkey.Connection)
	ClientSecret string
}

// EditConnection applies an edit, validates the result as CreateConnection does and stores
// it. It refuses to disable the last enabled connection of a workspace whose password sign-in
// is off (MsgConnectionLastOne).
func (s *Service) EditConnection(ctx context.Context, in ConnectionChange) (latchkey.Connection, error) {
	if err := in.check(); err != nil {
		return latchkey.Connection{}, err
	}
	cur, err := s.store.Connection(ctx, in.Workspace.ID, in.ConnectionID)
	if err != nil {
		return latchkey.Connection{}, wrap("find connection", err)
	}
	next := cur
	next.Tenants, next.IdPCerts = slices.Clone(cur.Tenants), slices.Clone(cur.IdPCerts)
	in.Edit(&next)
	next.ID, next.WorkspaceID, next.Kind = cur.ID, cur.WorkspaceID, cur.Kind
	if next.MetadataURL != cur.MetadataURL {
		next.MetadataXML = "" // fetched again below
	}
	if err := s.prepareConnection(ctx, in.Workspace, &next, in.ClientSecret, false); err != nil {
		return latchkey.Connection{}, err
	}
	if cur.Enabled && !next.Enabled {
		if err := s.keepOneEnabled(ctx, in.Workspace, cur.ID); err != nil {
			return latchkey.Connection{}, err
		}
	}
	next.UpdatedAt = s.now().UTC()
	err = s.store.UpdateConnection(ctx, in.Workspace.ID, cur.ID, func(c *latchkey.Connection) error {
		*c = next
		return nil
	})
	if err != nil {
		return latchkey.Connection{}, wrap("update connection", err)
	}
	s.audit(ctx, in.event(latchkey.EventSSOConnection, "changed "+connectionChanges(cur, next)+" of "+next.Name+" ("+next.ID+")"))
	return next, nil
}

func connectionChanges(a, b latchkey.Connection) string {
	var d []string
	if a.Name != b.Name {
		d = append(d, "name")
	}
	if a.Enabled != b.Enabled {
		d = append(d, map[bool]string{true: "enabled", false: "disabled"}[b.Enabled])
	}
	if a.JIT != b.JIT {
		d = append(d, "just-in-time provisioning "+map[bool]string{true: "on", false: "off"}[b.JIT])
	}
	if a.ClientSecret != b.ClientSecret {
		d = append(d, "client secret")
	}
	if a.Issuer != b.Issuer || a.ClientID != b.ClientID || !slices.Equal(a.Tenants, b.Tenants) {
		d = append(d, "provider settings")
	}
	if a.IdPEntityID != b.IdPEntityID || a.IdPSSOURL != b.IdPSSOURL || !slices.Equal(a.IdPCerts, b.IdPCerts) || a.MetadataURL != b.MetadataURL {
		d = append(d, "IdP settings")
	}
	if a.IdPInitiated != b.IdPInitiated || a.AllowSHA1 != b.AllowSHA1 {
		d = append(d, "SAML options")
	}
	if a.Position != b.Position {
		d = append(d, "position")
	}
	if len(d) == 0 {
		return "nothing"
	}
	return strings.Join(d, ", ")
}

// SetConnectionEnabled turns a connection's button on or off, under EditConnection's rule.
func (s *Service) SetConnectionEnabled(ctx context.Context, in ConnectionAction, on bool) (latchkey.Connection, error) {
	if err := in.check(); err != nil {
		return latchkey.Connection{}, err
	}
	if !on {
		if err := s.keepOneEnabled(ctx, in.Workspace, in.ConnectionID); err != nil {
			return latchkey.Connection{}, err
		}
	}
	var after latchkey.Connection
	err := s.store.UpdateConnection(ctx, in.Workspace.ID, in.ConnectionID, func(c *latchkey.Connection) error {
		c.Enabled, c.UpdatedAt = on, s.now().UTC()
		after = *c
		return nil
	})
	if err != nil {
		return latchkey.Connection{}, wrap("update connection", err)
	}
	s.audit(ctx, in.event(latchkey.EventSSOConnection, map[bool]string{true: "enabled ", false: "disabled "}[on]+after.Name+" ("+after.ID+")"))
	return after, nil
}

// keepOneEnabled refuses to take away connection id while it is the last enabled one and
// password sign-in is off.
func (s *Service) keepOneEnabled(ctx context.Context, w latchkey.Workspace, id string) error {
	cur, err := s.store.Workspace(ctx, w.ID)
	if err != nil {
		return wrap("read workspace", err)
	}
	if !cur.Policy.PasswordSignInOff {
		return nil
	}
	cs, err := s.store.Connections(ctx, w.ID)
	if err != nil {
		return wrap("list connections", err)
	}
	for _, c := range cs {
		if c.Enabled && c.ID != id {
			return nil
		}
	}
	return latchkey.NewError(latchkey.CodeConflict, "", latchkey.MsgConnectionLastOne)
}

// hasEnabledConnection reports whether ws has a connection to sign in with.
func (s *Service) hasEnabledConnection(ctx context.Context, ws string) (bool, error) {
	cs, err := s.store.Connections(ctx, ws)
	if err != nil {
		return false, wrap("list connections", err)
	}
	return slices.ContainsFunc(cs, func(c latchkey.Connection) bool { return c.Enabled }), nil
}

// RemoveConnection deletes a connection with its identity links and pending flows (the
// members keep their accounts), under the same rule as disabling it.
func (s *Service) RemoveConnection(ctx context.Context, in ConnectionAction) (latchkey.Connection, error) {
	if err := in.check(); err != nil {
		return latchkey.Connection{}, err
	}
	c, err := s.store.Connection(ctx, in.Workspace.ID, in.ConnectionID)
	if err != nil {
		return latchkey.Connection{}, wrap("find connection", err)
	}
	if c.Enabled {
		if err := s.keepOneEnabled(ctx, in.Workspace, c.ID); err != nil {
			return latchkey.Connection{}, err
		}
	}
	if err := s.store.DeleteConnection(ctx, in.Workspace.ID, c.ID); err != nil {
		return latchkey.Connection{}, wrap("delete connection", err)
	}
	s.audit(ctx, in.event(latchkey.EventSSOConnection, "removed "+string(c.Kind)+" connection "+c.Name+" ("+c.ID+")"))
	return c, nil
}

// MoveConnection moves a connection's button one place up (delta < 0) or down (delta > 0),
// renumbering every position 0, 1, 2…
func (s *Service) MoveConnection(ctx context.Context, in ConnectionAction, delta int) error {
	if err := in.check(); err != nil {
		return err
	}
	cs, err := s.store.Connections(ctx, in.Workspace.ID)
	if err != nil {
		return wrap("list connections", err)
	}
	i := slices.IndexFunc(cs, func(c latchkey.Connection) bool { return c.ID == in.ConnectionID })
	if i < 0 {
		return latchkey.ErrNotFound
	}
	j := min(max(i+delta, 0), len(cs)-1)
	c := cs[i]
	cs = slices.Delete(cs, i, i+1)
	cs = slices.Insert(cs, j, c)
	for pos, c := range cs {
		if c.Position == pos {
			continue
		}
		err := s.store.UpdateConnection(ctx, in.Workspace.ID, c.ID, func(c *latchkey.Connection) error {
			c.Position = pos
			return nil
		})
		if err != nil {
			return wrap("reorder connections", err)
		}
	}
	if i != j {
		s.audit(ctx, in.event(latchkey.EventSSOConnection, fmt.Sprintf("moved %s (%s) to place %d", c.Name, c.ID, j+1)))
	}
	return nil
}

// DomainAction adds or removes an approved domain, by the operator or an active administrator
// of Workspace (as ConnectionAction).
type DomainAction struct {
	Workspace latchkey.Workspace
	Domain    string
	Actor     latchkey.Actor
	Client    signin.Client
}

// AddDomain approves a company domain for SSO. Errors: CodeInvalid with MsgDomainInvalid,
// CodeConflict with MsgDomainExists.
func (s *Service) AddDomain(ctx context.Context, in DomainAction) (string, error) {
	a := ConnectionAction{Workspace: in.Workspace, Actor: in.Actor, Client: in.Client}
	if err := a.check(); err != nil {
		return "", err
	}
	d, err := latchkey.NormalizeDomain(in.Domain)
	if err != nil {
		return "", err
	}
	if err := s.store.AddDomain(ctx, in.Workspace.ID, d); errors.Is(err, latchkey.ErrConflict) {
		return d, latchkey.NewError(latchkey.CodeConflict, "domain", latchkey.MsgDomainExists)
	} else if err != nil {
		return d, wrap("add domain", err)
	}
	s.audit(ctx, a.event(latchkey.EventSSODomain, "approved "+d))
	return d, nil
}

// RemoveDomain withdraws a domain's approval. Returns ErrNotFound if it was not approved.
func (s *Service) RemoveDomain(ctx context.Context, in DomainAction) error {
	a := ConnectionAction{Workspace: in.Workspace, Actor: in.Actor, Client: in.Client}
	if err := a.check(); err != nil {
		return err
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(in.Domain)), ".")
	if err := s.store.RemoveDomain(ctx, in.Workspace.ID, d); err != nil {
		return wrap("remove domain", err)
	}
	s.audit(ctx, a.event(latchkey.EventSSODomain, "withdrew "+d))
	return nil
}

// UnlinkIdentity removes a member's link to an SSO identity; their next sign-in through that
// connection links again by verified email (or is provisioned, or refused).
func (s *Service) UnlinkIdentity(ctx context.Context, in MemberAction, connID, subject string) error {
	a, err := s.member(ctx, in)
	if err != nil {
		return err
	}
	if err := s.store.Unlink(ctx, in.Workspace.ID, a.ID, connID, subject); err != nil {
		return wrap("unlink identity", err)
	}
	s.audit(ctx, in.event(latchkey.EventSSOUnlinked, a, connID+": "+subject))
	return nil
}

// ConnectionWarnings are what the console and `connection show` warn about: IdP signing
// certificates that expire within 30 days (or have), and metadata by URL that could not be
// refreshed for two days (the last good copy is in use).
func (s *Service) ConnectionWarnings(c latchkey.Connection) []string {
	if c.Kind != latchkey.KindSAML {
		return nil
	}
	now := s.now()
	w := saml.CertWarnings(c, now)
	if c.MetadataURL != "" && now.Sub(c.MetadataFetchedAt) > 2*MetadataRefresh {
		w = append(w, fmt.Sprintf("The IdP metadata at %s could not be refreshed since %s: the last good copy is in use", c.MetadataURL, c.MetadataFetchedAt.UTC().Format("2 Jan 2006 15:04 UTC")))
	}
	return w
}

// RefreshMetadata fetches again, across workspaces, the metadata of every SAML connection that
// has a metadata URL and was fetched MetadataRefresh ago or more. A failed fetch or a document
// that does not parse keeps the last good copy, is logged as a warning, and is tried again
// at the next call; ConnectionWarnings shows it after two days. It returns how many were
// refreshed. The server's background loop calls it.
func (s *Service) RefreshMetadata(ctx context.Context) (int, error) {
	wss, err := s.store.Workspaces(ctx)
	if err != nil {
		return 0, wrap("list workspaces", err)
	}
	n := 0
	for _, w := range wss {
		cs, err := s.store.Connections(ctx, w.ID)
		if err != nil {
			return n, wrap("list connections", err)
		}
		for _, c := range cs {
			if c.Kind != latchkey.KindSAML || c.MetadataURL == "" || s.now().Sub(c.MetadataFetchedAt) < MetadataRefresh {
				continue
			}
			if err := s.refreshOne(ctx, w, c); err != nil {
				s.log.Warn("saml metadata refresh failed; the last good copy stays in use", "workspace", w.Slug, "connection", c.ID, "url", c.MetadataURL, "err", err)
				continue
			}
			n++
		}
	}
	return n, nil
}

func (s *Service) refreshOne(ctx context.Context, w latchkey.Workspace, c latchkey.Connection) error {
	body, err := s.signin.FetchMetadata(ctx, c.MetadataURL)
	if err != nil {
		return err
	}
	next := c
	if err := applyMetadata(&next, body); err != nil {
		return err
	}
	if _, err := saml.New(next, s.signin.ConnectionURLs(w, next), s.now); err != nil {
		return err
	}
	now := s.now().UTC()
	return s.store.UpdateConnection(ctx, w.ID, c.ID, func(cur *latchkey.Connection) error {
		cur.IdPEntityID, cur.IdPSSOURL, cur.IdPCerts, cur.MetadataXML = next.IdPEntityID, next.IdPSSOURL, next.IdPCerts, next.MetadataXML
		cur.MetadataFetchedAt, cur.UpdatedAt = now, now
		return nil
	})
}
