package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
)

func (m *Main) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("latchkey "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	m.Config.register(fs)
	return fs
}

func (m *Main) serveCommand(ctx context.Context, args []string) error {
	fs := m.flags("serve")
	demo := fs.Bool("demo", false, "also create a demo workspace (acme) with an admin and a member, and print how to sign in")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if err := m.Start(ctx); err != nil {
		m.Close()
		return err
	}
	defer m.Close()
	if *demo {
		d, err := m.ensureDemo(ctx)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintf(m.Stdout, `
latchkey demo is running.

  Open %s and sign in as
    administrator: %s   password: %s
    member:        %s   password: %s

  The central address %s shows the find-your-workspace page.
  Mail is written to %s.
  Press Ctrl+C to stop.

`, m.Service.WorkspaceURL(d.Slug), d.AdminEmail, d.AdminPassword, d.MemberEmail, d.MemberPassword,
			m.Config.baseURL, filepath.Join(m.Config.DataDir, "outbox"))
	}
	<-ctx.Done()
	m.Log.Info("shutting down")
	return nil
}

// demo is the demo workspace and its credentials, kept in <data-dir>/demo.json (0600) so that
// later runs print the same passwords.
type demo struct {
	Slug           string `json:"slug"`
	AdminEmail     string `json:"admin_email"`
	AdminPassword  string `json:"admin_password"`
	MemberEmail    string `json:"member_email"`
	MemberPassword string `json:"member_password"`
}

// ensureDemo creates the demo workspace and accounts if they are missing, with passwords
// generated on the first run and read back on later ones.
func (m *Main) ensureDemo(ctx context.Context) (demo, error) {
	path := filepath.Join(m.Config.DataDir, "demo.json")
	var d demo
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &d); err != nil {
			return demo{}, fmt.Errorf("%s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		d = demo{Slug: "acme", AdminEmail: "admin@acme.test", AdminPassword: generatePassword(), MemberEmail: "member@acme.test", MemberPassword: generatePassword()}
		b, _ := json.MarshalIndent(d, "", "  ")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return demo{}, err
		}
	default:
		return demo{}, err
	}

	ws, err := m.Store.WorkspaceBySlug(ctx, d.Slug)
	if errors.Is(err, latchkey.ErrNotFound) {
		ws, _, _, err = m.Admin.CreateWorkspace(ctx, admin.NewWorkspace{Slug: d.Slug, Name: "Acme Corp", AdminEmail: d.AdminEmail, AdminName: "Ada Admin"})
	}
	if err != nil {
		return demo{}, err
	}
	if err := m.ensureDemoAccount(ctx, ws, d.AdminEmail, "Ada Admin", latchkey.RoleAdmin, d.AdminPassword); err != nil {
		return demo{}, err
	}
	if err := m.ensureDemoAccount(ctx, ws, d.MemberEmail, "Max Member", latchkey.RoleMember, d.MemberPassword); err != nil {
		return demo{}, err
	}
	if err := m.ensureDemoInventory(ctx, ws, d); err != nil {
		return demo{}, fmt.Errorf("demo inventory: %w", err)
	}
	return d, nil
}

// ensureDemoAccount makes the account exist, active, with this password.
func (m *Main) ensureDemoAccount(ctx context.Context, ws latchkey.Workspace, email, name string, role latchkey.Role, pw string) error {
	a, err := m.Store.AccountByEmail(ctx, ws.ID, email)
	if errors.Is(err, latchkey.ErrNotFound) {
		now := m.Service.Now().UTC()
		a = latchkey.Account{ID: latchkey.NewID(), WorkspaceID: ws.ID, Email: email, Name: name, Role: role, Status: latchkey.StatusInvited, CreatedAt: now, UpdatedAt: now}
		err = m.Store.CreateAccount(ctx, a)
	}
	if err != nil {
		return err
	}
	if ok, _ := m.Passwords.Verify(ctx, pw, a.PasswordHash); ok && a.Status == latchkey.StatusActive {
		return nil
	}
	hash, err := m.Passwords.Hash(ctx, pw)
	if err != nil {
		return err
	}
	err = m.Store.UpdateAccount(ctx, ws.ID, a.ID, func(acc *latchkey.Account) error {
		acc.PasswordHash, acc.Status, acc.UpdatedAt = hash, latchkey.StatusActive, m.Service.Now().UTC()
		return nil
	})
	if err != nil {
		return err
	}
	// Activated here, not through its welcome link: that link, which the log printed, must
	// not take the account over later.
	_, err = m.Store.DeleteAccountTokens(ctx, ws.ID, a.ID, latchkey.PurposeSetPassword)
	return err
}

// generatePassword returns a random password of 20 characters from an alphabet without
// look-alikes (about 115 bits).
func generatePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	r := make([]byte, 20)
	randRead(r)
	for i := range b {
		b[i] = alphabet[int(r[i])%len(alphabet)]
	}
	return string(b)
}
