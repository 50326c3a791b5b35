package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/scim"
	"github.com/latchkey/latchkey/web"
)

// newSCIM is the SCIM handler of this process, over its store; serve mounts it and the token
// commands act through it, so that both audit alike.
func (m *Main) newSCIM() (*scim.Handler, error) {
	h, err := scim.New(scim.Config{Store: m.Store, Domains: m.Store, Now: m.Service.Now, Log: m.Log,
		ClientAddr: web.ClientAddr(m.Config.proxies)})
	if err != nil {
		return nil, fmt.Errorf("scim: %w", err)
	}
	return h, nil
}

// scimCommand runs latchkey scim token create|list|revoke.
func (m *Main) scimCommand(ctx context.Context, args []string) error {
	const use = "usage: latchkey scim token create|list|revoke --workspace SLUG [--name NAME] [--token ID]\n"
	sub, rest, err := m.subcommand("scim token", use, args, "create", "list", "revoke")
	if err != nil {
		return err
	}
	fs := m.flags("scim token " + sub)
	slug := fs.String("workspace", "", "workspace slug")
	name := fs.String("name", "SCIM", "create: a label for the token, such as the identity provider's name")
	id := fs.String("token", "", "revoke: the token's ID (see latchkey scim token list)")
	if err := fs.Parse(rest); err != nil {
		return errUsage
	}
	if missing := missingFlags(map[string]string{"--workspace": *slug}); missing != "" {
		return fmt.Errorf("scim token %s needs %s", sub, missing)
	}
	if sub == "revoke" && *id == "" {
		return fmt.Errorf("scim token revoke needs --token")
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	ws, err := m.workspaceBySlug(ctx, *slug)
	if err != nil {
		return err
	}
	h, err := m.newSCIM()
	if err != nil {
		return err
	}
	switch sub {
	case "create":
		secret, tok, err := h.CreateToken(ctx, ws.ID, *name, "")
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(m.Stdout, "id: %s\nname: %s\nbase_url: %s\ntoken: %s\n", tok.ID, tok.Name, m.scimBaseURL(ws), secret)
		fmt.Fprintln(m.Stderr, "The token is shown only this once: paste it and the base URL into your identity provider.")
	case "list":
		toks, err := m.Store.SCIMTokens(ctx, ws.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED\tREVOKED")
		for _, t := range toks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, cliTime(t.CreatedAt), cliTime(t.LastUsedAt), cliTime(t.RevokedAt))
		}
		return tw.Flush()
	case "revoke":
		err := h.RevokeToken(ctx, ws.ID, *id, "")
		if errors.Is(err, latchkey.ErrNotFound) {
			return fmt.Errorf("workspace %s has no live SCIM token %q (see latchkey scim token list)", ws.Slug, *id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Revoked SCIM token %s of %s; an identity provider still using it is refused\n", *id, ws.Slug)
	}
	return nil
}

// scimBaseURL is the workspace's SCIM endpoint, https://<slug>.<base host>/scim/v2.
func (m *Main) scimBaseURL(ws latchkey.Workspace) string {
	return m.workspaceURL(ws) + "/scim/v2"
}

// cliTime prints a time for a table, "-" for none.
func cliTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
