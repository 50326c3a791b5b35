package keyring

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := Parse(NewKeyLine("a"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Seal([]byte("JBSWY3DPEHPK3PXP"), []byte("account-1"))
	if err != nil || !strings.HasPrefix(s, "a:") {
		t.Fatalf("Seal = %q, %v", s, err)
	}
	if strings.Contains(s, "JBSWY3DPEHPK3PXP") {
		t.Fatal("sealed value shows the plaintext")
	}
	pt, err := k.Open(s, []byte("account-1"))
	if err != nil || string(pt) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", pt, err)
	}
	if _, err := k.Open(s, []byte("account-2")); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open with another account's aad = %v, want ErrOpen", err)
	}
	tampered := s[:len(s)-2] + "AA"
	if tampered == s {
		tampered = s[:len(s)-2] + "BB"
	}
	if _, err := k.Open(tampered, []byte("account-1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open(tampered) = %v, want ErrOpen", err)
	}
	for _, bad := range []string{"", "a", "b:" + s[2:], "a:!!!", "a:AAAA"} {
		if _, err := k.Open(bad, []byte("account-1")); !errors.Is(err, ErrOpen) {
			t.Errorf("Open(%q) = %v, want ErrOpen", bad, err)
		}
	}
}

func TestRotation(t *testing.T) {
	oldLine := NewKeyLine("k1")
	old, _ := Parse(oldLine)
	sealedOld, _ := old.Seal([]byte("seed"), nil)
	ring, err := Parse("# rotated\n" + NewKeyLine("k2") + "\n" + oldLine + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if ring.CurrentID() != "k2" {
		t.Fatalf("current = %q, want the first line's k2", ring.CurrentID())
	}
	if pt, err := ring.Open(sealedOld, nil); err != nil || string(pt) != "seed" {
		t.Fatalf("the rotated ring cannot open a value sealed with the old key: %v", err)
	}
	if !ring.NeedsReseal(sealedOld) {
		t.Fatal("NeedsReseal(old) = false")
	}
	sealedNew, _ := ring.Seal([]byte("seed"), nil)
	if ring.NeedsReseal(sealedNew) || !strings.HasPrefix(sealedNew, "k2:") {
		t.Fatalf("new value %q not sealed with k2", sealedNew)
	}
	if !bytes.Equal(ring.Derive("csrf"), ring.Derive("csrf")) || bytes.Equal(ring.Derive("csrf"), ring.Derive("other")) {
		t.Fatal("Derive is not a function of the purpose")
	}
}

func TestParseErrors(t *testing.T) {
	for name, content := range map[string]string{
		"empty":     "",
		"short key": "k1 abcd",
		"not hex":   "k1 " + strings.Repeat("z", 64),
		"duplicate": NewKeyLine("k1") + "\n" + NewKeyLine("k1"),
		"colon id":  "a:b " + strings.Repeat("0", 64),
	} {
		if _, err := Parse(content); err == nil {
			t.Errorf("%s: Parse succeeded", name)
		}
	}
	bare := strings.Repeat("ab", 32)
	k, err := Parse(bare + "\n")
	if err != nil || k.CurrentID() != "k1" {
		t.Fatalf("a bare hex key = %v, %v; want id k1", k, err)
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "secret.key")
	k1, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, info.Mode().Perm())
	}
	k2, err := LoadOrCreate(path)
	if err != nil || !bytes.Equal(k1.Derive("x"), k2.Derive("x")) {
		t.Fatalf("the key changed between loads: %v", err)
	}
	os.WriteFile(path, []byte("garbage\n"), 0o600)
	if _, err := LoadOrCreate(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("a broken key file = %v, want an error naming it", err)
	}
}
