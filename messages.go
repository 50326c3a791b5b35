package latchkey

// Every sentence a user may see, word for word from SPEC.md and the seeds where they give one.
const (
	MsgBadCredentials  = "Those credentials do not match our records"
	MsgTooManyAttempts = "Too many login attempts"
	MsgNotActive       = "This account is not active"
	MsgInternal        = "Something went wrong on our side. Please try again in a moment."
	MsgBusy            = "The server is busy signing people in. Please try again in a moment."
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

	MsgSlugInvalid       = "Workspace names use 3 to 63 lowercase letters, digits and hyphens, and do not start or end with a hyphen"
	MsgSlugReserved      = "That workspace name is reserved"
	MsgSlugTaken         = "That workspace name is already taken"
	MsgEmailTaken        = "An account with this email already exists in this workspace"
	MsgNameRequired      = "Enter a name"
	MsgNameTooLong       = "Use at most 100 characters for the name"
	MsgResetOwnTwoFactor = "You cannot reset your own two-factor authentication here. Turn it off from your own two-factor settings."
	MsgMemberUnlocked    = "The sign-in limits of %s are cleared: they can try again at once."
	MsgNameControl       = "A name cannot contain line breaks or other control characters"
	MsgRoleInvalid       = "Role must be admin or member"

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

// Password reset, word for word from the seed where it gives them.
const (
	MsgForgotTitle        = "Forgot your password?"
	MsgForgotLink         = "Forgot password?"
	MsgResetButton        = "Email me a reset link"
	MsgResetTitle         = "Set a new password"
	MsgResetSubmit        = "Set new password"
	MsgResetSent          = "If an account exists for that email, we have sent it a link to set a new password. Check your inbox and spam folder."
	MsgResetLinkInvalid   = "This reset link is invalid or has expired. Ask for a new one with Forgot password? on the sign-in page."
	MsgResetEmailMismatch = "This is not the email address the reset link was sent to. Enter the address of your account."
	MsgPasswordResetDone  = "Your password has been reset. Sign in with your new password."
	MsgPasswordSignInOff  = "This workspace signs in with single sign-on only. Use your organisation's sign-in button."

	// SubjectReset is the subject of a reset link; %s is the workspace name.
	SubjectReset = "Reset your password for %s"
	// SubjectPasswordChanged is the subject of the notice sent after a reset or change.
	SubjectPasswordChanged = "Your password was changed"
)

// The password policy: each message says what to change.
const (
	MsgPasswordTooShortN         = "Use at least %d characters for your password"
	MsgPasswordCommon            = "This password is too common. Choose something less predictable, such as a few unrelated words."
	MsgPasswordContainsEmail     = "Your password contains the first part of your email address. Choose a password without it."
	MsgPasswordContainsWorkspace = "Your password contains the workspace name. Choose a password without it."
)

// Members, workspace settings and the users' own security page.
const (
	MsgAdminOnly         = "Only an administrator of this workspace can do this"
	MsgLastAdmin         = "This is the last active administrator of the workspace. Make another member an administrator first."
	MsgAlreadySuspended  = "This account is already suspended"
	MsgNotSuspended      = "This account is not suspended"
	MsgInviteSSOOnly     = "Password sign-in is off in this workspace, so no invitations are sent: members sign in with single sign-on."
	MsgInvitationSent    = "Invitation sent to %s. The link works once and expires in %s."
	MsgMemberSuspended   = "%s is suspended and has been signed out everywhere."
	MsgMemberReactivated = "%s is active again."
	MsgMemberRoleChanged = "%s is now %s."
	MsgMemberRemoved     = "%s has been removed from the workspace."
	MsgMinLengthRange    = "Choose a minimum password length from 12 to 64 characters"
	MsgSessionIdleRange  = "Choose a session idle timeout from 5 minutes to %s"
	MsgPolicySaved       = "The workspace settings have been saved."
	MsgCurrentPassword   = "Enter your current password"
	MsgCurrentWrong      = "Your current password is not correct"
	MsgPasswordChanged   = "Your password has been changed. Your other sessions have been signed out."
	MsgSessionGone       = "That session has already ended"
	MsgSessionSignedOut  = "That session has been signed out."
	MsgOthersSignedOut   = "You have been signed out everywhere else."
)

// Passkeys and new-device alerts.
const (
	MsgPasskeyRefused     = "That passkey could not be used. Try again, or use another way to sign in."
	MsgPasskeyExists      = "This passkey is already added to an account"
	MsgPasskeyNameTooLong = "Keep the passkey's name to 100 characters or fewer"
	MsgNewSignInSubject   = "New sign-in to your %s account"
)

// Single sign-on.
const (
	MsgDomainInvalid = "Enter a domain name, like example.com"
	// MsgSSODomainRefused is the seed's "Access is restricted to approved company domains".
	MsgSSODomainRefused = "Access is restricted to approved company domains. Check that you're using your work account, then contact your administrator if it still fails."
	// MsgSSONotProvisioned is TicketOS's "your access may not yet be provisioned".
	MsgSSONotProvisioned  = "Your access has not been provisioned yet. Contact your administrator to be given access to this workspace."
	MsgSSOFailed          = "Signing in with your provider did not work. Go back to Sign in and try again; if it keeps failing, contact your administrator."
	MsgSSOExpired         = "This single sign-on attempt has expired or was already used. Go back to Sign in and start again."
	MsgSSOUnreachable     = "The sign-in provider could not be reached. Try again in a moment."
	MsgSSOEmailUnverified = "Your provider did not confirm your email address, so you cannot be signed in. Contact your administrator."
	MsgSSOUnavailable     = "This sign-in option is not available. Go back to Sign in and choose another."
	MsgPasswordOffNoSSO   = "Password sign-in can be turned off only while the workspace has an enabled single sign-on connection"
	MsgConnectionInvalid  = "The connection is not complete: %s"
	MsgConnectionName     = "Enter a name for the connection, of at most 60 characters"
	MsgConnectionKind     = "Choose the kind of connection: google, microsoft, oidc or saml"
	MsgConnectionSecret   = "Enter the client secret the provider gave you"
	MsgConnectionSaved    = "The connection has been saved."
	MsgConnectionRemoved  = "The connection has been removed, with the identities linked through it."
	MsgConnectionLastOne  = "This is the workspace's last enabled connection and password sign-in is off: turn password sign-in on first"
	MsgDomainAdded        = "The domain has been approved."
	MsgDomainRemoved      = "The domain is no longer approved."
	MsgDomainExists       = "That domain is approved already"
	MsgIdentityUnlinked   = "The identity has been unlinked. The next sign-in through that connection links again by email."
	MsgMetadataInvalid    = "The IdP metadata could not be read: %s"
	MsgSSOTestDone        = "Test connection finished: nobody was signed in and nothing was linked."
)

// Inventory and requests.
const (
	MsgItemNameTooLong        = "Use at most 200 characters for the name"
	MsgAssetTagRequired       = "Enter an asset tag"
	MsgAssetTagInvalid        = "Use at most 64 characters, on one line, for the asset tag"
	MsgAssetTagTaken          = "Another item in this workspace has this asset tag"
	MsgSerialTooLong          = "Use at most 128 characters for the serial number"
	MsgNotesTooLong           = "Use at most 4000 characters for the notes"
	MsgHardwareTypeInvalid    = "Type must be laptop, phone, monitor or other"
	MsgHardwareStatusInvalid  = "Status must be in stock, assigned, in repair or retired"
	MsgAssigneeRequired       = "Choose the member this item is assigned to"
	MsgAssignedStatusOnly     = "Only an assigned item has a member: unassign it first"
	MsgAssigneeUnknown        = "There is no member with that email in this workspace"
	MsgAssigneeNotAdmin       = "Requests are assigned to administrators only"
	MsgItemRetired            = "This item is retired: set another status before assigning it"
	MsgVendorTooLong          = "Use at most 200 characters for the vendor"
	MsgSeatsInvalid           = "Seats must be a whole number from 0 to 100000"
	MsgLicenceKeyTooLong      = "Use at most 4000 characters for the licence key"
	MsgNoLicenceKey           = "No licence key is stored for this software"
	MsgNoSeatsLeft            = "Every seat of this software is taken: add seats or free one first"
	MsgSeatsInUse             = "More members hold a seat than that: free seats first"
	MsgRequestTitleRequired   = "Enter a title for your request"
	MsgRequestTitleTooLong    = "Use at most 200 characters for the title"
	MsgRequestTextTooLong     = "Use at most 10000 characters for the description"
	MsgRequestCategoryInvalid = "Category must be hardware, software, access or other"
	MsgRequestStatusInvalid   = "Status must be open, in progress, resolved or closed"
	MsgCommentRequired        = "Write a comment"
	MsgCommentTooLong         = "Use at most 10000 characters for a comment"
	MsgCSVInvalid             = "This file is not a CSV file with the expected header row"
	MsgCSVTooLarge            = "This file has more than 5000 rows: split it"
	MsgCSVRowsRejected        = "Nothing was imported: fix the rows listed and upload the file again"
	MsgCSVDuplicateRow        = "This row repeats an earlier row of the file"
	MsgCSVSeatsNumber         = "Seats must be a whole number"
	MsgCSVUnknownID           = "No software in this workspace has this id: leave the id empty to add new software"
	MsgCSVColumnUnknown       = "This column is not one that can be imported"
	MsgCSVColumnMissing       = "The header row lacks a column that is required"
	MsgCSVEmpty               = "This file has no rows to import"
	MsgImported               = "Imported: %d added, %d updated."
	MsgLicenceKeyShown        = "This reveal has been recorded in the audit log."
	MsgCSVRowWidth            = "This row does not have one value for each column of the header row"

	// SubjectRequestStatus is the subject of the mail sent to a requester when the status of
	// their request changes; %s is the request's title.
	SubjectRequestStatus = "Your request \"%s\" is now %s"
)

// SCIM provisioning.
const (
	MsgSCIMTokenCreated  = "Copy this token now and paste it into your identity provider: it is shown only once."
	MsgSCIMTokenRevoked  = "The SCIM token has been revoked. An identity provider still using it is refused."
	MsgSCIMTokenGone     = "That SCIM token is already revoked"
	MsgSCIMGroupMapped   = "Members of %s are now administrators."
	MsgSCIMGroupUnmapped = "%s no longer makes its members administrators."
	MsgSCIMSettingsSaved = "The provisioning settings have been saved."
	MsgSCIMManaged       = "Managed by your identity provider"
	// MsgSCIMManagedRole refuses a role change of an administrator by group: the group decides.
	MsgSCIMManagedRole = "%s is an administrator through a group your identity provider manages. Remove them from that group in the identity provider, or stop the group making administrators on the Provisioning page."
	// MsgSCIMManagedStatus refuses reactivating or removing an account the provider manages.
	MsgSCIMManagedStatus = "%s is managed by your identity provider: %s them there, and the change reaches latchkey at the provider's next update."
)

// Passkey pages, passkey sign-in and new-device alert settings.
const (
	MsgPasskeySignInOff = "Signing in with a passkey is turned off for this workspace"
	MsgPasskeyAdded     = "The passkey is added."
	MsgPasskeyRemoved   = "The passkey is removed."
	MsgPasskeyGone      = "That passkey is not on your account"
	MsgPasskeyNeedsJS   = "Passkeys need JavaScript, which is off in this browser."
	MsgAlertsOn         = "New-device sign-in alerts are on."
	MsgAlertsOff        = "New-device sign-in alerts are off."
)

// Messages of the JSON API, its tokens and the sign-in troubleshooter.
const (
	MsgAPIScopeInvalid     = "Scope must be read or read-write"
	MsgAPITokenNameTooLong = "Use at most 100 characters for the token's name"
	MsgAPIUnauthorized     = "Sign in, or send a valid API token in the Authorization header"
	MsgAPIReadOnly         = "This API token is read-only: create a read-write token to make changes"
	MsgAPICSRF             = "Send the page's form token in the X-CSRF-Token header with requests that change something"
	MsgAPIJSONRequired     = "Send a JSON object with Content-Type: application/json"
	MsgAPITwoFactorNeeded  = "Your workspace requires two-factor authentication: set it up before using the API"
	MsgAPITokenCreated     = "Copy this token now: it is shown only once."
	MsgAPITokenRevoked     = "The token %s is revoked: requests that send it are refused."
	MsgAPITokenOwner       = "The token's account must be an active administrator of the workspace"
	MsgResetLinkSent       = "A reset link is on its way to %s."
)

// MsgAPIPageInvalid is the API's refusal of a ?page= that is not a page number.
const MsgAPIPageInvalid = "page must be a whole number from 1 to 10000"

// MsgAPICrossOrigin is the API's refusal of a change sent by another site's page.
const MsgAPICrossOrigin = "Requests that change something must come from this workspace's own pages, or carry an API token"

// Messages of ending sessions by an administrator, the workspace's session lifetime, refused
// access and the find-your-workspace throttle.
const (
	MsgMemberSignedOut    = "%s has been signed out: %d sessions ended."
	MsgMemberSessionEnded = "That session of %s has been signed out."
	MsgEveryoneSignedOut  = "Everyone else has been signed out: %d sessions ended. You are still signed in here."
	MsgSessionMaxRange    = "Choose a session lifetime from 1 hour to the operator's maximum of %s"
	MsgFindThrottled      = "Too many workspace look-ups from your address"
)

// Headings and links of the error pages (web/fail.go).
const (
	HeadingInternal        = "Something went wrong"
	HeadingUnavailable     = "Temporarily unavailable"
	HeadingBusy            = "Try again in a moment"
	HeadingThrottled       = "Too many attempts"
	HeadingNotFound        = "Page not found"
	HeadingForbidden       = "Not allowed"
	HeadingFailed          = "That did not work"
	HeadingNoWorkspace     = "Workspace not found"
	MsgNothingHere         = "There is nothing at this address."
	MsgNoWorkspace         = "There is no workspace at this address. Check the address in your welcome email, or find your workspace by name."
	LabelGoBack            = "Go back"
	LabelTryAgain          = "Try again"
	LabelFindWorkspace     = "Find your workspace"
	MsgSecurityPolicySaved = "The policy is saved."
)
