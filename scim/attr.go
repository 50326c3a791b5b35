package scim

import (
	"strings"
)

// A resource is a SCIM resource as JSON: attribute names in their canonical case, as the
// schemas spell them. Every look-up by a client-given name goes through key, which ignores
// case (RFC 7643 section 2.1: attribute names are case-insensitive).
type resource = map[string]any

// The schema URNs.
const (
	schemaUser         = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup        = "urn:ietf:params:scim:schemas:core:2.0:Group"
	schemaEnterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	schemaPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaSearch       = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	schemaSPConfig     = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	schemaResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// key returns the key of m that equals name ignoring case, and whether there is one.
func key(m map[string]any, name string) (string, bool) {
	if _, ok := m[name]; ok {
		return name, true
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k, true
		}
	}
	return "", false
}

// get returns m's attribute name, ignoring case, or nil.
func get(m map[string]any, name string) any {
	if k, ok := key(m, name); ok {
		return m[k]
	}
	return nil
}

// set sets m's attribute name, replacing one spelled in another case.
func set(m map[string]any, name string, v any) {
	if k, ok := key(m, name); ok {
		delete(m, k)
	}
	m[name] = v
}

// del removes m's attribute name, whatever its case.
func del(m map[string]any, name string) {
	if k, ok := key(m, name); ok {
		delete(m, k)
	}
}

// str returns v as a string: "" unless it is one.
func str(v any) string {
	s, _ := v.(string)
	return s
}

// boolean reads a SCIM boolean. Besides JSON true and false it takes the strings "True" and
// "False" in any case, which Microsoft Entra sends for active (a documented Entra quirk).
// ok is false for anything else.
func boolean(v any) (b, ok bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// stripSchema removes a leading core or extension schema URN from an attribute name written
// in full ("urn:ietf:params:scim:schemas:core:2.0:User:userName" → "userName"). It reports
// the URN it removed.
func stripSchema(name string) (urn, rest string) {
	for _, s := range []string{schemaUser, schemaGroup, schemaEnterprise} {
		if len(name) > len(s) && strings.EqualFold(name[:len(s)], s) && name[len(s)] == ':' {
			return s, name[len(s)+1:]
		}
	}
	return "", name
}

// clone returns a deep copy of a JSON value.
func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = clone(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = clone(x)
		}
		return s
	}
	return v
}
