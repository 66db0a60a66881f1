package graph_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"numberd/internal/apitest"
	"numberd/models"
)

// Parity: GraphQL and the Kazoo REST API are two adapters over one service,
// so the same scenario through either leaves the same stored state, and
// either API reads what the other wrote.

// storedState is everything a number stores except its key and times.
func storedState(n *models.Number) map[string]any {
	if n == nil {
		return nil
	}
	return map[string]any{
		"state": n.State, "assigned_to": n.AssignedTo, "previously_assigned_to": n.PreviouslyAssignedTo,
		"used_by": n.UsedBy, "carrier": n.Carrier, "reserve_history": []string(n.ReserveHistory),
		"features": map[string]any(n.Features), "features_allowed": []string(n.FeaturesAllowed),
		"features_denied": []string(n.FeaturesDenied), "public": map[string]any(n.Public),
		"carrier_data": map[string]any(n.CarrierData), "ported_in": n.PortedIn,
	}
}

// historyOf lists a number's events without ids, times and request ids.
func historyOf(t testing.TB, e *apitest.Env, num string) []string {
	t.Helper()
	evs, err := e.Svc.NumberHistory(actorCtx(t, e, e.Master.Token), num, 100, "")
	if err != nil {
		t.Fatalf("history %s: %v", num, err)
	}
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = strings.Join([]string{ev.Action, string(ev.FromState), string(ev.ToState), ev.FromAccount, ev.ToAccount, ev.ActorAccount}, " ")
	}
	return out
}

func numberPath(acct, num string) string {
	return "/v2/accounts/" + acct + "/phone_numbers/" + url.PathEscape(num)
}

const parityRead = `query($n: String!) { phoneNumber(number: $n) {
  number state features availableFeatures carrierModule usedBy publicFields createdAt updatedAt
} }`

// compareReads reads num through REST and GraphQL as token and requires
// the same answer.
func compareReads(t testing.TB, e *apitest.Env, token, acct, num string) {
	t.Helper()
	rr := e.Client(token).Do("GET", numberPath(acct, num), nil).Expect(t, 200)
	g := rawPost(t, e.Handler, map[string]string{"X-Auth-Token": token}, parityRead, map[string]any{"n": num})
	if len(g.Errors) != 0 {
		t.Fatalf("graphql read %s: %+v", num, g.Errors)
	}
	gn := g.Data["phoneNumber"].(map[string]any)
	rd := rr.DataMap()
	ro := rd["_read_only"].(map[string]any)

	if rd["id"] != num || gn["number"] != num {
		t.Errorf("ids: REST %v, GraphQL %v", rd["id"], gn["number"])
	}
	if want := strings.ToUpper(rd["state"].(string)); gn["state"] != want || ro["state"] != rd["state"] {
		t.Errorf("state: REST %v, GraphQL %v", rd["state"], gn["state"])
	}
	public := map[string]any{}
	for k, v := range rd {
		switch k {
		case "id", "state", "used_by", "features", "_read_only":
		default:
			public[k] = v
		}
	}
	if !reflect.DeepEqual(public, gn["publicFields"]) {
		t.Errorf("public fields:\nREST    %v\nGraphQL %v", public, gn["publicFields"])
	}
	restFeatures, _ := rd["features"].([]any) // omitted when empty
	if !reflect.DeepEqual(strs(restFeatures), strs(gn["features"].([]any))) {
		t.Errorf("features: REST %v, GraphQL %v", restFeatures, gn["features"])
	}
	avail := ro["features"].(map[string]any)["available"].([]any)
	if !reflect.DeepEqual(strs(avail), strs(gn["availableFeatures"].([]any))) {
		t.Errorf("available features: REST %v, GraphQL %v", avail, gn["availableFeatures"])
	}
	if ro["carrier_module"] != gn["carrierModule"] {
		t.Errorf("carrier: REST %v, GraphQL %v", ro["carrier_module"], gn["carrierModule"])
	}
	if (rd["used_by"] == nil) != (gn["usedBy"] == nil) || rd["used_by"] != nil && rd["used_by"] != gn["usedBy"] {
		t.Errorf("used_by: REST %v, GraphQL %v", rd["used_by"], gn["usedBy"])
	}
	for rk, gk := range map[string]string{"created": "createdAt", "modified": "updatedAt"} {
		gt, err := time.Parse(time.RFC3339Nano, gn[gk].(string))
		greg, _ := ro[rk].(json.Number).Int64()
		if err != nil || models.Gregorian(gt) != greg {
			t.Errorf("%s: REST %v, GraphQL %v (%v)", rk, ro[rk], gn[gk], err)
		}
	}
}

func strs(l []any) []string {
	out := []string{}
	for _, v := range l {
		out = append(out, v.(string))
	}
	return out
}

func TestParity_GraphQLWriteRESTRead(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	const num = "+14155550100"
	// json.Number is sent as a JSON number, digit for digit.
	wantOK(t, mutate(t, gql(e, e.Master.Token), "createPhoneNumber", map[string]any{
		"accountId": ts.alpha.ID, "number": num, "carrierName": "knm_other",
		"cnam":         map[string]any{"displayName": "Alpha", "inboundLookup": true},
		"e911":         map[string]any{"streetAddress": "1 Main St", "locality": "SF", "region": "CA", "postalCode": "94105"},
		"publicFields": map[string]any{"big": json.Number(bigInt), "nested": map[string]any{"list": []any{1, "two", nil}}},
	}))
	compareReads(t, e, ts.alpha.Token, ts.alpha.ID, num)
	compareReads(t, e, e.Master.Token, ts.alpha.ID, num)

	r := e.Client(ts.alpha.Token).Do("GET", numberPath(ts.alpha.ID, num), nil).Expect(t, 200)
	if r.DataMap()["big"] != json.Number(bigInt) {
		t.Errorf("REST big = %#v", r.DataMap()["big"])
	}
}

func TestParity_SameScenarioSameState(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	const viaREST, viaGQL = "+14155550100", "+14155550200"
	rc, gc := e.Client(ts.alpha.Token), gql(e, ts.alpha.Token)
	in := func(num string, kv ...any) map[string]any {
		m := map[string]any{"accountId": ts.alpha.ID, "number": num}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	data := func(d map[string]any) map[string]any { return map[string]any{"data": d} }

	steps := []struct {
		name string
		rest func(t *testing.T)
		gql  func(t *testing.T)
	}{
		{"CreateReserved",
			func(t *testing.T) {
				rc.Do("PUT", numberPath(ts.alpha.ID, viaREST), data(map[string]any{"create_with_state": "reserved", "label": "a", "nested": map[string]any{"x": 1}})).Expect(t, 201)
			},
			func(t *testing.T) {
				wantOK(t, mutate(t, gc, "createPhoneNumber", in(viaGQL, "state", "RESERVED", "publicFields", map[string]any{"label": "a", "nested": map[string]any{"x": 1}})))
			}},
		{"Merge",
			func(t *testing.T) {
				rc.Do("PATCH", numberPath(ts.alpha.ID, viaREST), data(map[string]any{"label": nil, "more": "b", "nested": map[string]any{"y": 2}})).Expect(t, 200)
			},
			func(t *testing.T) {
				wantOK(t, mutate(t, gc, "updatePhoneNumber", in(viaGQL, "mode", "MERGE", "publicFields", map[string]any{"label": nil, "more": "b", "nested": map[string]any{"y": 2}})))
			}},
		{"ActivateKeepsFields",
			func(t *testing.T) {
				rc.Do("PUT", numberPath(ts.alpha.ID, viaREST)+"/activate", data(map[string]any{})).Expect(t, 201)
			},
			func(t *testing.T) { wantOK(t, mutate(t, gc, "activatePhoneNumber", in(viaGQL))) }},
		{"Replace",
			func(t *testing.T) {
				rc.Do("POST", numberPath(ts.alpha.ID, viaREST), data(map[string]any{"final": true})).Expect(t, 200)
			},
			func(t *testing.T) {
				wantOK(t, mutate(t, gc, "updatePhoneNumber", in(viaGQL, "mode", "REPLACE", "publicFields", map[string]any{"final": true})))
			}},
		{"ReserveInServiceAgain", // in_service → reserved is allowed for the owner
			func(t *testing.T) {
				rc.Do("PUT", numberPath(ts.alpha.ID, viaREST)+"/reserve", data(map[string]any{})).Expect(t, 201)
			},
			func(t *testing.T) { wantOK(t, mutate(t, gc, "reservePhoneNumber", in(viaGQL))) }},
		{"Release",
			func(t *testing.T) { rc.Do("DELETE", numberPath(ts.alpha.ID, viaREST), nil).Expect(t, 200) },
			func(t *testing.T) { wantOK(t, mutate(t, gc, "releasePhoneNumber", in(viaGQL))) }},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.rest(t)
			st.gql(t)
			r, g := stored(t, e, viaREST), stored(t, e, viaGQL)
			if !reflect.DeepEqual(storedState(r), storedState(g)) {
				t.Fatalf("stored state differs\nREST    %v\nGraphQL %v", storedState(r), storedState(g))
			}
			if r == nil {
				return
			}
			if hr, hg := historyOf(t, e, viaREST), historyOf(t, e, viaGQL); !slices.Equal(hr, hg) {
				t.Errorf("history differs\nREST    %q\nGraphQL %q", hr, hg)
			}
			compareReads(t, e, ts.alpha.Token, ts.alpha.ID, viaREST)
			compareReads(t, e, ts.alpha.Token, ts.alpha.ID, viaGQL)
		})
	}
}

func TestParity_Collections(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	seed(t, e, ts.alpha, "+14155550100", "", nil)
	seed(t, e, ts.alpha, "+14155550200", "", nil)
	seed(t, e, ts.beta, "+14155550109", "", nil)
	seed(t, e, ts.beta, "+14155550209", "", nil)
	// The same inputs, the REST ones in the 415-555-01xx block, the GraphQL
	// ones in 415-555-02xx.
	restNums := []string{"+14155550101", "4155550102", "911", "+14155550100", "+14155550109"}
	gqlNums := []string{"+14155550201", "4155550202", "911", "+14155550200", "+14155550209"}

	r := e.Client(ts.alpha.Token).Do("PUT", "/v2/accounts/"+ts.alpha.ID+"/phone_numbers/collection",
		map[string]any{"data": map[string]any{"numbers": restNums, "label": "bulk"}}).Expect(t, 201)
	g := mutateBatch(t, gql(e, ts.alpha.Token), "createPhoneNumbers", map[string]any{
		"accountId": ts.alpha.ID, "numbers": gqlNums, "publicFields": map[string]any{"label": "bulk"}})

	restOutcome := map[string]string{}
	for k := range asMap(r.DataMap()["success"]) {
		restOutcome[strings.Replace(k, "+1415555010", "+1415555020", 1)] = "OK"
	}
	for k, v := range asMap(r.DataMap()["error"]) {
		code := ""
		switch x := v.(type) {
		case string:
			code = x
		case map[string]any:
			code, _ = x["error"].(string)
		}
		restOutcome[strings.Replace(k, "+1415555010", "+1415555020", 1)] = strings.ToUpper(code)
	}
	gqlOutcome := map[string]string{}
	for _, res := range g.Results {
		gqlOutcome[res.Number] = "OK"
		if len(res.UserErrors) > 0 {
			gqlOutcome[res.Number] = res.UserErrors[0].Code
		}
	}
	if !reflect.DeepEqual(restOutcome, gqlOutcome) {
		t.Errorf("outcomes differ\nREST    %v\nGraphQL %v", restOutcome, gqlOutcome)
	}
	for i, rn := range []string{"+14155550101", "+14155550102", "+14155550100", "+14155550109"} {
		gn := []string{"+14155550201", "+14155550202", "+14155550200", "+14155550209"}[i]
		if a, b := storedState(stored(t, e, rn)), storedState(stored(t, e, gn)); !reflect.DeepEqual(a, b) {
			t.Errorf("%s vs %s:\nREST    %v\nGraphQL %v", rn, gn, a, b)
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
