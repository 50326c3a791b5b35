package saml_test

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/connector"
	"github.com/latchkey/latchkey/connector/saml"
)

// FuzzFinish feeds the ACS arbitrary XML: Finish must never panic, every refusal must be a
// *connector.Error, and anything accepted must carry a subject and an assertion ID. The seed
// corpus in testdata/fuzz/FuzzFinish holds valid responses signed by testdata/fuzz-idp-*.pem
// at fuzzNow and the attack shapes; TestFuzzSeeds pins what each seed does.
func FuzzFinish(f *testing.F) {
	p := fuzzProvider(f, false)
	idpInitiated := fuzzProvider(f, true)
	f.Fuzz(func(t *testing.T, xml []byte) {
		r := reply(base64.StdEncoding.EncodeToString(xml))
		for _, call := range []struct {
			p      *saml.Provider
			secret []byte
		}{{p, []byte(fuzzSecret)}, {idpInitiated, nil}} {
			id, err := call.p.Finish(t.Context(), r, call.secret)
			if err != nil {
				var ce *connector.Error
				if !errors.As(err, &ce) {
					t.Fatalf("error %v is not a *connector.Error", err)
				}
				continue
			}
			if id.Subject == "" || id.OnceID == "" || id.Email == "" {
				t.Fatalf("accepted without subject, email or assertion ID: %+v", id)
			}
		}
	})
}

func fuzzProvider(t testing.TB, idpInitiated bool) *saml.Provider {
	t.Helper()
	cert, err := os.ReadFile("testdata/fuzz-idp-cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	conn := latchkey.Connection{
		Kind: latchkey.KindSAML, IdPEntityID: fuzzEntity, IdPSSOURL: "https://idp.fuzz.test/sso",
		IdPCerts: []string{string(cert)}, IdPInitiated: idpInitiated,
	}
	p, err := saml.New(conn, testSP, func() time.Time { return fuzzNow })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFuzzSeeds pins the outcome of each seed: the valid ones are accepted at fuzzNow, the
// attacks refused.
func TestFuzzSeeds(t *testing.T) {
	p := fuzzProvider(t, false)
	dir := filepath.Join("testdata", "fuzz", "FuzzFinish")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 8 {
		t.Fatalf("%d seeds", len(entries))
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lit, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "go test fuzz v1\n[]byte(")
		if !ok {
			t.Fatalf("%s: not a fuzz corpus file", e.Name())
		}
		xml, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		_, err = p.Finish(t.Context(), reply(base64.StdEncoding.EncodeToString([]byte(xml))), []byte(fuzzSecret))
		valid := strings.HasPrefix(e.Name(), "valid-") || e.Name() == "comment-nameid"
		if valid && err != nil {
			t.Errorf("%s refused: %v", e.Name(), err)
		}
		if !valid && err == nil {
			t.Errorf("%s accepted", e.Name())
		}
	}
}

// TestForeignSignatures checks responses signed by another XML-DSig implementation, the
// JDK's (testdata/foreign/Sign.java), with the fuzz key at fuzzNow: the assertion, the
// response, or both. Altering the signed NameID breaks each.
func TestForeignSignatures(t *testing.T) {
	p := fuzzProvider(t, false)
	for _, mode := range []string{"assertion", "response", "both"} {
		t.Run(mode, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "foreign", mode+"-signed.xml"))
			if err != nil {
				t.Fatal(err)
			}
			id, err := p.Finish(t.Context(), reply(base64.StdEncoding.EncodeToString(b)), []byte(fuzzSecret))
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "alice@acme.test" {
				t.Errorf("subject = %q", id.Subject)
			}
			evil := strings.Replace(string(b), ">alice@acme.test<", ">mallory@acme.test<", 1)
			if evil == string(b) {
				t.Fatal("no NameID to alter")
			}
			_, err = p.Finish(t.Context(), reply(base64.StdEncoding.EncodeToString([]byte(evil))), []byte(fuzzSecret))
			refused(t, err, connector.ReasonResponseInvalid, saml.CheckSignature)
		})
	}
}
