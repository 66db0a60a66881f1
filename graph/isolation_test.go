package graph_test

import (
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/client"

	"numberd/models"
	"numberd/service"
)

// A tenant never reads nor changes another tenant's accounts or numbers
// through GraphQL: account-level access is FORBIDDEN, number-level reads are
// NOT_FOUND (a number of another tenant is indistinguishable from a missing
// one), and every write fails with a userError and changes nothing.

func TestIsolation_Queries(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	seed(t, e, ts.alpha, "+14155550100", "", nil)
	seed(t, e, ts.alpha, "+14155550101", models.StateReserved, nil)
	beta := gql(e, ts.beta.Token)

	for _, tc := range []struct {
		name, query, field, code string
		vars                     map[string]any
	}{
		{"PhoneNumbersOfOtherAccount", `query($a: ID!) { phoneNumbers(accountId: $a) { totalCount edges { node { number } } } }`,
			"phoneNumbers", "FORBIDDEN", map[string]any{"a": ts.alpha.ID}},
		{"AccountOther", `query($a: ID!) { account(id: $a) { id name } }`, "account", "FORBIDDEN", map[string]any{"a": ts.alpha.ID}},
		{"AccountParent", `query($a: ID!) { account(id: $a) { id name } }`, "account", "FORBIDDEN", map[string]any{"a": e.Master.ID}},
		{"NodeOtherAccount", `query($a: ID!) { node(id: $a) { id } }`, "node", "FORBIDDEN", map[string]any{"a": ts.alpha.ID}},
		{"PhoneNumberInService", `query($n: String!) { phoneNumber(number: $n) { number account { id } } }`, "phoneNumber", "NOT_FOUND", map[string]any{"n": "+14155550100"}},
		{"PhoneNumberReserved", `query($n: String!) { phoneNumber(number: $n) { number } }`, "phoneNumber", "NOT_FOUND", map[string]any{"n": "+14155550101"}},
		{"NodeNumber", `query($n: ID!) { node(id: $n) { id } }`, "node", "NOT_FOUND", map[string]any{"n": "+14155550100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts []client.Option
			for k, v := range tc.vars {
				opts = append(opts, client.Var(k, v))
			}
			var resp map[string]any
			errs := post(t, beta, tc.query, &resp, opts...)
			wantErrorCodes(t, errs, tc.code)
			if v := resp[tc.field]; v != nil {
				t.Errorf("data.%s = %v, want null", tc.field, v)
			}
		})
	}

	t.Run("OwnerOfAvailableNumberStaysHidden", func(t *testing.T) {
		seed(t, e, ts.alpha, "+14155550102", models.StateAvailable, nil)
		var resp struct {
			PhoneNumber *struct {
				Account *accountRef `json:"account"`
			} `json:"phoneNumber"`
		}
		mustPost(t, beta, `{ phoneNumber(number: "+14155550102") { account { id name } } }`, &resp)
		if resp.PhoneNumber == nil || resp.PhoneNumber.Account != nil {
			t.Fatalf("available number = %+v", resp.PhoneNumber)
		}
	})

	t.Run("ParentReachesChild", func(t *testing.T) {
		// The master (an ancestor) reads alpha's numbers; alpha cannot read
		// the master's account.
		var resp struct {
			PhoneNumbers struct {
				TotalCount int `json:"totalCount"`
			} `json:"phoneNumbers"`
		}
		mustPost(t, gql(e, e.Master.Token), `query($a: ID!) { phoneNumbers(accountId: $a) { totalCount } }`, &resp, client.Var("a", ts.alpha.ID))
		if resp.PhoneNumbers.TotalCount != 2 { // the available number belongs to nobody
			t.Errorf("master sees %d of alpha's numbers, want 2", resp.PhoneNumbers.TotalCount)
		}
	})
}

func TestIsolation_Mutations(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	const inService, reserved, portIn, fresh = "+14155550100", "+14155550101", "+14155550102", "+14155550103"
	seed(t, e, ts.alpha, inService, "", otherCarrierPublic())
	seed(t, e, ts.alpha, reserved, models.StateReserved, models.Doc{"note": "alpha's"})
	seed(t, e, ts.alpha, portIn, models.StatePortIn, nil)
	alphaNums := []string{inService, reserved, portIn}

	// snapshot is everything alpha owns, as stored.
	snapshot := func(t *testing.T) map[string]any {
		t.Helper()
		out := map[string]any{}
		for _, n := range append(alphaNums, fresh) {
			s := stored(t, e, n)
			if s == nil {
				out[n] = nil
				continue
			}
			out[n] = []any{storedState(s), s.UpdatedAt.UnixMilli(), historyOf(t, e, n)}
		}
		count, err := e.Svc.CountNumbers(actorCtx(t, e, e.Master.Token), ts.alpha.ID, service.ListQuery{})
		if err != nil {
			t.Fatal(err)
		}
		out["count"] = count
		return out
	}
	before := snapshot(t)
	beta := gql(e, ts.beta.Token)

	single := []struct {
		name, mutation, account, number string
		extra                           map[string]any
		code                            string
	}{
		{"CreateInOtherAccount", "createPhoneNumber", ts.alpha.ID, fresh, nil, "FORBIDDEN"},
		{"CreateTakeover", "createPhoneNumber", ts.beta.ID, inService, nil, "FORBIDDEN"},
		{"CreateTakeoverPortIn", "createPhoneNumber", ts.beta.ID, portIn, map[string]any{"state": "PORT_IN"}, "FORBIDDEN"},
		{"UpdateThroughOwnAccount", "updatePhoneNumber", ts.beta.ID, inService, map[string]any{"cnam": nil}, "FORBIDDEN"},
		{"UpdateThroughOtherAccount", "updatePhoneNumber", ts.alpha.ID, inService, map[string]any{"mode": "REPLACE", "publicFields": map[string]any{}}, "FORBIDDEN"},
		{"Release", "releasePhoneNumber", ts.beta.ID, inService, map[string]any{"hard": true}, "FORBIDDEN"},
		{"ReleaseThroughOtherAccount", "releasePhoneNumber", ts.alpha.ID, reserved, nil, "FORBIDDEN"},
		{"ReserveInService", "reservePhoneNumber", ts.beta.ID, inService, nil, "FORBIDDEN"},
		{"ReserveReserved", "reservePhoneNumber", ts.beta.ID, reserved, nil, "FORBIDDEN"},
		{"ActivateReserved", "activatePhoneNumber", ts.beta.ID, reserved, nil, "FORBIDDEN"},
		{"ActivateInService", "activatePhoneNumber", ts.beta.ID, inService, map[string]any{"publicFields": map[string]any{"x": "y"}}, "FORBIDDEN"},
		{"ActivatePortIn", "activatePhoneNumber", ts.beta.ID, portIn, nil, "FORBIDDEN"},
		{"ActivateThroughOtherAccount", "activatePhoneNumber", ts.alpha.ID, reserved, nil, "FORBIDDEN"},
		{"Port", "portPhoneNumber", ts.beta.ID, inService, nil, "FORBIDDEN"},
		{"PortPortIn", "portPhoneNumber", ts.beta.ID, portIn, nil, "FORBIDDEN"},
		{"PortIntoOtherAccount", "portPhoneNumber", ts.alpha.ID, fresh, nil, "FORBIDDEN"},
	}
	for _, tc := range single {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{"accountId": tc.account, "number": tc.number}
			for k, v := range tc.extra {
				in[k] = v
			}
			wantUserError(t, mutate(t, beta, tc.mutation, in), tc.code)
			if after := snapshot(t); !reflect.DeepEqual(after, before) {
				t.Fatalf("state changed\nbefore %v\nafter  %v", before, after)
			}
		})
	}

	batch := []struct {
		name, mutation, account string
		extra                   map[string]any
		requestCode             string // request-level; else every number fails with itemCode
		itemCode                string
	}{
		{"CreateThroughOtherAccount", "createPhoneNumbers", ts.alpha.ID, nil, "FORBIDDEN", ""},
		{"CreateTakeover", "createPhoneNumbers", ts.beta.ID, nil, "", "FORBIDDEN"},
		{"Update", "updatePhoneNumbers", ts.beta.ID, map[string]any{"mode": "REPLACE", "publicFields": map[string]any{}}, "", "FORBIDDEN"},
		{"UpdateThroughOtherAccount", "updatePhoneNumbers", ts.alpha.ID, map[string]any{"cnam": nil}, "FORBIDDEN", ""},
		{"Release", "releasePhoneNumbers", ts.beta.ID, map[string]any{"hard": true}, "", "FORBIDDEN"},
		{"ReleaseThroughOtherAccount", "releasePhoneNumbers", ts.alpha.ID, nil, "FORBIDDEN", ""},
		{"Activate", "activatePhoneNumbers", ts.beta.ID, nil, "", "FORBIDDEN"},
		{"ActivateThroughOtherAccount", "activatePhoneNumbers", ts.alpha.ID, nil, "FORBIDDEN", ""},
	}
	for _, tc := range batch {
		t.Run("Batch"+tc.name, func(t *testing.T) {
			in := map[string]any{"accountId": tc.account, "numbers": alphaNums}
			for k, v := range tc.extra {
				in[k] = v
			}
			p := mutateBatch(t, beta, tc.mutation, in)
			if tc.requestCode != "" {
				wantRequestError(t, p, tc.requestCode, "", "")
			} else {
				want := make([]batchWant, len(alphaNums))
				for i, n := range alphaNums {
					want[i] = batchWant{number: n, code: tc.itemCode}
				}
				wantResults(t, p, want)
			}
			if after := snapshot(t); !reflect.DeepEqual(after, before) {
				t.Fatalf("state changed\nbefore %v\nafter  %v", before, after)
			}
		})
	}

	// And alpha still reads its numbers through REST as before.
	for _, n := range alphaNums {
		compareReads(t, e, ts.alpha.Token, ts.alpha.ID, n)
	}
}
