// Package storetest is the contract of latchkey.Store as an executable suite.
//
// A backend proves itself by running it:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) latchkey.Store {
//			db := open(t) // a fresh, empty store
//			t.Cleanup(func() { db.Close() })
//			return db
//		})
//	}
//
// Each promise that the doc comments of latchkey.Store make is one subtest, named
// Aggregate/Promise (for example Token/ConcurrentConsumeExactlyOneWins), and each subtest
// opens its own store, so that no test sees another's data and any one can run alone with
// -run. The subtests run in parallel.
//
// The suite pins down what the doc comments leave to interpretation:
//
//   - Times are kept to the microsecond, in UTC. A time read back equals the time stored,
//     truncated to the microsecond (time.Time.Truncate(time.Microsecond)), in time.UTC, and
//     every comparison with a caller's now (token expiry, throttle windows, session sweeps)
//     happens at that precision. So ExpiresAt == now is dead and ExpiresAt == now+1µs is
//     alive; two instants within the same microsecond are the same instant to the store (so
//     now+1ns is not promised to be alive: a store keeping microseconds cannot tell it from
//     now). A zero time (LastSignInAt of an account that never signed in) comes back as the
//     zero time.
//   - Accounts are ordered by email compared case-insensitively (the normalised email).
//   - Tenant isolation: every workspace-scoped read or write with the wrong workspace ID
//     behaves as if the thing did not exist — ErrNotFound for reads and updates (including
//     ReplaceRecoveryCodes, AdvanceTOTPStep and DeleteAccount), an empty list for listings,
//     nothing removed for deletes.
//   - Single use: of 100 concurrent ConsumeToken calls for one token exactly one succeeds and
//     99 get ErrNotFound; of 20 concurrent ConsumeRecoveryCode calls for one code, one; of 50
//     concurrent AdvanceTOTPStep calls with one step, one (49 get ErrConflict). 50 concurrent
//     AddFailure calls for one key count 50, and 50 UseChallengeAttempt calls with a limit of 5
//     let exactly 5 through. Of 50
//     concurrent ConsumeFlow calls for one SSO flow, one; of 50 concurrent UseOnce calls with
//     one key, one (49 get ErrConflict), also when the key's old record has expired.
//   - Connections are listed by Position, then CreatedAt, then ID; approved domains sorted
//     bytewise, as NormalizeDomain makes them; an account's identity links oldest first.
//     Deleting an account or a connection removes its identity links (and a connection's
//     flows).
//   - Mail leases: 10 workers claiming at once, up to 5 each, from 30 due messages take each
//     message exactly once. A message is due again when now reaches NextAttemptAt (now+lease).
//   - AccountFilter.Query is a substring match in which %, _ and \ are plain characters, and
//     case-insensitive beyond ASCII (ÉLODIE matches élodie). EventFilter.TypePrefix is
//     case-sensitive; EventFilter.Email compares normalised emails (NormalizeEmail), whole.
//   - An export need not list accounts, codes or events in any order, and an account whose
//     last TOTP step is 0 may or may not have an entry in TOTPSteps. An import that fails for
//     any reason (a taken event ID, say) writes nothing.
//   - SCIM: a token is found by hash only within its own workspace and only while not
//     revoked; SCIMUser of an account the provider never wrote returns the zero profile (with
//     the IDs set); Version is 1 after a create and goes up by one on each update whatever
//     the updater set; group members come back sorted and deduplicated; deleting an account
//     removes its profile and memberships, and a new account with the same email starts bare.
//
// There are no mocks: a backend runs the suite against a real database.
package storetest
