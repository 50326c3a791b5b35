package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
)

// listFlag is a flag that may be given several times (--tenant, --idp-cert-file, --add).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// refusedFlag is --client-secret: a secret given as a flag value shows in ps and in shell
// history, so the flag exists only to say so.
type refusedFlag struct{}

func (refusedFlag) String() string { return "" }
func (refusedFlag) Set(string) error {
	return errors.New("a secret on the command line shows in ps: use --client-secret-file FILE or LATCHKEY_CLIENT_SECRET")
}

func (m *Main) connectionCommand(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, "usage: latchkey connection add|list|show|edit|enable|disable|remove --workspace SLUG [flags]\n")
		return errUsage
	}
	switch args[0] {
	case "add":
		return m.connectionAdd(ctx, args[1:])
	case "list":
		return m.connectionList(ctx, args[1:])
	case "edit":
		return m.connectionEdit(ctx, args[1:])
	case "show", "enable", "disable", "remove":
		return m.connectionOne(ctx, args[0], args[1:])
	}
	fmt.Fprintf(m.Stderr, "latchkey connection: unknown command %q (add, list, show, edit, enable, disable, remove)\n", args[0])
	return errUsage
}

// openWorkspace opens everything and finds the workspace with this slug.
func (m *Main) openWorkspace(ctx context.Context, slug string) (latchkey.Workspace, error) {
	if err := m.Open(ctx); err != nil {
		return latchkey.Workspace{}, err
	}
	return m.workspaceBySlug(ctx, slug)
}

func (m *Main) connectionAdd(ctx context.Context, args []string) error {
	fs := m.flags("connection add")
	slug := fs.String("workspace", "", "workspace slug")
	kind := fs.String("kind", "", "google, microsoft, oidc or saml")
	disabled := fs.Bool("disabled", false, "add it disabled (no button until enabled)")
	f := connectionFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if missing := missingFlags(map[string]string{"--workspace": *slug}); missing != "" || *kind == "" {
		return fmt.Errorf("connection add needs --workspace and --kind")
	}
	secret, metadata, certs, err := f.files()
	if err != nil {
		return err
	}
	c := latchkey.Connection{Kind: latchkey.ConnectionKind(*kind), Name: *f.name, JIT: *f.jit, Enabled: !*disabled}
	switch c.Kind {
	case latchkey.KindGoogle, latchkey.KindOIDC, latchkey.KindMicrosoft:
		c.ClientID, c.Issuer, c.Tenants = *f.clientID, *f.issuer, f.tenants
		if c.Kind == latchkey.KindMicrosoft {
			if *f.issuer != "" {
				return errors.New("microsoft connections take --authority, not --issuer")
			}
			c.Issuer = *f.authority
		}
		if secret == "" {
			secret = m.getenv("LATCHKEY_CLIENT_SECRET")
		}
		if secret == "" {
			return errors.New("connection add needs the client secret: --client-secret-file FILE or LATCHKEY_CLIENT_SECRET")
		}
	case latchkey.KindSAML:
		c.MetadataURL, c.IdPEntityID, c.IdPSSOURL, c.IdPInitiated, c.AllowSHA1 = *f.metadataURL, *f.entityID, *f.ssoURL, *f.idpInitiated, *f.allowSHA1
		c.MetadataXML, c.IdPCerts = metadata, certs
	default:
		return userError(latchkey.NewError(latchkey.CodeInvalid, "kind", latchkey.MsgConnectionKind))
	}
	ws, err := m.openWorkspace(ctx, *slug)
	if err != nil {
		return err
	}
	defer m.Close()
	c, err = m.Admin.CreateConnection(ctx, admin.NewConnection{ConnectionAction: admin.ConnectionAction{Workspace: ws, Actor: latchkey.OperatorActor()}, Connection: c, ClientSecret: secret})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(m.Stdout, "Added %s connection %q to %s\n", c.Kind, c.Name, ws.Slug)
	fmt.Fprintf(m.Stdout, "Connection ID: %s\n", c.ID)
	m.printURLs(ws, c)
	if !c.Enabled {
		fmt.Fprintf(m.Stdout, "It is disabled: run latchkey connection enable --workspace %s --connection %s\n", ws.Slug, c.ID)
	}
	if ds, err := m.Store.Domains(ctx, ws.ID); err == nil && len(ds) == 0 {
		fmt.Fprintf(m.Stdout, "No approved domains yet: every SSO sign-in is refused until you run latchkey workspace domains --workspace %s --add example.com\n", ws.Slug)
	}
	return nil
}

// connectionEdit changes the settings given as flags and leaves the others as they are, then
// shows the connection. For SAML, --idp-cert-file replaces the certificates and ends the
// metadata refresh; --metadata-file replaces the metadata; a new --metadata-url is fetched at
// once (an empty one stops the refresh).
func (m *Main) connectionEdit(ctx context.Context, args []string) error {
	fs := m.flags("connection edit")
	slug := fs.String("workspace", "", "workspace slug")
	id := fs.String("connection", "", "connection ID (see latchkey connection list)")
	f := connectionFlags(fs)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *slug == "" || *id == "" {
		return errors.New("connection edit needs --workspace and --connection")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	secret, metadata, certs, err := f.files()
	if err != nil {
		return err
	}
	ws, err := m.openWorkspace(ctx, *slug)
	if err != nil {
		return err
	}
	defer m.Close()
	notFound := func(err error) error {
		if errors.Is(err, latchkey.ErrNotFound) {
			return fmt.Errorf("workspace %s has no connection %s (see latchkey connection list)", ws.Slug, *id)
		}
		return userError(err)
	}
	cur, err := m.Store.Connection(ctx, ws.ID, *id)
	if err != nil {
		return notFound(err)
	}
	// Flags of another kind are refused before anything is changed.
	samlOnly := []string{"metadata-file", "metadata-url", "idp-entity-id", "idp-sso-url", "idp-cert-file", "idp-initiated", "allow-sha1"}
	switch cur.Kind {
	case latchkey.KindSAML:
		err = onlyFor(set, "OpenID (google, microsoft, oidc)", "issuer", "authority", "client-id", "client-secret-file", "tenant")
	case latchkey.KindMicrosoft:
		err = errors.Join(onlyFor(set, "saml", samlOnly...), onlyFor(set, "google and oidc", "issuer"))
	default:
		err = errors.Join(onlyFor(set, "saml", samlOnly...), onlyFor(set, "microsoft", "authority", "tenant"))
	}
	if err == nil && set["idp-cert-file"] && (set["metadata-url"] || set["metadata-file"]) {
		err = errors.New("--idp-cert-file replaces the IdP metadata: give it without --metadata-url and --metadata-file")
	}
	if err != nil {
		return err
	}
	idp := admin.IdPSource{Certs: certs, MetadataXML: metadata}
	if set["metadata-url"] {
		idp.MetadataURL = f.metadataURL
	}
	c, err := m.Admin.EditConnection(ctx, admin.ConnectionChange{
		ConnectionAction: admin.ConnectionAction{Workspace: ws, ConnectionID: *id, Actor: latchkey.OperatorActor()},
		ClientSecret:     secret,
		Edit: func(c *latchkey.Connection) {
			for flagName, apply := range map[string]func(){
				"name":          func() { c.Name = *f.name },
				"jit":           func() { c.JIT = *f.jit },
				"client-id":     func() { c.ClientID = *f.clientID },
				"issuer":        func() { c.Issuer = *f.issuer },
				"authority":     func() { c.Issuer = *f.authority },
				"tenant":        func() { c.Tenants = f.tenants },
				"idp-initiated": func() { c.IdPInitiated = *f.idpInitiated },
				"allow-sha1":    func() { c.AllowSHA1 = *f.allowSHA1 },
				"idp-entity-id": func() { c.IdPEntityID = *f.entityID },
				"idp-sso-url":   func() { c.IdPSSOURL = *f.ssoURL },
			} {
				if set[flagName] {
					apply()
				}
			}
			idp.Apply(c)
		},
	})
	if err != nil {
		return notFound(err)
	}
	fmt.Fprintf(m.Stdout, "Saved connection %s (%s)\n", c.ID, c.Name)
	m.showConnection(ws, c)
	return nil
}

// onlyFor refuses the flags among names that were set: they are only for the kinds named.
func onlyFor(set map[string]bool, kinds string, names ...string) error {
	var given []string
	for _, n := range names {
		if set[n] {
			given = append(given, "--"+n)
		}
	}
	if len(given) == 0 {
		return nil
	}
	return fmt.Errorf("%s %s only for %s connections", strings.Join(given, ", "), map[bool]string{true: "is", false: "are"}[len(given) == 1], kinds)
}

// connectionFlagSet holds the flags connection add and edit share: a connection's settings.
// Edit applies only those given.
type connectionFlagSet struct {
	name, issuer, authority, clientID, secretFile, metadataFile, metadataURL, entityID, ssoURL *string
	tenants, certFiles                                                                         listFlag
	jit, idpInitiated, allowSHA1                                                               *bool
}

func connectionFlags(fs *flag.FlagSet) *connectionFlagSet {
	f := &connectionFlagSet{
		name:         fs.String("name", "", "the button says \"Continue with\" it (required for oidc and saml)"),
		issuer:       fs.String("issuer", "", "OpenID issuer URL (oidc; google: overrides https://accounts.google.com)"),
		authority:    fs.String("authority", "", "microsoft: overrides https://login.microsoftonline.com"),
		clientID:     fs.String("client-id", "", "OAuth client (application) id"),
		secretFile:   fs.String("client-secret-file", "", "file holding the client secret (add: or set LATCHKEY_CLIENT_SECRET)"),
		jit:          fs.Bool("jit", false, "just-in-time provisioning: create a member at their first sign-in (--jit=false: off)"),
		metadataFile: fs.String("metadata-file", "", "saml: the IdP's metadata XML file"),
		metadataURL:  fs.String("metadata-url", "", "saml: the IdP's metadata URL (https; refreshed daily; edit: \"\" stops the refresh)"),
		entityID:     fs.String("idp-entity-id", "", "saml: the IdP's entity ID"),
		ssoURL:       fs.String("idp-sso-url", "", "saml: the IdP's single sign-on URL (HTTP-Redirect)"),
		idpInitiated: fs.Bool("idp-initiated", false, "saml: accept IdP-initiated sign-in (--idp-initiated=false: refuse it)"),
		allowSHA1:    fs.Bool("allow-sha1", false, "saml: accept RSA-SHA1 signatures from an old IdP"),
	}
	fs.Var(refusedFlag{}, "client-secret", "refused: use --client-secret-file or LATCHKEY_CLIENT_SECRET")
	fs.Var(&f.tenants, "tenant", "microsoft: an allowed directory (tenant) id; repeat for more (edit: replaces the list)")
	fs.Var(&f.certFiles, "idp-cert-file", "saml: a PEM file with the IdP's signing certificate; twice for a rollover (edit: replaces them)")
	return f
}

// files reads what the flags name: the client secret, the metadata and the certificates.
func (f *connectionFlagSet) files() (secret, metadata string, certs []string, err error) {
	read := func(path, what string) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read the %s: %w", what, err)
		}
		return string(b), nil
	}
	if *f.secretFile != "" {
		if secret, err = read(*f.secretFile, "client secret"); err != nil {
			return "", "", nil, err
		}
		secret = strings.TrimSpace(secret)
	}
	if *f.metadataFile != "" {
		if metadata, err = read(*f.metadataFile, "metadata"); err != nil {
			return "", "", nil, err
		}
	}
	for _, p := range f.certFiles {
		pem, err := read(p, "certificate")
		if err != nil {
			return "", "", nil, err
		}
		certs = append(certs, pem)
	}
	return secret, metadata, certs, nil
}

// printURLs prints the addresses to register at the provider.
func (m *Main) printURLs(ws latchkey.Workspace, c latchkey.Connection) {
	u := m.Service.ConnectionURLs(ws, c)
	if c.OIDC() {
		fmt.Fprintf(m.Stdout, "Callback URL: %s\n", u.Callback)
		return
	}
	fmt.Fprintf(m.Stdout, "SP entity ID: %s\n", u.EntityID)
	fmt.Fprintf(m.Stdout, "ACS URL: %s\n", u.Callback)
	fmt.Fprintf(m.Stdout, "SP metadata URL: %s\n", u.Metadata)
}

func (m *Main) connectionList(ctx context.Context, args []string) error {
	fs := m.flags("connection list")
	slug := fs.String("workspace", "", "workspace slug")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *slug == "" {
		return errors.New("connection list needs --workspace")
	}
	ws, err := m.openWorkspace(ctx, *slug)
	if err != nil {
		return err
	}
	defer m.Close()
	cs, err := m.Store.Connections(ctx, ws.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tNAME\tENABLED\tJIT\tCALLBACK URL")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Kind, c.Name, yesNo(c.Enabled), yesNo(c.JIT), m.Service.ConnectionURLs(ws, c).Callback)
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (m *Main) connectionOne(ctx context.Context, sub string, args []string) error {
	fs := m.flags("connection " + sub)
	slug := fs.String("workspace", "", "workspace slug")
	id := fs.String("connection", "", "connection ID (see latchkey connection list)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *slug == "" || *id == "" {
		return fmt.Errorf("connection %s needs --workspace and --connection", sub)
	}
	ws, err := m.openWorkspace(ctx, *slug)
	if err != nil {
		return err
	}
	defer m.Close()
	in := admin.ConnectionAction{Workspace: ws, ConnectionID: *id, Actor: latchkey.OperatorActor()}
	var c latchkey.Connection
	switch sub {
	case "show":
		c, err = m.Store.Connection(ctx, ws.ID, *id)
	case "enable", "disable":
		c, err = m.Admin.SetConnectionEnabled(ctx, in, sub == "enable")
	case "remove":
		c, err = m.Admin.RemoveConnection(ctx, in)
	}
	if errors.Is(err, latchkey.ErrNotFound) {
		return fmt.Errorf("workspace %s has no connection %s (see latchkey connection list)", ws.Slug, *id)
	}
	if err != nil {
		return userError(err)
	}
	switch sub {
	case "enable":
		fmt.Fprintf(m.Stdout, "Connection %s (%s) is enabled: its button is on the sign-in page\n", c.ID, c.Name)
	case "disable":
		fmt.Fprintf(m.Stdout, "Connection %s (%s) is disabled: its button is gone\n", c.ID, c.Name)
	case "remove":
		fmt.Fprintf(m.Stdout, "Removed connection %s (%s) and the identities linked through it\n", c.ID, c.Name)
	case "show":
		m.showConnection(ws, c)
	}
	return nil
}

func (m *Main) showConnection(ws latchkey.Workspace, c latchkey.Connection) {
	p := func(k, v string) { fmt.Fprintf(m.Stdout, "%s: %s\n", k, v) }
	p("ID", c.ID)
	p("Kind", string(c.Kind))
	p("Name", c.Name)
	p("Enabled", yesNo(c.Enabled))
	p("JIT", yesNo(c.JIT))
	p("Position", fmt.Sprint(c.Position+1))
	if c.OIDC() {
		if c.Kind == latchkey.KindMicrosoft {
			p("Authority", orDefault(c.Issuer))
			p("Tenants", strings.Join(c.Tenants, ", "))
		} else {
			p("Issuer", orDefault(c.Issuer))
		}
		p("Client ID", c.ClientID)
		p("Client secret", "(sealed)")
	} else {
		p("IdP entity ID", c.IdPEntityID)
		p("IdP SSO URL", c.IdPSSOURL)
		p("IdP certificates", fmt.Sprint(len(c.IdPCerts)))
		if c.MetadataURL != "" {
			p("IdP metadata URL", c.MetadataURL)
			p("Metadata fetched", c.MetadataFetchedAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
		p("IdP-initiated", yesNo(c.IdPInitiated))
		p("Allow SHA-1", yesNo(c.AllowSHA1))
	}
	m.printURLs(ws, c)
	for _, w := range m.Admin.ConnectionWarnings(c) {
		p("Warning", w)
	}
}

func orDefault(s string) string {
	if s == "" {
		return "(default)"
	}
	return s
}

// workspaceDomains adds and removes approved domains, then prints the list, one a line.
func (m *Main) workspaceDomains(ctx context.Context, args []string) error {
	fs := m.flags("workspace domains")
	slug := fs.String("workspace", "", "workspace slug")
	var add, remove listFlag
	fs.Var(&add, "add", "approve a company domain; repeat for more")
	fs.Var(&remove, "remove", "withdraw a domain; repeat for more")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *slug == "" {
		return errors.New("workspace domains needs --workspace")
	}
	ws, err := m.openWorkspace(ctx, *slug)
	if err != nil {
		return err
	}
	defer m.Close()
	for _, d := range add {
		if _, err := m.Admin.AddDomain(ctx, admin.DomainAction{Workspace: ws, Domain: d, Actor: latchkey.OperatorActor()}); err != nil && latchkey.ErrorCode(err) != latchkey.CodeConflict {
			return fmt.Errorf("%s: %w", d, userError(err))
		}
	}
	for _, d := range remove {
		if err := m.Admin.RemoveDomain(ctx, admin.DomainAction{Workspace: ws, Domain: d, Actor: latchkey.OperatorActor()}); errors.Is(err, latchkey.ErrNotFound) {
			return fmt.Errorf("%s is not an approved domain of %s", d, ws.Slug)
		} else if err != nil {
			return err
		}
	}
	ds, err := m.Store.Domains(ctx, ws.ID)
	if err != nil {
		return err
	}
	for _, d := range ds {
		fmt.Fprintln(m.Stdout, d)
	}
	if len(ds) == 0 {
		fmt.Fprintf(m.Stderr, "%s has no approved domains: every SSO sign-in is refused\n", ws.Slug)
	}
	return nil
}

// workspacePolicy sets password sign-in, required two-factor and passkey sign-in, then prints
// the three.
func (m *Main) workspacePolicy(ctx context.Context, args []string) error {
	fs := m.flags("workspace policy")
	slug := fs.String("workspace", "", "workspace slug")
	pw := fs.String("password-sign-in", "", "on or off (off needs an enabled SSO connection)")
	tfa := fs.String("require-2fa", "", "on or off")
	pk := fs.String("passkey-sign-in", "", "on or off: members may sign in with a passkey, without a password")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *slug == "" {
		return errors.New("workspace policy needs --workspace")
	}
	p := admin.PolicySwitches{Actor: latchkey.OperatorActor()}
	onOff := func(name, v string) (*bool, error) {
		switch v {
		case "":
			return nil, nil
		case "on":
			b := true
			return &b, nil
		case "off":
			b := false
			return &b, nil
		}
		return nil, fmt.Errorf("%s takes on or off, not %q", name, v)
	}
	on, err := onOff("--password-sign-in", *pw)
	if err != nil {
		return err
	}
	if on != nil {
		off := !*on
		p.PasswordSignInOff = &off
	}
	if p.Require2FA, err = onOff("--require-2fa", *tfa); err != nil {
		return err
	}
	if p.PasskeySignIn, err = onOff("--passkey-sign-in", *pk); err != nil {
		return err
	}
	ws, err := m.openWorkspace(ctx, *slug)
	if err != nil {
		return err
	}
	defer m.Close()
	p.Workspace = ws
	if ws, err = m.Admin.SetPolicySwitches(ctx, p); err != nil {
		return userError(err)
	}
	state := map[bool]string{true: "on", false: "off"}
	fmt.Fprintf(m.Stdout, "password sign-in: %s\nrequire 2fa: %s\npasskey sign-in: %s\n", state[!ws.Policy.PasswordSignInOff], state[ws.Policy.Require2FA], state[!ws.Policy.PasskeySignInOff])
	return nil
}
