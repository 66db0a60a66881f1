package models

import (
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"
)

// Validation of a number's public fields, as the phone_numbers JSON schema of
// the API page says (phone_numbers-api.md). Unknown keys are allowed and
// stored as given. Messages are Kazoo's kz_json_schema texts.

// CreateWithStateValues is the schema enum of create_with_state.
var CreateWithStateValues = []string{"aging", "available", "deleted", "discovery", "in_service", "port_in", "port_out", "released", "reserved"}

// E911StatusValues is the schema enum of e911.status.
var E911StatusValues = []string{"INVALID", "GEOCODED", "PROVISIONED", "REMOVED", "ERROR"}

// MaxPublicBytes bounds the stored public document.
const MaxPublicBytes = 60000

type fieldSpec struct {
	typ      string // string, boolean, object, array
	min, max int    // string length bounds (0 = none)
	enum     []string
	required []string
	fields   map[string]fieldSpec
	items    *fieldSpec
}

var str = fieldSpec{typ: "string"}

var publicSchema = map[string]fieldSpec{
	"carrier_name": {typ: "string", min: 1, max: 30},
	"cnam": {typ: "object", fields: map[string]fieldSpec{
		"display_name":   {typ: "string", min: 1, max: 15},
		"inbound_lookup": {typ: "boolean"},
	}},
	"create_with_state": {typ: "string", enum: CreateWithStateValues},
	"e911": {typ: "object", required: []string{"locality", "postal_code", "region", "street_address"}, fields: map[string]fieldSpec{
		"activated_time":              str,
		"caller_name":                 {typ: "string", min: 3},
		"extended_address":            str,
		"latitude":                    str,
		"locality":                    str,
		"location_id":                 str,
		"longitude":                   str,
		"plus_four":                   str,
		"postal_code":                 str,
		"region":                      {typ: "string", min: 2, max: 2},
		"status":                      {typ: "string", enum: E911StatusValues},
		"street_address":              str,
		"notification_contact_emails": {typ: "array", items: &str},
		"legacy_data": {typ: "object", fields: map[string]fieldSpec{
			"house_number": str, "predirectional": str, "streetname": str, "suite": str,
		}},
	}},
	"porting": {typ: "object", fields: map[string]fieldSpec{
		"billing_account_id": str, "billing_extended_address": str, "billing_locality": str,
		"billing_name": str, "billing_postal_code": str, "billing_region": str,
		"billing_street_address": str, "billing_telephone_number": str,
		"comments":            {typ: "array", items: &str},
		"customer_contact":    str,
		"port_id":             str,
		"requested_port_date": str,
		"service_provider":    str,
	}},
}

// ValidatePublic checks a number's public fields against the schema and
// returns every failure (nil when valid).
func ValidatePublic(d Doc) []FieldError {
	var errs []FieldError
	for _, k := range d.Keys() {
		if spec, ok := publicSchema[k]; ok {
			errs = append(errs, validateValue(k, d[k], spec)...)
		}
	}
	if b, err := json.Marshal(map[string]any(d)); err == nil && len(b) > MaxPublicBytes {
		errs = append(errs, FieldError{Path: "data", Rule: "maxLength",
			Message: fmt.Sprintf("Document must not be more than %d bytes", MaxPublicBytes), Target: MaxPublicBytes})
	}
	return errs
}

func validateValue(path string, v any, spec fieldSpec) []FieldError {
	if !hasType(v, spec.typ) {
		return []FieldError{{Path: path, Rule: "type", Message: "Value did not match type(s): " + spec.typ, Target: spec.typ, Value: v}}
	}
	var errs []FieldError
	switch spec.typ {
	case "string":
		s := v.(string)
		n := utf8.RuneCountInString(s)
		if spec.min > 0 && n < spec.min {
			errs = append(errs, FieldError{Path: path, Rule: "minLength", Message: fmt.Sprintf("String must be at least %d characters", spec.min), Target: spec.min, Value: s})
		}
		if spec.max > 0 && n > spec.max {
			errs = append(errs, FieldError{Path: path, Rule: "maxLength", Message: fmt.Sprintf("String must not be more than %d characters", spec.max), Target: spec.max, Value: s})
		}
		if len(spec.enum) > 0 && !contains(spec.enum, s) {
			errs = append(errs, FieldError{Path: path, Rule: "enum", Message: "Value not found in enumerated list of values", Target: spec.enum, Value: s})
		}
	case "object":
		m, _ := asMap(v)
		for _, r := range spec.required {
			if _, ok := m[r]; !ok {
				errs = append(errs, FieldError{Path: path + "." + r, Rule: "required", Message: "Field is required but missing"})
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if fs, ok := spec.fields[k]; ok {
				errs = append(errs, validateValue(path+"."+k, m[k], fs)...)
			}
		}
	case "array":
		if spec.items != nil {
			for i, it := range v.([]any) {
				errs = append(errs, validateValue(fmt.Sprintf("%s.%d", path, i), it, *spec.items)...)
			}
		}
	}
	return errs
}

func hasType(v any, typ string) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := asMap(v)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
