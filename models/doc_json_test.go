package models_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"numberd/models"
)

func decode(t *testing.T, s string) models.Doc {
	t.Helper()
	d, err := models.DecodeDoc([]byte(s))
	if err != nil {
		t.Fatalf("DecodeDoc(%s): %v", s, err)
	}
	return d
}

// canonical re-encodes a JSON text so two texts can be compared as values.
func canonical(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDocScanValueRoundTrip(t *testing.T) {
	const text = `{"big":12345678901234567890,"neg":-9007199254740993,"frac":0.1000000000000000055511151231257827,"exp":1e400,` +
		`"nested":{"list":[1,12345678901234567891,{"x":null}],"s":"é\u0000"},"t":true}`
	for _, src := range []any{text, []byte(text)} {
		var d models.Doc
		if err := d.Scan(src); err != nil {
			t.Fatalf("Scan(%T): %v", src, err)
		}
		mustEqual(t, "big", d["big"], json.Number("12345678901234567890"))
		mustEqual(t, "neg", d["neg"], json.Number("-9007199254740993"))
		list := d.Object("nested")["list"].([]any)
		mustEqual(t, "nested big", list[1], json.Number("12345678901234567891"))

		v, err := d.Value()
		mustNoErr(t, err)
		s, ok := v.(string)
		if !ok {
			t.Fatalf("Value() is %T, want string", v)
		}
		// Numbers come back exactly as they were written.
		var again models.Doc
		mustNoErr(t, again.Scan(s))
		mustEqual(t, "round trip", again, d)
		for _, lit := range []string{"12345678901234567890", "-9007199254740993", "0.1000000000000000055511151231257827", "1e400", "12345678901234567891"} {
			if !strings.Contains(s, lit) {
				t.Errorf("Value() %s lacks %s", s, lit)
			}
		}
	}
}

func TestDocScanEdgeCases(t *testing.T) {
	var d models.Doc
	mustNoErr(t, d.Scan(nil))
	mustEqual(t, "nil", d, models.Doc{})
	mustNoErr(t, d.Scan(""))
	mustEqual(t, "empty string", d, models.Doc{})
	mustNoErr(t, d.Scan([]byte("  ")))
	mustEqual(t, "blank", d, models.Doc{})
	mustNoErr(t, d.Scan("null"))
	mustEqual(t, "null", d, models.Doc{})
	if err := d.Scan(42); err == nil {
		t.Error("Scan(int) succeeded")
	}
	if err := d.Scan("{not json"); err == nil {
		t.Error("Scan(bad JSON) succeeded")
	}
	if err := d.Scan("[1,2]"); err == nil {
		t.Error("Scan(array) succeeded")
	}
	v, err := models.Doc(nil).Value()
	mustNoErr(t, err)
	mustEqual(t, "nil Value", v, "{}")
	v, err = models.Doc{}.Value()
	mustNoErr(t, err)
	mustEqual(t, "empty Value", v, "{}")
}

// RFC 7386 appendix A, plus nesting and Doc-typed values.
func TestDocMergePatch(t *testing.T) {
	cases := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`{"a":"foo"}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		{`{"a":[1,2,3]}`, `{"a":[4]}`, `{"a":[4]}`},
		{`{"a":{"b":{"c":1,"d":2}},"z":1}`, `{"a":{"b":{"c":null,"e":3}}}`, `{"a":{"b":{"d":2,"e":3}},"z":1}`},
		{`{"a":{"b":1}}`, `{"a":{}}`, `{"a":{"b":1}}`},
		{`{"a":1}`, `{}`, `{"a":1}`},
		{`{"missing":1}`, `{"other":null}`, `{"missing":1}`},
		{`{"n":1}`, `{"n":12345678901234567890}`, `{"n":12345678901234567890}`},
	}
	for _, tc := range cases {
		t.Run(tc.target+"+"+tc.patch, func(t *testing.T) {
			target, patch := decode(t, tc.target), decode(t, tc.patch)
			targetBefore, patchBefore := target.Clone(), patch.Clone()
			got := target.MergePatch(patch)
			b, err := json.Marshal(map[string]any(got))
			mustNoErr(t, err)
			if g, w := canonical(t, string(b)), canonical(t, tc.want); g != w {
				t.Fatalf("MergePatch = %s, want %s", g, w)
			}
			mustEqual(t, "target untouched", target, targetBefore)
			mustEqual(t, "patch untouched", patch, patchBefore)
		})
	}
	t.Run("result shares nothing with the patch or the target", func(t *testing.T) {
		target := models.Doc{"keep": map[string]any{"x": []any{"1"}}}
		patch := models.Doc{"new": map[string]any{"y": []any{"2"}}, "arr": []any{map[string]any{"z": 1}}}
		got := target.MergePatch(patch)
		got["keep"].(map[string]any)["x"].([]any)[0] = "changed"
		got["new"].(map[string]any)["y"].([]any)[0] = "changed"
		got["arr"].([]any)[0].(map[string]any)["z"] = 2
		mustEqual(t, "target", target, models.Doc{"keep": map[string]any{"x": []any{"1"}}})
		mustEqual(t, "patch", patch, models.Doc{"new": map[string]any{"y": []any{"2"}}, "arr": []any{map[string]any{"z": 1}}})
	})
	t.Run("Doc-typed nested values merge like objects", func(t *testing.T) {
		target := models.Doc{"cnam": models.Doc{"display_name": "A", "inbound_lookup": true}}
		patch := models.Doc{"cnam": models.Doc{"display_name": "B", "inbound_lookup": nil}}
		got := target.MergePatch(patch)
		mustEqual(t, "cnam", got.Object("cnam")["display_name"], "B")
		if _, ok := got.Object("cnam")["inbound_lookup"]; ok {
			t.Fatal("null did not delete the nested key")
		}
	})
	t.Run("nil target", func(t *testing.T) {
		got := models.Doc(nil).MergePatch(models.Doc{"a": 1})
		mustEqual(t, "result", got, models.Doc{"a": 1})
	})
}

func TestDocCloneIsDeep(t *testing.T) {
	orig := models.Doc{
		"obj":  map[string]any{"list": []any{"a", map[string]any{"k": "v"}}},
		"doc":  models.Doc{"k": "v"},
		"num":  json.Number("1"),
		"str":  "s",
		"null": nil,
	}
	c := orig.Clone()
	mustEqual(t, "clone equals", c["obj"], orig["obj"])
	c["obj"].(map[string]any)["list"].([]any)[0] = "changed"
	c["obj"].(map[string]any)["list"].([]any)[1].(map[string]any)["k"] = "changed"
	c["obj"].(map[string]any)["added"] = true
	c.Object("doc")["k"] = "changed"
	c["str"] = "changed"
	delete(c, "num")
	mustEqual(t, "original", orig, models.Doc{
		"obj":  map[string]any{"list": []any{"a", map[string]any{"k": "v"}}},
		"doc":  models.Doc{"k": "v"},
		"num":  json.Number("1"),
		"str":  "s",
		"null": nil,
	})
	mustEqual(t, "nil clone", models.Doc(nil).Clone(), models.Doc{})
}

func TestNumberCloneIsDeep(t *testing.T) {
	exp := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	n := &models.Number{
		Number:          "+14158867900",
		ReserveHistory:  models.StringList{"a", "b"},
		FeaturesAllowed: models.StringList{"cnam"},
		FeaturesDenied:  models.StringList{"e911"},
		Features:        models.Doc{"prepend": map[string]any{"enabled": true}},
		Public:          models.Doc{"cnam": map[string]any{"display_name": "x"}},
		CarrierData:     models.Doc{"ids": []any{"1"}},
		ExpiresAt:       &exp,
		Owner:           acctC,
	}
	c := n.Clone()
	if d := diffNumbers(c, n); d != "" {
		t.Fatalf("clone differs: %s", d)
	}
	c.ReserveHistory[0] = "z"
	c.FeaturesAllowed[0] = "z"
	c.FeaturesDenied[0] = "z"
	c.Features["prepend"].(map[string]any)["enabled"] = false
	c.Public["cnam"].(map[string]any)["display_name"] = "z"
	c.CarrierData["ids"].([]any)[0] = "z"
	*c.ExpiresAt = exp.Add(time.Hour)
	mustEqual(t, "history", n.ReserveHistory, models.StringList{"a", "b"})
	mustEqual(t, "allowed", n.FeaturesAllowed, models.StringList{"cnam"})
	mustEqual(t, "denied", n.FeaturesDenied, models.StringList{"e911"})
	mustEqual(t, "features", n.Features, models.Doc{"prepend": map[string]any{"enabled": true}})
	mustEqual(t, "public", n.Public, models.Doc{"cnam": map[string]any{"display_name": "x"}})
	mustEqual(t, "carrier data", n.CarrierData, models.Doc{"ids": []any{"1"}})
	mustEqual(t, "expires", *n.ExpiresAt, exp)
}

func TestDocKeysAndObject(t *testing.T) {
	d := models.Doc{"b": 1, "a": map[string]any{"x": 1}, "c": models.Doc{"y": 2}, "s": "str"}
	mustEqual(t, "keys", d.Keys(), []string{"a", "b", "c", "s"})
	mustEqual(t, "object map", d.Object("a"), map[string]any{"x": 1})
	mustEqual(t, "object Doc", d.Object("c"), map[string]any{"y": 2})
	if d.Object("s") != nil || d.Object("missing") != nil {
		t.Fatal("Object of a non-object is not nil")
	}
	mustEqual(t, "empty keys", models.Doc{}.Keys(), []string{})
}

func TestStringList(t *testing.T) {
	var l models.StringList
	mustNoErr(t, l.Scan(`["a","b"]`))
	mustEqual(t, "scan string", l, models.StringList{"a", "b"})
	mustNoErr(t, l.Scan([]byte(`["c"]`)))
	mustEqual(t, "scan bytes", l, models.StringList{"c"})
	mustNoErr(t, l.Scan(nil))
	if l != nil {
		t.Fatalf("scan nil = %#v", l)
	}
	mustNoErr(t, l.Scan(""))
	if l != nil {
		t.Fatalf("scan empty = %#v", l)
	}
	if err := l.Scan(1); err == nil {
		t.Error("Scan(int) succeeded")
	}
	if err := l.Scan(`[1]`); err == nil {
		t.Error("Scan([1]) succeeded")
	}
	v, err := models.StringList(nil).Value()
	mustNoErr(t, err)
	mustEqual(t, "nil value", v, "[]")
	v, err = models.StringList{"a", "b"}.Value()
	mustNoErr(t, err)
	mustEqual(t, "value", v, `["a","b"]`)
	if !(models.StringList{"a", "b"}).Contains("b") || (models.StringList{"a"}).Contains("b") {
		t.Error("Contains is wrong")
	}
}

// The scanners' fast path for empty values answers what decoding does.
func TestScan_EmptyValues(t *testing.T) {
	for _, src := range []any{nil, "", "{}", " { } ", "null", []byte("{}")} {
		var d models.Doc
		if err := d.Scan(src); err != nil || d == nil || len(d) != 0 {
			t.Errorf("Doc.Scan(%q) = %v, %v; want an empty non-nil Doc", src, d, err)
		}
	}
	var d models.Doc
	if err := d.Scan(`{"a":1}`); err != nil || d["a"] != json.Number("1") {
		t.Errorf(`Doc.Scan({"a":1}) = %v, %v`, d, err)
	}
	for _, tc := range []struct {
		src     any
		wantNil bool
	}{{nil, true}, {"", true}, {"null", true}, {"[]", false}, {[]byte("[]"), false}, {" [ ] ", false}} {
		var l models.StringList
		if err := l.Scan(tc.src); err != nil || (l == nil) != tc.wantNil || len(l) != 0 {
			t.Errorf("StringList.Scan(%q) = %#v, %v", tc.src, l, err)
		}
	}
}
