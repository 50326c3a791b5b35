package scim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// caseExact names the attributes whose values compare case-sensitively (RFC 7643: id,
// externalId and meta.version are caseExact; userName, emails and names are not).
var caseExact = map[string]bool{"id": true, "externalid": true, "meta.version": true, "members.value": true, "groups.value": true}

// valuePathSub matches the form `emails[type eq "work"].value eq "x"`: a value path followed by
// a sub-attribute and a comparison. RFC 7644's grammar has no such filter, but identity
// providers send it and the parser refuses it, so parseFilter rewrites it into the RFC's own
// `emails[type eq "work" and value eq "x"]` first.
var valuePathSub = regexp.MustCompile(`(?i)([a-z][\w$-]*)\[([^\]]*)\]\.([a-z][\w$-]*)\s+(eq|ne|co|sw|ew|gt|lt|ge|le|pr)((?:\s+(?:"(?:[^"\\]|\\.)*"|[^\s()]+))?)`)

// maxFilterLength bounds a filter, so that parsing it stays cheap.
const maxFilterLength = 4096

// parseFilter parses a SCIM filter. Every refusal is a 400 invalidFilter.
func parseFilter(s string) (filter.Expression, error) {
	if len(s) > maxFilterLength {
		return nil, errorf(400, "invalidFilter", "the filter is longer than %d bytes", maxFilterLength)
	}
	var bad bool
	s = valuePathSub.ReplaceAllStringFunc(s, func(m string) string {
		p := valuePathSub.FindStringSubmatch(m)
		if regexp.MustCompile(`(?i)\sor\s`).MatchString(p[2]) {
			bad = true // "a or b and c" would bind differently: refuse rather than guess
		}
		return p[1] + "[" + p[2] + " and " + p[3] + " " + p[4] + p[5] + "]"
	})
	if bad {
		return nil, errorf(400, "invalidFilter", "an 'or' inside [ ] followed by a sub-attribute is not supported")
	}
	e, err := filter.ParseFilter([]byte(s))
	if err != nil {
		return nil, errorf(400, "invalidFilter", "the filter does not parse: %v", err)
	}
	return e, nil
}

// match reports whether resource r passes expression e. Attribute names are compared
// ignoring case; string values too, except those of caseExact attributes.
func match(e filter.Expression, r resource) (bool, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := match(e.Left, r)
		if err != nil {
			return false, err
		}
		if e.Operator == filter.AND && !l || e.Operator == filter.OR && l {
			return l, nil
		}
		return match(e.Right, r)
	case *filter.NotExpression:
		ok, err := match(e.Expression, r)
		return !ok, err
	case *filter.AttributeExpression:
		return matchAttr(e.AttributePath, e.Operator, e.CompareValue, r, "")
	case *filter.ValuePath:
		_, name := stripSchema(e.AttributePath.String())
		for _, el := range elements(get(r, name)) {
			m, ok := el.(map[string]any)
			if !ok {
				continue
			}
			ok, err := matchIn(e.ValueFilter, m, strings.ToLower(name)+".")
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	return false, errorf(400, "invalidFilter", "unsupported filter expression")
}

// matchIn is match inside one element of a multi-valued attribute; prefix names it for the
// caseExact table.
func matchIn(e filter.Expression, m map[string]any, prefix string) (bool, error) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		l, err := matchIn(e.Left, m, prefix)
		if err != nil {
			return false, err
		}
		if e.Operator == filter.AND && !l || e.Operator == filter.OR && l {
			return l, nil
		}
		return matchIn(e.Right, m, prefix)
	case *filter.NotExpression:
		ok, err := matchIn(e.Expression, m, prefix)
		return !ok, err
	case *filter.AttributeExpression:
		return matchAttr(e.AttributePath, e.Operator, e.CompareValue, m, prefix)
	}
	return false, errorf(400, "invalidFilter", "unsupported filter inside [ ]")
}

// matchAttr compares the attribute at path of r with want. A multi-valued attribute matches
// if any of its values does; a complex one without a sub-attribute compares its "value".
func matchAttr(path filter.AttributePath, op filter.CompareOperator, want any, r map[string]any, prefix string) (bool, error) {
	name := path.AttributeName
	if uri := path.URI(); uri != "" {
		_, name = stripSchema(uri + ":" + name)
	}
	full := prefix + strings.ToLower(name)
	var values []any
	for _, v := range elements(get(r, name)) {
		if sub := path.SubAttributeName(); sub != "" {
			m, _ := v.(map[string]any)
			values = append(values, elements(get(m, sub))...)
			full = strings.ToLower(name) + "." + strings.ToLower(sub)
		} else if m, ok := v.(map[string]any); ok {
			values = append(values, get(m, "value"))
		} else {
			values = append(values, v)
		}
	}
	if op == filter.PR {
		for _, v := range values {
			if v != nil && v != "" {
				return true, nil
			}
		}
		return false, nil
	}
	if s, ok := want.(string); ok && strings.Contains(s, `\`) {
		// The parser keeps escapes as written: decode them as JSON does.
		var u string
		if json.Unmarshal([]byte(`"`+s+`"`), &u) == nil {
			want = u
		}
	}
	for _, v := range values {
		ok, err := compare(op, v, want, caseExact[full])
		if err != nil || ok {
			return ok, err
		}
	}
	return op == filter.NE && len(values) == 0, nil
}

// elements returns v as a list: its elements if it is one, else v alone (none for nil).
func elements(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

// compare applies op to an attribute's value and the filter's.
func compare(op filter.CompareOperator, got, want any, exact bool) (bool, error) {
	switch w := want.(type) {
	case bool:
		g, ok := boolean(got)
		switch op {
		case filter.EQ:
			return ok && g == w, nil
		case filter.NE:
			return !ok || g != w, nil
		}
		return false, errorf(400, "invalidFilter", "%s does not apply to a boolean", op)
	case nil:
		switch op {
		case filter.EQ:
			return got == nil, nil
		case filter.NE:
			return got != nil, nil
		}
		return false, errorf(400, "invalidFilter", "%s does not apply to null", op)
	case string:
		g, ok := got.(string)
		if !ok {
			if b, isBool := got.(bool); isBool {
				g, ok = fmt.Sprint(b), true
			}
		}
		if !ok {
			return op == filter.NE, nil
		}
		if !exact {
			g, w = strings.ToLower(g), strings.ToLower(w)
		}
		switch op {
		case filter.EQ:
			return g == w, nil
		case filter.NE:
			return g != w, nil
		case filter.CO:
			return strings.Contains(g, w), nil
		case filter.SW:
			return strings.HasPrefix(g, w), nil
		case filter.EW:
			return strings.HasSuffix(g, w), nil
		case filter.GT:
			return g > w, nil
		case filter.GE:
			return g >= w, nil
		case filter.LT:
			return g < w, nil
		case filter.LE:
			return g <= w, nil
		}
	case int, float64:
		g, ok := got.(float64)
		wf, _ := w.(float64)
		if i, isInt := w.(int); isInt {
			wf = float64(i)
		}
		if !ok {
			return op == filter.NE, nil
		}
		switch op {
		case filter.EQ:
			return g == wf, nil
		case filter.NE:
			return g != wf, nil
		case filter.GT:
			return g > wf, nil
		case filter.GE:
			return g >= wf, nil
		case filter.LT:
			return g < wf, nil
		case filter.LE:
			return g <= wf, nil
		}
	}
	return false, errorf(400, "invalidFilter", "%s does not apply to %v", op, want)
}

// project applies the attributes and excludedAttributes parameters (comma-separated,
// case-insensitive, optionally schema-qualified, with name.sub for a sub-attribute) to r.
// schemas and id are always returned (RFC 7643: returned "always").
func project(r resource, attributes, excluded string) resource {
	list := func(s string) []string {
		var out []string
		for _, a := range strings.Split(s, ",") {
			if a = strings.TrimSpace(a); a != "" {
				_, a = stripSchema(a)
				out = append(out, a)
			}
		}
		return out
	}
	if attrs := list(attributes); len(attrs) > 0 {
		out := resource{}
		for _, k := range []string{"schemas", "id"} {
			if v, ok := r[k]; ok {
				out[k] = v
			}
		}
		for _, a := range attrs {
			top, sub, hasSub := strings.Cut(a, ".")
			k, ok := key(r, top)
			if !ok {
				continue
			}
			if !hasSub {
				out[k] = r[k]
				continue
			}
			switch v := r[k].(type) {
			case map[string]any:
				if sk, ok := key(v, sub); ok {
					m, _ := out[k].(map[string]any)
					if m == nil {
						m = map[string]any{}
					}
					m[sk] = v[sk]
					out[k] = m
				}
			case []any:
				var els []any
				for _, el := range v {
					if em, ok := el.(map[string]any); ok {
						if sk, ok := key(em, sub); ok {
							els = append(els, map[string]any{sk: em[sk]})
						}
					}
				}
				if els != nil {
					out[k] = els
				}
			}
		}
		return out
	}
	ex := list(excluded)
	if len(ex) == 0 {
		return r
	}
	out := clone(r).(map[string]any)
	for _, a := range ex {
		top, sub, hasSub := strings.Cut(a, ".")
		if strings.EqualFold(top, "id") || strings.EqualFold(top, "schemas") {
			continue
		}
		k, ok := key(out, top)
		if !ok {
			continue
		}
		if !hasSub {
			delete(out, k)
			continue
		}
		switch v := out[k].(type) {
		case map[string]any:
			del(v, sub)
		case []any:
			for _, el := range v {
				if em, ok := el.(map[string]any); ok {
					del(em, sub)
				}
			}
		}
	}
	return out
}
