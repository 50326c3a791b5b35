package scim

import (
	"net/http"
	"strings"
)

func (rq *request) serviceProviderConfig() error {
	writeJSON(rq.w, http.StatusOK, resource{
		"schemas":          []any{schemaSPConfig},
		"documentationUri": "https://github.com/latchkey/latchkey/blob/main/docs/scim.md",
		"patch":            resource{"supported": true},
		"bulk":             resource{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           resource{"supported": true, "maxResults": maxCount},
		"changePassword":   resource{"supported": false},
		"sort":             resource{"supported": false},
		"etag":             resource{"supported": true},
		"authenticationSchemes": []any{resource{
			"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
			"description": "A SCIM token created by a workspace administrator, sent as Authorization: Bearer <token>.",
		}},
		"meta": resource{"resourceType": "ServiceProviderConfig", "location": rq.base + "/ServiceProviderConfig"},
	})
	return nil
}

func (rq *request) resourceType(name string) resource {
	r := resource{
		"schemas":  []any{schemaResourceType},
		"id":       name,
		"name":     name,
		"endpoint": "/" + name + "s",
		"meta":     resource{"resourceType": "ResourceType", "location": rq.base + "/ResourceTypes/" + name},
	}
	if name == "User" {
		r["description"], r["schema"] = "A person with an account in the workspace", schemaUser
		r["schemaExtensions"] = []any{resource{"schema": schemaEnterprise, "required": false}}
	} else {
		r["description"], r["schema"] = "A group pushed by the identity provider", schemaGroup
	}
	return r
}

func (rq *request) resourceTypes(rest []string) error {
	if len(rest) == 1 {
		for _, n := range []string{"User", "Group"} {
			if strings.EqualFold(rest[0], n) {
				writeJSON(rq.w, http.StatusOK, rq.resourceType(n))
				return nil
			}
		}
		return errorf(404, "", "no resource type %s", rest[0])
	}
	rq.listOf([]resource{rq.resourceType("User"), rq.resourceType("Group")})
	return nil
}

// listOf writes rs as an unpaged ListResponse.
func (rq *request) listOf(rs []resource) {
	writeJSON(rq.w, http.StatusOK, resource{"schemas": []any{schemaListResponse}, "totalResults": len(rs),
		"startIndex": 1, "itemsPerPage": len(rs), "Resources": rs})
}

// attr describes one attribute in a Schema resource.
func attr(name, typ string, multi, required bool, mutability, uniqueness string, caseExact bool, subs ...resource) resource {
	a := resource{"name": name, "type": typ, "multiValued": multi, "required": required, "caseExact": caseExact,
		"mutability": mutability, "returned": "default", "uniqueness": uniqueness, "description": name}
	if name == "id" {
		a["returned"] = "always"
	}
	if subs != nil {
		a["subAttributes"] = subs
	}
	return a
}

func (rq *request) schema(id string) resource {
	var name string
	var attrs []any
	switch id {
	case schemaUser:
		name = "User"
		attrs = []any{
			attr("userName", "string", false, true, "readWrite", "server", false),
			attr("name", "complex", false, false, "readWrite", "none", false,
				attr("formatted", "string", false, false, "readWrite", "none", false),
				attr("givenName", "string", false, false, "readWrite", "none", false),
				attr("familyName", "string", false, false, "readWrite", "none", false)),
			attr("displayName", "string", false, false, "readWrite", "none", false),
			attr("active", "boolean", false, false, "readWrite", "none", false),
			attr("emails", "complex", true, false, "readWrite", "none", false,
				attr("value", "string", false, false, "readWrite", "none", false),
				attr("type", "string", false, false, "readWrite", "none", false),
				attr("primary", "boolean", false, false, "readWrite", "none", false)),
			attr("groups", "complex", true, false, "readOnly", "none", false,
				attr("value", "string", false, false, "readOnly", "none", true),
				attr("display", "string", false, false, "readOnly", "none", false)),
		}
	case schemaGroup:
		name = "Group"
		attrs = []any{
			attr("displayName", "string", false, true, "readWrite", "server", false),
			attr("members", "complex", true, false, "readWrite", "none", false,
				attr("value", "string", false, false, "immutable", "none", true),
				attr("display", "string", false, false, "readOnly", "none", false)),
		}
	default:
		return nil
	}
	return resource{"schemas": []any{schemaSchema}, "id": id, "name": name, "description": name, "attributes": attrs,
		"meta": resource{"resourceType": "Schema", "location": rq.base + "/Schemas/" + id}}
}

func (rq *request) schemas(rest []string) error {
	if len(rest) == 1 {
		for _, id := range []string{schemaUser, schemaGroup} {
			if strings.EqualFold(rest[0], id) {
				writeJSON(rq.w, http.StatusOK, rq.schema(id))
				return nil
			}
		}
		return errorf(404, "", "no schema %s", rest[0])
	}
	rq.listOf([]resource{rq.schema(schemaUser), rq.schema(schemaGroup)})
	return nil
}
