package models_test

import (
	"strings"
	"testing"

	"numberd/models"
)

// FuzzParseNumber: number normalisation never panics, and whatever it
// accepts is a canonical E.164 string that parses to itself.
// Seeds: f.Add below and testdata/fuzz/FuzzParseNumber (make fuzz grows it).
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{
		"+14158867900", "4158867900", "14158867900", "(415) 886-7900", "415.886.7900", " +1 415 886 7900 ",
		"011441234567890", "00441234567890", "+441234567890", "911", "", "+", "++1", "0", "1",
		"+1234567890123456", "00", "011", "+10234567890", "\t+1-415-886-7900\n", "+٤١٥", "+1415８８６7900",
		strings.Repeat("9", 40), "%2B14158867900", "+1 (415) 886-7900 x12",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		norm := models.Normalize(raw)
		e, err := models.ParseNumber(raw)
		if err != nil {
			if models.ErrorReason(err) != models.ReasonNotReconcilable {
				t.Fatalf("ParseNumber(%q): unexpected error %v", raw, err)
			}
			if models.Reconcilable(norm) {
				t.Fatalf("ParseNumber(%q) failed but Normalize gives the reconcilable %q", raw, norm)
			}
			return
		}
		if e != norm {
			t.Fatalf("ParseNumber(%q) = %q, Normalize = %q", raw, e, norm)
		}
		if !models.Reconcilable(e) || len(e) < 9 || len(e) > 16 || e[0] != '+' {
			t.Fatalf("ParseNumber(%q) = %q: not E.164", raw, e)
		}
		for _, c := range e[1:] {
			if c < '0' || c > '9' {
				t.Fatalf("ParseNumber(%q) = %q: not digits", raw, e)
			}
		}
		if again, err := models.ParseNumber(e); err != nil || again != e {
			t.Fatalf("ParseNumber is not idempotent on %q: %q %v", e, again, err)
		}
	})
}
