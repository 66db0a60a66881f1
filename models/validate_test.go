package models_test

import (
	"encoding/json"
	"strings"
	"testing"

	"numberd/models"
)

// fe is the part of a FieldError the API shows as data.<path>.<rule>.message.
type fe struct{ path, rule, message string }

const (
	msgRequired = "Field is required but missing"
	msgEnum     = "Value not found in enumerated list of values"
)

func validE911() map[string]any {
	return map[string]any{
		"street_address": "140 Main St",
		"locality":       "San Francisco",
		"region":         "CA",
		"postal_code":    "94105",
	}
}

func e911With(k string, v any) map[string]any {
	m := validE911()
	m[k] = v
	return m
}

func e911Without(keys ...string) map[string]any {
	m := validE911()
	for _, k := range keys {
		delete(m, k)
	}
	return m
}

func TestValidatePublic(t *testing.T) {
	cases := []struct {
		name string
		doc  models.Doc
		want []fe
	}{
		{"empty", models.Doc{}, nil},
		{"nil", nil, nil},
		{"unknown keys accepted", models.Doc{"my_key": 42, "ringback": map[string]any{"early": "m"}, "nested": []any{map[string]any{}}}, nil},
		{"valid everything", models.Doc{
			"carrier_name":      "telnyx",
			"cnam":              map[string]any{"display_name": "123456789012345", "inbound_lookup": true},
			"create_with_state": "reserved",
			"e911": map[string]any{
				"street_address": "140 Main St", "locality": "SF", "region": "CA", "postal_code": "94105",
				"caller_name": "Bob", "status": "PROVISIONED", "extended_address": "Apt 1",
				"notification_contact_emails": []any{"a@b.c"},
				"legacy_data":                 map[string]any{"suite": "1"},
			},
			"porting": map[string]any{"port_id": "p", "comments": []any{"one", "two"}},
		}, nil},
		{"unicode display name of 15 runes", models.Doc{"cnam": map[string]any{"display_name": strings.Repeat("é", 15)}}, nil},

		// cnam
		{"cnam.display_name too long", models.Doc{"cnam": map[string]any{"display_name": "1234567890123456"}},
			[]fe{{"cnam.display_name", "maxLength", "String must not be more than 15 characters"}}},
		{"cnam.display_name empty", models.Doc{"cnam": map[string]any{"display_name": ""}},
			[]fe{{"cnam.display_name", "minLength", "String must be at least 1 characters"}}},
		{"cnam.display_name not a string", models.Doc{"cnam": map[string]any{"display_name": json.Number("42")}},
			[]fe{{"cnam.display_name", "type", "Value did not match type(s): string"}}},
		{"cnam.inbound_lookup not a boolean", models.Doc{"cnam": map[string]any{"inbound_lookup": "true"}},
			[]fe{{"cnam.inbound_lookup", "type", "Value did not match type(s): boolean"}}},
		{"cnam not an object", models.Doc{"cnam": "Foo"},
			[]fe{{"cnam", "type", "Value did not match type(s): object"}}},
		{"cnam as a Doc", models.Doc{"cnam": models.Doc{"display_name": ""}},
			[]fe{{"cnam.display_name", "minLength", "String must be at least 1 characters"}}},

		// e911
		{"e911 empty object: every required key", models.Doc{"e911": map[string]any{}}, []fe{
			{"e911.locality", "required", msgRequired},
			{"e911.postal_code", "required", msgRequired},
			{"e911.region", "required", msgRequired},
			{"e911.street_address", "required", msgRequired},
		}},
		{"e911 missing street_address", models.Doc{"e911": e911Without("street_address")},
			[]fe{{"e911.street_address", "required", msgRequired}}},
		{"e911 missing locality", models.Doc{"e911": e911Without("locality")},
			[]fe{{"e911.locality", "required", msgRequired}}},
		{"e911 missing region", models.Doc{"e911": e911Without("region")},
			[]fe{{"e911.region", "required", msgRequired}}},
		{"e911 missing postal_code", models.Doc{"e911": e911Without("postal_code")},
			[]fe{{"e911.postal_code", "required", msgRequired}}},
		{"e911.region too long", models.Doc{"e911": e911With("region", "CAL")},
			[]fe{{"e911.region", "maxLength", "String must not be more than 2 characters"}}},
		{"e911.region too short", models.Doc{"e911": e911With("region", "C")},
			[]fe{{"e911.region", "minLength", "String must be at least 2 characters"}}},
		{"e911.status not in enum", models.Doc{"e911": e911With("status", "provisioned")},
			[]fe{{"e911.status", "enum", msgEnum}}},
		{"e911.caller_name too short", models.Doc{"e911": e911With("caller_name", "Al")},
			[]fe{{"e911.caller_name", "minLength", "String must be at least 3 characters"}}},
		{"e911.street_address not a string", models.Doc{"e911": e911With("street_address", 140)},
			[]fe{{"e911.street_address", "type", "Value did not match type(s): string"}}},
		{"e911.notification_contact_emails item", models.Doc{"e911": e911With("notification_contact_emails", []any{"a@b.c", true})},
			[]fe{{"e911.notification_contact_emails.1", "type", "Value did not match type(s): string"}}},
		{"e911.notification_contact_emails not an array", models.Doc{"e911": e911With("notification_contact_emails", "a@b.c")},
			[]fe{{"e911.notification_contact_emails", "type", "Value did not match type(s): array"}}},
		{"e911.legacy_data.suite not a string", models.Doc{"e911": e911With("legacy_data", map[string]any{"suite": 1})},
			[]fe{{"e911.legacy_data.suite", "type", "Value did not match type(s): string"}}},
		{"e911 not an object", models.Doc{"e911": []any{}},
			[]fe{{"e911", "type", "Value did not match type(s): object"}}},
		{"e911 unknown key accepted", models.Doc{"e911": e911With("custom", 1)}, nil},
		{"e911 several failures, required first then by key", models.Doc{"e911": map[string]any{
			"region": "CAL", "caller_name": "Al", "locality": "SF", "postal_code": "1", "status": "X",
		}}, []fe{
			{"e911.street_address", "required", msgRequired},
			{"e911.caller_name", "minLength", "String must be at least 3 characters"},
			{"e911.region", "maxLength", "String must not be more than 2 characters"},
			{"e911.status", "enum", msgEnum},
		}},

		// carrier_name
		{"carrier_name empty", models.Doc{"carrier_name": ""},
			[]fe{{"carrier_name", "minLength", "String must be at least 1 characters"}}},
		{"carrier_name 30 chars", models.Doc{"carrier_name": strings.Repeat("x", 30)}, nil},
		{"carrier_name 31 chars", models.Doc{"carrier_name": strings.Repeat("x", 31)},
			[]fe{{"carrier_name", "maxLength", "String must not be more than 30 characters"}}},
		{"carrier_name not a string", models.Doc{"carrier_name": false},
			[]fe{{"carrier_name", "type", "Value did not match type(s): string"}}},

		// create_with_state
		{"create_with_state not in enum", models.Doc{"create_with_state": "bought"},
			[]fe{{"create_with_state", "enum", msgEnum}}},

		// porting
		{"porting.comments items must be strings", models.Doc{"porting": map[string]any{"comments": []any{"ok", 3, "fine", nil}}}, []fe{
			{"porting.comments.1", "type", "Value did not match type(s): string"},
			{"porting.comments.3", "type", "Value did not match type(s): string"},
		}},
		{"porting.comments not an array", models.Doc{"porting": map[string]any{"comments": "text"}},
			[]fe{{"porting.comments", "type", "Value did not match type(s): array"}}},
		{"porting.port_id not a string", models.Doc{"porting": map[string]any{"port_id": 7}},
			[]fe{{"porting.port_id", "type", "Value did not match type(s): string"}}},

		// several keys: sorted by key.
		{"several keys", models.Doc{
			"e911":         map[string]any{"region": "CA", "locality": "x", "postal_code": "y", "street_address": "z", "status": "NO"},
			"cnam":         map[string]any{"display_name": ""},
			"carrier_name": "",
		}, []fe{
			{"carrier_name", "minLength", "String must be at least 1 characters"},
			{"cnam.display_name", "minLength", "String must be at least 1 characters"},
			{"e911.status", "enum", msgEnum},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := models.ValidatePublic(tc.doc)
			var gotFE []fe
			for _, e := range got {
				gotFE = append(gotFE, fe{e.Path, e.Rule, e.Message})
			}
			mustEqual(t, "field errors", gotFE, tc.want)
		})
	}
}

func TestValidatePublicE911StatusEnum(t *testing.T) {
	for _, st := range []string{"INVALID", "GEOCODED", "PROVISIONED", "REMOVED", "ERROR"} {
		if errs := models.ValidatePublic(models.Doc{"e911": e911With("status", st)}); len(errs) != 0 {
			t.Errorf("status %s: %+v", st, errs)
		}
	}
	for _, st := range []string{"", "removed", "OK"} {
		errs := models.ValidatePublic(models.Doc{"e911": e911With("status", st)})
		if len(errs) != 1 || errs[0].Path != "e911.status" || errs[0].Rule != "enum" || errs[0].Message != msgEnum {
			t.Errorf("status %q: %+v", st, errs)
		}
	}
}

func TestValidatePublicTargetsAndValues(t *testing.T) {
	errs := models.ValidatePublic(models.Doc{"cnam": map[string]any{"display_name": "1234567890123456"}})
	if len(errs) != 1 {
		t.Fatalf("errors = %+v", errs)
	}
	mustEqual(t, "target", errs[0].Target, 15)
	mustEqual(t, "value", errs[0].Value, "1234567890123456")

	errs = models.ValidatePublic(models.Doc{"e911": e911With("status", "NO")})
	if len(errs) != 1 {
		t.Fatalf("errors = %+v", errs)
	}
	mustEqual(t, "enum target", errs[0].Target, models.E911StatusValues)
}

func TestValidatePublicSize(t *testing.T) {
	big := models.Doc{"blob": strings.Repeat("x", models.MaxPublicBytes)}
	errs := models.ValidatePublic(big)
	if len(errs) != 1 || errs[0].Path != "data" || errs[0].Rule != "maxLength" {
		t.Fatalf("errors = %+v, want one data/maxLength", errs)
	}
	if errs := models.ValidatePublic(models.Doc{"blob": strings.Repeat("x", models.MaxPublicBytes-100)}); len(errs) != 0 {
		t.Fatalf("errors = %+v, want none just under the limit", errs)
	}
}
