package scim

import (
	"strings"

	filter "github.com/scim2/filter-parser/v2"
)

// A patchOp is one operation of a PATCH request (RFC 7644 section 3.5.2).
type patchOp struct {
	Op    string
	Path  string
	Value any
}

// maxPatchOps bounds the operations of one PATCH request: beyond it the request is refused
// with tooMany rather than processed.
const maxPatchOps = 1000

// parsePatch reads the Operations of a PatchOp message, with attribute names in any case.
func parsePatch(body resource) ([]patchOp, error) {
	raw, ok := get(body, "Operations").([]any)
	if !ok {
		return nil, errorf(400, "invalidSyntax", "a PATCH request needs an Operations list")
	}
	if len(raw) > maxPatchOps {
		return nil, errorf(400, "tooMany", "a PATCH request holds at most %d operations", maxPatchOps)
	}
	ops := make([]patchOp, 0, len(raw))
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, errorf(400, "invalidSyntax", "each operation must be an object")
		}
		op := patchOp{Op: strings.ToLower(str(get(m, "op"))), Path: strings.TrimSpace(str(get(m, "path"))), Value: get(m, "value")}
		switch op.Op {
		case "add", "replace", "remove":
		default:
			return nil, errorf(400, "invalidSyntax", "op must be add, replace or remove")
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// applyPatch applies ops to r, a resource in its JSON form. readOnly names the attributes
// (lower case) that a PATCH may not touch: doing so is a 400 mutability. multi names the
// multi-valued attributes (lower case), which add appends to. The caller reads the patched
// resource back as it reads a PUT body, so that both paths validate the same way.
func applyPatch(r resource, ops []patchOp, readOnly, multi map[string]bool) error {
	for _, op := range ops {
		if op.Path == "" {
			if op.Op == "remove" {
				return errorf(400, "noTarget", "remove needs a path")
			}
			// No path: the value is a map of attributes to add or replace. Microsoft Entra
			// sends this form, with keys such as "active" or even "name.givenName" and
			// "urn:…:enterprise:2.0:User:department": each key is a path of its own.
			vm, ok := op.Value.(map[string]any)
			if !ok {
				return errorf(400, "invalidValue", "an operation without a path needs an object value")
			}
			for k, v := range vm {
				if strings.EqualFold(k, "schemas") {
					continue
				}
				if err := applyPath(r, patchOp{Op: op.Op, Path: k, Value: v}, readOnly, multi); err != nil {
					return err
				}
			}
			continue
		}
		if err := applyPath(r, op, readOnly, multi); err != nil {
			return err
		}
	}
	return nil
}

// applyPath applies one operation that has a path.
func applyPath(r resource, op patchOp, readOnly, multi map[string]bool) error {
	urn, rest := stripSchema(op.Path)
	if urn == schemaEnterprise {
		// latchkey keeps none of the enterprise extension: accept and drop it.
		return nil
	}
	p, err := filter.ParsePath([]byte(rest))
	if err != nil {
		return errorf(400, "invalidPath", "the path %q does not parse", op.Path)
	}
	name := p.AttributePath.AttributeName
	lname := strings.ToLower(name)
	if readOnly[lname] {
		// Okta renames a group with {"op":"replace","value":{"id":…,"displayName":…}}: an
		// unchanged read-only value is no change, and is let through.
		if cur, ok := get(r, name).(string); ok && op.Op != "remove" && p.ValueExpression == nil &&
			p.AttributePath.SubAttribute == nil && cur == str(op.Value) {
			return nil
		}
		return errorf(400, "mutability", "%s is read-only", name)
	}
	attrSub := p.AttributePath.SubAttributeName() // name.sub
	if p.ValueExpression == nil {
		if attrSub == "" {
			return patchAttr(r, name, op, multi[lname])
		}
		// A sub-attribute of a complex attribute, such as name.givenName.
		m, _ := get(r, name).(map[string]any)
		if m == nil {
			if op.Op == "remove" {
				return nil
			}
			m = map[string]any{}
			set(r, name, m)
		}
		return patchAttr(m, attrSub, op, false)
	}

	// A filtered multi-valued attribute: emails[type eq "work"].value, members[value eq "…"].
	els, _ := get(r, name).([]any)
	sub := p.SubAttributeName()
	var kept []any
	matched := 0
	for _, el := range els {
		m, ok := el.(map[string]any)
		if !ok {
			kept = append(kept, el)
			continue
		}
		ok, err := matchIn(p.ValueExpression, m, lname+".")
		if err != nil {
			return err
		}
		if !ok {
			kept = append(kept, el)
			continue
		}
		matched++
		switch {
		case op.Op == "remove" && sub == "":
			continue // the element goes
		case sub == "":
			vm, ok := op.Value.(map[string]any)
			if !ok {
				return errorf(400, "invalidValue", "%s needs an object value", op.Path)
			}
			for k, v := range vm {
				set(m, k, v)
			}
		default:
			if err := patchAttr(m, sub, op, false); err != nil {
				return err
			}
		}
		kept = append(kept, m)
	}
	if matched == 0 {
		switch {
		case op.Op == "remove":
			return nil // removing what is not there leaves the resource as asked
		case sub != "":
			// Entra replaces emails[type eq "work"].value on a user that may have no work
			// email yet: create the element the filter describes.
			el, ok := elementOf(p.ValueExpression)
			if !ok {
				return errorf(400, "noTarget", "no value of %s matches %q", name, op.Path)
			}
			el[sub] = op.Value
			kept = append(kept, el)
		default:
			return errorf(400, "noTarget", "no value of %s matches %q", name, op.Path)
		}
	}
	set(r, name, kept)
	return nil
}

// elementOf returns the element that a filter of equalities (type eq "work" and primary eq
// true) describes, so that a replace on a value path with no match can create it.
func elementOf(e filter.Expression) (map[string]any, bool) {
	switch e := e.(type) {
	case *filter.AttributeExpression:
		if e.Operator != filter.EQ || e.AttributePath.SubAttribute != nil {
			return nil, false
		}
		return map[string]any{e.AttributePath.AttributeName: e.CompareValue}, true
	case *filter.LogicalExpression:
		if e.Operator != filter.AND {
			return nil, false
		}
		l, ok := elementOf(e.Left)
		if !ok {
			return nil, false
		}
		r, ok := elementOf(e.Right)
		if !ok {
			return nil, false
		}
		for k, v := range r {
			l[k] = v
		}
		return l, true
	}
	return nil, false
}

// patchAttr applies op to attribute name of m. For a multi-valued attribute add appends the
// values not already there, and remove with a value removes the elements whose "value"
// matches (the form Entra uses to remove group members); replace sets the whole list.
func patchAttr(m map[string]any, name string, op patchOp, multiValued bool) error {
	switch op.Op {
	case "remove":
		if vs, ok := op.Value.([]any); ok && multiValued {
			gone := map[string]bool{}
			for _, v := range vs {
				if vm, ok := v.(map[string]any); ok {
					gone[str(get(vm, "value"))] = true
				}
			}
			var kept []any
			for _, el := range elements(get(m, name)) {
				if em, ok := el.(map[string]any); ok && gone[str(get(em, "value"))] {
					continue
				}
				kept = append(kept, el)
			}
			set(m, name, kept)
			return nil
		}
		del(m, name)
		return nil
	case "add":
		if multiValued {
			have := map[string]bool{}
			cur := elements(get(m, name))
			for _, el := range cur {
				if em, ok := el.(map[string]any); ok {
					have[str(get(em, "value"))] = true
				}
			}
			for _, v := range elements(op.Value) {
				if vm, ok := v.(map[string]any); ok {
					if val := str(get(vm, "value")); val != "" && have[val] {
						continue
					}
					have[str(get(vm, "value"))] = true
				}
				cur = append(cur, v)
			}
			set(m, name, cur)
			return nil
		}
		fallthrough
	default: // replace, or add of a single value
		if multiValued {
			set(m, name, elements(op.Value))
			return nil
		}
		if vm, ok := op.Value.(map[string]any); ok {
			// Replacing a complex attribute sets the sub-attributes given and keeps the others.
			cur, _ := get(m, name).(map[string]any)
			if cur == nil {
				cur = map[string]any{}
			}
			for k, v := range vm {
				set(cur, k, v)
			}
			set(m, name, cur)
			return nil
		}
		set(m, name, op.Value)
	}
	return nil
}
