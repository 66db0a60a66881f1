package models

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
)

// Doc is a JSON object: a number's public fields, features, carrier data.
// It decodes numbers as json.Number so large integers a client stored come
// back exactly as given, and it stores itself as JSON text.
type Doc map[string]any

// DecodeDoc parses a JSON object, keeping numbers exact.
func DecodeDoc(b []byte) (Doc, error) {
	d := Doc{}
	if len(bytes.TrimSpace(b)) == 0 {
		return d, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	if d == nil {
		d = Doc{}
	}
	return d, nil
}

// scanBytes returns the bytes of a JSON column value (nil for NULL).
func scanBytes(src any, what string) ([]byte, error) {
	switch v := src.(type) {
	case nil:
		return nil, nil
	case []byte:
		return v, nil
	case string:
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%s: cannot scan %T", what, src)
}

// Scan implements sql.Scanner.
func (d *Doc) Scan(src any) error {
	b, err := scanBytes(src, "doc")
	if err != nil {
		return err
	}
	if b == nil {
		*d = Doc{}
		return nil
	}
	if isEmptyJSON(b, '{', '}') {
		// Most stored docs are empty: skip the decoder (a read of a number
		// scans three docs).
		*d = Doc{}
		return nil
	}
	x, err := DecodeDoc(b)
	if err != nil {
		return err
	}
	*d = x
	return nil
}

// isEmptyJSON reports b is empty, null, or an empty object/array (open,
// close) with nothing but spaces inside.
func isEmptyJSON(b []byte, open, close byte) bool {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, string(b) == "null":
		return true
	case len(b) >= 2 && b[0] == open && b[len(b)-1] == close:
		return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
	}
	return false
}

// Value implements driver.Valuer.
func (d Doc) Value() (driver.Value, error) {
	if d == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]any(d))
	return string(b), err
}

// Clone returns a deep copy.
func (d Doc) Clone() Doc {
	if d == nil {
		return Doc{}
	}
	return cloneValue(map[string]any(d)).(map[string]any)
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, vv := range x {
			m[k] = cloneValue(vv)
		}
		return m
	case Doc:
		return cloneValue(map[string]any(x))
	case []any:
		s := make([]any, len(x))
		for i, vv := range x {
			s[i] = cloneValue(vv)
		}
		return s
	default:
		return x
	}
}

// Keys returns the sorted keys.
func (d Doc) Keys() []string {
	ks := make([]string, 0, len(d))
	for k := range d {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Object returns d[key] as an object, or nil.
func (d Doc) Object(key string) map[string]any {
	switch m := d[key].(type) {
	case map[string]any:
		return m
	case Doc:
		return m
	}
	return nil
}

// MergePatch applies an RFC 7386 JSON merge patch: objects merge deeply, a
// null removes the key, anything else replaces.
func (d Doc) MergePatch(patch Doc) Doc {
	out := d.Clone()
	mergeInto(out, patch)
	return out
}

func mergeInto(dst map[string]any, patch map[string]any) {
	for k, pv := range patch {
		if pv == nil {
			delete(dst, k)
			continue
		}
		pm, isObj := asMap(pv)
		if isObj {
			if dm, ok := asMap(dst[k]); ok {
				mergeInto(dm, pm)
				dst[k] = dm
				continue
			}
			clean := map[string]any{}
			mergeInto(clean, pm)
			dst[k] = clean
			continue
		}
		dst[k] = cloneValue(pv)
	}
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case Doc:
		return m, true
	}
	return nil, false
}

// StringList is a list of strings stored as a JSON array.
type StringList []string

// Scan implements sql.Scanner.
func (l *StringList) Scan(src any) error {
	b, err := scanBytes(src, "string list")
	if err != nil {
		return err
	}
	if len(b) == 0 {
		*l = nil
		return nil
	}
	if string(b) == "[]" {
		*l = StringList{}
		return nil
	}
	var s []string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*l = s
	return nil
}

// Value implements driver.Valuer.
func (l StringList) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

// Contains reports whether s is in the list.
func (l StringList) Contains(s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
