package scim

import "testing"

func TestMatch(t *testing.T) {
	r := resource{
		"id":          "ABC",
		"userName":    "Pat.Doe@acme.test",
		"externalId":  "00uX",
		"active":      true,
		"displayName": `Pat "P" Doe`,
		"name":        map[string]any{"givenName": "Pat", "familyName": "Doe"},
		"emails":      []any{map[string]any{"value": "pat@acme.test", "type": "work", "primary": true}, map[string]any{"value": "p@home.test", "type": "home"}},
		"meta":        map[string]any{"lastModified": "2031-03-04T05:06:07Z"},
	}
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{`userName eq "pat.doe@ACME.test"`, true},
		{`USERNAME Eq "pat.doe@acme.test"`, true},
		{`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "pat.doe@acme.test"`, true},
		{`externalId eq "00ux"`, false},
		{`externalId eq "00uX"`, true},
		{`id eq "abc"`, false},
		{`active eq true`, true},
		{`active eq false`, false},
		{`name.familyName eq "doe"`, true},
		{`name.givenName sw "pa" and name.familyName ew "oe"`, true},
		{`userName co "nobody" or displayName co "doe"`, true},
		{`not (userName eq "x")`, true},
		{`displayName eq "Pat \"P\" Doe"`, true},
		{`emails[type eq "work"].value eq "pat@acme.test"`, true},
		{`emails[type eq "home"].value eq "pat@acme.test"`, false},
		{`emails[type eq "work" and primary eq true]`, true},
		{`emails eq "p@home.test"`, true},
		{`emails.value eq "p@home.test"`, true},
		{`externalId pr`, true},
		{`title pr`, false},
		{`meta.lastModified gt "2030-01-01T00:00:00Z"`, true},
		{`meta.lastModified lt "2030-01-01T00:00:00Z"`, false},
		{`userName ne "pat.doe@acme.test"`, false},
	} {
		e, err := parseFilter(tc.filter)
		if err != nil {
			t.Fatalf("parseFilter(%s): %v", tc.filter, err)
		}
		got, err := match(e, r)
		if err != nil || got != tc.want {
			t.Errorf("match(%s)=%v, %v; want %v", tc.filter, got, err, tc.want)
		}
	}
	if _, err := parseFilter(`emails[type eq "work" or type eq "home"].value eq "x"`); err == nil {
		t.Error("parseFilter accepted an 'or' inside brackets before a sub-attribute")
	}
}
