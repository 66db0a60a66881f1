package models

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Kazoo's listing filters (crossbar_filter, decisions.md 6) are evaluated
// against the full number document: public fields plus pvt_* keys. KazooDoc
// builds that view; DocFilter matches one filter against it.

// KazooDoc returns the number as Kazoo stores it (public + private fields).
func KazooDoc(n *Number) map[string]any {
	d := map[string]any(n.Public.Clone())
	d["_id"] = n.Number
	d["pvt_type"] = "number"
	d["pvt_state"] = string(n.State)
	d["pvt_module_name"] = "knm_" + n.Carrier
	d["pvt_created"] = Gregorian(n.CreatedAt)
	d["pvt_modified"] = Gregorian(n.UpdatedAt)
	d["pvt_ported_in"] = n.PortedIn
	d["pvt_features"] = map[string]any(n.Features.Clone())
	if n.AssignedTo != "" {
		d["pvt_assigned_to"] = n.AssignedTo
	}
	if n.PreviouslyAssignedTo != "" {
		d["pvt_previously_assigned_to"] = n.PreviouslyAssignedTo
	}
	if n.UsedBy != "" {
		d["pvt_used_by"] = n.UsedBy
	}
	if len(n.ReserveHistory) > 0 {
		d["pvt_reserve_history"] = toAnyList(n.ReserveHistory)
	}
	if len(n.FeaturesAllowed) > 0 {
		d["pvt_features_allowed"] = toAnyList(n.FeaturesAllowed)
	}
	if len(n.FeaturesDenied) > 0 {
		d["pvt_features_denied"] = toAnyList(n.FeaturesDenied)
	}
	return d
}

func toAnyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// Filter kinds.
const (
	FilterEq           = "eq"            // filter_<path>=v (v may be a JSON list: member of)
	FilterNe           = "ne"            // filter_not_<path>=v
	FilterHasKey       = "has_key"       // has_key=<path>
	FilterKeyMissing   = "key_missing"   // key_missing=<path>
	FilterHasValue     = "has_value"     // has_value=<path>
	FilterValueMissing = "value_missing" // value_missing=<path> (also missing_value)
)

// DocFilter is one listing filter.
type DocFilter struct {
	Kind   string
	Path   []string
	Values []string // for eq/ne: the accepted values
}

// ParseFilterValue turns a filter_* value into the accepted values: a JSON
// list means "member of", anything else is one value.
func ParseFilterValue(v string) []string {
	if strings.HasPrefix(strings.TrimSpace(v), "[") {
		var list []any
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if dec.Decode(&list) == nil {
			out := make([]string, 0, len(list))
			for _, x := range list {
				out = append(out, valueString(x))
			}
			return out
		}
	}
	return []string{v}
}

// SplitFilterPath splits a dot path; %2E stands for a literal dot.
func SplitFilterPath(p string) []string {
	parts := strings.Split(p, ".")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(s, "%2E", ".")
	}
	return parts
}

func lookup(d map[string]any, path []string) (any, bool) {
	var cur any = d
	for _, k := range path {
		m, ok := asMap(cur)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// valueString renders a JSON value the way Kazoo compares filter values.
func valueString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case Doc:
		return len(x) == 0
	}
	return false
}

// Match reports whether the document passes the filter.
func (f DocFilter) Match(d map[string]any) bool {
	v, ok := lookup(d, f.Path)
	switch f.Kind {
	case FilterHasKey:
		return ok
	case FilterKeyMissing:
		return !ok
	case FilterHasValue:
		return ok && !isEmptyValue(v)
	case FilterValueMissing:
		return !ok || isEmptyValue(v)
	case FilterEq, FilterNe:
		hit := false
		if ok {
			s := valueString(v)
			for _, want := range f.Values {
				if s == want {
					hit = true
					break
				}
			}
		}
		if f.Kind == FilterEq {
			return hit
		}
		return !hit
	}
	return true
}
