package models_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"numberd/models"
)

var (
	filterCreated  = time.Date(2024, 3, 12, 10, 0, 0, 0, time.UTC)
	filterModified = time.Date(2024, 3, 13, 10, 0, 0, 0, time.UTC)
)

func filterNumber() *models.Number {
	return &models.Number{
		Number:         "+14158867900",
		State:          models.StateInService,
		AssignedTo:     "c",
		UsedBy:         "callflow",
		Carrier:        models.CarrierLocal,
		ReserveHistory: models.StringList{"c", "r"},
		FeaturesDenied: models.StringList{"e911"},
		Features:       models.Doc{"local": map[string]any{}, "prepend": map[string]any{"enabled": true}},
		Public: models.Doc{
			"cnam":    map[string]any{"display_name": "Foo", "inbound_lookup": false},
			"count":   json.Number("42"),
			"big":     json.Number("12345678901234567890"),
			"ratio":   1.5,
			"flag":    true,
			"empty":   "",
			"list":    []any{},
			"obj":     map[string]any{},
			"nothing": nil,
			"tags":    []any{"a", "b"},
			"nested":  map[string]any{"a.b": "dot"},
		},
		CreatedAt: filterCreated,
		UpdatedAt: filterModified,
	}
}

func TestKazooDoc(t *testing.T) {
	n := filterNumber()
	d := models.KazooDoc(n)
	mustEqual(t, "_id", d["_id"], "+14158867900")
	mustEqual(t, "pvt_type", d["pvt_type"], "number")
	mustEqual(t, "pvt_state", d["pvt_state"], "in_service")
	mustEqual(t, "pvt_module_name", d["pvt_module_name"], "knm_local")
	mustEqual(t, "pvt_created", d["pvt_created"], filterCreated.Unix()+models.GregorianOffset)
	mustEqual(t, "pvt_modified", d["pvt_modified"], models.Gregorian(filterModified))
	mustEqual(t, "pvt_ported_in", d["pvt_ported_in"], false)
	mustEqual(t, "pvt_assigned_to", d["pvt_assigned_to"], "c")
	mustEqual(t, "pvt_used_by", d["pvt_used_by"], "callflow")
	mustEqual(t, "pvt_reserve_history", d["pvt_reserve_history"], []any{"c", "r"})
	mustEqual(t, "pvt_features_denied", d["pvt_features_denied"], []any{"e911"})
	mustEqual(t, "pvt_features", d["pvt_features"], map[string]any{"local": map[string]any{}, "prepend": map[string]any{"enabled": true}})
	mustEqual(t, "public cnam", d["cnam"], map[string]any{"display_name": "Foo", "inbound_lookup": false})
	for _, k := range []string{"pvt_previously_assigned_to", "pvt_features_allowed"} {
		if _, ok := d[k]; ok {
			t.Errorf("%s present although empty", k)
		}
	}
	// The view is a copy: changing it leaves the number alone.
	d["cnam"].(map[string]any)["display_name"] = "Changed"
	d["pvt_features"].(map[string]any)["prepend"].(map[string]any)["enabled"] = false
	mustEqual(t, "number public", n.Public["cnam"], map[string]any{"display_name": "Foo", "inbound_lookup": false})
	mustEqual(t, "number features", n.Features["prepend"], map[string]any{"enabled": true})
}

func TestDocFilterMatch(t *testing.T) {
	d := models.KazooDoc(filterNumber())
	created := strconv.FormatInt(models.Gregorian(filterCreated), 10)
	eq := func(path string, v string) models.DocFilter {
		return models.DocFilter{Kind: models.FilterEq, Path: models.SplitFilterPath(path), Values: models.ParseFilterValue(v)}
	}
	ne := func(path string, v string) models.DocFilter {
		return models.DocFilter{Kind: models.FilterNe, Path: models.SplitFilterPath(path), Values: models.ParseFilterValue(v)}
	}
	kind := func(k, path string) models.DocFilter {
		return models.DocFilter{Kind: k, Path: models.SplitFilterPath(path)}
	}
	cases := []struct {
		name   string
		filter models.DocFilter
		want   bool
	}{
		// eq / ne on private and public keys.
		{"eq pvt_state", eq("pvt_state", "in_service"), true},
		{"eq pvt_state other", eq("pvt_state", "reserved"), false},
		{"eq list member", eq("pvt_state", `["reserved","in_service"]`), true},
		{"eq list non-member", eq("pvt_state", `["reserved","available"]`), false},
		{"eq empty list", eq("pvt_state", `[]`), false},
		{"eq pvt_assigned_to", eq("pvt_assigned_to", "c"), true},
		{"eq pvt_module_name", eq("pvt_module_name", "knm_local"), true},
		{"eq missing key", eq("pvt_previously_assigned_to", "c"), false},
		{"eq nested public", eq("cnam.display_name", "Foo"), true},
		{"eq nested public other", eq("cnam.display_name", "Bar"), false},
		{"eq escaped dot", eq("nested.a%2Eb", "dot"), true},
		{"eq unescaped dot is a path", eq("nested.a.b", "dot"), false},
		{"eq through a string", eq("cnam.display_name.x", "Foo"), false},
		{"ne pvt_state other", ne("pvt_state", "reserved"), true},
		{"ne pvt_state same", ne("pvt_state", "in_service"), false},
		{"ne list containing", ne("pvt_state", `["in_service","reserved"]`), false},
		{"ne list not containing", ne("pvt_state", `["available","reserved"]`), true},
		{"ne missing key", ne("pvt_previously_assigned_to", "c"), true},
		// Numbers and booleans compare as strings.
		{"eq json.Number", eq("count", "42"), true},
		{"eq json.Number other", eq("count", "42.0"), false},
		{"eq big integer exact", eq("big", "12345678901234567890"), true},
		{"eq float", eq("ratio", "1.5"), true},
		{"eq int64 gregorian", eq("pvt_created", created), true},
		{"eq number in a JSON list", eq("count", `[41, 42]`), true},
		{"eq boolean true", eq("flag", "true"), true},
		{"eq boolean false", eq("cnam.inbound_lookup", "false"), true},
		{"eq pvt boolean", eq("pvt_ported_in", "false"), true},
		{"eq boolean in a JSON list", eq("flag", `[true]`), true},
		{"eq boolean as word", eq("flag", "TRUE"), false},
		// has_key / key_missing.
		{"has_key public", kind(models.FilterHasKey, "cnam"), true},
		{"has_key nested", kind(models.FilterHasKey, "cnam.display_name"), true},
		{"has_key nested missing", kind(models.FilterHasKey, "cnam.other"), false},
		{"has_key pvt", kind(models.FilterHasKey, "pvt_used_by"), true},
		{"has_key pvt nested", kind(models.FilterHasKey, "pvt_features.local"), true},
		{"has_key pvt unset", kind(models.FilterHasKey, "pvt_previously_assigned_to"), false},
		{"has_key empty string value", kind(models.FilterHasKey, "empty"), true},
		{"has_key null value", kind(models.FilterHasKey, "nothing"), true},
		{"key_missing absent", kind(models.FilterKeyMissing, "e911"), true},
		{"key_missing present", kind(models.FilterKeyMissing, "cnam.display_name"), false},
		{"key_missing pvt", kind(models.FilterKeyMissing, "pvt_features.e911"), true},
		// has_value / value_missing: empty strings, lists and objects, and null count as no value.
		{"has_value string", kind(models.FilterHasValue, "cnam.display_name"), true},
		{"has_value false is a value", kind(models.FilterHasValue, "cnam.inbound_lookup"), true},
		{"has_value number", kind(models.FilterHasValue, "count"), true},
		{"has_value list", kind(models.FilterHasValue, "tags"), true},
		{"has_value empty string", kind(models.FilterHasValue, "empty"), false},
		{"has_value empty list", kind(models.FilterHasValue, "list"), false},
		{"has_value empty object", kind(models.FilterHasValue, "obj"), false},
		{"has_value null", kind(models.FilterHasValue, "nothing"), false},
		{"has_value missing", kind(models.FilterHasValue, "missing"), false},
		{"has_value pvt empty object", kind(models.FilterHasValue, "pvt_features.local"), false},
		{"has_value pvt", kind(models.FilterHasValue, "pvt_reserve_history"), true},
		{"value_missing empty string", kind(models.FilterValueMissing, "empty"), true},
		{"value_missing empty list", kind(models.FilterValueMissing, "list"), true},
		{"value_missing empty object", kind(models.FilterValueMissing, "obj"), true},
		{"value_missing null", kind(models.FilterValueMissing, "nothing"), true},
		{"value_missing missing", kind(models.FilterValueMissing, "missing"), true},
		{"value_missing set", kind(models.FilterValueMissing, "cnam.display_name"), false},
		{"value_missing pvt set", kind(models.FilterValueMissing, "pvt_used_by"), false},
		{"value_missing pvt empty object", kind(models.FilterValueMissing, "pvt_features.local"), true},
		// Unknown kinds do not filter anything out.
		{"unknown kind", kind("bogus", "missing"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.filter.Match(d); got != tc.want {
				t.Fatalf("Match(%+v) = %v, want %v", tc.filter, got, tc.want)
			}
		})
	}
}

func TestParseFilterValue(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"in_service", []string{"in_service"}},
		{`["a","b"]`, []string{"a", "b"}},
		{` ["a"]`, []string{"a"}},
		{`[1, 2.5, true, null, "x"]`, []string{"1", "2.5", "true", "null", "x"}},
		{"[not json", []string{"[not json"}},
		{"", []string{""}},
	}
	for _, tc := range cases {
		mustEqual(t, "ParseFilterValue("+tc.in+")", models.ParseFilterValue(tc.in), tc.want)
	}
}

func TestSplitFilterPath(t *testing.T) {
	mustEqual(t, "simple", models.SplitFilterPath("pvt_state"), []string{"pvt_state"})
	mustEqual(t, "nested", models.SplitFilterPath("e911.region"), []string{"e911", "region"})
	mustEqual(t, "escaped", models.SplitFilterPath("a%2Eb.c"), []string{"a.b", "c"})
}
