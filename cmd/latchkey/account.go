package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/admin"
)

func (m *Main) accountCommand(ctx context.Context, args []string) error {
	sub, rest, err := m.subcommand("account", "usage: latchkey account invite|resend|suspend|activate|unlock|reset-2fa --workspace SLUG --email EMAIL\n",
		args, "invite", "resend", "suspend", "activate", "unlock", "reset-2fa")
	if err != nil {
		return err
	}
	fs := m.flags("account " + sub)
	slug := fs.String("workspace", "", "workspace slug")
	email := fs.String("email", "", "account email")
	role := fs.String("role", "member", "invite: member or admin")
	name := fs.String("name", "", "invite: the person's name (optional)")
	if err := fs.Parse(rest); err != nil {
		return errUsage
	}
	if missing := missingFlags(map[string]string{"--workspace": *slug, "--email": *email}); missing != "" {
		return fmt.Errorf("account %s needs %s", sub, missing)
	}
	r, err := latchkey.ParseRole(*role)
	if err != nil {
		return userError(err)
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
	case "invite":
		a, _, err := m.Admin.Invite(ctx, admin.NewMember{Workspace: ws, Email: *email, Name: *name, Role: r, Actor: latchkey.OperatorActor()})
		m.deliver(ctx)
		if err != nil && a.ID == "" {
			return userError(err)
		}
		if err != nil {
			return fmt.Errorf("invited %s, but the invitation email could not be sent (%w); run latchkey account resend once mail works", a.Email, err)
		}
		fmt.Fprintf(m.Stdout, "Invited %s as %s to %s; invitation sent%s\n", a.Email, a.Role, ws.Name, m.mailWhere())
	case "resend", "unlock", "reset-2fa", "suspend", "activate":
		// The operator acts through the administrators' own methods, as an actor without an
		// account (the audit event has no actor id).
		a, err := m.Store.AccountByEmail(ctx, ws.ID, *email)
		if err != nil {
			return notFoundAccount(err, *email, ws)
		}
		in := admin.MemberAction{Workspace: ws, AccountID: a.ID, Actor: latchkey.OperatorActor()}
		switch sub {
		case "resend":
			_, err = m.Admin.ReinviteMember(ctx, in)
			m.deliver(ctx)
			if err != nil {
				return notFoundAccount(err, *email, ws)
			}
			fmt.Fprintf(m.Stdout, "Sent a fresh invitation to %s; the old link no longer works%s\n", *email, m.mailWhere())
		case "unlock":
			if _, err := m.Admin.UnlockMember(ctx, in); err != nil {
				return notFoundAccount(err, *email, ws)
			}
			fmt.Fprintf(m.Stdout, "Cleared the sign-in limits of %s; they can sign in at once\n", a.Email)
		case "reset-2fa":
			// The operator is not asked for a password: the way back in for a workspace whose
			// only administrator lost their phone and recovery codes.
			_, err = m.Admin.ResetTwoFactor(ctx, admin.TwoFactorReset{MemberAction: in})
			m.deliver(ctx)
			if err != nil {
				return notFoundAccount(err, *email, ws)
			}
			fmt.Fprintf(m.Stdout, "Reset the two-factor authentication of %s and signed them out everywhere; they were told by email%s\n", a.Email, m.mailWhere())
		default:
			// An account already in the wanted state is left as it is ("activate" leaves an
			// account that never set a password invited).
			if sub == "suspend" && a.Status != latchkey.StatusSuspended {
				a, err = m.Admin.SuspendMember(ctx, in)
			} else if sub == "activate" && a.Status == latchkey.StatusSuspended {
				a, err = m.Admin.ReactivateMember(ctx, in)
			}
			if err != nil {
				return notFoundAccount(err, *email, ws)
			}
			fmt.Fprintf(m.Stdout, "%s is now %s\n", a.Email, a.Status)
		}
	}
	return nil
}

func notFoundAccount(err error, email string, ws latchkey.Workspace) error {
	if errors.Is(err, latchkey.ErrNotFound) {
		return fmt.Errorf("workspace %s has no account %s", ws.Slug, email)
	}
	return userError(err)
}
