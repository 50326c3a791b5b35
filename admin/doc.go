// Package admin runs the administration of workspaces: creating a workspace and inviting
// members; suspending, reactivating, unlocking, promoting, demoting and removing them; the
// workspace's security policy; ending members' sessions; SSO connections, approved domains and
// identity links; API tokens. There is no net/http here: package web's console and the command
// line (cmd/latchkey) call the same methods.
//
// Every input names its latchkey.Actor: the signed-in administrator (latchkey.AdminActor) from
// the console, the operator (latchkey.OperatorActor) from the command line. Each method checks
// it first (latchkey.Actor.CheckAdmin: CodeForbidden with MsgAdminOnly for anyone else, a
// token included) and records its id in the audit event (Event.ActorID; "" for the operator).
//
// A workspace always keeps an active administrator: a change that would leave none is refused,
// also when two administrators demote each other at once (see updateMember).
//
// Turning password sign-in off needs an enabled SSO connection, and the last enabled
// connection cannot be disabled or removed while it is off (keepOneEnabled); the operator can
// always turn password sign-in back on (SetPolicySwitches).
//
// The Service depends on the store interfaces it uses (Store), and on the sign-in service for
// what both share rather than copy: set-password and reset links and their mail, the sign-in
// limits UnlockMember clears, the operator's session limits that bound a workspace's, the
// addresses of a connection, the sealing of client secrets and the client that fetches IdP
// metadata (which refuses private networks). admin imports signin, never the reverse.
package admin
