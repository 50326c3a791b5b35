// Package keyring seals small secrets (TOTP seeds) for storage with AES-256-GCM, under keys that
// carry an id so that they can be rotated: the first key of the ring seals, every key opens.
//
// The key file holds one key per line, "<id> <64 hex digits>", the current key first; a file
// holding only hex digits (as written by older versions) is one key with id "k1". Lines starting
// with # are comments.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Keyring holds the keys. The zero value is unusable; use Parse, Load or LoadOrCreate.
type Keyring struct {
	ids  []string          // in file order; ids[0] seals
	keys map[string][]byte // 32 bytes each
}

// ErrOpen is returned when a sealed value cannot be opened: unknown key id, tampering, or the
// wrong associated data.
var ErrOpen = errors.New("keyring: cannot open sealed value")

// Parse reads a key file's content.
func Parse(content string) (*Keyring, error) {
	k := &Keyring{keys: map[string][]byte{}}
	for i, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, hexKey, ok := strings.Cut(line, " ")
		if !ok {
			id, hexKey = "k1", line
		}
		hexKey = strings.TrimSpace(hexKey)
		key, err := hex.DecodeString(hexKey)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("key file line %d: want \"<id> <64 hex digits>\"", i+1)
		}
		if strings.ContainsAny(id, ":\t") || id == "" {
			return nil, fmt.Errorf("key file line %d: key id %q may not contain ':'", i+1, id)
		}
		if _, dup := k.keys[id]; dup {
			return nil, fmt.Errorf("key file line %d: key id %q appears twice", i+1, id)
		}
		k.ids = append(k.ids, id)
		k.keys[id] = key
	}
	if len(k.ids) == 0 {
		return nil, errors.New("key file holds no key")
	}
	return k, nil
}

// LoadOrCreate reads the key file at path, creating it (mode 0600) with one new key if it does
// not exist.
func LoadOrCreate(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		line := NewKeyLine("k1")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return LoadOrCreate(path) // another process made it first
		}
		if err != nil {
			return nil, err
		}
		_, err = f.WriteString("# latchkey server keys: the first seals, all open. Keep secret; share between nodes.\n" + line + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		return Parse(line)
	}
	if err != nil {
		return nil, err
	}
	k, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// NewKeyLine returns a key file line with a new random key.
func NewKeyLine(id string) string {
	key := make([]byte, 32)
	rand.Read(key)
	return id + " " + hex.EncodeToString(key)
}

// CurrentID is the id of the key that seals.
func (k *Keyring) CurrentID() string { return k.ids[0] }

// Derive returns a 32-byte key for purpose, derived from the current key (HMAC-SHA256), so that
// one key file serves several uses without reusing a key across them.
func (k *Keyring) Derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.keys[k.ids[0]])
	m.Write([]byte("latchkey derive: " + purpose))
	return m.Sum(nil)
}

// Seal encrypts plaintext under the current key, binding it to aad (say, the account id, so a
// sealed value copied to another row does not open). The result is "<id>:<base64>".
func (k *Keyring) Seal(plaintext, aad []byte) (string, error) {
	id := k.ids[0]
	g, err := gcm(k.keys[id])
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	rand.Read(nonce)
	out := g.Seal(nonce, nonce, plaintext, aad)
	return id + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal with the same aad. Returns ErrOpen if it cannot.
func (k *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	id, b64, ok := strings.Cut(sealed, ":")
	key, known := k.keys[id]
	if !ok || !known {
		return nil, ErrOpen
	}
	b, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil {
		return nil, ErrOpen
	}
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(b) < g.NonceSize()+g.Overhead() {
		return nil, ErrOpen
	}
	pt, err := g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// NeedsReseal reports whether sealed was made with a key other than the current one.
func (k *Keyring) NeedsReseal(sealed string) bool {
	id, _, _ := strings.Cut(sealed, ":")
	return id != k.ids[0]
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	return cipher.NewGCM(b)
}
