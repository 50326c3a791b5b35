package latchkey_test

import (
	"testing"

	"github.com/latchkey/latchkey"
)

func TestActorCheckAdmin(t *testing.T) {
	w := latchkey.Workspace{ID: "ws1"}
	admin := latchkey.Account{ID: "a1", WorkspaceID: "ws1", Role: latchkey.RoleAdmin, Status: latchkey.StatusActive}
	with := func(fn func(*latchkey.Account)) latchkey.Account {
		a := admin
		fn(&a)
		return a
	}
	tests := []struct {
		name  string
		actor latchkey.Actor
		ok    bool
	}{
		{"the operator", latchkey.OperatorActor(), true},
		{"an active administrator", latchkey.AdminActor(admin), true},
		{"a member", latchkey.AdminActor(with(func(a *latchkey.Account) { a.Role = latchkey.RoleMember })), false},
		{"a suspended administrator", latchkey.AdminActor(with(func(a *latchkey.Account) { a.Status = latchkey.StatusSuspended })), false},
		{"an invited administrator", latchkey.AdminActor(with(func(a *latchkey.Account) { a.Status = latchkey.StatusInvited })), false},
		{"an administrator of another workspace", latchkey.AdminActor(with(func(a *latchkey.Account) { a.WorkspaceID = "ws2" })), false},
		{"the zero account", latchkey.AdminActor(latchkey.Account{}), false},
		{"a token", latchkey.TokenActor("t1"), false},
		{"the zero actor", latchkey.Actor{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.actor.CheckAdmin(w)
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckAdmin = %v, want nil", err)
				}
				return
			}
			if latchkey.ErrorCode(err) != latchkey.CodeForbidden || latchkey.ErrorMessage(err) != latchkey.MsgAdminOnly {
				t.Fatalf("CheckAdmin = %v, want CodeForbidden with MsgAdminOnly", err)
			}
		})
	}
}
