package models_test

import (
	"testing"

	"numberd/models"
)

// Normalisation follows Kazoo's regex converters (kazoo-number-manager.md
// §3.1–3.3, knm_converters_tests) except decisions.md 17: an 8+ digit
// national string that is not NANP is not guessed to be international.
func TestNormalizeAndReconcilable(t *testing.T) {
	cases := []struct {
		name         string
		raw          string
		normalized   string
		reconcilable bool
	}{
		// knm_converters_tests: the three spellings of one NANP number.
		{"e164", "+12234567890", "+12234567890", true},
		{"1npan", "12234567890", "+12234567890", true},
		{"npan", "2234567890", "+12234567890", true},
		{"api doc npan", "4123456789", "+14123456789", true},
		{"api doc 1npan", "14158867900", "+14158867900", true},
		// International access prefixes.
		{"011 prefix", "011441234567890", "+441234567890", true},
		{"00 prefix", "00441234567890", "+441234567890", true},
		{"011 too short", "0114412", "0114412", false},
		// "+" is kept as given.
		{"plus kept", "+441234567890", "+441234567890", true},
		{"plus kept, not validated", "+1234", "+1234", false},
		{"plus and garbage", "+141510010+15", "+141510010+15", false},
		{"plus, NANP-shaped after +1", "+10234567890", "+10234567890", true},
		// No converter matches: unchanged, not reconcilable.
		{"emergency", "911", "911", false},
		{"short", "1234", "1234", false},
		{"leading zero", "0123456789", "0123456789", false},
		{"empty", "", "", false},
		// decisions.md 17: not guessed international.
		{"8 digits not NANP", "41234567", "41234567", false},
		{"10 digits, NXX starts with 0", "4150867900", "4150867900", false},
		{"10 digits, NXX starts with 1", "4151867900", "4151867900", false},
		{"12 digits national", "441234567890", "441234567890", false},
		// Formatting characters are stripped.
		{"parentheses dash", "(415) 886-7900", "+14158867900", true},
		{"dots", "415.886.7900", "+14158867900", true},
		{"1 spaces", "1 415 886 7900", "+14158867900", true},
		{"plus spaces", "+1 (415) 886-7900", "+14158867900", true},
		{"plus international spaces", "+44 20 7946 0958", "+442079460958", true},
		{"surrounding blanks and tab", " \t+14158867900\t ", "+14158867900", true},
		{"011 with spaces", "011 44 1234 567890", "+441234567890", true},
		{"letters stay", "415-TEST", "415TEST", false},
		// E.164 has at most 15 digits.
		{"15 digits", "+234567890123456", "+234567890123456", true},
		{"16 digits", "+2345678901234567", "+2345678901234567", false},
		{"16 digits via 00", "002345678901234567", "+2345678901234567", false},
		{"+1 and 9 digits", "+1415886790", "+1415886790", false},
		{"+1 and 11 digits", "+141588679001", "+141588679001", false},
		{"country code 2-9, 8 digits in all", "+23456789", "+23456789", true},
		{"country code 2-9, 7 digits in all", "+2345678", "+2345678", false},
		{"country code 0", "+0123456789", "+0123456789", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := models.Normalize(tc.raw)
			if got != tc.normalized {
				t.Fatalf("Normalize(%q) = %q, want %q", tc.raw, got, tc.normalized)
			}
			if r := models.Reconcilable(got); r != tc.reconcilable {
				t.Fatalf("Reconcilable(%q) = %v, want %v", got, r, tc.reconcilable)
			}
			n, err := models.ParseNumber(tc.raw)
			if tc.reconcilable {
				mustNoErr(t, err)
				mustEqual(t, "ParseNumber", n, tc.normalized)
				return
			}
			mustEqual(t, "ParseNumber number", n, "")
			wantErr(t, err, models.ReasonNotReconcilable, tc.raw)
			mustEqual(t, "class", models.ErrorCode(err), models.EINVALID)
		})
	}
}

func TestNormalizeIsIdempotent(t *testing.T) {
	for _, raw := range []string{"2234567890", "(415) 886-7900", "011441234567890", "+441234567890", "911"} {
		once := models.Normalize(raw)
		if twice := models.Normalize(once); twice != once {
			t.Errorf("Normalize(Normalize(%q)) = %q, want %q", raw, twice, once)
		}
	}
}

func TestToNPAN(t *testing.T) {
	cases := map[string]string{
		"+12234567890":  "2234567890",
		"12234567890":   "2234567890",
		"2234567890":    "2234567890",
		"+441234567890": "+441234567890", // not NANP: unchanged
		"911":           "911",
	}
	for in, want := range cases {
		if got := models.ToNPAN(in); got != want {
			t.Errorf("ToNPAN(%q) = %q, want %q", in, got, want)
		}
	}
}
