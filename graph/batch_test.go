package graph_test

import (
	"reflect"
	"testing"

	"numberd/models"
)

// wantResults checks a processed batch: no request-level errors, and one
// result per distinct number in input order with the given userError code
// ("" for success, with the number returned in wantState).
func wantResults(t testing.TB, p batchPayload, want []batchWant) {
	t.Helper()
	if len(p.UserErrors) != 0 {
		t.Fatalf("request-level userErrors %+v", p.UserErrors)
	}
	if len(p.Results) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(p.Results), len(want), p.Results)
	}
	for i, w := range want {
		r := p.Results[i]
		if r.Number != w.number {
			t.Errorf("result %d is %s, want %s", i, r.Number, w.number)
			continue
		}
		if w.code == "" {
			if len(r.UserErrors) != 0 || r.PhoneNumber == nil || r.PhoneNumber.Number != w.number || r.PhoneNumber.State != w.state {
				t.Errorf("%s: want %s, got userErrors %+v, phoneNumber %+v", w.number, w.state, r.UserErrors, r.PhoneNumber)
			}
			continue
		}
		if r.PhoneNumber != nil || len(r.UserErrors) != 1 || r.UserErrors[0].Code != w.code || r.UserErrors[0].Message == "" {
			t.Errorf("%s: want userError %s, got %+v (phoneNumber %+v)", w.number, w.code, r.UserErrors, r.PhoneNumber)
		}
	}
}

type batchWant struct {
	number, state, code string
}

// wantRequestError checks a batch refused as a whole.
func wantRequestError(t testing.TB, p batchPayload, code, field, message string) {
	t.Helper()
	if p.Results == nil || len(p.Results) != 0 || len(p.UserErrors) != 1 {
		t.Fatalf("want results [] and one userError, got %+v", p)
	}
	ue := p.UserErrors[0]
	if ue.Code != code || (field != "" && (ue.Field == nil || *ue.Field != field)) || (message != "" && ue.Message != message) {
		t.Fatalf("userError = %+v (field %v), want %s %q on %q", ue, deref(ue.Field), code, message, field)
	}
}

// requestLevelCases are the list errors every batch mutation shares.
var requestLevelCases = []struct {
	name    string
	numbers []string
	message string
}{
	{"Empty", []string{}, "minimum 1 number required"},
	{"Duplicates", []string{"+14155550100", "4155550100"}, "some numbers appear twice"},
}

func TestMutation_CreatePhoneNumbers(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	seed(t, e, ts.alpha, "+14155550100", "", nil)
	seed(t, e, ts.beta, "+14155550109", "", nil)

	t.Run("PerNumberOutcomes", func(t *testing.T) {
		p := mutateBatch(t, gql(e, ts.alpha.Token), "createPhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "state": "RESERVED",
			"numbers":      []string{"+14155550101", "4155550102", "911", "+14155550100", "+14155550109"},
			"publicFields": map[string]any{"label": "bulk"},
		})
		wantResults(t, p, []batchWant{
			{"+14155550101", "RESERVED", ""},
			{"+14155550102", "RESERVED", ""},
			{"911", "", "NOT_RECONCILABLE"},
			{"+14155550100", "", "NUMBER_EXISTS"},
			{"+14155550109", "", "FORBIDDEN"}, // beta's: not even its existence is confirmed
		})
		for _, n := range []string{"+14155550101", "+14155550102"} {
			if s := stored(t, e, n); s == nil || s.State != models.StateReserved || s.AssignedTo != ts.alpha.ID || s.Public["label"] != "bulk" {
				t.Errorf("stored %s: %+v", n, s)
			}
		}
		if s := stored(t, e, "+14155550109"); s.AssignedTo != ts.beta.ID || len(s.Public) != 0 {
			t.Errorf("beta's number changed: %+v", s)
		}
	})

	t.Run("StateNotAllowedFailsEach", func(t *testing.T) {
		p := mutateBatch(t, gql(e, ts.alpha.Token), "createPhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "state": "AVAILABLE", "numbers": []string{"+14155550103", "+14155550100"}})
		wantResults(t, p, []batchWant{{"+14155550103", "", "FORBIDDEN"}, {"+14155550100", "", "FORBIDDEN"}})
		if stored(t, e, "+14155550103") != nil {
			t.Error("created despite FORBIDDEN")
		}
	})

	t.Run("InvalidFieldsFailTheRequest", func(t *testing.T) {
		p := mutateBatch(t, gql(e, e.Master.Token), "createPhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "numbers": []string{"+14155550104"},
			"cnam": map[string]any{"displayName": "much too long for cnam"}})
		wantRequestError(t, p, "VALIDATION", "cnam.display_name", "")
		if stored(t, e, "+14155550104") != nil {
			t.Error("created despite VALIDATION")
		}
	})

	t.Run("OtherTenantsAccount", func(t *testing.T) {
		p := mutateBatch(t, gql(e, ts.beta.Token), "createPhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "numbers": []string{"+14155550105"}})
		wantRequestError(t, p, "FORBIDDEN", "", "")
		if stored(t, e, "+14155550105") != nil {
			t.Error("created in another tenant")
		}
	})

	for _, tc := range requestLevelCases {
		t.Run(tc.name, func(t *testing.T) {
			p := mutateBatch(t, gql(e, ts.alpha.Token), "createPhoneNumbers", map[string]any{"accountId": ts.alpha.ID, "numbers": tc.numbers})
			wantRequestError(t, p, "VALIDATION", "numbers", tc.message)
		})
	}
}

func TestMutation_UpdatePhoneNumbers(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	seed(t, e, ts.alpha, "+14155550100", "", otherCarrierPublic())
	seed(t, e, ts.alpha, "+14155550101", "", models.Doc{"a": "old"})
	seed(t, e, ts.beta, "+14155550109", "", models.Doc{"a": "beta"})

	t.Run("MergePerNumber", func(t *testing.T) {
		p := mutateBatch(t, gql(e, ts.alpha.Token), "updatePhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID,
			"numbers":   []string{"+14155550100", "4155550101", "+14155550199", "+14155550109", "abc"},
			"cnam":      nil, "publicFields": map[string]any{"a": "new", "b": nil},
		})
		wantResults(t, p, []batchWant{
			{"+14155550100", "IN_SERVICE", ""},
			{"+14155550101", "IN_SERVICE", ""},
			{"+14155550199", "", "NOT_FOUND"},
			{"+14155550109", "", "FORBIDDEN"},
			{"abc", "", "NOT_RECONCILABLE"},
		})
		if s := stored(t, e, "+14155550100"); !reflect.DeepEqual(map[string]any(s.Public), map[string]any{"a": "new"}) || len(s.Features) != 0 {
			t.Errorf("stored public %v, features %v", s.Public, s.Features)
		}
		if s := stored(t, e, "+14155550101"); !reflect.DeepEqual(map[string]any(s.Public), map[string]any{"a": "new"}) {
			t.Errorf("stored public %v", s.Public)
		}
		if s := stored(t, e, "+14155550109"); s.Public["a"] != "beta" {
			t.Errorf("beta's number changed: %v", s.Public)
		}
	})

	t.Run("Replace", func(t *testing.T) {
		p := mutateBatch(t, gql(e, ts.alpha.Token), "updatePhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "numbers": []string{"+14155550100", "+14155550101"},
			"mode": "REPLACE", "publicFields": map[string]any{"only": "this"},
		})
		wantResults(t, p, []batchWant{{"+14155550100", "IN_SERVICE", ""}, {"+14155550101", "IN_SERVICE", ""}})
		for _, r := range p.Results {
			if !reflect.DeepEqual(r.PhoneNumber.PublicFields, map[string]any{"only": "this"}) {
				t.Errorf("%s: publicFields %v", r.Number, r.PhoneNumber.PublicFields)
			}
		}
	})

	t.Run("InvalidReplaceFailsTheRequest", func(t *testing.T) {
		p := mutateBatch(t, gql(e, ts.alpha.Token), "updatePhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "numbers": []string{"+14155550100"},
			"mode": "REPLACE", "cnam": map[string]any{"displayName": ""}})
		wantRequestError(t, p, "VALIDATION", "cnam.display_name", "")
	})

	t.Run("InvalidMergeFailsTheNumber", func(t *testing.T) {
		p := mutateBatch(t, gql(e, ts.alpha.Token), "updatePhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "numbers": []string{"+14155550100"},
			"e911": map[string]any{"streetAddress": "1 Main St"}})
		if len(p.UserErrors) != 0 || len(p.Results) != 1 || len(p.Results[0].UserErrors) == 0 {
			t.Fatalf("want a per-number VALIDATION, got %+v", p)
		}
		if ue := p.Results[0].UserErrors[0]; ue.Code != "VALIDATION" || ue.Field == nil || *ue.Field != "e911.locality" {
			t.Errorf("userError %+v", ue)
		}
	})

	for _, tc := range requestLevelCases {
		t.Run(tc.name, func(t *testing.T) {
			p := mutateBatch(t, gql(e, ts.alpha.Token), "updatePhoneNumbers", map[string]any{"accountId": ts.alpha.ID, "numbers": tc.numbers})
			wantRequestError(t, p, "VALIDATION", "numbers", tc.message)
		})
	}
}

func TestMutation_ReleasePhoneNumbers(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	seed(t, e, ts.alpha, "+14155550100", "", nil)                                                        // local: deleted
	seed(t, e, ts.alpha, "+14155550101", "", otherCarrierPublic())                                       // other: available
	seed(t, e, ts.alpha, "+14155550102", models.StateAvailable, models.Doc{"carrier_name": "knm_other"}) // not releasable
	seed(t, e, ts.beta, "+14155550109", "", nil)

	p := mutateBatch(t, gql(e, ts.alpha.Token), "releasePhoneNumbers", map[string]any{
		"accountId": ts.alpha.ID, "hard": true, // ignored: not an admin
		"numbers": []string{"+14155550100", "+14155550101", "+14155550102", "+14155550109", "+14155550199"},
	})
	wantResults(t, p, []batchWant{
		{"+14155550100", "DELETED", ""},
		{"+14155550101", "AVAILABLE", ""},
		{"+14155550102", "", "INVALID_STATE_TRANSITION"},
		{"+14155550109", "", "FORBIDDEN"},
		{"+14155550199", "", "NOT_FOUND"},
	})
	if stored(t, e, "+14155550100") != nil {
		t.Error("+14155550100 still stored")
	}
	if s := stored(t, e, "+14155550101"); s.State != models.StateAvailable || s.AssignedTo != "" {
		t.Errorf("+14155550101 stored %+v", s)
	}
	if s := stored(t, e, "+14155550109"); s.State != models.StateInService || s.AssignedTo != ts.beta.ID {
		t.Errorf("beta's number changed: %+v", s)
	}

	t.Run("HardByAdmin", func(t *testing.T) {
		p := mutateBatch(t, gql(e, e.Master.Token), "releasePhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "hard": true, "numbers": []string{"+14155550101", "+14155550102"}})
		wantResults(t, p, []batchWant{{"+14155550101", "DELETED", ""}, {"+14155550102", "DELETED", ""}})
		if stored(t, e, "+14155550101") != nil || stored(t, e, "+14155550102") != nil {
			t.Error("hard release kept the numbers")
		}
	})

	for _, tc := range requestLevelCases {
		t.Run(tc.name, func(t *testing.T) {
			p := mutateBatch(t, gql(e, ts.alpha.Token), "releasePhoneNumbers", map[string]any{"accountId": ts.alpha.ID, "numbers": tc.numbers})
			wantRequestError(t, p, "VALIDATION", "numbers", tc.message)
		})
	}
}

func TestMutation_ActivatePhoneNumbers(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	seed(t, e, ts.alpha, "+14155550100", models.StateAvailable, nil)
	seed(t, e, ts.alpha, "+14155550101", models.StateReserved, models.Doc{"keep": "me"})
	seed(t, e, ts.alpha, "+14155550102", "", nil)
	seed(t, e, ts.beta, "+14155550109", models.StateReserved, nil)

	p := mutateBatch(t, gql(e, ts.alpha.Token), "activatePhoneNumbers", map[string]any{
		"accountId": ts.alpha.ID,
		"numbers":   []string{"+14155550100", "+14155550101", "+14155550102", "+14155550109", "+14155550199", "0"},
	})
	wantResults(t, p, []batchWant{
		{"+14155550100", "IN_SERVICE", ""},
		{"+14155550101", "IN_SERVICE", ""},
		{"+14155550102", "IN_SERVICE", ""}, // already in service here: a no-op
		{"+14155550109", "", "FORBIDDEN"},
		{"+14155550199", "", "NOT_FOUND"},
		{"0", "", "NOT_RECONCILABLE"},
	})
	if s := stored(t, e, "+14155550101"); s.State != models.StateInService || s.Public["keep"] != "me" {
		t.Errorf("+14155550101 stored %+v (no publicFields keeps them)", s)
	}
	if s := stored(t, e, "+14155550109"); s.State != models.StateReserved || s.AssignedTo != ts.beta.ID {
		t.Errorf("beta's number changed: %+v", s)
	}

	t.Run("PublicFieldsReplace", func(t *testing.T) {
		seed(t, e, ts.alpha, "+14155550103", models.StateReserved, models.Doc{"old": "x"})
		p := mutateBatch(t, gql(e, ts.alpha.Token), "activatePhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "numbers": []string{"+14155550103"}, "publicFields": map[string]any{"new": "y"}})
		wantResults(t, p, []batchWant{{"+14155550103", "IN_SERVICE", ""}})
		if got := p.Results[0].PhoneNumber.PublicFields; !reflect.DeepEqual(got, map[string]any{"new": "y"}) {
			t.Errorf("publicFields %v", got)
		}
	})

	t.Run("InvalidFieldsFailTheRequest", func(t *testing.T) {
		p := mutateBatch(t, gql(e, ts.alpha.Token), "activatePhoneNumbers", map[string]any{
			"accountId": ts.alpha.ID, "numbers": []string{"+14155550100"}, "publicFields": map[string]any{"cnam": "nope"}})
		wantRequestError(t, p, "VALIDATION", "cnam", "")
	})

	for _, tc := range requestLevelCases {
		t.Run(tc.name, func(t *testing.T) {
			p := mutateBatch(t, gql(e, ts.alpha.Token), "activatePhoneNumbers", map[string]any{"accountId": ts.alpha.ID, "numbers": tc.numbers})
			wantRequestError(t, p, "VALIDATION", "numbers", tc.message)
		})
	}
}
