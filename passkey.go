package latchkey

import (
	"context"
	"time"
)

// Passkey is a WebAuthn credential of one account: a key pair held by an authenticator (a
// security key, a phone, a platform authenticator) whose relying party is the workspace host, so
// that it can never be used on another workspace. CredentialID is unique within a workspace; the
// same bytes in another workspace are another credential.
type Passkey struct {
	ID           string
	WorkspaceID  string
	AccountID    string
	CredentialID []byte // the authenticator's credential id, as sent by the browser (rawId)
	PublicKey    []byte // the credential public key, COSE_Key encoded
	// SignCount is the authenticator's signature counter at the last accepted ceremony. Zero
	// for authenticators that keep no counter (most synced passkeys).
	SignCount uint32
	// AAGUID names the authenticator model (16 bytes, all zero when the authenticator does not
	// say), kept so that administrators can see what kind of authenticator it is.
	AAGUID []byte
	Name   string // chosen by the member, such as "YubiKey" or "Work laptop"
	// BackupEligible (the BE flag) says whether the credential may be synced between devices;
	// it never changes. BackupState (BS) says whether it is synced now, as of the last use.
	BackupEligible bool
	BackupState    bool
	Transports     []string // hints such as "usb", "nfc", "ble", "internal", "hybrid"
	CreatedAt      time.Time
	LastUsedAt     time.Time // zero if never used since registration
}

// MaxPasskeyNameLength bounds a passkey's name, in bytes.
const MaxPasskeyNameLength = 100

// CeremonyKind says which WebAuthn ceremony a Ceremony belongs to.
type CeremonyKind string

// The ceremony kinds.
const (
	// CeremonyRegister adds a passkey to a signed-in account.
	CeremonyRegister CeremonyKind = "register"
	// CeremonySecondFactor checks a passkey of a known account after its password was accepted.
	CeremonySecondFactor CeremonyKind = "second_factor"
	// CeremonyPasswordless signs in with a discoverable passkey: the account is not known until
	// the authenticator answers.
	CeremonyPasswordless CeremonyKind = "passwordless"
)

// CeremonyTTL is how long a begun WebAuthn ceremony may be finished.
const CeremonyTTL = 5 * time.Minute

// Ceremony is a begun WebAuthn ceremony, kept on the server between its begin and finish steps.
// It is single-use: finishing consumes it, whatever the outcome. ID is the SHA-256 (HashSecret)
// of the secret in the browser's ceremony cookie; BrowserHash is the hash of what binds it to
// that one browser (its nonce or session), checked again at finish.
type Ceremony struct {
	ID          string
	WorkspaceID string
	AccountID   string // "" for CeremonyPasswordless
	Kind        CeremonyKind
	// SessionData is the relying party's state of the ceremony (the challenge, the allowed
	// credentials, the user verification asked for), opaque to the store.
	SessionData []byte
	BrowserHash string
	ExpiresAt   time.Time
}

// PasskeyStore keeps passkeys. Every method is scoped to one workspace.
type PasskeyStore interface {
	// CreatePasskey stores p. Returns ErrConflict if the workspace already has a passkey with
	// the same CredentialID (or ID), and ErrNotFound if p.WorkspaceID has no account p.AccountID.
	CreatePasskey(ctx context.Context, p Passkey) error
	// Passkey returns the passkey with this ID in workspace ws, or ErrNotFound.
	Passkey(ctx context.Context, ws, id string) (Passkey, error)
	// PasskeyByCredentialID returns the passkey of workspace ws with this credential id, or
	// ErrNotFound. A credential of another workspace is not found.
	PasskeyByCredentialID(ctx context.Context, ws string, credentialID []byte) (Passkey, error)
	// Passkeys lists the passkeys of the account, oldest first. An unknown account has none.
	Passkeys(ctx context.Context, ws, accountID string) ([]Passkey, error)
	// PasskeyCounts returns, in one read, how many passkeys each account of workspace ws has
	// (accounts without any are absent), for the members page.
	PasskeyCounts(ctx context.Context, ws string) (map[string]int, error)
	// UsePasskey records an accepted assertion: the new signature counter, the backup state and
	// LastUsedAt = now, atomically, only if signCount is greater than the stored counter or both
	// are zero (an authenticator without a counter). Of concurrent calls with one counter value
	// exactly one succeeds. Returns ErrConflict, changing nothing, if the counter did not go
	// forward (a cloned authenticator or a replayed assertion), ErrNotFound if there is no
	// such passkey.
	UsePasskey(ctx context.Context, ws, id string, signCount uint32, backupState bool, now time.Time) error
	// RenamePasskey sets the name of the account's passkey. Returns ErrNotFound if the account
	// has no passkey with this ID.
	RenamePasskey(ctx context.Context, ws, accountID, id, name string) error
	// DeletePasskey removes the account's passkey. Returns ErrNotFound if the account has no
	// passkey with this ID.
	DeletePasskey(ctx context.Context, ws, accountID, id string) error
}

// CeremonyStore keeps begun WebAuthn ceremonies until they are finished or expire.
type CeremonyStore interface {
	// CreateCeremony stores c. Returns ErrConflict if the ID is taken, and ErrNotFound if the
	// workspace does not exist or c.AccountID is set and is not an account of it.
	CreateCeremony(ctx context.Context, c Ceremony) error
	// ConsumeCeremony deletes and returns the ceremony of workspace ws with this id and kind,
	// atomically, if its ExpiresAt is after now: of concurrent calls exactly one gets it, the
	// others ErrNotFound. Returns ErrNotFound if there is no such live ceremony (unknown,
	// another workspace, another kind, expired or already consumed).
	ConsumeCeremony(ctx context.Context, ws, id string, kind CeremonyKind, now time.Time) (Ceremony, error)
	// DeleteExpiredCeremonies removes, across all workspaces, the ceremonies whose ExpiresAt is
	// not after now, and returns how many.
	DeleteExpiredCeremonies(ctx context.Context, now time.Time) (int, error)
}

// Device is a browser an account has signed in from, known by the hash of the identifier in
// its signed device cookie. It is what new-device sign-in alerts compare against.
type Device struct {
	WorkspaceID string
	AccountID   string
	DeviceHash  string
	FirstSeen   time.Time
	LastSeen    time.Time
}

// DeviceSighting is what SeeDevice found.
type DeviceSighting struct {
	// New is true if the account had not signed in from this device before.
	New bool
	// Others counts the account's other known devices, so that the first sign-in of an account
	// (Others == 0) can be told apart from a sign-in on an additional device.
	Others int
}

// DeviceStore keeps the devices of accounts and each account's choice about new-device alerts.
type DeviceStore interface {
	// SeeDevice records a sign-in of the account from the device with this hash at now:
	// a new device is stored with FirstSeen = LastSeen = now, a known one gets LastSeen = now.
	// Of concurrent calls for one new device exactly one reports New. Returns ErrNotFound if ws
	// has no such account.
	SeeDevice(ctx context.Context, ws, accountID, deviceHash string, now time.Time) (DeviceSighting, error)
	// Devices lists the account's known devices, most recently seen first.
	Devices(ctx context.Context, ws, accountID string) ([]Device, error)
	// ForgetDevices removes every known device of the account (say, after a password reset), so
	// that the next sign-in from each is new again. It returns how many it removed.
	ForgetDevices(ctx context.Context, ws, accountID string) (int, error)
	// SetNewDeviceAlerts turns the account's new-device sign-in alerts on or off. Returns
	// ErrNotFound if ws has no such account.
	SetNewDeviceAlerts(ctx context.Context, ws, accountID string, on bool, now time.Time) error
	// NewDeviceAlerts reports whether the account gets new-device sign-in alerts: true unless
	// it turned them off. Returns ErrNotFound if ws has no such account.
	NewDeviceAlerts(ctx context.Context, ws, accountID string) (bool, error)
	// NewDeviceAlertsOff lists the IDs of the accounts of ws that turned new-device alerts off,
	// in no particular order, for administrators.
	NewDeviceAlertsOff(ctx context.Context, ws string) ([]string, error)
}

// Events of passkeys and new-device alerts.
const (
	EventPasskeyAdd     EventType = "passkey.add"
	EventPasskeyRemove  EventType = "passkey.remove"
	EventPasskeyUsed    EventType = "signin.passkey"
	EventPasskeyRefused EventType = "signin.passkey_refused"
	EventNewDeviceAlert EventType = "alert.new_device"
	EventAlertsOff      EventType = "alert.off"
	EventAlertsOn       EventType = "alert.on"
)
