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
