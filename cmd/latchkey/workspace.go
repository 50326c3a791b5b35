package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
)

func (m *Main) workspaceCommand(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, "usage: latchkey workspace create|list|domains|policy [flags]\n")
		return errUsage
	}
	switch args[0] {
	case "create":
		return m.workspaceCreate(ctx, args[1:])
	case "list":
		return m.workspaceList(ctx, args[1:])
	case "domains":
		return m.workspaceDomains(ctx, args[1:])
	case "policy":
		return m.workspacePolicy(ctx, args[1:])
	}
	fmt.Fprintf(m.Stderr, "latchkey workspace: unknown command %q (create, list, domains, policy)\n", args[0])
	return errUsage
}

func (m *Main) workspaceCreate(ctx context.Context, args []string) error {
	fs := m.flags("workspace create")
	var in admin.NewWorkspace
	fs.StringVar(&in.Slug, "slug", "", "workspace name in its URL: 3–63 of a-z, 0-9 and -")
	fs.StringVar(&in.Name, "name", "", "display name, e.g. \"Acme Corp\"")
	fs.StringVar(&in.AdminEmail, "admin-email", "", "email of the first administrator")
	fs.StringVar(&in.AdminName, "admin-name", "", "name of the first administrator (optional)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if missing := missingFlags(map[string]string{"--slug": in.Slug, "--name": in.Name, "--admin-email": in.AdminEmail}); missing != "" {
		return fmt.Errorf("workspace create needs %s", missing)
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	ws, first, _, err := m.Admin.CreateWorkspace(ctx, in)
	m.deliver(ctx)
	if err != nil && ws.ID == "" {
		return userError(err)
	}
	fmt.Fprintf(m.Stdout, "Created workspace %q at %s\n", ws.Name, m.workspaceURL(ws))
	fmt.Fprintf(m.Stdout, "First administrator: %s (invited)\n", first.Email)
	if err != nil {
		return fmt.Errorf("the welcome email could not be sent (%w); fix the mail settings, then run: latchkey account resend --workspace %s --email %s", err, ws.Slug, first.Email)
	}
	fmt.Fprintf(m.Stdout, "Sent the welcome email (%s) to %s%s\n", latchkey.SubjectWelcome, first.Email, m.mailWhere())
	return nil
}

func (m *Main) workspaceList(ctx context.Context, args []string) error {
	if err := m.flags("workspace list").Parse(args); err != nil {
		return errUsage
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	all, err := m.Store.Workspaces(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME\tURL\tCREATED")
	for _, w := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.Slug, w.Name, m.workspaceURL(w), w.CreatedAt.Format("2006-01-02"))
	}
	return tw.Flush()
}

// mailWhere says where the outbox put mail, when mail is not sent by SMTP.
func (m *Main) mailWhere() string {
	if m.Config.SMTP != "" {
		return ""
	}
	return " (written to the outbox folder " + m.Config.DataDir + "/outbox)"
}

// missingFlags names the required flags that are empty, or returns "".
func missingFlags(required map[string]string) string {
	var missing []string
	for _, name := range []string{"--workspace", "--slug", "--name", "--email", "--admin-email"} {
		if v, ok := required[name]; ok && strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	return strings.Join(missing, ", ")
}

// subcommand reads the subcommand, one of subs, of command: the words of command after the
// first ("token" of "api token") must begin args, then comes the subcommand; rest is what
// follows it. Short or other leading words print usage; an unknown subcommand is named with
// the known ones. Both are errUsage.
func (m *Main) subcommand(command, usage string, args []string, subs ...string) (sub string, rest []string, err error) {
	lead := strings.Fields(command)[1:]
	if len(args) <= len(lead) || !slices.Equal(args[:len(lead)], lead) {
		fmt.Fprint(m.Stderr, usage)
		return "", nil, errUsage
	}
	sub = args[len(lead)]
	if !slices.Contains(subs, sub) {
		fmt.Fprintf(m.Stderr, "latchkey %s: unknown command %q (%s)\n", command, sub, strings.Join(subs, ", "))
		return "", nil, errUsage
	}
	return sub, args[len(lead)+1:], nil
}

// workspaceBySlug finds the workspace with this slug in the open store, naming a missing one
// for the terminal.
func (m *Main) workspaceBySlug(ctx context.Context, slug string) (latchkey.Workspace, error) {
	ws, err := m.Store.WorkspaceBySlug(ctx, slug)
	if errors.Is(err, latchkey.ErrNotFound) {
		return ws, fmt.Errorf("there is no workspace %q (see latchkey workspace list)", slug)
	}
	return ws, err
}

// userError turns an expected error into its message, for the terminal.
func userError(err error) error {
	var le *latchkey.Error
	if errors.As(err, &le) && le.Code != latchkey.CodeInternal {
		return errors.New(le.Message)
	}
	return err
}
