package models_test

import (
	"testing"

	"numberd/models"
)

func TestClassify_Defaults(t *testing.T) {
	list := models.DefaultClassifiers()
	for in, want := range map[string]string{
		"4158867900": "did_us", "8005551212": "tollfree_us", "+18005551212": "tollfree_us", "+19005551234": "toll_us",
		"911": "emergency", "8095551234": "caribbean", "011442071234567": "international", "1234": "unknown",
	} {
		if got := models.Classify(list, in); got == nil || got.Name != want {
			t.Errorf("Classify(%q) = %v, want %s", in, got, want)
		}
	}
	if models.Classify(list[:len(list)-1], "1234") != nil {
		t.Error("without unknown, 1234 must match nothing")
	}
}

func TestParseClassifiers(t *testing.T) {
	list, err := models.ParseClassifiers([]byte(`{"zz_first":"^\\+1900","b":{"regex":"^911$","emergency":true},"a":{"friendly_name":"A"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Name != "zz_first" || list[0].FriendlyName != "zz_first" || !list[1].Emergency || list[2].Regex != "^$" || list[2].FriendlyName != "A" {
		t.Fatalf("%+v %+v %+v", list[0], list[1], list[2])
	}
	if c := models.Classify(list, "+19005551234"); c == nil || c.Name != "zz_first" {
		t.Errorf("order: %v", c)
	}
	for _, bad := range []string{`[]`, `{}`, `{"a":"("}`, `{"a":1}`, `{"a":"x","a":"y"}`} {
		if _, err := models.ParseClassifiers([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
