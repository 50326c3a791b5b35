package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
	"github.com/latchkey/latchkey/signin"
)

const apiUsage = `usage: latchkey api token create --workspace S [--name N] [--scope read|read-write] [--as EMAIL]
       latchkey api token list --workspace S
       latchkey api token revoke --workspace S (--id ID | --name N)
`

// apiCommand administers the API tokens of a workspace.
func (m *Main) apiCommand(ctx context.Context, args []string) error {
	sub, rest, err := m.subcommand("api token", apiUsage, args, "create", "list", "revoke")
	if err != nil {
		return err
	}
	fs := m.flags("api token " + sub)
	slug := fs.String("workspace", "", "workspace slug")
	name := fs.String("name", "", "create: the token's name (default \"API token\"); revoke: the live token with this name")
	scope := fs.String("scope", "read", "create: read or read-write")
	as := fs.String("as", "", "create: email of the active administrator whose rights the token has (default: the first by email)")
	id := fs.String("id", "", "revoke: the token's ID (see list)")
	if err := fs.Parse(rest); err != nil {
		return errUsage
	}
	if missing := missingFlags(map[string]string{"--workspace": *slug}); missing != "" {
		return fmt.Errorf("api token %s needs %s", sub, missing)
	}
	sc, err := latchkey.ParseAPITokenScope(*scope)
	if err != nil {
		return userError(err)
	}
	if sub == "revoke" && *id == "" && *name == "" {
		return errors.New("api token revoke needs --id or --name")
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	ws, err := m.workspaceBySlug(ctx, *slug)
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		return m.apiTokenCreate(ctx, ws, *as, *name, sc)
	case "list":
		return m.apiTokenList(ctx, ws)
	}
	return m.apiTokenRevoke(ctx, ws, *id, *name)
}

func (m *Main) apiTokenCreate(ctx context.Context, ws latchkey.Workspace, as, name string, sc latchkey.APITokenScope) error {
	if as == "" {
		admins, err := m.Store.Accounts(ctx, ws.ID, latchkey.AccountFilter{Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, Limit: 1})
		if err != nil {
			return err
		}
		if len(admins) == 0 {
			return fmt.Errorf("workspace %s has no active administrator for the token to act as: one must set their password first", ws.Slug)
		}
		as = admins[0].Email
	}
	t, secret, err := m.Admin.CreateAPIToken(ctx, admin.NewAPIToken{Workspace: ws, Actor: latchkey.OperatorActor(), OwnerEmail: as, Name: name, Scope: sc})
	if errors.Is(err, latchkey.ErrNotFound) {
		return fmt.Errorf("workspace %s has no account %s", ws.Slug, as)
	}
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(m.Stderr, "Created %s token %q (%s) acting as %s. It is shown only once:\n", t.Scope, t.Name, t.ID, as)
	fmt.Fprintln(m.Stdout, secret)
	return nil
}

func (m *Main) apiTokenList(ctx context.Context, ws latchkey.Workspace) error {
	ts, err := m.Admin.APITokens(ctx, ws, latchkey.OperatorActor())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPE\tHINT\tCREATED\tLAST USED\tSTATUS")
	for _, t := range ts {
		used, status := "never", "live"
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.UTC().Format("2006-01-02 15:04")
		}
		if t.Revoked() {
			status = "revoked " + t.RevokedAt.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t…%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Scope, t.Hint, t.CreatedAt.UTC().Format("2006-01-02"), used, status)
	}
	return tw.Flush()
}

func (m *Main) apiTokenRevoke(ctx context.Context, ws latchkey.Workspace, id, name string) error {
	if id == "" {
		ts, err := m.Admin.APITokens(ctx, ws, latchkey.OperatorActor())
		if err != nil {
			return err
		}
		var live []latchkey.APIToken
		for _, t := range ts {
			if !t.Revoked() && t.Name == name {
				live = append(live, t)
			}
		}
		switch len(live) {
		case 0:
			return fmt.Errorf("workspace %s has no live token named %q", ws.Slug, name)
		case 1:
			id = live[0].ID
		default:
			return fmt.Errorf("workspace %s has %d live tokens named %q: revoke one by --id (see latchkey api token list)", ws.Slug, len(live), name)
		}
	}
	t, err := m.Admin.RevokeAPIToken(ctx, ws, latchkey.OperatorActor(), id, signin.Client{})
	if errors.Is(err, latchkey.ErrNotFound) {
		return fmt.Errorf("workspace %s has no live token %s", ws.Slug, id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Revoked token %q (%s): requests that send it are refused\n", t.Name, t.ID)
	return nil
}
