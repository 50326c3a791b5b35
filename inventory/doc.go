// Package inventory is the IT side of a workspace: its hardware, its software with licence
// seats, and the requests members open, with no net/http. It stands beside the sign-in flows
// (package signin) and shares nothing with them but the domain types and the store.
//
// Every action takes an Actor, the signed-in account, and decides on the server what that
// account may do:
//
//	                       admin                member
//	hardware               all: add, edit,      only items assigned to them, read-only
//	                       assign, retire, CSV
//	software               all: add, edit,      only software they hold a seat of; they see
//	                       seats, CSV           no other assignees
//	licence key reveal     yes, audited         only as an assignee, audited
//	requests               all: status,         open, see and comment on their own only
//	                       assignee, comment
//
// What a member may not see is answered with latchkey.ErrNotFound, exactly as if it did not
// exist, so that guessing IDs tells nothing; what a member may see but not do is CodeForbidden.
// Every store call is scoped to the actor's workspace, so nothing crosses workspaces. Every
// change, and every reveal of a licence key, is an audit event (hardware.*, software.*,
// request.*): the actor is its ActorID and the member concerned, if any, its AccountID.
//
// Licence keys are sealed with the server keyring, bound to workspace and software ID
// (latchkey.SoftwareKeyAAD); no read returns them, not even sealed: RevealLicenceKey does.
//
// A request's life:
//
//	open ──► in progress ──► resolved ──► closed
//	  ▲___________│_______________│  (an administrator may set any status from any other)
//
// Each change of status emails the requester (mail.TemplateRequestStatus) through the mail
// queue, so that the answer never waits for the mail server.
//
// CSV import checks every row before it writes any: a bad file yields a report of every bad
// row and line, and nothing is imported; a good file is written in one store transaction.
package inventory
