package oidc

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey"
)

// Default issuers, used when a connection leaves Issuer empty.
const (
	GoogleIssuer       = "https://accounts.google.com"
	MicrosoftAuthority = "https://login.microsoftonline.com"
)

// ValidateIssuer checks that issuer (an OpenID issuer, or a Microsoft authority) is an
// absolute https URL without query, fragment or credentials. Plain http is allowed only on a
// loopback host (localhost, 127.0.0.0/8, ::1), for local development and tests: anywhere else
// it would let the network rewrite discovery and keys.
func ValidateIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil {
		return fmt.Errorf("issuer %q is not a URL: %w", issuer, err)
	}
	if u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("issuer %q is not an absolute URL", issuer)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(issuer, "#") {
		return fmt.Errorf("issuer %q must not have credentials, a query or a fragment", issuer)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("issuer %q must use https (http only on a loopback address)", issuer)
	}
	return fmt.Errorf("issuer %q must use https", issuer)
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.IsLoopback()
}

// Validate checks that conn is a complete OpenID Connect connection: a kind this package
// serves, a client id, a valid issuer (or authority, or the default), and for microsoft at
// least one tenant, each a directory (tenant) id. The CLI and the admin page call it before
// storing; Open calls it again.
func Validate(conn latchkey.Connection) error {
	var errs []error
	switch conn.Kind {
	case latchkey.KindGoogle, latchkey.KindMicrosoft, latchkey.KindOIDC:
	default:
		return fmt.Errorf("connection kind %q is not OpenID Connect", conn.Kind)
	}
	if strings.TrimSpace(conn.ClientID) == "" {
		errs = append(errs, errors.New("client id is missing"))
	}
	if conn.Kind == latchkey.KindOIDC && conn.Issuer == "" {
		errs = append(errs, errors.New("issuer is missing"))
	} else if err := ValidateIssuer(issuerOf(conn)); err != nil {
		errs = append(errs, err)
	}
	if conn.Kind == latchkey.KindMicrosoft {
		if len(conn.Tenants) == 0 {
			errs = append(errs, errors.New("no tenant is allowed: give at least one directory (tenant) id"))
		}
		for _, t := range conn.Tenants {
			if err := ValidateTenant(t); err != nil {
				errs = append(errs, err)
			}
		}
	} else if len(conn.Tenants) > 0 {
		errs = append(errs, fmt.Errorf("tenants apply only to microsoft connections, not %s", conn.Kind))
	}
	return errors.Join(errs...)
}

// ValidateTenant checks that tenant is a Microsoft Entra directory (tenant) id: a GUID, which
// is what the tid claim carries. Domain names and the shared endpoints (common,
// organizations, consumers) are refused: they do not name one directory.
func ValidateTenant(tenant string) error {
	if !isGUID(tenant) {
		return fmt.Errorf("tenant %q is not a directory (tenant) id, such as 72f988bf-86f1-41af-91ab-2d7cd011db47", tenant)
	}
	return nil
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// issuerOf is conn's issuer (google, oidc) or authority (microsoft), with the defaults
// applied and any trailing slash removed from an authority.
func issuerOf(conn latchkey.Connection) string {
	switch {
	case conn.Kind == latchkey.KindGoogle && conn.Issuer == "":
		return GoogleIssuer
	case conn.Kind == latchkey.KindMicrosoft && conn.Issuer == "":
		return MicrosoftAuthority
	case conn.Kind == latchkey.KindMicrosoft:
		return strings.TrimRight(conn.Issuer, "/")
	}
	return conn.Issuer
}
