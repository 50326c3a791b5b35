package latchkey

import "context"

// Store is everything latchkey keeps. sqlstore implements it on SQLite and PostgreSQL;
// storetest.Run is its executable contract.
type Store interface {
	WorkspaceStore
	AccountStore
	SessionStore
	TokenStore
	ThrottleStore
	AuditLog
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
