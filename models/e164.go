package models

import (
	"regexp"
	"strings"
)

// Number normalisation follows Kazoo's regex converters
// (knm_converter_regex, kazoo-number-manager.md §3.1) with one deliberate
// difference (decisions.md 17): an 8+ digit national string that is not NANP
// is not guessed to be international.
var (
	// NANP: 10 digits, or 11 with a leading 1, NPA and NXX starting 2-9.
	nanpRe = regexp.MustCompile(`^(\+?1)?([2-9][0-9]{2}[2-9][0-9]{6})$`)
	// International access prefixes 011 and 00.
	intlAccessRe = regexp.MustCompile(`^(?:011|00)(\d{5,})$`)
	// reconcilableRe is numberd's reconcile rule: +1 and ten digits, or a
	// country code 2-9 and at most 15 digits in all (E.164's limit).
	reconcilableRe = regexp.MustCompile(`^\+1\d{10}$|^\+[2-9]\d{7,14}$`)
)

// formatting characters people paste with numbers; they never carry meaning.
var formattingReplacer = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "", "\t", "")

// Normalize converts a number to E.164 the way Kazoo's converters do. A value
// starting with "+" is kept; NANP numbers get "+1"; 011/00 prefixes become
// "+". Anything else is returned unchanged (e.g. "911"), which Reconcilable
// then rejects.
func Normalize(raw string) string {
	s := formattingReplacer.Replace(strings.TrimSpace(raw))
	if strings.HasPrefix(s, "+") {
		if m := nanpRe.FindStringSubmatch(s); m != nil {
			return "+1" + m[2]
		}
		return s
	}
	if m := nanpRe.FindStringSubmatch(s); m != nil {
		return "+1" + m[2]
	}
	if m := intlAccessRe.FindStringSubmatch(s); m != nil {
		return "+" + m[1]
	}
	return s
}

// Reconcilable reports whether a normalised number may be stored.
func Reconcilable(e164 string) bool { return reconcilableRe.MatchString(e164) }

// ParseNumber normalises raw and checks it is reconcilable. It returns the
// bare `not_reconcilable` error otherwise.
func ParseNumber(raw string) (string, error) {
	n := Normalize(raw)
	if !Reconcilable(n) {
		return "", ErrNotReconcilable(raw)
	}
	return n, nil
}

// ToNPAN returns the 10-digit national form of a NANP number, or the input.
func ToNPAN(n string) string {
	if m := nanpRe.FindStringSubmatch(n); m != nil {
		return m[2]
	}
	return n
}
