package saml

import (
	"maps"
	"net/mail"
	"slices"
	"strings"

	"github.com/russellhaering/gosaml2/types"
)

// The attribute names read for the email address and the name, first match wins, compared
// without regard to case against an attribute's Name and FriendlyName. They cover the
// defaults of Okta (custom names, usually email, firstName, lastName), JumpCloud (email,
// firstname, lastname), OneLogin (User.email, User.FirstName, User.LastName), Entra (the
// ws/2005 claim URIs) and LDAP/eduPerson OIDs.
var (
	emailAttributes = []string{
		"email",
		"mail",
		"emailaddress",
		"User.email",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
		"urn:oid:0.9.2342.19200300.100.1.3",
		"urn:oid:1.2.840.113549.1.9.1",
	}
	nameAttributes = []string{
		"name",
		"displayName",
		"display_name",
		"fullName",
		"http://schemas.microsoft.com/identity/claims/displayname",
		"urn:oid:2.16.840.1.113730.3.1.241",
		"cn",
		"urn:oid:2.5.4.3",
	}
	givenNameAttributes = []string{
		"givenName",
		"firstName",
		"first_name",
		"User.FirstName",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
		"urn:oid:2.5.4.42",
	}
	surnameAttributes = []string{
		"surname",
		"sn",
		"lastName",
		"last_name",
		"User.LastName",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
		"urn:oid:2.5.4.4",
	}
	// Entra's name claim is the user principal name, so it is the last resort for a name.
	lastResortNameAttributes = []string{
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
	}
)

// attributes returns the assertion's attributes by Name, each value trimmed; a FriendlyName
// is recorded under its own key too when it differs. A NameID-valued attribute value (as for
// eduPersonTargetedID) contributes the NameID.
func attributes(a *types.Assertion) map[string][]string {
	claims := map[string][]string{}
	if a.AttributeStatement == nil {
		return claims
	}
	for _, at := range a.AttributeStatement.Attributes {
		var vals []string
		for _, v := range at.Values {
			s := strings.TrimSpace(v.Value)
			if v.NameID != nil {
				s = strings.TrimSpace(v.NameID.Value)
			}
			vals = append(vals, s)
		}
		if at.Name != "" {
			claims[at.Name] = append(claims[at.Name], vals...)
		}
		if at.FriendlyName != "" && at.FriendlyName != at.Name {
			claims[at.FriendlyName] = append(claims[at.FriendlyName], vals...)
		}
	}
	return claims
}

// first returns the first non-empty value of the first of names present in claims: an exact
// key first, then keys equal without regard to case, in sorted order so the choice is stable.
func first(claims map[string][]string, names []string) string {
	keys := slices.Sorted(maps.Keys(claims))
	for _, n := range names {
		if v := nonEmpty(claims[n]); v != "" {
			return v
		}
		for _, k := range keys {
			if strings.EqualFold(k, n) {
				if v := nonEmpty(claims[k]); v != "" {
					return v
				}
			}
		}
	}
	return ""
}

func nonEmpty(vals []string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// pickEmail returns the mapped email attribute, or else an email-format NameID, or "" when
// neither holds a plain address.
func pickEmail(claims map[string][]string, nameID *types.NameID) string {
	if e := first(claims, emailAttributes); isAddress(e) {
		return e
	}
	if nameID != nil && nameID.Format == NameIDEmail {
		if e := strings.TrimSpace(nameID.Value); isAddress(e) {
			return e
		}
	}
	return ""
}

// isAddress reports whether s is a bare address (no display name, no angle brackets).
func isAddress(s string) bool {
	if s == "" {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// pickName returns the mapped display name, or given name and surname joined, or Entra's
// name claim, or "".
func pickName(claims map[string][]string) string {
	if n := first(claims, nameAttributes); n != "" {
		return n
	}
	g, s := first(claims, givenNameAttributes), first(claims, surnameAttributes)
	if n := strings.TrimSpace(g + " " + s); n != "" {
		return n
	}
	return first(claims, lastResortNameAttributes)
}
