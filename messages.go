package latchkey

// Every sentence a user may see, word for word from SPEC.md and the seeds where they give one.
const (
	MsgBadCredentials  = "Those credentials do not match our records"
	MsgTooManyAttempts = "Too many login attempts"
	MsgNotActive       = "This account is not active"
	MsgInternal        = "Something went wrong on our side. Please try again in a moment."
	MsgNotFound        = "Not found"
	MsgConflict        = "That already exists"

	MsgEmailRequired    = "Enter your email address"
	MsgEmailInvalid     = "Enter a valid email address, like name@example.com"
	MsgPasswordRequired = "Enter your password"

	MsgPasswordTooShort  = "Use at least 12 characters for your password"
	MsgPasswordTooLong   = "Use at most 256 bytes for your password"
	MsgPasswordMismatch  = "The passwords do not match"
	MsgLinkInvalid       = "This link is invalid or has expired. Ask your administrator to send you a new one."
	MsgPasswordSet       = "Your password is set. Sign in with your email and new password."
	MsgSignedOut         = "You have signed out."
	MsgSessionEnded      = "Your session has ended. Sign in again to continue."
	MsgFormExpired       = "This form has expired. Please try again."
	MsgWorkspaceRequired = "Enter your workspace name"
	MsgWorkspaceUnknown  = "We could not find that workspace. Check the name in your welcome email or ask your administrator."

	MsgSlugInvalid  = "Workspace names use 3 to 63 lowercase letters, digits and hyphens, and do not start or end with a hyphen"
	MsgSlugReserved = "That workspace name is reserved"
	MsgSlugTaken    = "That workspace name is already taken"
	MsgEmailTaken   = "An account with this email already exists in this workspace"
	MsgNameRequired = "Enter a name"
	MsgRoleInvalid  = "Role must be admin or member"

	// SubjectWelcome is the subject of the mail sent when a workspace is created.
	SubjectWelcome = "Your workspace is ready"
	// SubjectInvite is the subject of an invitation to an existing workspace.
	SubjectInvite = "You have been invited to %s"
)

// Messages of account administration.
const (
	MsgNotInvited = "This account has already been activated"
)
