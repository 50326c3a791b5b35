package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/mail"
	"github.com/latchkey/latchkey/password"
	"github.com/latchkey/latchkey/sqlstore"
)

// Config is everything the operator can set, from flags and LATCHKEY_* environment variables
// (flags win). Validate checks it before anything starts.
type Config struct {
	Addr           string
	BaseURL        string
	DataDir        string
	Database       string // "" means the SQLite file <DataDir>/latchkey.db
	SMTP           string // "" means the outbox folder <DataDir>/outbox
	MailFrom       string
	SecretKeyFile  string // "" means <DataDir>/secret.key
	SessionIdle    time.Duration
	SessionMax     time.Duration
	ChallengeTTL   time.Duration
	LogFormat      string
	LogLevel       string
	TrustedProxies string // comma-separated addresses or CIDR prefixes
	// DBMaxOpen, DBMaxIdle and DBStatementTimeout tune the database pool; zero takes the
	// sqlstore default (see sqlstore.Options).
	DBMaxOpen int
	// NoReadCache turns off the store's in-process cache of workspaces and sessions
	// (sqlstore.Options.NoCache), for a PostgreSQL reached through a pooler that cannot LISTEN.
	NoReadCache        bool
	DBMaxIdle          int
	DBStatementTimeout time.Duration
	// HashLimit is how many password hashes run at once (0: one per CPU); HashQueue how many
	// sign-ins may wait for one (0: 16 per slot). Past both, a sign-in gets "try again in a
	// moment" (503): argon2id takes 19 MiB a hash, and an unbounded burst exhausts memory.
	HashLimit int
	HashQueue int
	// HashParams are the argon2id parameters of new password hashes (and of recovery codes,
	// when set); zero means password.Default. Not a flag: tests set cheap ones.
	HashParams password.Params
	// PrivateIdPs lets SSO connections reach identity providers on private-network and
	// link-local addresses; off by default, so that a workspace administrator cannot make the
	// server call into its network. Loopback is always allowed.
	PrivateIdPs bool
	// MetricsAddr is where /metrics is served, on a listener of its own ("" for nowhere).
	MetricsAddr string
	// PprofAddr, if set, serves net/http/pprof on its own listener at this loopback address.
	PprofAddr string

	baseURL *url.URL
	proxies []netip.Prefix
}

// DefaultConfig returns the defaults of SPEC.md §9, overridden by the environment.
func DefaultConfig(getenv func(string) string) Config {
	c := Config{
		Addr:         ":8080",
		BaseURL:      "http://localhost:8080",
		DataDir:      "latchkey-data",
		MailFrom:     "latchkey <no-reply@localhost>",
		SessionIdle:  8 * time.Hour,
		SessionMax:   30 * 24 * time.Hour,
		ChallengeTTL: 5 * time.Minute,
		LogFormat:    "text",
		LogLevel:     "info",
	}
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("LATCHKEY_ADDR", &c.Addr)
	str("LATCHKEY_BASE_URL", &c.BaseURL)
	str("LATCHKEY_DATA_DIR", &c.DataDir)
	str("LATCHKEY_DATABASE", &c.Database)
	str("LATCHKEY_SMTP", &c.SMTP)
	str("LATCHKEY_MAIL_FROM", &c.MailFrom)
	str("LATCHKEY_SECRET_KEY_FILE", &c.SecretKeyFile)
	str("LATCHKEY_LOG_FORMAT", &c.LogFormat)
	str("LATCHKEY_LOG_LEVEL", &c.LogLevel)
	str("LATCHKEY_TRUSTED_PROXIES", &c.TrustedProxies)
	str("LATCHKEY_PPROF_ADDR", &c.PprofAddr)
	dur := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			if d, err := time.ParseDuration(v); err == nil {
				*dst = d
			} else {
				*dst = -1 // Validate reports it
			}
		}
	}
	dur("LATCHKEY_SESSION_IDLE", &c.SessionIdle)
	dur("LATCHKEY_SESSION_MAX", &c.SessionMax)
	dur("LATCHKEY_CHALLENGE_TTL", &c.ChallengeTTL)
	dur("LATCHKEY_DB_STATEMENT_TIMEOUT", &c.DBStatementTimeout)
	num := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				*dst = n
			} else {
				*dst = -1 // Validate reports it
			}
		}
	}
	num("LATCHKEY_DB_MAX_OPEN", &c.DBMaxOpen)
	num("LATCHKEY_DB_MAX_IDLE", &c.DBMaxIdle)
	num("LATCHKEY_HASH_LIMIT", &c.HashLimit)
	num("LATCHKEY_HASH_QUEUE", &c.HashQueue)
	str("LATCHKEY_METRICS_ADDR", &c.MetricsAddr)
	if v := getenv("LATCHKEY_PRIVATE_IDPS"); v != "" {
		c.PrivateIdPs = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "on")
	}
	if v := getenv("LATCHKEY_NO_READ_CACHE"); v != "" {
		c.NoReadCache = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "on")
	}
	return c
}

// register adds the configuration flags to fs.
func (c *Config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (env LATCHKEY_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "central address; workspaces are its subdomains (env LATCHKEY_BASE_URL)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite file, the outbox and the secret key (env LATCHKEY_DATA_DIR)")
	fs.StringVar(&c.Database, "database", c.Database, "postgres://… URL, or a SQLite file path; default <data-dir>/latchkey.db (env LATCHKEY_DATABASE)")
	fs.StringVar(&c.SMTP, "smtp", c.SMTP, "smtp://user:pass@host:port (STARTTLS) or smtps://…; default: write mail to <data-dir>/outbox (env LATCHKEY_SMTP)")
	fs.StringVar(&c.MailFrom, "mail-from", c.MailFrom, "From address of outgoing mail (env LATCHKEY_MAIL_FROM)")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", c.SecretKeyFile, "file holding the server key, created if absent; default <data-dir>/secret.key (env LATCHKEY_SECRET_KEY_FILE)")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.SessionIdle, "sign out after this long without activity (env LATCHKEY_SESSION_IDLE)")
	fs.DurationVar(&c.SessionMax, "session-max", c.SessionMax, "absolute session lifetime (env LATCHKEY_SESSION_MAX)")
	fs.DurationVar(&c.ChallengeTTL, "challenge-ttl", c.ChallengeTTL, "how long the two-factor step waits for a code after the password (env LATCHKEY_CHALLENGE_TTL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (env LATCHKEY_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env LATCHKEY_LOG_LEVEL)")
	fs.IntVar(&c.DBMaxOpen, "db-max-open", c.DBMaxOpen, fmt.Sprintf("most database connections this node opens; 0: %d on PostgreSQL, one per CPU (at least 4) for SQLite readers (env LATCHKEY_DB_MAX_OPEN)", sqlstore.DefaultPostgresMaxOpenConns))
	fs.IntVar(&c.DBMaxIdle, "db-max-idle", c.DBMaxIdle, fmt.Sprintf("idle database connections kept open; 0: %d on PostgreSQL (env LATCHKEY_DB_MAX_IDLE)", sqlstore.DefaultPostgresMaxIdleConns))
	fs.DurationVar(&c.DBStatementTimeout, "db-statement-timeout", c.DBStatementTimeout, fmt.Sprintf("PostgreSQL cancels any statement that runs longer; 0: %s (env LATCHKEY_DB_STATEMENT_TIMEOUT)", sqlstore.DefaultStatementTimeout))
	fs.BoolVar(&c.NoReadCache, "no-read-cache", c.NoReadCache, "read workspaces and sessions from the database on every request instead of the in-process cache; for a PostgreSQL behind a pooler in transaction mode, where LISTEN does not work (env LATCHKEY_NO_READ_CACHE)")
	fs.IntVar(&c.HashLimit, "hash-limit", c.HashLimit, "password hashes computed at once; 0: one per CPU (env LATCHKEY_HASH_LIMIT)")
	fs.IntVar(&c.HashQueue, "hash-queue", c.HashQueue, "sign-ins that may wait for a hashing slot before getting \"try again\"; 0: 16 per slot (env LATCHKEY_HASH_QUEUE)")
	fs.BoolVar(&c.PrivateIdPs, "private-idps", c.PrivateIdPs, "let SSO connections reach identity providers on private-network and link-local addresses, e.g. an on-premises Keycloak; loopback is always allowed (env LATCHKEY_PRIVATE_IDPS)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "serve Prometheus /metrics on this address, e.g. 127.0.0.1:9090; default: not served (env LATCHKEY_METRICS_ADDR)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", c.PprofAddr, "serve Go profiles (net/http/pprof) at this loopback host:port, such as 127.0.0.1:6060; off by default (env LATCHKEY_PPROF_ADDR)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed (env LATCHKEY_TRUSTED_PROXIES)")
}

// Validate checks the configuration and fills in the derived values. Every problem is
// reported at once, each as a sentence that names the flag.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	u, err := url.Parse(c.BaseURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "":
		bad("--base-url %q must be an absolute http:// or https:// URL such as https://app.example.com", c.BaseURL)
	case u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		bad("--base-url %q must be just scheme and host (and port), with no path, query or user", c.BaseURL)
	default:
		u.Path = ""
		u.Host = strings.ToLower(u.Host)
		c.baseURL = u
	}
	if c.Addr == "" {
		bad("--addr must not be empty")
	}
	if c.DataDir == "" {
		bad("--data-dir must not be empty")
	} else if err := writableDir(c.DataDir); err != nil {
		bad("--data-dir %q is not a writable directory: %v", c.DataDir, err)
	}
	if strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://") {
		if pu, err := url.Parse(c.Database); err != nil || pu.Host == "" {
			bad("--database: %q is not a valid postgres:// URL (postgres://user:password@host:5432/dbname)", redact(c.Database))
		}
	} else if strings.Contains(c.Database, "://") {
		bad("--database: %q is neither a postgres:// URL nor a SQLite file path", redact(c.Database))
	}
	if c.SMTP != "" {
		if _, err := mail.NewSMTP(c.SMTP, c.MailFrom); err != nil {
			bad("--smtp: %v", err)
		}
	}
	if c.SessionIdle <= 0 {
		bad("--session-idle must be a positive duration such as 8h")
	}
	if c.ChallengeTTL < 30*time.Second || c.ChallengeTTL > 30*time.Minute {
		bad("--challenge-ttl must be between 30s and 30m, such as 5m")
	}
	if c.SessionMax <= 0 {
		bad("--session-max must be a positive duration such as 720h")
	} else if c.SessionIdle > c.SessionMax {
		bad("--session-idle (%s) must not be longer than --session-max (%s)", c.SessionIdle, c.SessionMax)
	}
	if c.DBMaxOpen < 0 {
		bad("--db-max-open must be a whole number of connections, at least 1 (or 0 for the default)")
	}
	if c.DBMaxIdle < 0 {
		bad("--db-max-idle must be a whole number of connections (or 0 for the default)")
	}
	if c.DBMaxOpen > 0 && c.DBMaxIdle > c.DBMaxOpen {
		bad("--db-max-idle (%d) must not be more than --db-max-open (%d)", c.DBMaxIdle, c.DBMaxOpen)
	}
	// PostgreSQL counts statement_timeout in milliseconds, and 0 there means no timeout at all.
	if c.DBStatementTimeout < 0 || c.DBStatementTimeout > 0 && c.DBStatementTimeout < time.Millisecond {
		bad("--db-statement-timeout must be a positive duration such as 30s (or 0 for the default)")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("--log-format must be text or json, not %q", c.LogFormat)
	}
	if _, ok := logLevels[c.LogLevel]; !ok {
		bad("--log-level must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if c.PprofAddr != "" && !loopbackAddr(c.PprofAddr) {
		// Profiles show the process's memory (heap samples hold request data) and let anyone who
		// can reach them spend its CPU: never on an interface other machines can reach.
		bad("--pprof-addr %q must be a loopback host:port such as 127.0.0.1:6060 or [::1]:6060", c.PprofAddr)
	}
	c.proxies = nil
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if a, err := netip.ParseAddr(p); err == nil {
				c.proxies = append(c.proxies, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			bad("--trusted-proxies: %q is not an IP address or CIDR prefix", p)
			continue
		}
		c.proxies = append(c.proxies, pfx.Masked())
	}
	return errors.Join(errs...)
}

// loopbackAddr reports whether addr is host:port with host a loopback IP address or
// "localhost". An empty host (":6060") means every interface, and is not.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// databaseDSN is the database to open: the configured one, or the SQLite file in the data dir.
func (c *Config) databaseDSN() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.DataDir, "latchkey.db")
}

// storeOptions are the database pool settings of the configuration.
func (c *Config) storeOptions() sqlstore.Options {
	return sqlstore.Options{MaxOpenConns: c.DBMaxOpen, MaxIdleConns: c.DBMaxIdle, StatementTimeout: c.DBStatementTimeout, NoCache: c.NoReadCache}
}

func (c *Config) secretKeyPath() string {
	if c.SecretKeyFile != "" {
		return c.SecretKeyFile
	}
	return filepath.Join(c.DataDir, "secret.key")
}

// writableDir creates dir if needed and proves it can write there.
func writableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return err
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// redact hides the password of a URL for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
