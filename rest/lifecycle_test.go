package rest_test

// The "lifecycle" endpoints: reserve, activate, port (crossbar §5.12–5.14,
// §1.10), the collections (§5.8, §5.15, decision 3) and Kazoo's own test
// sequences (§10.1 A and B, §10.3).

import (
	"net/http"
	"strings"
	"testing"

	"numberd/internal/apitest"
	"numberd/models"
	"numberd/service"
)

// tenants builds the usual cast: two sibling customers that may add numbers
// (a, b), a sub-account of a (child), and one that may not (plain).
type tenants struct {
	e                  *apitest.Env
	a, b, child, plain apitest.Account
	ca, cb, cc, cp, cm *apitest.Client
}

func newTenants(t *testing.T, opts ...apitest.Option) *tenants {
	e := apitest.New(t, opts...)
	ts := &tenants{e: e}
	ts.a = e.NewAccount(e.Master, "tenanta", map[string]any{"wnm_allow_additions": true})
	ts.b = e.NewAccount(e.Master, "tenantb", map[string]any{"wnm_allow_additions": true})
	ts.child = e.NewAccount(ts.a, "childa", nil)
	ts.plain = e.NewAccount(e.Master, "plain", nil)
	ts.ca, ts.cb, ts.cc, ts.cp = e.Client(ts.a.Token), e.Client(ts.b.Token), e.Client(ts.child.Token), e.Client(ts.plain.Token)
	ts.cm = e.Client(e.Master.Token)
	return ts
}

// available makes e164 an available (unowned) number, as the master.
func (ts *tenants) available(t *testing.T, e164 string, extra map[string]any) {
	t.Helper()
	d := map[string]any{"create_with_state": "available"}
	for k, v := range extra {
		d[k] = v
	}
	ts.cm.Do("PUT", num(ts.e.Master, e164), body(d)).Expect(t, http.StatusCreated)
}

// stateOf reads a number as the master and returns its state and owner.
func (ts *tenants) stateOf(t *testing.T, e164 string) (string, string) {
	t.Helper()
	r := number(t, ts.e, e164)
	if r.Status == http.StatusNotFound {
		return "", ""
	}
	r.Expect(t, http.StatusOK)
	owner := ""
	for id, acct := range map[string]apitest.Account{ts.a.ID: ts.a, ts.b.ID: ts.b, ts.child.ID: ts.child, ts.plain.ID: ts.plain} {
		lr := ts.cm.Do("GET", pn(acct), nil).Expect(t, http.StatusOK)
		if _, ok := listed(t, lr)[e164]; ok {
			owner = id
		}
	}
	return readOnlyState(t, r), owner
}

func TestReserve(t *testing.T) {
	ts := newTenants(t)
	e, ca := ts.e, ts.ca

	t.Run("available to reserved", func(t *testing.T) {
		ts.available(t, n1, nil)
		r := ca.Do("PUT", num(ts.a, n1)+"/reserve", nil)
		check(t, e, r, http.StatusCreated, "lifecycle_reserve")
		if readOnlyState(t, r) != "reserved" || r.DataMap()["state"] != "reserved" {
			t.Fatalf("data %v", r.DataMap())
		}
		if st, owner := ts.stateOf(t, n1); st != "reserved" || owner != ts.a.ID {
			t.Fatalf("stored %s owned by %s", st, owner)
		}
	})
	t.Run("already reserved by the account", func(t *testing.T) {
		r := ca.Do("PUT", num(ts.a, n1)+"/reserve", nil)
		check(t, e, r, http.StatusBadRequest, "lifecycle_reserve_no_change")
		expectKnm(t, r, http.StatusBadRequest, "no_change_required", "no change required", "")
		assertJSON(t, "data", r.Data(), map[string]any{"code": 400, "error": "no_change_required", "message": "no change required"})
	})
	t.Run("reserved again for a sub-account", func(t *testing.T) {
		r := ca.Do("PUT", num(ts.child, n1)+"/reserve", nil)
		check(t, e, r, http.StatusCreated, "lifecycle_reserve")
		if st, owner := ts.stateOf(t, n1); st != "reserved" || owner != ts.child.ID {
			t.Fatalf("stored %s owned by %s", st, owner)
		}
	})
	t.Run("in_service to reserved, body validated but not applied", func(t *testing.T) {
		mustCreate(t, ca, ts.a, n2, map[string]any{"kept": true})
		r := ca.Do("PUT", num(ts.a, n2)+"/reserve", body(map[string]any{"cnam": map[string]any{"display_name": "0123456789abcdef"}}))
		check(t, e, r, http.StatusBadRequest, "number_validation_cnam")
		r = ca.Do("PUT", num(ts.a, n2)+"/reserve", body(map[string]any{"ignored": 1}))
		r.Expect(t, http.StatusCreated)
		if readOnlyState(t, r) != "reserved" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		if _, applied := r.DataMap()["ignored"]; applied {
			t.Fatalf("reserve applied its body: %s", r.Raw)
		}
	})
	t.Run("unknown number", func(t *testing.T) {
		r := ca.Do("PUT", num(ts.a, n9)+"/reserve", nil)
		check(t, e, r, http.StatusNotFound, "number_not_found")
		expectBadIdentifier(t, r)
	})
	t.Run("another tenant's number", func(t *testing.T) {
		r := ts.cb.Do("PUT", num(ts.b, n2)+"/reserve", nil)
		check(t, e, r, http.StatusForbidden, "number_forbidden")
		expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
		if st, owner := ts.stateOf(t, n2); st != "reserved" || owner != ts.a.ID {
			t.Fatalf("stored %s owned by %s", st, owner)
		}
	})
	t.Run("port_in cannot be reserved", func(t *testing.T) {
		ca.Do("PUT", num(ts.a, n3)+"/port", nil).Expect(t, http.StatusCreated)
		r := ca.Do("PUT", num(ts.a, n3)+"/reserve", nil)
		check(t, e, r, http.StatusBadRequest, "lifecycle_reserve_invalid_transition")
		expectKnm(t, r, http.StatusBadRequest, "invalid_state_transition", "invalid state transition", "from port_in to reserved")
	})
	t.Run("not reconcilable", func(t *testing.T) {
		check(t, e, ca.Do("PUT", pn(ts.a)+"/1000/reserve", nil), http.StatusBadRequest, "number_not_reconcilable")
	})
	t.Run("malformed body", func(t *testing.T) {
		check(t, e, ca.Do("PUT", num(ts.a, n2)+"/reserve", `{"data":5}`), http.StatusBadRequest, "envelope_data_type")
	})
}

func TestActivate(t *testing.T) {
	ts := newTenants(t)
	e, ca, cb := ts.e, ts.ca, ts.cb

	t.Run("anyone buys an available number", func(t *testing.T) {
		ts.available(t, n1, nil)
		r := cb.Do("PUT", num(ts.b, n1)+"/activate", nil)
		check(t, e, r, http.StatusCreated, "lifecycle_activate")
		if readOnlyState(t, r) != "in_service" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		if st, owner := ts.stateOf(t, n1); st != "in_service" || owner != ts.b.ID {
			t.Fatalf("stored %s owned by %s", st, owner)
		}
	})
	t.Run("already in service in the account", func(t *testing.T) {
		r := cb.Do("PUT", num(ts.b, n1)+"/activate", map[string]any{"data": map[string]any{}, "accept_charges": true})
		check(t, e, r, http.StatusCreated, "lifecycle_activate")
	})
	t.Run("an empty body keeps the public fields; a body replaces them", func(t *testing.T) {
		mustCreate(t, ca, ts.a, n2, map[string]any{"keep": 1})
		ca.Do("PUT", num(ts.a, n2)+"/reserve", nil).Expect(t, http.StatusCreated)
		r := ca.Do("PUT", num(ts.a, n2)+"/activate", nil).Expect(t, http.StatusCreated)
		assertJSON(t, "keep", r.DataMap()["keep"], 1)
		r = ca.Do("PUT", num(ts.a, n2)+"/activate", body(map[string]any{"fresh": 2})).Expect(t, http.StatusCreated)
		if _, kept := r.DataMap()["keep"]; kept {
			t.Fatalf("activate with a body kept old fields: %s", r.Raw)
		}
		assertJSON(t, "fresh", r.DataMap()["fresh"], 2)
	})
	t.Run("a sub-account activates what its parent reserved", func(t *testing.T) {
		mustCreate(t, ca, ts.a, n3, map[string]any{"create_with_state": "reserved"})
		r := ts.cc.Do("PUT", num(ts.child, n3)+"/activate", nil)
		check(t, e, r, http.StatusCreated, "lifecycle_activate_parent_reserved")
		if st, owner := ts.stateOf(t, n3); st != "in_service" || owner != ts.child.ID {
			t.Fatalf("stored %s owned by %s", st, owner)
		}
	})
	t.Run("port_in to in_service", func(t *testing.T) {
		ca.Do("PUT", num(ts.a, n4)+"/port", nil).Expect(t, http.StatusCreated)
		r := ca.Do("PUT", num(ts.a, n4)+"/activate", nil).Expect(t, http.StatusCreated)
		if readOnlyState(t, r) != "in_service" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
	})
	t.Run("aging to in_service", func(t *testing.T) {
		// Only the master creates aging numbers; it belongs to the URL account.
		ts.cm.Do("PUT", num(ts.a, n5), body(map[string]any{"create_with_state": "aging"})).Expect(t, http.StatusCreated)
		r := ca.Do("PUT", num(ts.a, n5)+"/activate", nil).Expect(t, http.StatusCreated)
		if readOnlyState(t, r) != "in_service" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
	})
	t.Run("never searched, nonexistent", func(t *testing.T) {
		r := ca.Do("PUT", num(ts.a, n9)+"/activate", nil)
		check(t, e, r, http.StatusNotFound, "number_not_found")
		expectBadIdentifier(t, r)
	})
	t.Run("another tenant's in_service number", func(t *testing.T) {
		r := cb.Do("PUT", num(ts.b, n2)+"/activate", nil)
		check(t, e, r, http.StatusForbidden, "number_forbidden")
	})
	t.Run("another tenant's reserved number", func(t *testing.T) {
		mustCreate(t, ca, ts.a, "+14158867906", map[string]any{"create_with_state": "reserved"})
		r := cb.Do("PUT", num(ts.b, "+14158867906")+"/activate", nil)
		check(t, e, r, http.StatusForbidden, "number_forbidden")
		if st, owner := ts.stateOf(t, "+14158867906"); st != "reserved" || owner != ts.a.ID {
			t.Fatalf("stored %s owned by %s", st, owner)
		}
	})
	t.Run("invalid state transition", func(t *testing.T) {
		mustCreate(t, ca, ts.a, "+14158867907", nil)
		sqlExec(t, e, "UPDATE numbers SET state = ? WHERE number = ?", "port_out", "+14158867907")
		r := ca.Do("PUT", num(ts.a, "+14158867907")+"/activate", nil)
		check(t, e, r, http.StatusBadRequest, "lifecycle_activate_invalid_transition")
		expectKnm(t, r, http.StatusBadRequest, "invalid_state_transition", "invalid state transition", "from port_out to in_service")
	})
	t.Run("validation", func(t *testing.T) {
		r := ca.Do("PUT", num(ts.a, n2)+"/activate", body(map[string]any{"cnam": map[string]any{"display_name": "0123456789abcdef"}}))
		check(t, e, r, http.StatusBadRequest, "number_validation_cnam")
	})
	t.Run("not reconcilable", func(t *testing.T) {
		check(t, e, ca.Do("PUT", pn(ts.a)+"/12ab/activate", nil), http.StatusBadRequest, "number_not_reconcilable")
	})
}

func TestActivateRateLimit(t *testing.T) {
	ts := newTenants(t, func(c *service.Config) { c.ActivateRate, c.ActivateBurst = 0.001, 2 })
	e, ca := ts.e, ts.ca
	mustCreate(t, ca, ts.a, n1, nil)
	ca.Do("PUT", num(ts.a, n1)+"/activate", nil).Expect(t, http.StatusCreated)
	ca.Do("PUT", num(ts.a, n1)+"/activate", nil).Expect(t, http.StatusCreated)
	r := ca.Do("PUT", num(ts.a, n1)+"/activate", nil)
	check(t, e, r, http.StatusTooManyRequests, "lifecycle_activate_rate_limited")
	expectError(t, r, http.StatusTooManyRequests, "too_many_requests")
	assertJSON(t, "data", r.Data(), map[string]any{"message": "too many requests"})
	// Still empty: even an unknown number is refused before it is looked up.
	check(t, e, ca.Do("PUT", num(ts.a, n9)+"/activate", nil), http.StatusTooManyRequests, "lifecycle_activate_rate_limited")
	// The bucket is the URL account's; the collection endpoint has none.
	ts.available(t, n2, nil)
	ts.cb.Do("PUT", num(ts.b, n2)+"/activate", nil).Expect(t, http.StatusCreated)
	r = ca.Do("PUT", pn(ts.a)+"/collection/activate", numbersBody(n1)).Expect(t, http.StatusCreated)
	if _, ok := dataMap(t, r, "success")[n1]; !ok {
		t.Fatalf("collection/activate: %s", r.Raw)
	}
}

func TestPort(t *testing.T) {
	ts := newTenants(t)
	e, ca, cp := ts.e, ts.ca, ts.cp

	t.Run("new number, no additions needed", func(t *testing.T) {
		r := cp.Do("PUT", num(ts.plain, n1)+"/port", body(map[string]any{"blip": 432, "create_with_state": "in_service"}))
		check(t, e, r, http.StatusCreated, "lifecycle_port")
		if readOnlyState(t, r) != "port_in" || dataMap(t, r, "_read_only")["carrier_module"] != "local" {
			t.Fatalf("data %v", r.DataMap())
		}
		assertJSON(t, "blip", r.DataMap()["blip"], 432)
	})
	t.Run("already port_in", func(t *testing.T) {
		r := cp.Do("PUT", num(ts.plain, n1)+"/port", nil).Expect(t, http.StatusCreated)
		if readOnlyState(t, r) != "port_in" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
	})
	t.Run("in_service number exists", func(t *testing.T) {
		mustCreate(t, ca, ts.a, n2, nil)
		r := ca.Do("PUT", num(ts.a, n2)+"/port", nil)
		check(t, e, r, http.StatusConflict, "lifecycle_port_exists")
		expectKnm(t, r, http.StatusConflict, "number_exists", "number "+n2+" already exists", n2)
	})
	t.Run("another tenant's number", func(t *testing.T) {
		r := ts.cb.Do("PUT", num(ts.b, n2)+"/port", nil)
		check(t, e, r, http.StatusForbidden, "number_forbidden")
	})
	t.Run("available cannot be ported", func(t *testing.T) {
		ts.available(t, n3, nil)
		r := ca.Do("PUT", num(ts.a, n3)+"/port", nil)
		check(t, e, r, http.StatusBadRequest, "lifecycle_port_invalid_transition")
		expectKnm(t, r, http.StatusBadRequest, "invalid_state_transition", "invalid state transition", "from available to port_in")
	})
	t.Run("validation", func(t *testing.T) {
		r := ca.Do("PUT", num(ts.a, n4)+"/port", body(map[string]any{"cnam": map[string]any{"display_name": "0123456789abcdef"}}))
		check(t, e, r, http.StatusBadRequest, "number_validation_cnam")
	})
	t.Run("not reconcilable", func(t *testing.T) {
		check(t, e, ca.Do("PUT", pn(ts.a)+"/911/port", nil), http.StatusBadRequest, "number_not_reconcilable")
	})
}

// collectionRoutes are the five collection endpoints with their success status.
var collectionRoutes = []struct {
	method, suffix string
	status         int
}{
	{"PUT", "/collection", http.StatusCreated},
	{"POST", "/collection", http.StatusOK},
	{"PATCH", "/collection", http.StatusOK},
	{"DELETE", "/collection", http.StatusOK},
	{"PUT", "/collection/activate", http.StatusCreated},
}

func TestCollectionValidation(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	msg := func(rule, m string) map[string]any {
		return map[string]any{"numbers": map[string]any{rule: map[string]any{"message": m}}}
	}
	cases := []struct {
		name, golden string
		body         any
		rule, msg    string
	}{
		{"missing", "collection_numbers_missing", body(map[string]any{"x": 1}), "required", "list of numbers missing"},
		{"empty data", "collection_numbers_missing", "", "required", "list of numbers missing"},
		{"empty list", "collection_numbers_empty", numbersBody(), "minimum", "minimum 1 number required"},
		{"duplicates in two spellings", "collection_numbers_duplicates", numbersBody("4158867900", "+14158867900"), "uniqueItems", "some numbers appear twice"},
		{"duplicates in one spelling", "collection_numbers_duplicates", numbersBody(n1, n2, n1), "uniqueItems", "some numbers appear twice"},
		{"duplicates in three spellings", "collection_numbers_duplicates", numbersBody("14158867900", "+14158867900", "4158867900"), "uniqueItems", "some numbers appear twice"},
		{"a string", "collection_numbers_type", body(map[string]any{"numbers": n1}), "type", "numbers must be a list"},
		{"an object", "collection_numbers_type", body(map[string]any{"numbers": map[string]any{"a": n1}}), "type", "numbers must be a list"},
		{"a list holding an object", "collection_numbers_type", body(map[string]any{"numbers": []any{n1, map[string]any{}}}), "type", "numbers must be a list"},
	}
	for _, rt := range collectionRoutes {
		for _, tc := range cases {
			t.Run(rt.method+rt.suffix+" "+tc.name, func(t *testing.T) {
				r := ts.ca.Do(rt.method, pn(ts.a)+rt.suffix, tc.body)
				check(t, e, r, http.StatusBadRequest, tc.golden)
				got := dataMap(t, r, "numbers", tc.rule)
				if got["message"] != tc.msg {
					t.Fatalf("%s message %v, want %q", tc.rule, got["message"], tc.msg)
				}
				if tc.rule != "minimum" {
					expectValidation(t, r, msg(tc.rule, tc.msg))
				}
			})
		}
	}
	t.Run("nothing was created", func(t *testing.T) {
		r := ts.ca.Do("GET", pn(ts.a), nil).Expect(t, http.StatusOK)
		if len(listed(t, r)) != 0 {
			t.Fatalf("listing: %s", r.Raw)
		}
	})
}

func TestCollections(t *testing.T) {
	ts := newTenants(t)
	e, ca := ts.e, ts.ca
	coll := pn(ts.a) + "/collection"

	t.Run("PUT: success and error halves", func(t *testing.T) {
		mustCreate(t, ca, ts.a, n2, nil)
		r := ca.Do("PUT", coll, numbersBody("4158867901", n2, "12ab"))
		check(t, e, r, http.StatusCreated, "collection_create_mixed")
		d := r.DataMap()
		assertJSON(t, "halves", sortedKeys(d), []string{"error", "success"})
		assertJSON(t, "success keys", sortedKeys(dataMap(t, r, "success")), []string{n1})
		assertJSON(t, "error", d["error"], map[string]any{
			n2:     map[string]any{"code": 409, "error": "number_exists", "cause": n2, "message": "number " + n2 + " already exists"},
			"12ab": "not_reconcilable",
		})
		if readOnlyState(t, number(t, e, n1)) != "in_service" {
			t.Fatalf("%s not created", n1)
		}
	})
	t.Run("PUT: one number, success", func(t *testing.T) {
		r := ca.Do("PUT", coll, map[string]any{"data": map[string]any{"numbers": []any{n3}, "create_with_state": "reserved", "label": "x"}, "accept_charges": true})
		check(t, e, r, http.StatusCreated, "collection_create_one")
		s := dataMap(t, r, "success", n3)
		if s["state"] != "reserved" || s["label"] != "x" {
			t.Fatalf("success entry %v", s)
		}
		for _, k := range []string{"create_with_state", "numbers", "accept_charges"} {
			if _, stored := s[k]; stored {
				t.Fatalf("%s stored as a field: %s", k, r.Raw)
			}
		}
		if _, ok := r.DataMap()["error"]; ok {
			t.Fatalf("empty error half not omitted: %s", r.Raw)
		}
	})
	t.Run("PUT: one number, failure", func(t *testing.T) {
		r := ca.Do("PUT", coll, numbersBody(n3))
		check(t, e, r, http.StatusCreated, "collection_create_one_error")
		if _, ok := r.DataMap()["success"]; ok {
			t.Fatalf("empty success half not omitted: %s", r.Raw)
		}
	})
	t.Run("PUT: a state the caller may not create in fails every number", func(t *testing.T) {
		r := ca.Do("PUT", coll, map[string]any{"data": map[string]any{"numbers": []any{n4, n5}, "create_with_state": "available"}})
		check(t, e, r, http.StatusCreated, "collection_create_state_forbidden")
		forbidden := map[string]any{"code": 403, "error": "forbidden", "cause": "state_for_create", "message": models.MessageUnauthorized}
		assertJSON(t, "data", r.Data(), map[string]any{"error": map[string]any{n4: forbidden, n5: forbidden}})
	})
	t.Run("PUT: create_with_state not in the enum", func(t *testing.T) {
		r := ca.Do("PUT", coll, map[string]any{"data": map[string]any{"numbers": []any{n4}, "create_with_state": "bogus"}})
		check(t, e, r, http.StatusBadRequest, "collection_create_state_enum")
	})
	t.Run("POST replaces", func(t *testing.T) {
		ca.Do("PATCH", num(ts.a, n1), body(map[string]any{"old": true})).Expect(t, http.StatusOK)
		r := ca.Do("POST", coll, map[string]any{"data": map[string]any{"numbers": []any{n1, n9, "1000"}, "new": "yes"}})
		check(t, e, r, http.StatusOK, "collection_update_mixed")
		s := dataMap(t, r, "success", n1)
		if _, ok := s["old"]; ok || s["new"] != "yes" {
			t.Fatalf("POST collection did not replace: %v", s)
		}
		assertJSON(t, "error", r.DataMap()["error"], map[string]any{n9: "not_found", "1000": "not_reconcilable"})
	})
	t.Run("PATCH merges", func(t *testing.T) {
		r := ca.Do("PATCH", coll, map[string]any{"data": map[string]any{"numbers": []any{n1, n3}, "new": nil, "more": 1}})
		check(t, e, r, http.StatusOK, "collection_patch")
		s1, s3 := dataMap(t, r, "success", n1), dataMap(t, r, "success", n3)
		if _, ok := s1["new"]; ok {
			t.Fatalf("null did not remove: %v", s1)
		}
		if s3["label"] != "x" {
			t.Fatalf("PATCH lost a field: %v", s3)
		}
		assertJSON(t, "more", s3["more"], 1)
	})
	t.Run("POST/PATCH of another tenant's number", func(t *testing.T) {
		mustCreate(t, ts.cb, ts.b, "+14158867910", nil)
		for _, m := range []string{"POST", "PATCH"} {
			r := ca.Do(m, coll, numbersBody("+14158867910"))
			check(t, e, r, http.StatusOK, "collection_other_tenant")
		}
	})
	t.Run("DELETE", func(t *testing.T) {
		r := ca.Do("DELETE", coll, numbersBody(n1, n9, "12ab", "+14158867910"))
		check(t, e, r, http.StatusOK, "collection_release_mixed")
		if dataMap(t, r, "success", n1)["state"] != "deleted" {
			t.Fatalf("release: %s", r.Raw)
		}
		expectBadIdentifier(t, ca.Do("GET", num(ts.a, n1), nil))
	})
	t.Run("DELETE hard as the master", func(t *testing.T) {
		r := ts.cm.Do("DELETE", coll+"?hard=true", numbersBody(n3))
		check(t, e, r, http.StatusOK, "collection_hard_delete")
		expectBadIdentifier(t, number(t, e, n3))
	})
	t.Run("activate", func(t *testing.T) {
		ts.available(t, n4, nil)
		r := ca.Do("PUT", coll+"/activate", numbersBody(n4, n9, "+14158867910", "not a number"))
		check(t, e, r, http.StatusCreated, "collection_activate_mixed")
		if dataMap(t, r, "success", n4)["state"] != "in_service" {
			t.Fatalf("activate: %s", r.Raw)
		}
		assertJSON(t, "error", r.DataMap()["error"], map[string]any{
			n9:             "not_found",
			"+14158867910": map[string]any{"code": 403, "error": "forbidden", "message": models.MessageUnauthorized},
			"not a number": "not_reconcilable",
		})
	})
	t.Run("activate one number", func(t *testing.T) {
		r := ca.Do("PUT", coll+"/activate", numbersBody(n9))
		check(t, e, r, http.StatusCreated, "collection_activate_one_error")
		assertJSON(t, "data", r.Data(), map[string]any{"error": map[string]any{n9: "not_found"}})
	})
	t.Run("activate with fields", func(t *testing.T) {
		ts.available(t, n5, nil)
		r := ca.Do("PUT", coll+"/activate", map[string]any{"data": map[string]any{"numbers": []any{n5}, "tag": "bulk"}})
		r.Expect(t, http.StatusCreated)
		s := dataMap(t, r, "success", n5)
		if s["tag"] != "bulk" {
			t.Fatalf("fields not applied: %v", s)
		}
		if _, stored := s["numbers"]; stored {
			t.Fatalf("numbers stored as a field: %v", s)
		}
	})
}

// TestKZOO41 is kazoo_proper's deterministic sequence seq/0 (§10.1 A).
func TestKZOO41(t *testing.T) {
	e := apitest.New(t)
	master := e.Client(e.Master.Token)
	master.Headers = map[string]string{"Accept": "application/json", "X-Request-ID": "kzoo-41"}
	const pnum = "+12345678901"

	// 1. Create account accountone.
	r := master.Do("PUT", "/v2/accounts/"+e.Master.ID, body(map[string]any{"name": "accountone"}))
	r.Expect(t, http.StatusCreated)
	acctID, _ := r.DataMap()["id"].(string)
	e.Name(acctID, "{ACCOUNTONE_ID}")
	acct := apitest.Account{ID: acctID, Name: "accountone"}
	check(t, e, r, http.StatusCreated, "kzoo41_1_account")

	// 2. Empty summary.
	r = master.Do("GET", pn(acct), nil)
	check(t, e, r, http.StatusOK, "kzoo41_2_empty")
	if len(listed(t, r)) != 0 {
		t.Fatalf("numbers not empty: %s", r.Raw)
	}

	// 3. Create the number with carrier_name knm_other.
	r = master.Do("PUT", pn(acct)+"/%2B12345678901", map[string]any{"data": map[string]any{"carrier_name": "knm_other"}, "accept_charges": true})
	check(t, e, r, http.StatusCreated, "kzoo41_3_create")
	if r.DataMap()["id"] != pnum {
		t.Fatalf("data.id %v", r.DataMap()["id"])
	}

	// 4. The summary lists it.
	r = master.Do("GET", pn(acct), nil)
	check(t, e, r, http.StatusOK, "kzoo41_4_listed")
	if entry, _ := listed(t, r)[pnum].(map[string]any); len(entry) == 0 {
		t.Fatalf("data.numbers[%s] empty: %s", pnum, r.Raw)
	}

	// 5. Remove it. knm_other is not local, so it goes back to available.
	r = master.Do("DELETE", pn(acct)+"/%2B12345678901", nil)
	check(t, e, r, http.StatusOK, "kzoo41_5_remove")
	if readOnlyState(t, r) != "available" {
		t.Fatalf("state %q", readOnlyState(t, r))
	}

	// 6. Empty again.
	r = master.Do("GET", pn(acct), nil)
	check(t, e, r, http.StatusOK, "kzoo41_6_empty_again")
	if len(listed(t, r)) != 0 {
		t.Fatalf("numbers not empty after delete: %s", r.Raw)
	}

	// 7. Cleanup: delete the account, hard-delete the number as the master.
	check(t, e, master.Do("DELETE", "/v2/accounts/"+acctID, nil), http.StatusOK, "kzoo41_7_delete_account")
	r = master.Do("DELETE", pn(e.Master)+"/%2B12345678901?hard=true", nil)
	check(t, e, r, http.StatusOK, "kzoo41_7_hard_delete")
	if readOnlyState(t, r) != "deleted" {
		t.Fatalf("state %q", readOnlyState(t, r))
	}
	expectBadIdentifier(t, master.Do("GET", pn(e.Master)+"/%2B12345678901", nil))
}

// pqcModel is kazoo_proper's model of pqc_cb_phone_numbers (§10.1 B): per
// number, its owning account and state.
type pqcModel struct {
	t       *testing.T
	e       *apitest.Env
	owner   map[string]string // number → account id
	state   map[string]string // number → state
	clients map[string]*apitest.Client
	admin   bool // the caller is the master (as in kazoo_proper)
}

func (m *pqcModel) client(acct apitest.Account) *apitest.Client {
	if m.admin {
		return m.e.Client(m.e.Master.Token)
	}
	return m.clients[acct.ID]
}

// list_number
func (m *pqcModel) list(acct apitest.Account, n string) {
	t := m.t
	t.Helper()
	r := m.client(acct).Do("GET", num(acct, n), nil)
	switch owner, known := m.owner[n]; {
	case !known:
		expectBadIdentifier(t, r)
	case owner == acct.ID:
		r.Expect(t, http.StatusOK)
		if got := readOnlyState(t, r); got != m.state[n] {
			t.Fatalf("list %s in %s: state %q, model %q", n, acct.Name, got, m.state[n])
		}
	default:
		expectBadIdentifier(t, r)
	}
}

// add_number
func (m *pqcModel) add(acct apitest.Account, n string) {
	t := m.t
	t.Helper()
	r := m.client(acct).Do("PUT", num(acct, n), map[string]any{"data": map[string]any{}, "accept_charges": true})
	switch owner, known := m.owner[n]; {
	case known && owner == acct.ID:
		expectKnm(t, r, http.StatusConflict, "number_exists", "number "+n+" already exists", n)
	case known && m.admin:
		// "in another account → 409": holds when the caller can read it.
		expectKnm(t, r, http.StatusConflict, "number_exists", "number "+n+" already exists", n)
	case known:
		// A tenant cannot read another tenant's number: 403, not 409
		// (crossbar §5.2 PUT errors; kazoo-number-manager.md §1.3 step 4).
		expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
	default:
		// The model says reserved; 4.3 code and decisions.md 1 say in_service.
		r.Expect(t, http.StatusCreated)
		if r.Body["status"] != "success" || readOnlyState(t, r) != "in_service" {
			t.Fatalf("add %s: %s", n, r.Raw)
		}
		m.owner[n], m.state[n] = acct.ID, readOnlyState(t, r)
	}
}

// remove_number
func (m *pqcModel) remove(acct apitest.Account, n string) {
	t := m.t
	t.Helper()
	r := m.client(acct).Do("DELETE", num(acct, n), nil)
	switch owner, known := m.owner[n]; {
	case known && owner == acct.ID:
		r.Expect(t, http.StatusOK)
		if r.Body["status"] != "success" || readOnlyState(t, r) != "deleted" {
			t.Fatalf("remove %s: %s", n, r.Raw)
		}
		delete(m.owner, n)
		delete(m.state, n)
	case known:
		// The model says 404; releasing another tenant's number is 403
		// (crossbar §10.3 check 8: the fetch is not authorized).
		expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
	default:
		expectBadIdentifier(t, r)
	}
}

// activate_number
func (m *pqcModel) activate(acct apitest.Account, n string) {
	t := m.t
	t.Helper()
	r := m.client(acct).Do("PUT", num(acct, n)+"/activate", map[string]any{"data": map[string]any{}, "accept_charges": true})
	switch owner, known := m.owner[n]; {
	case known && owner == acct.ID && (m.state[n] == "reserved" || m.state[n] == "in_service"):
		r.Expect(t, http.StatusCreated)
		if readOnlyState(t, r) != "in_service" {
			t.Fatalf("activate %s: %s", n, r.Raw)
		}
		m.state[n] = "in_service"
	case known:
		if r.Body["status"] != "error" {
			t.Fatalf("activate %s from %s: %s", n, acct.Name, r.Raw)
		}
		expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
	default:
		expectBadIdentifier(t, r)
	}
}

// reserve is the command kazoo_proper has commented out; it lets the model
// reach "reserved in this account".
func (m *pqcModel) reserve(acct apitest.Account, n string) {
	t := m.t
	t.Helper()
	r := m.client(acct).Do("PUT", num(acct, n)+"/reserve", nil).Expect(t, http.StatusCreated)
	m.owner[n], m.state[n] = acct.ID, readOnlyState(t, r)
}

// agrees checks the model against every account listing.
func (m *pqcModel) agrees(accts ...apitest.Account) {
	t := m.t
	t.Helper()
	for _, a := range accts {
		r := m.e.Client(m.e.Master.Token).Do("GET", pn(a), nil).Expect(t, http.StatusOK)
		got := listed(t, r)
		for n, owner := range m.owner {
			_, in := got[n]
			if in != (owner == a.ID) {
				t.Fatalf("listing of %s: %s present=%v, model owner %s", a.Name, n, in, owner)
			}
		}
		for n := range got {
			if m.owner[n] != a.ID {
				t.Fatalf("listing of %s has %s the model does not", a.Name, n)
			}
		}
	}
}

// TestPropertyModelScenario replays the postconditions of kazoo_proper's
// state-machine model (§10.1 B) as deterministic command sequences on one
// number across two accounts.
func TestPropertyModelScenario(t *testing.T) {
	const n = "+12345678901"
	t.Run("tenants acting through their own accounts", func(t *testing.T) {
		ts := newTenants(t)
		m := &pqcModel{t: t, e: ts.e, owner: map[string]string{}, state: map[string]string{},
			clients: map[string]*apitest.Client{ts.a.ID: ts.ca, ts.b.ID: ts.cb}}
		a, b := ts.a, ts.b
		steps := []func(){
			func() { m.list(a, n) },
			func() { m.activate(a, n) },
			func() { m.remove(a, n) },
			func() { m.add(a, n) },
			func() { m.add(a, n) },
			func() { m.list(a, n) },
			func() { m.add(b, n) },
			func() { m.list(b, n) },
			func() { m.activate(b, n) },
			func() { m.remove(b, n) },
			func() { m.activate(a, n) },
			func() { m.list(a, n) },
			func() { m.reserve(a, n) },
			func() { m.list(a, n) },
			func() { m.activate(b, n) },
			func() { m.activate(a, n) },
			func() { m.list(a, n) },
			func() { m.remove(a, n) },
			func() { m.list(a, n) },
			func() { m.list(b, n) },
			func() { m.add(b, n) },
			func() { m.list(b, n) },
			func() { m.list(a, n) },
			func() { m.add(a, n) },
			func() { m.remove(a, n) },
			func() { m.activate(b, n) },
			func() { m.remove(b, n) },
			func() { m.remove(b, n) },
			func() { m.list(b, n) },
		}
		for _, s := range steps {
			s()
			m.agrees(a, b)
		}
	})
	t.Run("the master acting on one account (kazoo_proper's setup)", func(t *testing.T) {
		e := apitest.New(t)
		one := e.NewAccount(e.Master, "accountone", nil)
		two := e.NewAccount(e.Master, "accounttwo", nil)
		m := &pqcModel{t: t, e: e, owner: map[string]string{}, state: map[string]string{}, admin: true}
		steps := []func(){
			func() { m.list(one, n) },
			func() { m.remove(one, n) },
			func() { m.activate(one, n) },
			func() { m.add(one, n) },
			func() { m.list(one, n) },
			func() { m.add(one, n) },
			func() { m.add(two, n) }, // in another account: 409
			func() { m.activate(one, n) },
			func() { m.reserve(one, n) },
			func() { m.activate(one, n) },
			func() { m.list(one, n) },
			func() { m.remove(one, n) },
			func() { m.list(one, n) },
			func() { m.add(one, n) },
			func() { m.remove(one, n) },
		}
		for _, s := range steps {
			s()
			m.agrees(one, two)
		}
	})
}

// TestConformance103 runs the extra checks of crossbar §10.3 that apply
// (1, 7 and 9 need classifiers, identify and search: not implemented yet).
func TestConformance103(t *testing.T) {
	ts := newTenants(t)
	e, ca := ts.e, ts.ca

	t.Run("2: PUT twice", func(t *testing.T) {
		mustCreate(t, ca, ts.a, n1, nil)
		r := ca.Do("PUT", num(ts.a, n1), nil)
		expectKnm(t, r, http.StatusConflict, "number_exists", "number "+n1+" already exists", n1)
	})
	t.Run("3: collection numbers list", func(t *testing.T) {
		coll := pn(ts.a) + "/collection"
		check(t, e, ca.Do("PUT", coll, numbersBody("4158867950", "+14158867950")), http.StatusBadRequest, "collection_numbers_duplicates")
		check(t, e, ca.Do("PUT", coll, numbersBody()), http.StatusBadRequest, "collection_numbers_empty")
		check(t, e, ca.Do("PUT", coll, body(map[string]any{})), http.StatusBadRequest, "collection_numbers_missing")
	})
	t.Run("4: reserve twice", func(t *testing.T) {
		mustCreate(t, ca, ts.a, n2, map[string]any{"create_with_state": "reserved"})
		check(t, e, ca.Do("PUT", num(ts.a, n2)+"/reserve", nil), http.StatusBadRequest, "lifecycle_reserve_no_change")
	})
	t.Run("5: activate a never-searched number", func(t *testing.T) {
		check(t, e, ca.Do("PUT", num(ts.a, n9)+"/activate", nil), http.StatusNotFound, "number_not_found")
	})
	t.Run("6: filter_state, paginate=false, page_size=1", func(t *testing.T) {
		r := ca.Do("GET", pn(ts.a)+"?filter_state=reserved", nil).Expect(t, http.StatusOK)
		assertJSON(t, "reserved", sortedKeys(listed(t, r)), []string{n2})
		r = ca.Do("GET", pn(ts.a)+"?paginate=false", nil).Expect(t, http.StatusOK)
		for _, k := range []string{"page_size", "start_key", "next_start_key"} {
			if _, ok := r.Body[k]; ok {
				t.Fatalf("paginate=false kept %s", k)
			}
		}
		r = ca.Do("GET", pn(ts.a)+"?page_size=1", nil).Expect(t, http.StatusOK)
		next, _ := r.Body["next_start_key"].(string)
		if next != n2 {
			t.Fatalf("next_start_key %q", next)
		}
		r = ca.Do("GET", pn(ts.a)+"?page_size=1&start_key="+strings.Replace(next, "+", "%2B", 1), nil).Expect(t, http.StatusOK)
		assertJSON(t, "second page", sortedKeys(listed(t, r)), []string{n2})
	})
	t.Run("8: unrelated account", func(t *testing.T) {
		r := ts.cb.Do("DELETE", num(ts.b, n1), nil)
		check(t, e, r, http.StatusForbidden, "number_forbidden")
		r = ts.cb.Do("GET", num(ts.b, n1), nil)
		check(t, e, r, http.StatusNotFound, "number_not_found")
	})
}
