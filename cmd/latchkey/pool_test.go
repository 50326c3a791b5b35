package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPoolFlags(t *testing.T) {
	c := DefaultConfig(env(map[string]string{
		"LATCHKEY_DB_MAX_OPEN": "40", "LATCHKEY_DB_MAX_IDLE": "12", "LATCHKEY_DB_STATEMENT_TIMEOUT": "5s",
	}))
	c.DataDir = t.TempDir()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	o := c.storeOptions()
	if o.MaxOpenConns != 40 || o.MaxIdleConns != 12 || o.StatementTimeout != 5*time.Second {
		t.Fatalf("environment not applied: %+v", o)
	}
	def := DefaultConfig(env(nil))
	if o := def.storeOptions(); o.MaxOpenConns != 0 || o.MaxIdleConns != 0 || o.StatementTimeout != 0 {
		t.Fatalf("default options %+v, want zero (the store's own defaults)", o)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string // substring of the error; "" for none
	}{
		{"flags", nil, []string{"--db-max-open", "8", "--db-max-idle", "8", "--db-statement-timeout", "250ms"}, ""},
		{"flag wins", map[string]string{"LATCHKEY_DB_MAX_OPEN": "nonsense"}, []string{"--db-max-open", "8"}, ""},
		{"bad env number", map[string]string{"LATCHKEY_DB_MAX_OPEN": "many"}, nil, "--db-max-open"},
		{"negative env", map[string]string{"LATCHKEY_DB_MAX_IDLE": "-3"}, nil, "--db-max-idle"},
		{"negative flag", nil, []string{"--db-max-open", "-1"}, "--db-max-open"},
		{"idle over open", nil, []string{"--db-max-open", "4", "--db-max-idle", "10"}, "must not be more than --db-max-open"},
		{"bad env timeout", map[string]string{"LATCHKEY_DB_STATEMENT_TIMEOUT": "soon"}, nil, "--db-statement-timeout"},
		{"sub-millisecond timeout", nil, []string{"--db-statement-timeout", "10us"}, "--db-statement-timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Main{Config: testConfig(tc.env), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
			m.Config.DataDir = t.TempDir()
			if err := m.flags("serve").Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := m.Config.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
