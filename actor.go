package latchkey

// ActorKind says who performs an administrative action.
type ActorKind string

// The actor kinds.
const (
	ActorAdmin    ActorKind = "admin"    // a signed-in administrator of the workspace
	ActorOperator ActorKind = "operator" // the operator at the command line, who has no account
	ActorToken    ActorKind = "token"    // a machine credential (a SCIM or API token)
)

// Actor is who performs an administrative action, carried by the action and recorded in its
// audit event (Event.ActorID), so that the console and the command line share one method per
// action and the log says who did it.
type Actor struct {
	Kind    ActorKind
	Account Account // ActorAdmin: the administrator, as the session check returned them
	TokenID string  // ActorToken
}

// AdminActor is the signed-in administrator a.
func AdminActor(a Account) Actor { return Actor{Kind: ActorAdmin, Account: a} }

// OperatorActor is the operator at the command line.
func OperatorActor() Actor { return Actor{Kind: ActorOperator} }

// TokenActor is the token with this id.
func TokenActor(id string) Actor { return Actor{Kind: ActorToken, TokenID: id} }

// ID is what an audit event records as its ActorID: the administrator's account id, the
// token's id, or "" for the operator.
func (a Actor) ID() string {
	switch a.Kind {
	case ActorAdmin:
		return a.Account.ID
	case ActorToken:
		return a.TokenID
	}
	return ""
}

// CheckAdmin refuses an actor who may not administer workspace w: anyone but the operator and
// an active administrator of w (a token administers nothing yet). Returns CodeForbidden with
// MsgAdminOnly.
func (a Actor) CheckAdmin(w Workspace) error {
	switch a.Kind {
	case ActorOperator:
		return nil
	case ActorAdmin:
		if a.Account.ID != "" && a.Account.WorkspaceID == w.ID && a.Account.ActiveAdmin() {
			return nil
		}
	}
	return NewError(CodeForbidden, "", MsgAdminOnly)
}
