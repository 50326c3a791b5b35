package latchkey_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
	"github.com/latchkey/latchkey/web"
)

// goFiles returns the repository's Go files, test files or the others, skipping hidden
// directories and testdata.
func goFiles(t *testing.T, tests bool) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && strings.HasSuffix(path, "_test.go") == tests {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var testFunc = regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]*)\(t \*testing\.T\)`)

// headingSlug is the anchor GitHub gives a Markdown heading.
func headingSlug(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors returns the heading anchors of a Markdown file, outside code blocks.
func anchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	out := map[string]bool{}
	fenced := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if !fenced && strings.HasPrefix(line, "#") {
			out[headingSlug(strings.TrimLeft(line, "#"))] = true
		}
	}
	return out
}

// TestASVSTable keeps docs/asvs.md true: every row names an ASVS ID once, and its test column
// is one or more Go tests that exist in the tree (for a subtest, its parent function), a
// doc: target whose file and section exist, or n/a: with the feature that is not built yet.
func TestASVSTable(t *testing.T) {
	b, err := os.ReadFile("docs/asvs.md")
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	for _, f := range goFiles(t, true) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range testFunc.FindAllSubmatch(src, -1) {
			defined[string(m[1])] = true
		}
	}
	id := regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	name := regexp.MustCompile(`^Test[A-Za-z0-9_]*(/[^ ,]+)?$`)
	seen := map[string]bool{}
	rows := 0
	for i, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 3 || !id.MatchString(strings.TrimSpace(cells[0])) {
			continue
		}
		rows++
		row, test := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[2])
		at := "docs/asvs.md:" + strconv.Itoa(i+1) + " (" + row + ")"
		if seen[row] {
			t.Errorf("%s: the row is there twice", at)
		}
		seen[row] = true
		switch {
		case strings.HasPrefix(test, "n/a: "):
			if len(strings.TrimSpace(strings.TrimPrefix(test, "n/a: "))) < 3 {
				t.Errorf("%s: n/a names no feature", at)
			}
		case strings.HasPrefix(test, "doc: "):
			file, section, _ := strings.Cut(strings.TrimPrefix(test, "doc: "), "#")
			as := anchors(t, file)
			if as == nil {
				t.Errorf("%s: no file %s", at, file)
			} else if section != "" && !as[section] {
				t.Errorf("%s: %s has no section #%s", at, file, section)
			}
		default:
			for _, n := range strings.Split(test, ", ") {
				n = strings.Trim(n, "`")
				if !name.MatchString(n) {
					t.Errorf("%s: %q is not a test name, doc: or n/a:", at, n)
					continue
				}
				parent, _, _ := strings.Cut(n, "/")
				if !defined[parent] {
					t.Errorf("%s: no func %s(t *testing.T) in any _test.go file", at, parent)
				}
			}
		}
	}
	if rows < 100 {
		t.Errorf("docs/asvs.md has %d rows, want every applicable level-1 and level-2 row (over 100)", rows)
	}
}

// TestApprovedPrimitivesOnly: no code outside tests imports MD5, SHA-1 or math/rand: hashes are
// SHA-256 or argon2id, and every secret comes from crypto/rand (ASVS 11.4.1, 6.5.3, 7.2.3,
// 11.5.1). TOTP's HMAC-SHA1 (RFC 6238) is inside its library.
func TestApprovedPrimitivesOnly(t *testing.T) {
	banned := map[string]string{"crypto/md5": "MD5", "crypto/sha1": "SHA-1", "math/rand": "math/rand", "math/rand/v2": "math/rand"}
	fset := token.NewFileSet()
	files := goFiles(t, false)
	if len(files) < 50 {
		t.Fatalf("only %d Go files found: run from the repository root", len(files))
	}
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if what, ok := banned[p]; ok {
				t.Errorf("%s imports %s (%s)", f, p, what)
			}
		}
	}
}

// TestSecretHashIsSHA256: the hash under which sessions and link secrets are stored is the full
// 256-bit SHA-256, and a new secret carries 256 random bits (ASVS 11.4.3, 7.2.3).
func TestSecretHashIsSHA256(t *testing.T) {
	secret, hash := latchkey.NewSecret()
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret %q: %d bytes, %v; want 32", secret, len(raw), err)
	}
	sum := sha256.Sum256([]byte(secret))
	if want := hex.EncodeToString(sum[:]); hash != want || latchkey.HashSecret(secret) != want {
		t.Fatalf("hash %q, want SHA-256 %q", hash, want)
	}
	if other, _ := latchkey.NewSecret(); other == secret {
		t.Fatal("two secrets are the same")
	}
}

// TestSecurityDocStatesTheCodesNumbers: docs/security.md gives the limits the code applies, so
// that the documented anti-automation is the one that runs (ASVS 6.1.1, 6.3.1, 7.1.1).
func TestSecurityDocStatesTheCodesNumbers(t *testing.T) {
	b, err := os.ReadFile("docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(b)), " ")
	hours := func(d time.Duration) string { return strconv.Itoa(int(d.Hours())) }
	p := signin.DefaultPolicy
	for _, want := range []string{
		"| " + strconv.Itoa(signin.PairFree) + " failures | " + strconv.Itoa(int(signin.PairFirst.Minutes())) + " minute,",
		"up to " + strconv.Itoa(int(signin.PairMax.Minutes())) + " minutes",
		"| " + strconv.Itoa(signin.AddrLimit) + " failures in an hour |",
		"| " + strconv.Itoa(signin.AccountLimit) + " consecutive failures | " + strconv.Itoa(int(signin.AccountWait.Minutes())) + " minutes",
		"**" + hours(p.SessionIdle) + " hours of inactivity**",
		"**" + strconv.Itoa(int(p.SessionMax.Hours()/24)) + " days** after sign-in",
		"| inactivity timeout | " + hours(p.SessionIdle) + " hours |",
		"| absolute lifetime, from sign-in | " + strconv.Itoa(int(p.SessionMax.Hours()/24)) + " days |",
		"from " + strconv.Itoa(int(signin.MinSessionIdle.Minutes())) + " minutes up to the operator's",
		"from " + hours(signin.MinSessionMax) + " hour up to the operator's",
		"| reauthentication window for security changes | " + strconv.Itoa(int(p.ReauthWindow.Minutes())) + " minutes |",
		"**" + strconv.Itoa(signin.DeniedPerMinute) + " such events per client address per minute**",
		"**" + strconv.Itoa(signin.DeniedPerMinuteAll) + " per workspace per minute**",
		"**" + strconv.Itoa(web.FindLimit) + " look-ups per client address in " + strconv.Itoa(int(web.FindWindow.Minutes())) + " minutes**",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/security.md does not say %q", want)
		}
	}
}
