// Package password hashes and checks passwords with argon2id and holds the password policy.
//
// Hashes are PHC strings ($argon2id$v=19$m=19456,t=2,p=1$salt$hash), so the parameters travel
// with each hash and can be raised later without breaking stored ones: Verify reads them from
// the hash, and NeedsRehash tells the caller when a hash was made with weaker ones.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/password/internal/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen int
}

// Default is the OWASP minimum for argon2id (19 MiB, 2 passes, 1 lane): about 25 ms here.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// Minimum and maximum lengths. The maximum bounds the work an attacker can ask argon2 to do;
// 256 bytes leaves room for any passphrase a password manager makes.
const (
	MinLength = 12
	MaxBytes  = 256
)

// ErrMalformed is returned by Verify for a hash it cannot parse.
var ErrMalformed = errors.New("malformed password hash")

// Hash returns the argon2id PHC string of pw with the Default parameters.
func Hash(pw string) (string, error) { return HashWith(pw, Default) }

// HashWith returns the argon2id PHC string of pw with p.
func HashWith(pw string, p Params) (string, error) { return hashIn(nil, pw, p) }

// idKey is argon2id in m's memory, or in memory of its own if m is nil (argon2 is the fork of
// x/crypto/argon2 in internal/argon2: the same function, with memory the caller can keep).
func idKey(m *argon2.Memory, pw string, salt []byte, p Params, keyLen uint32) []byte {
	if m == nil {
		return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	}
	return m.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
}

func hashIn(m *argon2.Memory, pw string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := idKey(m, pw, salt, p, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether pw matches hash, comparing in constant time. It returns ErrMalformed
// if hash is not an argon2id PHC string.
func Verify(pw, hash string) (bool, error) {
	p, salt, key, err := decode(hash)
	if err != nil {
		return false, err
	}
	return verifyIn(nil, pw, p, salt, key), nil
}

// verifyIn reports whether pw hashes to key with p and salt, computing in m (see idKey).
func verifyIn(m *argon2.Memory, pw string, p Params, salt, key []byte) bool {
	got := idKey(m, pw, salt, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// NeedsRehash reports whether hash was made with parameters weaker than Default.
func NeedsRehash(hash string) bool {
	p, _, _, err := decode(hash)
	return err != nil || p.Memory < Default.Memory || p.Time < Default.Time
}

func decode(hash string) (Params, []byte, []byte, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, ErrMalformed
	}
	// Refuse absurd parameters from a tampered row rather than burning the CPU on them.
	if p.Memory == 0 || p.Memory > 1<<21 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return Params{}, nil, nil, ErrMalformed
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return Params{}, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}
