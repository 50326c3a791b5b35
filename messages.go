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

// Two-factor authentication, word for word from the seed where it gives them.
const (
	MsgTwoFactorTitle     = "Two-factor verification"
	MsgPasswordAccepted   = "Password accepted. Enter your code to continue."
	MsgChallengeExpired   = "Your sign-in session expired"
	MsgCodeRequired       = "Enter the 6-digit code from your authenticator app"
	MsgCodeWrong          = "That code is not valid. Codes change every 30 seconds: wait for a new code and try again."
	MsgCodeUsed           = "That code has already been used. Wait for the next code and try again."
	MsgClockAhead         = "That code is not valid now. Your device's clock seems to be about %s ahead: set it to update automatically, then try again."
	MsgClockBehind        = "That code is not valid now. Your device's clock seems to be about %s behind: set it to update automatically, then try again."
	MsgTooManyCodes       = "Too many wrong codes. Sign in again to continue."
	MsgRecoveryRequired   = "Enter one of your recovery codes"
	MsgRecoveryWrong      = "That recovery code is not valid or has already been used."
	MsgRecoveryUsed       = "You signed in with a recovery code. %d of your recovery codes remain: generate a fresh set from your two-factor settings so you don't run out."
	MsgReauthRequired     = "Enter your password to confirm this change"
	MsgReauthWrong        = "That password is not correct"
	MsgSetupExpired       = "The set-up form has expired. Start again."
	MsgTwoFactorOn        = "Two-factor authentication is on. Save your recovery codes now: they are shown only once."
	MsgTwoFactorOff       = "Two-factor authentication is off."
	MsgTwoFactorRequired  = "Your workspace requires two-factor authentication. Set it up to continue."
	MsgTwoFactorMandatory = "Your workspace requires two-factor authentication, so it cannot be turned off."
	MsgCodesRegenerated   = "Here is your new set of recovery codes. The old codes no longer work. They are shown only once."
	MsgTwoFactorNotOn     = "Two-factor authentication is not on for this account."
	MsgTwoFactorWasReset  = "Two-factor authentication was reset. The member sets it up again at their next sign-in."

	SubjectTwoFactorReset = "Your two-factor authentication was reset"
)
