package web

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/latchkey/latchkey"
)

// TestAPIMeMatchesItsStruct holds the hand-written body of /api/v1/me to what encoding/json
// writes for apiMe, byte for byte, for names that need every kind of escape.
func TestAPIMeMatchesItsStruct(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "Ada Admin", `quote " backslash \ slash /`, "<script>&amp;</script>", "tab\tnew\nline\r\x01\x1f\x7f",
		"é ü 日本 🙂", "line\u2028para\u2029", "bad \xff utf-8 \xc3"} {
		c := &apiCaller{
			Account:   latchkey.Account{ID: "A1", Email: "ada@acme.example", Name: name, Role: latchkey.RoleAdmin},
			Workspace: latchkey.Workspace{ID: "W1", Slug: "acme", Name: name},
		}
		for _, tok := range []latchkey.APIToken{{}, {ID: "T1", Name: name, Scope: latchkey.ScopeRead}} {
			c.Token = tok
			rec := httptest.NewRecorder()
			if err := (&Server{}).apiMeGet(rec, httptest.NewRequest("GET", "/api/v1/me", nil), c); err != nil {
				t.Fatal(err)
			}
			want := apiMe{ID: "A1", Email: "ada@acme.example", Name: name, Role: "admin",
				Workspace: apiWorkspace{ID: "W1", Slug: "acme", Name: name}, Via: "session"}
			if tok.ID != "" {
				want.Via, want.Token = "token", &apiTokenRef{ID: "T1", Name: name, Scope: "read"}
			}
			b, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.Body.String(); got != string(b)+"\n" {
				t.Fatalf("name %q:\n got %s\nwant %s", name, got, b)
			}
		}
	}
}
