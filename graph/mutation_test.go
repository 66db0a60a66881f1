package graph_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"numberd/internal/apitest"
	"numberd/models"
)

func TestMutation_CreatePhoneNumber(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	gamma := e.NewAccount(e.Master, "gamma", nil) // may not create numbers

	t.Run("OK", func(t *testing.T) {
		p := mutate(t, gql(e, ts.alpha.Token), "createPhoneNumber", map[string]any{
			"accountId": ts.alpha.ID, "number": "415 555 0100",
			"publicFields": map[string]any{"custom": "x", "nested": map[string]any{"n": 1}},
		})
		n := wantOK(t, p)
		if n.Number != "+14155550100" || n.State != "IN_SERVICE" || n.Account == nil || n.Account.ID != ts.alpha.ID ||
			n.CarrierModule != "local" || !slices.Equal(n.Features, []string{"local"}) {
			t.Fatalf("created %+v", n)
		}
		if want := map[string]any{"custom": "x", "nested": map[string]any{"n": float64(1)}}; !reflect.DeepEqual(n.PublicFields, want) {
			t.Errorf("publicFields = %v, want %v", n.PublicFields, want)
		}
		s := stored(t, e, "+14155550100")
		if s == nil || s.State != models.StateInService || s.AssignedTo != ts.alpha.ID || s.Public["custom"] != "x" {
			t.Fatalf("stored %+v", s)
		}
	})

	t.Run("InState", func(t *testing.T) {
		n := wantOK(t, mutate(t, gql(e, ts.alpha.Token), "createPhoneNumber", map[string]any{
			"accountId": ts.alpha.ID, "number": "+14155550101", "state": "RESERVED"}))
		if n.State != "RESERVED" || !slices.Equal(n.ReserveHistory, []string{ts.alpha.ID}) {
			t.Fatalf("created %+v", n)
		}
		n = wantOK(t, mutate(t, gql(e, ts.alpha.Token), "createPhoneNumber", map[string]any{
			"accountId": ts.alpha.ID, "number": "+14155550102", "state": "PORT_IN"}))
		if n.State != "PORT_IN" {
			t.Fatalf("created %+v", n)
		}
		// The master may create unowned available numbers.
		n = wantOK(t, mutate(t, gql(e, e.Master.Token), "createPhoneNumber", map[string]any{
			"accountId": ts.alpha.ID, "number": "+14155550103", "state": "AVAILABLE"}))
		if n.State != "AVAILABLE" || n.Account != nil {
			t.Fatalf("created %+v", n)
		}
	})

	t.Run("TypedFieldsByAdmin", func(t *testing.T) {
		n := wantOK(t, mutate(t, gql(e, e.Master.Token), "createPhoneNumber", map[string]any{
			"accountId": ts.alpha.ID, "number": "+14155550104", "carrierName": "knm_other",
			"cnam": map[string]any{"displayName": "Alpha", "inboundLookup": true},
			"e911": map[string]any{"streetAddress": "1 Main St", "locality": "SF", "region": "CA", "postalCode": "94105",
				"notificationContactEmails": []string{"a@example.com"}},
			"porting": map[string]any{"portId": "p1", "comments": []string{"c"}},
			// Typed fields win over the same keys in publicFields.
			"publicFields": map[string]any{"cnam": map[string]any{"display_name": "Loser"}, "extra": true},
		}))
		if n.CarrierModule != "other" || !slices.Equal(n.Features, []string{"e911", "inbound_cnam", "outbound_cnam"}) {
			t.Errorf("carrier %s, features %v", n.CarrierModule, n.Features)
		}
		if n.Cnam == nil || *n.Cnam.DisplayName != "Alpha" || !*n.Cnam.InboundLookup {
			t.Errorf("cnam = %+v", n.Cnam)
		}
		if n.E911 == nil || *n.E911.StreetAddress != "1 Main St" || !slices.Equal(n.E911.NotificationContactEmails, []string{"a@example.com"}) {
			t.Errorf("e911 = %+v", n.E911)
		}
		if n.Porting == nil || *n.Porting.PortID != "p1" || !slices.Equal(n.Porting.Comments, []string{"c"}) {
			t.Errorf("porting = %+v", n.Porting)
		}
		if k := strings.Join(apitest.Keys(n.PublicFields), ","); k != "cnam,e911,extra,porting" {
			t.Errorf("publicFields keys = %s", k)
		}
	})

	t.Run("BigIntegerRoundTrip", func(t *testing.T) {
		r := rawPost(t, e.Handler, map[string]string{"X-Auth-Token": ts.alpha.Token},
			`mutation($in: CreatePhoneNumberInput!) { createPhoneNumber(input: $in) { phoneNumber { publicFields } userErrors { code } } }`,
			map[string]any{"in": map[string]any{"accountId": ts.alpha.ID, "number": "+14155550105",
				"publicFields": map[string]any{"big": json.Number(bigInt), "small": json.Number("1.5")}}})
		if len(r.Errors) != 0 {
			t.Fatalf("errors %+v", r.Errors)
		}
		pf := r.Data["createPhoneNumber"].(map[string]any)["phoneNumber"].(map[string]any)["publicFields"].(map[string]any)
		if pf["big"] != json.Number(bigInt) || pf["small"] != json.Number("1.5") {
			t.Errorf("answer publicFields = %#v", pf)
		}
		if s := stored(t, e, "+14155550105"); s.Public["big"] != json.Number(bigInt) {
			t.Errorf("stored big = %#v", s.Public["big"])
		}
	})

	seed(t, e, ts.alpha, "+14155550199", "", nil)
	for _, tc := range []struct {
		name  string
		token string
		input map[string]any
		code  string
		field string // for VALIDATION
		msg   string // substring of the message
	}{
		{"Exists", ts.alpha.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550199"}, "NUMBER_EXISTS", "", "+14155550199"},
		{"ExistsOtherFormat", ts.alpha.Token, map[string]any{"accountId": ts.alpha.ID, "number": "14155550199"}, "NUMBER_EXISTS", "", ""},
		{"NotReconcilable", ts.alpha.Token, map[string]any{"accountId": ts.alpha.ID, "number": "12345"}, "NOT_RECONCILABLE", "", "12345"},
		{"NoAllowAdditions", gamma.Token, map[string]any{"accountId": gamma.ID, "number": "+14155550110"}, "FORBIDDEN", "", ""},
		{"StateNotAllowed", ts.alpha.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550111", "state": "AVAILABLE"}, "FORBIDDEN", "", "state_for_create"},
		{"CarrierNameNotAdmin", ts.alpha.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550112", "carrierName": "knm_other"}, "FORBIDDEN", "", ""},
		{"FeatureDeniedOnLocal", ts.alpha.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550113", "cnam": map[string]any{"displayName": "A"}}, "FORBIDDEN", "", ""},
		{"UnknownCarrier", e.Master.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550114", "carrierName": "knm_nope"}, "INVALID", "", "knm_nope"},
		{"CnamTooLong", e.Master.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550115", "cnam": map[string]any{"displayName": "sixteen chars!!!"}}, "VALIDATION", "cnam.display_name", "15"},
		{"E911Incomplete", e.Master.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550116", "e911": map[string]any{"streetAddress": "1 Main St"}}, "VALIDATION", "e911.locality", ""},
		{"PublicFieldsNotObject", ts.alpha.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550117", "publicFields": []int{1}}, "VALIDATION", "publicFields", "object"},
		{"OtherTenantsAccount", ts.beta.Token, map[string]any{"accountId": ts.alpha.ID, "number": "+14155550118"}, "FORBIDDEN", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mutate(t, gql(e, tc.token), "createPhoneNumber", tc.input)
			if tc.code == "VALIDATION" {
				if p.PhoneNumber != nil || len(p.UserErrors) == 0 {
					t.Fatalf("want VALIDATION, got %+v", p)
				}
				ue := p.UserErrors[0]
				if ue.Code != "VALIDATION" || ue.Field == nil || *ue.Field != tc.field || !strings.Contains(ue.Message, tc.msg) {
					t.Fatalf("userErrors = %+v, want VALIDATION on %s", p.UserErrors, tc.field)
				}
			} else if ue := wantUserError(t, p, tc.code); !strings.Contains(ue.Message, tc.msg) || ue.Field != nil {
				t.Errorf("userError = %+v, want message with %q and no field", ue, tc.msg)
			}
			if num, err := models.ParseNumber(tc.input["number"].(string)); err == nil && num != "+14155550199" {
				if s := stored(t, e, num); s != nil {
					t.Errorf("failed create stored %s: %+v", num, s)
				}
			}
		})
	}
	if s := stored(t, e, "+14155550199"); s.AssignedTo != ts.alpha.ID || s.State != models.StateInService {
		t.Errorf("existing number changed: %+v", s)
	}
}

// otherCarrierPublic is what the master seeds on numbers that must carry
// cnam (the local carrier denies external features).
func otherCarrierPublic() models.Doc {
	return models.Doc{
		"carrier_name": "knm_other",
		"cnam":         map[string]any{"display_name": "Alpha", "inbound_lookup": true},
		"a":            "1",
		"b":            map[string]any{"c": "2", "keep": true},
	}
}

func TestMutation_UpdatePhoneNumber(t *testing.T) {
	const num = "+14155550100"
	update := func(t *testing.T, ts tenants, input map[string]any) payload {
		t.Helper()
		input["accountId"], input["number"] = ts.alpha.ID, num
		return mutate(t, gql(ts.e, ts.alpha.Token), "updatePhoneNumber", input)
	}

	t.Run("MergeIsDefault", func(t *testing.T) {
		ts := newTenants(t)
		seed(t, ts.e, ts.alpha, num, "", otherCarrierPublic())
		n := wantOK(t, update(t, ts, map[string]any{
			"publicFields": map[string]any{"a": nil, "b": map[string]any{"d": "3", "keep": nil}, "x": "y"},
		}))
		want := map[string]any{
			"cnam": map[string]any{"display_name": "Alpha", "inbound_lookup": true},
			"b":    map[string]any{"c": "2", "d": "3"},
			"x":    "y",
		}
		if !reflect.DeepEqual(n.PublicFields, want) {
			t.Errorf("publicFields = %v\nwant %v", n.PublicFields, want)
		}
		if s := stored(t, ts.e, num); !reflect.DeepEqual(map[string]any(s.Public), want) {
			t.Errorf("stored public = %v", s.Public)
		}
	})

	t.Run("MergeCnamNullRemovesIt", func(t *testing.T) {
		ts := newTenants(t)
		seed(t, ts.e, ts.alpha, num, "", otherCarrierPublic())
		n := wantOK(t, update(t, ts, map[string]any{"mode": "MERGE", "cnam": nil}))
		if n.Cnam != nil || n.PublicFields["cnam"] != nil || len(n.Features) != 0 {
			t.Errorf("cnam = %+v, features = %v, public = %v", n.Cnam, n.Features, n.PublicFields)
		}
		if n.PublicFields["a"] != "1" {
			t.Errorf("other fields lost: %v", n.PublicFields)
		}
		if s := stored(t, ts.e, num); s.Public["cnam"] != nil || len(s.Features) != 0 {
			t.Errorf("stored public %v, features %v", s.Public, s.Features)
		}
	})

	t.Run("MergeCnamAbsentKeepsIt", func(t *testing.T) {
		ts := newTenants(t)
		seed(t, ts.e, ts.alpha, num, "", otherCarrierPublic())
		n := wantOK(t, update(t, ts, map[string]any{"publicFields": map[string]any{"x": "y"}}))
		if n.Cnam == nil || *n.Cnam.DisplayName != "Alpha" || !slices.Equal(n.Features, []string{"inbound_cnam", "outbound_cnam"}) {
			t.Errorf("cnam = %+v, features = %v", n.Cnam, n.Features)
		}
	})

	t.Run("MergeCnamValueMergesIt", func(t *testing.T) {
		ts := newTenants(t)
		seed(t, ts.e, ts.alpha, num, "", otherCarrierPublic())
		n := wantOK(t, update(t, ts, map[string]any{"cnam": map[string]any{"displayName": "Beta"}}))
		if n.Cnam == nil || *n.Cnam.DisplayName != "Beta" || n.Cnam.InboundLookup == nil || !*n.Cnam.InboundLookup {
			t.Errorf("cnam = %+v", n.Cnam)
		}
	})

	t.Run("Replace", func(t *testing.T) {
		ts := newTenants(t)
		seed(t, ts.e, ts.alpha, num, "", otherCarrierPublic())
		n := wantOK(t, update(t, ts, map[string]any{"mode": "REPLACE",
			"publicFields": map[string]any{"z": "1", "gone": nil}}))
		if want := map[string]any{"z": "1"}; !reflect.DeepEqual(n.PublicFields, want) || n.Cnam != nil || len(n.Features) != 0 {
			t.Errorf("publicFields = %v (want %v), cnam %+v, features %v", n.PublicFields, want, n.Cnam, n.Features)
		}
		if s := stored(t, ts.e, num); len(s.Public) != 1 || s.Public["z"] != "1" || s.State != models.StateInService {
			t.Errorf("stored %+v", s)
		}
	})

	t.Run("ReplaceWithTypedCnam", func(t *testing.T) {
		ts := newTenants(t)
		seed(t, ts.e, ts.alpha, num, "", otherCarrierPublic())
		n := wantOK(t, update(t, ts, map[string]any{"mode": "REPLACE", "cnam": map[string]any{"displayName": "New"}}))
		if want := map[string]any{"cnam": map[string]any{"display_name": "New"}}; !reflect.DeepEqual(n.PublicFields, want) ||
			!slices.Equal(n.Features, []string{"outbound_cnam"}) {
			t.Errorf("publicFields = %v, features = %v", n.PublicFields, n.Features)
		}
	})

	t.Run("NoChangeKeepsUpdatedAt", func(t *testing.T) {
		ts := newTenants(t)
		before := seed(t, ts.e, ts.alpha, num, "", otherCarrierPublic())
		wantOK(t, update(t, ts, map[string]any{"publicFields": map[string]any{"a": "1"}}))
		if s := stored(t, ts.e, num); !s.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("updatedAt moved from %v to %v on a no-op update", before.UpdatedAt, s.UpdatedAt)
		}
	})

	for _, tc := range []struct {
		name  string
		input map[string]any
		code  string
		field string
	}{
		{"MergeInvalidCnam", map[string]any{"cnam": map[string]any{"displayName": ""}}, "VALIDATION", "cnam.display_name"},
		{"ReplaceInvalidE911", map[string]any{"mode": "REPLACE", "e911": map[string]any{"region": "California"}}, "VALIDATION", "e911.locality"},
		{"CarrierNameNotAdmin", map[string]any{"carrierName": "knm_local"}, "FORBIDDEN", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTenants(t)
			before := seed(t, ts.e, ts.alpha, num, "", otherCarrierPublic())
			p := update(t, ts, tc.input)
			if p.PhoneNumber != nil || len(p.UserErrors) == 0 || p.UserErrors[0].Code != tc.code {
				t.Fatalf("want %s, got %+v", tc.code, p)
			}
			if tc.field != "" && !slices.ContainsFunc(p.UserErrors, func(u userError) bool { return u.Field != nil && *u.Field == tc.field }) {
				t.Errorf("no userError on field %s: %+v", tc.field, p.UserErrors)
			}
			if s := stored(t, ts.e, num); !reflect.DeepEqual(s.Public, before.Public) || !s.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("failed update changed the number: %v", s.Public)
			}
		})
	}

	t.Run("Missing", func(t *testing.T) {
		ts := newTenants(t)
		wantUserError(t, update(t, ts, map[string]any{"publicFields": map[string]any{"x": "y"}}), "NOT_FOUND")
	})
}

func TestMutation_ReleasePhoneNumber(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	release := func(t *testing.T, token, acct, num string, hard bool) payload {
		t.Helper()
		return mutate(t, gql(e, token), "releasePhoneNumber", map[string]any{"accountId": acct, "number": num, "hard": hard})
	}

	t.Run("LocalIsDeleted", func(t *testing.T) {
		seed(t, e, ts.alpha, "+14155550100", "", nil)
		n := wantOK(t, release(t, ts.alpha.Token, ts.alpha.ID, "+14155550100", false))
		if n.State != "DELETED" || n.Number != "+14155550100" {
			t.Errorf("released %+v", n)
		}
		if s := stored(t, e, "+14155550100"); s != nil {
			t.Errorf("still stored: %+v", s)
		}
	})

	t.Run("OtherCarrierBecomesAvailable", func(t *testing.T) {
		seed(t, e, ts.alpha, "+14155550101", "", otherCarrierPublic())
		n := wantOK(t, release(t, ts.alpha.Token, ts.alpha.ID, "+14155550101", true)) // hard ignored: not an admin
		if n.State != "AVAILABLE" || n.Account != nil || len(n.PublicFields) != 0 || len(n.Features) != 0 {
			t.Errorf("released %+v", n)
		}
		if s := stored(t, e, "+14155550101"); s == nil || s.State != models.StateAvailable || s.AssignedTo != "" {
			t.Errorf("stored %+v", s)
		}
	})

	t.Run("HardByAdmin", func(t *testing.T) {
		seed(t, e, ts.alpha, "+14155550102", "", otherCarrierPublic())
		n := wantOK(t, release(t, e.Master.Token, ts.alpha.ID, "+14155550102", true))
		if n.State != "DELETED" {
			t.Errorf("released %+v", n)
		}
		if s := stored(t, e, "+14155550102"); s != nil {
			t.Errorf("still stored: %+v", s)
		}
	})

	t.Run("AvailableIsInvalidTransition", func(t *testing.T) {
		seed(t, e, ts.alpha, "+14155550103", models.StateAvailable, models.Doc{"carrier_name": "knm_other"})
		ue := wantUserError(t, release(t, e.Master.Token, ts.alpha.ID, "+14155550103", false), "INVALID_STATE_TRANSITION")
		if !strings.Contains(ue.Message, "from available to available") {
			t.Errorf("message = %q", ue.Message)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		wantUserError(t, release(t, ts.alpha.Token, ts.alpha.ID, "+14155550199", false), "NOT_FOUND")
	})
}

func TestMutation_Lifecycle(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	gamma := e.NewAccount(e.Master, "gamma", nil) // cannot create, but may buy
	action := func(t *testing.T, name, token, acct, num string, fields map[string]any) payload {
		t.Helper()
		in := map[string]any{"accountId": acct, "number": num}
		if fields != nil {
			in["publicFields"] = fields
		}
		return mutate(t, gql(e, token), name, in)
	}

	t.Run("ReserveThenActivate", func(t *testing.T) {
		const num = "+14155550100"
		seed(t, e, ts.alpha, num, models.StateAvailable, nil)
		n := wantOK(t, action(t, "reservePhoneNumber", gamma.Token, gamma.ID, num, map[string]any{"ignored": "as in Kazoo"}))
		if n.State != "RESERVED" || n.Account == nil || n.Account.ID != gamma.ID || !slices.Equal(n.ReserveHistory, []string{gamma.ID}) {
			t.Fatalf("reserved %+v", n)
		}
		if _, ok := n.PublicFields["ignored"]; ok {
			t.Errorf("reserve applied public fields: %v", n.PublicFields)
		}
		wantUserError(t, action(t, "reservePhoneNumber", gamma.Token, gamma.ID, num, nil), "NO_CHANGE_REQUIRED")

		n = wantOK(t, action(t, "activatePhoneNumber", gamma.Token, gamma.ID, num, map[string]any{"label": "main"}))
		if n.State != "IN_SERVICE" || n.Account.ID != gamma.ID || n.PublicFields["label"] != "main" {
			t.Fatalf("activated %+v", n)
		}
		// Activating again is a no-op; an empty body keeps the public fields.
		n = wantOK(t, action(t, "activatePhoneNumber", gamma.Token, gamma.ID, num, nil))
		if n.State != "IN_SERVICE" || n.PublicFields["label"] != "main" {
			t.Fatalf("re-activated %+v", n)
		}
		if s := stored(t, e, num); s.State != models.StateInService || s.AssignedTo != gamma.ID {
			t.Errorf("stored %+v", s)
		}
	})

	t.Run("BuyAvailable", func(t *testing.T) {
		const num = "+14155550101"
		seed(t, e, ts.alpha, num, models.StateAvailable, nil)
		n := wantOK(t, action(t, "activatePhoneNumber", gamma.Token, gamma.ID, num, nil))
		if n.State != "IN_SERVICE" || n.Account == nil || n.Account.ID != gamma.ID {
			t.Fatalf("bought %+v", n)
		}
	})

	t.Run("Port", func(t *testing.T) {
		const num = "+14155550102"
		n := wantOK(t, action(t, "portPhoneNumber", gamma.Token, gamma.ID, num, map[string]any{"porting": map[string]any{"port_id": "x"}}))
		if n.State != "PORT_IN" || n.CarrierModule != "local" || n.Porting == nil || *n.Porting.PortID != "x" || n.Account.ID != gamma.ID {
			t.Fatalf("ported %+v", n)
		}
		ue := wantUserError(t, action(t, "reservePhoneNumber", gamma.Token, gamma.ID, num, nil), "INVALID_STATE_TRANSITION")
		if !strings.Contains(ue.Message, "from port_in to reserved") {
			t.Errorf("message = %q", ue.Message)
		}
		n = wantOK(t, action(t, "activatePhoneNumber", gamma.Token, gamma.ID, num, nil))
		if n.State != "IN_SERVICE" {
			t.Fatalf("activated port %+v", n)
		}
	})

	for _, tc := range []struct {
		name, mutation, state, code string
	}{
		{"PortAvailable", "portPhoneNumber", "available", "INVALID_STATE_TRANSITION"},
		{"PortInService", "portPhoneNumber", "in_service", "NUMBER_EXISTS"},
		{"ReserveMissing", "reservePhoneNumber", "", "NOT_FOUND"},
		{"ActivateMissing", "activatePhoneNumber", "", "NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			num := "+1650555" + map[string]string{"PortAvailable": "0100", "PortInService": "0101", "ReserveMissing": "0102", "ActivateMissing": "0103"}[tc.name]
			var before *models.Number
			if tc.state != "" {
				before = seed(t, e, ts.alpha, num, models.State(tc.state), nil)
			}
			wantUserError(t, action(t, tc.mutation, ts.alpha.Token, ts.alpha.ID, num, nil), tc.code)
			after := stored(t, e, num)
			if (before == nil) != (after == nil) || before != nil && (after.State != before.State || !after.UpdatedAt.Equal(before.UpdatedAt)) {
				t.Errorf("number changed: %+v → %+v", before, after)
			}
		})
	}

	t.Run("InvalidPublicFields", func(t *testing.T) {
		for _, m := range []string{"reservePhoneNumber", "activatePhoneNumber", "portPhoneNumber"} {
			p := action(t, m, ts.alpha.Token, ts.alpha.ID, "+16505550110", map[string]any{"cnam": map[string]any{"display_name": 5}})
			if len(p.UserErrors) != 1 || p.UserErrors[0].Code != "VALIDATION" || p.UserErrors[0].Field == nil || *p.UserErrors[0].Field != "cnam.display_name" {
				t.Errorf("%s: %+v", m, p)
			}
		}
		if s := stored(t, e, "+16505550110"); s != nil {
			t.Errorf("stored %+v", s)
		}
	})
}
