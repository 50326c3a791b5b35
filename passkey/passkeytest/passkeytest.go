// Package passkeytest is a software WebAuthn authenticator and client for tests: it answers
// the options latchkey's passkey package gives the browser with the JSON a browser would send
// back, signed with ES256 keys it generates. It writes its own CBOR and authenticator data
// rather than using go-webauthn's, so that the tests check the library against an independent
// encoder.
//
// Knobs make it misbehave the way attackers and broken authenticators do: answer from another
// origin, sign for another RP ID, skip user verification, or roll a counter back.
package passkeytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Authenticator is a software authenticator together with the browser around it. The zero
// value is not usable; use New. Fields may be changed between ceremonies.
type Authenticator struct {
	// Origin is where the browser says the page is, put in the client data.
	Origin string
	// RPID, if set, replaces the options' RP ID: the authenticator signs for it (its hash in
	// the authenticator data) and picks discoverable credentials made for it.
	RPID string
	// SkipUserVerification leaves the UV flag off, as a security key without a PIN does.
	SkipUserVerification bool
	// BackupEligible and BackupState set the BE and BS flags of new credentials and of
	// assertions (a synced passkey has both).
	BackupEligible bool
	BackupState    bool
	// NextCredentialID, if set, is the id of the next credential Create makes (then cleared),
	// to present an id the server already knows.
	NextCredentialID []byte
	// AAGUID is reported at registration; 16 bytes.
	AAGUID []byte
	// Credentials are the credentials made so far, oldest first.
	Credentials []*Credential
}

// Credential is one key pair the authenticator holds.
type Credential struct {
	ID         []byte
	Key        *ecdsa.PrivateKey
	RPID       string
	UserHandle []byte
	// Counter is the signature counter, incremented before each assertion. Set it lower to
	// act as a cloned authenticator.
	Counter uint32
	// NoCounter keeps the counter at zero, as most synced passkeys do.
	NoCounter bool
}

// New returns an authenticator whose browser is at origin (such as http://acme.localhost:8080),
// with user verification and a fixed AAGUID.
func New(origin string) *Authenticator {
	return &Authenticator{
		Origin: origin,
		AAGUID: []byte{0x1a, 0x7c, 0x4e, 0xee, 0x4b, 0x8a, 0x49, 0x3c, 0x9b, 0x5f, 0x3e, 0x2d, 0x11, 0x22, 0x33, 0x44},
	}
}

// b64 is base64url without padding, as WebAuthn's JSON forms use.
var b64 = base64.RawURLEncoding

// bytesJSON decodes a base64url member, padded or not.
type bytesJSON []byte

func (b *bytesJSON) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	out, err := base64.RawURLEncoding.DecodeString(trimPad(s))
	if err != nil {
		return fmt.Errorf("base64url member: %w", err)
	}
	*b = out
	return nil
}

func trimPad(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}

type credParam struct {
	Type string `json:"type"`
	Alg  int    `json:"alg"`
}

type descriptor struct {
	ID   bytesJSON `json:"id"`
	Type string    `json:"type"`
}

// creationOptions is the part of {"publicKey": PublicKeyCredentialCreationOptionsJSON} read here.
type creationOptions struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"rp"`
		User struct {
			ID bytesJSON `json:"id"`
		} `json:"user"`
		PubKeyCredParams       []credParam  `json:"pubKeyCredParams"`
		ExcludeCredentials     []descriptor `json:"excludeCredentials"`
		AuthenticatorSelection struct {
			UserVerification string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Extensions map[string]any `json:"extensions"`
	} `json:"publicKey"`
}

// requestOptions is the part of {"publicKey": PublicKeyCredentialRequestOptionsJSON} read here.
type requestOptions struct {
	PublicKey struct {
		Challenge        string       `json:"challenge"`
		RPID             string       `json:"rpId"`
		AllowCredentials []descriptor `json:"allowCredentials"`
		UserVerification string       `json:"userVerification"`
	} `json:"publicKey"`
}

// ErrExcluded is returned by Create when the authenticator already holds an excluded credential.
var ErrExcluded = errors.New("passkeytest: authenticator holds an excluded credential")

// ErrNoCredential is returned by Get when the authenticator holds no usable credential.
var ErrNoCredential = errors.New("passkeytest: no credential for these options")

// Create answers navigator.credentials.create(options): it makes a new ES256 credential for the
// options' RP ID and user, and returns the browser's PublicKeyCredential JSON (attestation
// "none") and the credential.
func (a *Authenticator) Create(options []byte) ([]byte, *Credential, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, nil, fmt.Errorf("passkeytest: creation options: %w", err)
	}
	pk := o.PublicKey
	if !slices.ContainsFunc(pk.PubKeyCredParams, func(p credParam) bool { return p.Alg == -7 }) {
		return nil, nil, errors.New("passkeytest: the options do not allow ES256")
	}
	rpID := a.rpID(pk.RP.ID)
	for _, ex := range pk.ExcludeCredentials {
		for _, c := range a.Credentials {
			if bytes.Equal(c.ID, ex.ID) && c.RPID == rpID {
				return nil, nil, ErrExcluded
			}
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	c := &Credential{ID: random(32), Key: key, RPID: rpID, UserHandle: pk.User.ID}
	if a.NextCredentialID != nil {
		c.ID, a.NextCredentialID = a.NextCredentialID, nil
	}

	clientData := a.clientData("webauthn.create", pk.Challenge)
	authData := a.authData(rpID, c.Counter, true)
	authData = append(authData, a.aaguid()...)
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(c.ID)))
	authData = append(authData, c.ID...)
	authData = append(authData, coseKey(&key.PublicKey)...)

	var att cborWriter
	att.mapHeader(3)
	att.text("fmt")
	att.text("none")
	att.text("attStmt")
	att.mapHeader(0)
	att.text("authData")
	att.bytes(authData)

	ext := map[string]any{}
	if _, ok := pk.Extensions["credProps"]; ok {
		ext["credProps"] = map[string]any{"rk": true}
	}
	resp := map[string]any{
		"id":    b64.EncodeToString(c.ID),
		"rawId": b64.EncodeToString(c.ID),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"attestationObject": b64.EncodeToString(att.buf.Bytes()),
			"transports":        []string{"internal", "hybrid"},
		},
		"clientExtensionResults":  ext,
		"authenticatorAttachment": "platform",
	}
	out, err := json.Marshal(resp)
	if err != nil {
		return nil, nil, err
	}
	a.Credentials = append(a.Credentials, c)
	return out, c, nil
}

// Get answers navigator.credentials.get(options): it picks the first credential the options
// allow (or, with no allow list, the newest one made for the RP ID: a discoverable
// credential), counts one use, signs, and returns the browser's PublicKeyCredential JSON with
// the user handle.
func (a *Authenticator) Get(options []byte) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("passkeytest: request options: %w", err)
	}
	pk := o.PublicKey
	rpID := a.rpID(pk.RPID)
	c := a.pick(rpID, pk.AllowCredentials)
	if c == nil {
		return nil, ErrNoCredential
	}
	return a.Assert(c, rpID, pk.Challenge)
}

// Assert signs an assertion of c for rpID and challenge (as in the options, base64url) whatever
// the options would allow: a test of what the server refuses.
func (a *Authenticator) Assert(c *Credential, rpID, challenge string) ([]byte, error) {
	if !c.NoCounter {
		c.Counter++
	}
	clientData := a.clientData("webauthn.get", challenge)
	authData := a.authData(rpID, c.Counter, false)
	digest := sha256.Sum256(clientData)
	signed := sha256.Sum256(append(slices.Clone(authData), digest[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.Key, signed[:])
	if err != nil {
		return nil, err
	}
	resp := map[string]any{
		"id":    b64.EncodeToString(c.ID),
		"rawId": b64.EncodeToString(c.ID),
		"type":  "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"authenticatorData": b64.EncodeToString(authData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(c.UserHandle),
		},
		"clientExtensionResults":  map[string]any{},
		"authenticatorAttachment": "platform",
	}
	return json.Marshal(resp)
}

// Challenge returns the challenge of request options, as Assert takes it.
func Challenge(options []byte) (string, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return "", fmt.Errorf("passkeytest: request options: %w", err)
	}
	return o.PublicKey.Challenge, nil
}

func (a *Authenticator) pick(rpID string, allow []descriptor) *Credential {
	if len(allow) > 0 {
		for _, d := range allow {
			for _, c := range a.Credentials {
				if bytes.Equal(c.ID, d.ID) {
					return c
				}
			}
		}
		return nil
	}
	for i := len(a.Credentials) - 1; i >= 0; i-- {
		if a.Credentials[i].RPID == rpID {
			return a.Credentials[i]
		}
	}
	return nil
}

func (a *Authenticator) rpID(fromOptions string) string {
	if a.RPID != "" {
		return a.RPID
	}
	return fromOptions
}

func (a *Authenticator) aaguid() []byte {
	if len(a.AAGUID) == 16 {
		return a.AAGUID
	}
	return make([]byte, 16)
}

// clientData is the CollectedClientData JSON the browser signs over.
func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(struct {
		Type        string `json:"type"`
		Challenge   string `json:"challenge"`
		Origin      string `json:"origin"`
		CrossOrigin bool   `json:"crossOrigin"`
	}{typ, trimPad(challenge), a.Origin, false})
	return b
}

// The flags of authenticator data (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

// authData is rpIdHash ‖ flags ‖ signCount, with AT set when attested credential data follows.
func (a *Authenticator) authData(rpID string, counter uint32, attested bool) []byte {
	h := sha256.Sum256([]byte(rpID))
	flags := byte(flagUP)
	if !a.SkipUserVerification {
		flags |= flagUV
	}
	if a.BackupEligible {
		flags |= flagBE
	}
	if a.BackupState {
		flags |= flagBS
	}
	if attested {
		flags |= flagAT
	}
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, counter)
}

// coseKey encodes an EC2 P-256 public key for ES256 (RFC 9053): {1: 2, 3: -7, -1: 1, -2: x, -3: y}.
func coseKey(k *ecdsa.PublicKey) []byte {
	raw, _ := k.Bytes() // uncompressed point: 0x04 ‖ x ‖ y
	var w cborWriter
	w.mapHeader(5)
	w.int(1)
	w.int(2)
	w.int(3)
	w.int(-7)
	w.int(-1)
	w.int(1)
	w.int(-2)
	w.bytes(raw[1:33])
	w.int(-3)
	w.bytes(raw[33:65])
	return w.buf.Bytes()
}

// cborWriter writes the few CBOR items (RFC 8949) that authenticators send: small integers,
// byte and text strings, maps.
type cborWriter struct{ buf bytes.Buffer }

func (w *cborWriter) head(major byte, n uint64) {
	switch {
	case n < 24:
		w.buf.WriteByte(major<<5 | byte(n))
	case n <= 0xff:
		w.buf.WriteByte(major<<5 | 24)
		w.buf.WriteByte(byte(n))
	case n <= 0xffff:
		w.buf.WriteByte(major<<5 | 25)
		w.buf.Write(binary.BigEndian.AppendUint16(nil, uint16(n)))
	default:
		w.buf.WriteByte(major<<5 | 26)
		w.buf.Write(binary.BigEndian.AppendUint32(nil, uint32(n)))
	}
}

func (w *cborWriter) int(v int) {
	if v >= 0 {
		w.head(0, uint64(v))
	} else {
		w.head(1, uint64(-1-v))
	}
}
func (w *cborWriter) bytes(b []byte)  { w.head(2, uint64(len(b))); w.buf.Write(b) }
func (w *cborWriter) text(s string)   { w.head(3, uint64(len(s))); w.buf.WriteString(s) }
func (w *cborWriter) mapHeader(n int) { w.head(5, uint64(n)) }

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
