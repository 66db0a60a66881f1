package rest_test

// The "foundation" endpoints: the listing (crossbar §5.1, §1.7, §1.8,
// decisions 6–7) and one number's GET/PUT/POST/PATCH/DELETE (§5.2, §3.2,
// §3.3, decisions 1, 2, 4, 5, 9, 14).

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"numberd/internal/apitest"
	"numberd/models"
	"numberd/service"
)

const (
	n1 = "+14158867901"
	n2 = "+14158867902"
	n3 = "+14158867903"
	n4 = "+14158867904"
	n5 = "+14158867905"
)

// sortedKeys returns the sorted keys of a JSON object.
func sortedKeys(m map[string]any) []string { return apitest.Keys(m) }

func TestListing(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "lister", map[string]any{"wnm_allow_additions": true})
	c := e.Client(acct.Token)
	list := func(t *testing.T, query string) *apitest.Response {
		t.Helper()
		return c.Do("GET", pn(acct)+query, nil).Expect(t, http.StatusOK)
	}
	keys := func(t *testing.T, query string, want ...string) *apitest.Response {
		t.Helper()
		r := list(t, query)
		got := sortedKeys(listed(t, r))
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("GET ?%s: numbers %v, want %v", query, got, want)
		}
		return r
	}

	t.Run("empty account", func(t *testing.T) {
		r := list(t, "")
		check(t, e, r, http.StatusOK, "listing_empty")
		if n := listed(t, r); len(n) != 0 {
			t.Fatalf("numbers %v, want {}", n)
		}
		assertJSON(t, "cascade_quantity", r.DataMap()["cascade_quantity"], 0)
	})

	// n1, n2: in_service with fields; n3: reserved; n4: port_in; n5 belongs
	// to a sub-account (counted by cascade_quantity, never listed here).
	mustCreate(t, c, acct, n1, map[string]any{"tag": "blue", "note": ""})
	mustCreate(t, c, acct, n2, map[string]any{"tag": "red", "note": "hello"})
	mustCreate(t, c, acct, n3, map[string]any{"create_with_state": "reserved"})
	c.Do("PUT", num(acct, n4)+"/port", nil).Expect(t, http.StatusCreated)
	sub := e.NewAccount(acct, "sublister", map[string]any{"wnm_allow_additions": true})
	mustCreate(t, e.Client(sub.Token), sub, n5, nil)
	sqlExec(t, e, "UPDATE numbers SET used_by = ? WHERE number = ?", "callflow", n1)
	t2020 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	t2021 := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	setTimes(t, e, n2, t2020, t2020.AddDate(0, 1, 0))
	setTimes(t, e, n3, t2021, t2021.AddDate(0, 1, 0))

	t.Run("all", func(t *testing.T) {
		r := keys(t, "", n1, n2, n3, n4)
		check(t, e, r, http.StatusOK, "listing_all")
		assertJSON(t, "cascade_quantity", r.DataMap()["cascade_quantity"], 5)
		assertJSON(t, "page_size", r.Body["page_size"], 4)
		if r.Body["start_key"] != n1 {
			t.Fatalf("start_key %v", r.Body["start_key"])
		}
		if _, ok := r.Body["next_start_key"]; ok {
			t.Fatalf("next_start_key on the last page: %s", r.Raw)
		}
		nums := listed(t, r)
		e1 := nums[n1].(map[string]any)
		if e1["used_by"] != "callflow" || e1["state"] != "in_service" || e1["assigned_to"] != acct.ID {
			t.Fatalf("%s entry: %v", n1, e1)
		}
		for _, k := range []string{"created", "updated"} {
			if _, err := strconv.ParseInt(string(jsonNumber(t, e1[k])), 10, 64); err != nil {
				t.Fatalf("%s.%s = %v, want Gregorian seconds", n1, k, e1[k])
			}
		}
		assertJSON(t, "features", e1["features"], []any{"local"})
		if _, ok := nums[n2].(map[string]any)["used_by"]; ok {
			t.Fatalf("used_by present although never set: %v", nums[n2])
		}
		if nums[n3].(map[string]any)["state"] != "reserved" || nums[n4].(map[string]any)["state"] != "port_in" {
			t.Fatalf("states: %v", nums)
		}
		assertJSON(t, "created of "+n2, nums[n2].(map[string]any)["created"], json.Number(gregorian(t2020)))
		assertJSON(t, "updated of "+n2, nums[n2].(map[string]any)["updated"], json.Number(gregorian(t2020.AddDate(0, 1, 0))))
	})
	t.Run("sub-account listing", func(t *testing.T) {
		r := e.Client(acct.Token).Do("GET", pn(sub), nil).Expect(t, http.StatusOK)
		if got := sortedKeys(listed(t, r)); strings.Join(got, ",") != n5 {
			t.Fatalf("sub-account numbers %v", got)
		}
		assertJSON(t, "cascade_quantity", r.DataMap()["cascade_quantity"], 1)
	})
	t.Run("page_size=1 walks every page", func(t *testing.T) {
		r := keys(t, "?page_size=1", n1)
		check(t, e, r, http.StatusOK, "listing_page1")
		assertJSON(t, "page_size", r.Body["page_size"], 1)
		if r.Body["next_start_key"] != n2 {
			t.Fatalf("next_start_key %v, want %s", r.Body["next_start_key"], n2)
		}
		r = keys(t, "?page_size=1&start_key="+url.QueryEscape(r.Body["next_start_key"].(string)), n2)
		check(t, e, r, http.StatusOK, "listing_page2")
		var seen []string
		next := ""
		for i := 0; i < 10; i++ {
			q := "?page_size=1"
			if next != "" {
				q += "&start_key=" + url.QueryEscape(next)
			}
			r := list(t, q)
			seen = append(seen, sortedKeys(listed(t, r))...)
			s, _ := r.Body["next_start_key"].(string)
			if s == "" {
				break
			}
			next = s
		}
		if strings.Join(seen, ",") != strings.Join([]string{n1, n2, n3, n4}, ",") {
			t.Fatalf("pages gave %v", seen)
		}
	})
	t.Run("page_size=3", func(t *testing.T) {
		r := keys(t, "?page_size=3", n1, n2, n3)
		if r.Body["next_start_key"] != n4 {
			t.Fatalf("next_start_key %v", r.Body["next_start_key"])
		}
		r = keys(t, "?page_size=3&start_key="+url.QueryEscape(n4), n4)
		if _, ok := r.Body["next_start_key"]; ok {
			t.Fatalf("next_start_key on the last page: %s", r.Raw)
		}
	})
	t.Run("raw E.164 start_key", func(t *testing.T) {
		r := keys(t, "?start_key=%2B14158867903", n3, n4)
		if r.Body["start_key"] != n3 {
			t.Fatalf("start_key %v", r.Body["start_key"])
		}
		keys(t, "?start_key=+14158867903", n3, n4) // unescaped "+": form decoding makes it a space
		keys(t, "?start_key=4158867903", n3, n4)
	})
	t.Run("bad page_size falls back to the default", func(t *testing.T) {
		// Off the document (page_size is a positive integer), tolerated like
		// Kazoo 4.3: the default page size.
		for _, q := range []string{"?page_size=0", "?page_size=abc"} {
			r := c.Bad().Do("GET", pn(acct)+q, nil).Expect(t, http.StatusOK)
			if got := sortedKeys(r.DataMap()["numbers"].(map[string]any)); strings.Join(got, ",") != strings.Join([]string{n1, n2, n3, n4}, ",") {
				t.Errorf("%s: %v", q, got)
			}
		}
	})
	t.Run("paginate=false", func(t *testing.T) {
		r := keys(t, "?paginate=false", n1, n2, n3, n4)
		check(t, e, r, http.StatusOK, "listing_unpaginated")
		for _, k := range []string{"page_size", "start_key", "next_start_key"} {
			if _, ok := r.Body[k]; ok {
				t.Fatalf("paginate=false kept %s: %s", k, r.Raw)
			}
		}
		keys(t, "?paginate=false&page_size=1", n1, n2, n3, n4)
	})
	t.Run("filter_state", func(t *testing.T) {
		check(t, e, keys(t, "?filter_state=reserved", n3), http.StatusOK, "listing_filter_state_reserved")
		keys(t, "?filter_state=in_service", n1, n2)
		keys(t, "?filter_state="+url.QueryEscape(`["in_service","port_in"]`), n1, n2, n4)
		keys(t, "?filter_pvt_state=port_in", n4)
		keys(t, "?filter_state=available")
	})
	t.Run("filter_not_state", func(t *testing.T) {
		keys(t, "?filter_not_state=in_service", n3, n4)
		keys(t, "?filter_not_state="+url.QueryEscape(`["in_service","port_in"]`), n3)
	})
	t.Run("filter on public and private fields", func(t *testing.T) {
		keys(t, "?filter_tag=blue", n1)
		keys(t, "?filter_not_tag=blue", n2, n3, n4)
		keys(t, "?filter_assigned_to="+acct.ID, n1, n2, n3, n4)
		keys(t, "?filter_pvt_module_name=knm_local", n1, n2, n3, n4)
		keys(t, "?filter_pvt_used_by=callflow", n1)
		keys(t, "?filter_state=in_service&filter_tag=red", n2)
	})
	t.Run("has_key and key_missing", func(t *testing.T) {
		keys(t, "?has_key=tag", n1, n2)
		keys(t, "?key_missing=tag", n3, n4)
		keys(t, "?has_key=note", n1, n2)
	})
	t.Run("has_value, value_missing and missing_value", func(t *testing.T) {
		keys(t, "?has_value=note", n2)
		keys(t, "?value_missing=note", n1, n3, n4)
		keys(t, "?missing_value=note", n1, n3, n4)
	})
	t.Run("created and modified ranges", func(t *testing.T) {
		mid2020 := gregorian(time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC))
		mid2021 := gregorian(time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC))
		keys(t, "?created_to="+mid2020, n2)
		keys(t, "?created_from="+mid2020, n1, n3, n4)
		keys(t, "?created_from="+mid2020+"&created_to="+mid2021, n3)
		keys(t, "?created_from="+gregorian(t2021)+"&created_to="+gregorian(t2021), n3) // inclusive
		keys(t, "?modified_from="+mid2020+"&modified_to="+mid2021, n3)
		keys(t, "?modified_to="+gregorian(t2020.AddDate(0, 1, 0)), n2) // inclusive
		keys(t, "?modified_from="+mid2021, n1, n4)
	})
	t.Run("filters with pagination", func(t *testing.T) {
		r := keys(t, "?filter_state=in_service&page_size=1", n1)
		if r.Body["next_start_key"] != n2 {
			t.Fatalf("next_start_key %v", r.Body["next_start_key"])
		}
		r = keys(t, "?has_key=tag&page_size=1&start_key="+url.QueryEscape(n2), n2)
		if _, ok := r.Body["next_start_key"]; ok {
			t.Fatalf("next_start_key on the last filtered page: %s", r.Raw)
		}
	})
	t.Run("released numbers leave the listing", func(t *testing.T) {
		c.Do("DELETE", num(acct, n4), nil).Expect(t, http.StatusOK)
		r := keys(t, "", n1, n2, n3)
		assertJSON(t, "cascade_quantity", r.DataMap()["cascade_quantity"], 4)
	})
}

func jsonNumber(t testing.TB, v any) string {
	t.Helper()
	switch x := v.(type) {
	case string:
		return x
	case interface{ String() string }:
		return x.String()
	}
	t.Fatalf("%v (%T) is not a JSON number", v, v)
	return ""
}

func TestNumberCreate(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "creator", map[string]any{"wnm_allow_additions": true})
	plain := e.NewAccount(e.Master, "plain", nil)
	c := e.Client(acct.Token)
	master := e.Client(e.Master.Token)

	t.Run("unknown number", func(t *testing.T) {
		r := c.Do("GET", num(acct, n1), nil)
		check(t, e, r, http.StatusNotFound, "number_not_found")
		expectBadIdentifier(t, r)
	})
	t.Run("default state in_service", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n1), `{"data":{"my_field":{"a":[1,"two",null]},"big":12345678901234567890,"ratio":1.50}}`)
		check(t, e, r, http.StatusCreated, "number_create")
		d := r.DataMap()
		if d["id"] != n1 || d["state"] != "in_service" || readOnlyState(t, r) != "in_service" {
			t.Fatalf("data %v", d)
		}
		if !strings.Contains(string(r.Raw), `"big":12345678901234567890`) || !strings.Contains(string(r.Raw), `"ratio":1.50`) {
			t.Fatalf("numbers not returned digit-exact: %s", r.Raw)
		}
	})
	t.Run("GET returns the stored fields", func(t *testing.T) {
		r := c.Do("GET", num(acct, n1), nil)
		check(t, e, r, http.StatusOK, "number_get")
		if !strings.Contains(string(r.Raw), `"big":12345678901234567890`) || !strings.Contains(string(r.Raw), `"ratio":1.50`) {
			t.Fatalf("numbers not returned digit-exact: %s", r.Raw)
		}
		assertJSON(t, "my_field", r.DataMap()["my_field"], map[string]any{"a": []any{1, "two", nil}})
	})
	t.Run("exists", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n1), nil)
		check(t, e, r, http.StatusConflict, "number_create_exists")
		expectKnm(t, r, http.StatusConflict, "number_exists", "number "+n1+" already exists", n1)
		assertJSON(t, "data", r.Data(), map[string]any{"code": 409, "error": "number_exists", "cause": n1, "message": "number " + n1 + " already exists"})
	})
	t.Run("exists, as the master", func(t *testing.T) {
		r := master.Do("PUT", num(e.Master, n1), nil)
		check(t, e, r, http.StatusConflict, "number_create_exists")
	})
	t.Run("create_with_state reserved", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n2), body(map[string]any{"create_with_state": "reserved"}))
		check(t, e, r, http.StatusCreated, "number_create_reserved")
		if readOnlyState(t, r) != "reserved" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		if _, stored := r.DataMap()["create_with_state"]; stored {
			t.Fatalf("create_with_state was stored: %s", r.Raw)
		}
	})
	t.Run("exists in reserved", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n2), nil)
		expectKnm(t, r, http.StatusConflict, "number_exists", "number "+n2+" already exists", n2)
	})
	t.Run("state not allowed for the caller", func(t *testing.T) {
		for _, s := range []string{"available", "aging"} {
			r := c.Do("PUT", num(acct, n3), body(map[string]any{"create_with_state": s}))
			check(t, e, r, http.StatusForbidden, "number_create_state_forbidden")
			expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "state_for_create")
		}
	})
	t.Run("state never allowed, even for the master", func(t *testing.T) {
		for _, s := range []string{"deleted", "discovery", "released", "port_out"} {
			r := master.Do("PUT", num(acct, n3), body(map[string]any{"create_with_state": s}))
			check(t, e, r, http.StatusForbidden, "number_create_state_forbidden")
		}
	})
	t.Run("state_for_create also fails an existing number", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n1), body(map[string]any{"create_with_state": "available"}))
		check(t, e, r, http.StatusForbidden, "number_create_state_forbidden")
	})
	t.Run("create_with_state not in the enum", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n3), body(map[string]any{"create_with_state": "bogus"}))
		check(t, e, r, http.StatusBadRequest, "number_create_state_enum")
		expectError(t, r, http.StatusBadRequest, "validation error")
		enum := dataMap(t, r, "create_with_state", "enum")
		if enum["message"] != "Value not found in enumerated list of values" || enum["value"] != "bogus" {
			t.Fatalf("enum detail %v", enum)
		}
	})
	t.Run("create_with_state not a string", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n3), body(map[string]any{"create_with_state": 5}))
		check(t, e, r, http.StatusBadRequest, "number_create_state_type")
	})
	t.Run("account without additions", func(t *testing.T) {
		r := e.Client(plain.Token).Do("PUT", num(plain, n3), nil)
		check(t, e, r, http.StatusForbidden, "number_create_state_forbidden")
		r = e.Client(plain.Token).Do("PUT", num(plain, n3), body(map[string]any{"create_with_state": "reserved"}))
		check(t, e, r, http.StatusForbidden, "number_create_state_forbidden")
	})
	t.Run("port_in needs no additions", func(t *testing.T) {
		r := e.Client(plain.Token).Do("PUT", num(plain, n3), body(map[string]any{"create_with_state": "port_in"}))
		check(t, e, r, http.StatusCreated, "number_create_port_in")
		if readOnlyState(t, r) != "port_in" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
	})
	t.Run("existing port_in is taken over", func(t *testing.T) {
		r := e.Client(plain.Token).Do("PUT", num(plain, n3), body(map[string]any{"create_with_state": "port_in", "x": 1}))
		r.Expect(t, http.StatusCreated)
		assertJSON(t, "x", r.DataMap()["x"], 1)
	})
	t.Run("master creates available, unassigned", func(t *testing.T) {
		r := master.Do("PUT", num(acct, n4), body(map[string]any{"create_with_state": "available"}))
		check(t, e, r, http.StatusCreated, "number_create_available")
		r = c.Do("GET", pn(acct), nil).Expect(t, http.StatusOK)
		if _, ok := listed(t, r)[n4]; ok {
			t.Fatalf("an available number is listed for the account: %s", r.Raw)
		}
	})
	t.Run("anyone reads an available number", func(t *testing.T) {
		r := e.Client(plain.Token).Do("GET", num(plain, n4), nil)
		check(t, e, r, http.StatusOK, "number_get_available")
	})
	t.Run("an available number is taken over", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n4), body(map[string]any{"mine": true}))
		check(t, e, r, http.StatusCreated, "number_create_take_over")
		if readOnlyState(t, r) != "in_service" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		r = c.Do("GET", pn(acct), nil).Expect(t, http.StatusOK)
		if _, ok := listed(t, r)[n4]; !ok {
			t.Fatalf("taken-over number not listed: %s", r.Raw)
		}
	})
	t.Run("not reconcilable", func(t *testing.T) {
		for _, raw := range []string{"1000", "911", "abc", "%2B1"} {
			r := c.Do("PUT", pn(acct)+"/"+raw, nil)
			check(t, e, r, http.StatusBadRequest, "number_not_reconcilable")
			expectError(t, r, http.StatusBadRequest, "client error")
			if r.Data() != "not_reconcilable" {
				t.Fatalf("data %v", r.Data())
			}
		}
	})
	t.Run("validation: cnam.display_name too long", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n5), body(map[string]any{"cnam": map[string]any{"display_name": "0123456789abcdef"}}))
		check(t, e, r, http.StatusBadRequest, "number_create_cnam_too_long")
		ml := dataMap(t, r, "cnam.display_name", "maxLength")
		if ml["message"] != "String must not be more than 15 characters" {
			t.Fatalf("maxLength %v", ml)
		}
		expectBadIdentifier(t, c.Do("GET", num(acct, n5), nil))
	})
	t.Run("validation: create_with_state with other errors", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n5), body(map[string]any{"e911": map[string]any{"region": "C"}, "create_with_state": "reserved"}))
		check(t, e, r, http.StatusBadRequest, "number_create_e911_invalid")
		expectBadIdentifier(t, c.Do("GET", num(acct, n5), nil))
	})
	t.Run("carrier_name by a non-admin", func(t *testing.T) {
		r := c.Do("PUT", num(acct, n5), body(map[string]any{"carrier_name": "knm_other"}))
		check(t, e, r, http.StatusForbidden, "number_carrier_name_forbidden")
		expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
		expectBadIdentifier(t, c.Do("GET", num(acct, n5), nil))
	})
	t.Run("carrier_name by the master", func(t *testing.T) {
		r := master.Do("PUT", num(acct, n5), body(map[string]any{"carrier_name": "knm_other"}))
		check(t, e, r, http.StatusCreated, "number_create_carrier_other")
		if dataMap(t, r, "_read_only")["carrier_module"] != "other" {
			t.Fatalf("carrier_module %v", dataMap(t, r, "_read_only")["carrier_module"])
		}
		if _, stored := r.DataMap()["carrier_name"]; stored {
			t.Fatalf("carrier_name stored as a field: %s", r.Raw)
		}
	})
	t.Run("unknown carrier_name", func(t *testing.T) {
		r := master.Do("PUT", num(acct, "+14158867906"), body(map[string]any{"carrier_name": "knm_nope"}))
		check(t, e, r, http.StatusBadRequest, "number_carrier_name_unknown")
		expectKnm(t, r, http.StatusBadRequest, "invalid", "invalid", "'knm_nope' is not known by the system")
	})
}

func TestNumberUpdate(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "updater", map[string]any{"wnm_allow_additions": true})
	c := e.Client(acct.Token)
	master := e.Client(e.Master.Token)
	mustCreate(t, c, acct, n1, map[string]any{"a": 1, "b": map[string]any{"c": 2}})

	t.Run("POST replaces the public fields", func(t *testing.T) {
		r := c.Do("POST", num(acct, n1), body(map[string]any{"d": "x", "big": json12345()}))
		check(t, e, r, http.StatusOK, "number_post")
		d := r.DataMap()
		if _, ok := d["a"]; ok {
			t.Fatalf("POST kept a: %v", d)
		}
		if d["d"] != "x" || !strings.Contains(string(r.Raw), `"big":12345678901234567890`) {
			t.Fatalf("data %s", r.Raw)
		}
		r = c.Do("GET", num(acct, n1), nil).Expect(t, http.StatusOK)
		if _, ok := r.DataMap()["b"]; ok {
			t.Fatalf("POST kept b: %s", r.Raw)
		}
	})
	t.Run("PATCH merges, null removes", func(t *testing.T) {
		r := c.Do("PATCH", num(acct, n1), body(map[string]any{"d": nil, "e": 5, "b": map[string]any{"c": 2, "g": "h"}}))
		check(t, e, r, http.StatusOK, "number_patch")
		d := r.DataMap()
		if _, ok := d["d"]; ok {
			t.Fatalf("null did not remove d: %v", d)
		}
		assertJSON(t, "e", d["e"], 5)
		r = c.Do("PATCH", num(acct, n1), body(map[string]any{"b": map[string]any{"c": nil, "f": 3}}))
		r.Expect(t, http.StatusOK)
		assertJSON(t, "b", r.DataMap()["b"], map[string]any{"f": 3, "g": "h"})
		if !strings.Contains(string(r.Raw), `"big":12345678901234567890`) {
			t.Fatalf("PATCH lost the big integer: %s", r.Raw)
		}
	})
	t.Run("id, used_by, private and read-only keys are not written", func(t *testing.T) {
		got := c.Do("GET", num(acct, n1), nil).Expect(t, http.StatusOK).DataMap()
		got["used_by"] = "hacked"
		got["pvt_state"] = "available"
		got["_read_only"] = map[string]any{"state": "available"}
		got["id"] = "+19999999999"
		r := c.Do("POST", num(acct, n1), body(got)).Expect(t, http.StatusOK)
		d := r.DataMap()
		if d["id"] != n1 || d["state"] != "in_service" || readOnlyState(t, r) != "in_service" {
			t.Fatalf("data %v", d)
		}
		for _, k := range []string{"used_by", "pvt_state"} {
			if _, ok := d[k]; ok {
				t.Fatalf("%s was stored: %s", k, r.Raw)
			}
		}
	})
	t.Run("features derive from public fields", func(t *testing.T) {
		r := c.Do("POST", num(acct, n1), body(map[string]any{"failover": map[string]any{"e164": "+14155550000"}}))
		check(t, e, r, http.StatusOK, "number_post_failover")
		assertJSON(t, "features", r.DataMap()["features"], []any{"failover", "local"})
	})
	t.Run("cnam.display_name too long", func(t *testing.T) {
		for _, m := range []string{"POST", "PATCH"} {
			r := c.Do(m, num(acct, n1), body(map[string]any{"cnam": map[string]any{"display_name": "0123456789abcdef"}}))
			check(t, e, r, http.StatusBadRequest, "number_validation_cnam")
			assertJSON(t, "data", r.Data(), map[string]any{"cnam.display_name": map[string]any{"maxLength": map[string]any{
				"message": "String must not be more than 15 characters", "target": 15, "value": "0123456789abcdef"}}})
		}
	})
	t.Run("e911 missing required keys", func(t *testing.T) {
		r := c.Do("POST", num(acct, n1), body(map[string]any{"e911": map[string]any{"caller_name": "Bob"}}))
		check(t, e, r, http.StatusBadRequest, "number_validation_e911_required")
		req := map[string]any{"required": map[string]any{"message": "Field is required but missing"}}
		expectValidation(t, r, map[string]any{"e911.street_address": req, "e911.locality": req, "e911.postal_code": req, "e911.region": req})
	})
	t.Run("e911.region not 2 characters", func(t *testing.T) {
		addr := map[string]any{"street_address": "1 Main St", "locality": "SF", "postal_code": "94105"}
		addr["region"] = "CAL"
		r := c.Do("POST", num(acct, n1), body(map[string]any{"e911": addr}))
		check(t, e, r, http.StatusBadRequest, "number_validation_e911_region_long")
		dataMap(t, r, "e911.region", "maxLength")
		addr["region"] = "C"
		r = c.Do("PATCH", num(acct, n1), body(map[string]any{"e911": addr}))
		check(t, e, r, http.StatusBadRequest, "number_validation_e911_region_short")
		dataMap(t, r, "e911.region", "minLength")
	})
	t.Run("e911.status not in the enum", func(t *testing.T) {
		addr := map[string]any{"street_address": "1 Main St", "locality": "SF", "postal_code": "94105", "region": "CA", "status": "DONE"}
		r := c.Do("POST", num(acct, n1), body(map[string]any{"e911": addr}))
		check(t, e, r, http.StatusBadRequest, "number_validation_e911_status")
		dataMap(t, r, "e911.status", "enum")
	})
	t.Run("e911 on a local number", func(t *testing.T) {
		addr := map[string]any{"street_address": "1 Main St", "locality": "SF", "postal_code": "94105", "region": "CA"}
		r := c.Do("POST", num(acct, n1), body(map[string]any{"e911": addr}))
		check(t, e, r, http.StatusForbidden, "number_e911_local_forbidden")
		expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
	})
	t.Run("carrier_name by a non-admin", func(t *testing.T) {
		r := c.Do("PATCH", num(acct, n1), body(map[string]any{"carrier_name": "knm_other"}))
		check(t, e, r, http.StatusForbidden, "number_carrier_name_forbidden")
	})
	t.Run("create_with_state on update is ignored", func(t *testing.T) {
		r := c.Do("PATCH", num(acct, n1), body(map[string]any{"create_with_state": "available"})).Expect(t, http.StatusOK)
		if readOnlyState(t, r) != "in_service" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
	})
	t.Run("nothing changed by the failed updates", func(t *testing.T) {
		r := c.Do("GET", num(acct, n1), nil).Expect(t, http.StatusOK)
		for _, k := range []string{"cnam", "e911", "carrier_name"} {
			if _, ok := r.DataMap()[k]; ok {
				t.Fatalf("%s stored by a failed update: %s", k, r.Raw)
			}
		}
	})
	t.Run("carrier_name by the master", func(t *testing.T) {
		r := master.Do("PATCH", num(acct, n1), body(map[string]any{"carrier_name": "knm_other"}))
		check(t, e, r, http.StatusOK, "number_patch_carrier_name")
		if dataMap(t, r, "_read_only")["carrier_module"] != "other" {
			t.Fatalf("carrier_module %v", dataMap(t, r, "_read_only")["carrier_module"])
		}
	})
	t.Run("unknown number", func(t *testing.T) {
		for _, m := range []string{"POST", "PATCH"} {
			r := c.Do(m, num(acct, n9), body(map[string]any{"a": 1}))
			check(t, e, r, http.StatusNotFound, "number_not_found")
		}
	})
	t.Run("not reconcilable", func(t *testing.T) {
		for _, m := range []string{"POST", "PATCH"} {
			r := c.Do(m, pn(acct)+"/1000", body(map[string]any{"a": 1}))
			check(t, e, r, http.StatusBadRequest, "number_not_reconcilable")
		}
	})
	t.Run("an available number needs authorization to write", func(t *testing.T) {
		master.Do("PUT", num(e.Master, n2), body(map[string]any{"create_with_state": "available"})).Expect(t, http.StatusCreated)
		r := c.Do("POST", num(acct, n2), body(map[string]any{"a": 1}))
		check(t, e, r, http.StatusForbidden, "number_forbidden")
		expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
		r = c.Do("PATCH", num(acct, n2), body(map[string]any{"a": 1}))
		check(t, e, r, http.StatusForbidden, "number_forbidden")
		r = c.Do("DELETE", num(acct, n2), nil)
		check(t, e, r, http.StatusForbidden, "number_forbidden")
	})
}

const n9 = "+14158867999"

func json12345() any { return jsonBig("12345678901234567890") }

type jsonBig string

func (j jsonBig) MarshalJSON() ([]byte, error) { return []byte(j), nil }

func TestNumberRelease(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "releaser", map[string]any{"wnm_allow_additions": true})
	child := e.NewAccount(acct, "releasechild", nil)
	c := e.Client(acct.Token)
	master := e.Client(e.Master.Token)

	t.Run("local number is deleted", func(t *testing.T) {
		mustCreate(t, c, acct, n1, map[string]any{"keep": "no"})
		r := c.Do("DELETE", num(acct, n1), nil)
		check(t, e, r, http.StatusOK, "number_release_local")
		if r.DataMap()["state"] != "deleted" || readOnlyState(t, r) != "deleted" {
			t.Fatalf("data %v", r.DataMap())
		}
		if _, kept := r.DataMap()["keep"]; kept {
			t.Fatalf("public fields survived the release: %s", r.Raw)
		}
		expectBadIdentifier(t, c.Do("GET", num(acct, n1), nil))
		r = c.Do("GET", pn(acct), nil).Expect(t, http.StatusOK)
		if len(listed(t, r)) != 0 {
			t.Fatalf("listing after release: %s", r.Raw)
		}
	})
	t.Run("released twice", func(t *testing.T) {
		r := c.Do("DELETE", num(acct, n1), nil)
		check(t, e, r, http.StatusNotFound, "number_not_found")
	})
	t.Run("non-local number becomes available", func(t *testing.T) {
		master.Do("PUT", num(acct, n2), body(map[string]any{"carrier_name": "knm_other"})).Expect(t, http.StatusCreated)
		r := c.Do("DELETE", num(acct, n2), nil)
		check(t, e, r, http.StatusOK, "number_release_other")
		if readOnlyState(t, r) != "available" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		r = master.Do("GET", num(e.Master, n2), nil).Expect(t, http.StatusOK)
		if readOnlyState(t, r) != "available" {
			t.Fatalf("stored state %q", readOnlyState(t, r))
		}
	})
	t.Run("available non-local number: invalid transition", func(t *testing.T) {
		r := master.Do("DELETE", num(e.Master, n2), nil)
		check(t, e, r, http.StatusBadRequest, "number_release_available_other")
		expectKnm(t, r, http.StatusBadRequest, "invalid_state_transition", "invalid state transition", "from available to available")
	})
	t.Run("reserve history is unwound; non-admin hard is ignored", func(t *testing.T) {
		mustCreate(t, c, acct, n3, map[string]any{"create_with_state": "reserved"})
		c.Do("PUT", num(child, n3)+"/reserve", nil).Expect(t, http.StatusCreated)
		r := c.Do("DELETE", num(acct, n3)+"?hard=true", nil)
		check(t, e, r, http.StatusOK, "number_release_history")
		if readOnlyState(t, r) != "reserved" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		r = c.Do("GET", pn(acct), nil).Expect(t, http.StatusOK)
		if _, ok := listed(t, r)[n3]; !ok {
			t.Fatalf("number not back with the previous reserver: %s", r.Raw)
		}
	})
	t.Run("admin hard delete", func(t *testing.T) {
		r := master.Do("DELETE", num(acct, n3)+"?hard=true", nil)
		check(t, e, r, http.StatusOK, "number_hard_delete")
		if readOnlyState(t, r) != "deleted" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		expectBadIdentifier(t, master.Do("GET", num(e.Master, n3), nil))
	})
	t.Run("admin hard delete of an available number", func(t *testing.T) {
		r := master.Do("DELETE", num(e.Master, n2)+"?hard=true", nil).Expect(t, http.StatusOK)
		if readOnlyState(t, r) != "deleted" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		expectBadIdentifier(t, master.Do("GET", num(e.Master, n2), nil))
	})
	t.Run("not reconcilable", func(t *testing.T) {
		check(t, e, c.Do("DELETE", pn(acct)+"/1000", nil), http.StatusBadRequest, "number_not_reconcilable")
	})
}

func TestNumberReleaseToReleasedState(t *testing.T) {
	// With number_manager.released_state = released, Crossbar's single
	// DELETE answers 404 for an available non-local number
	// (kazoo-number-manager.md §1.4 step 2).
	e := apitest.New(t, func(c *service.Config) { c.Release.ReleasedState = models.StateReleased })
	master := e.Client(e.Master.Token)
	master.Do("PUT", num(e.Master, n1), body(map[string]any{"create_with_state": "available", "carrier_name": "knm_other"})).Expect(t, http.StatusCreated)
	r := master.Do("DELETE", num(e.Master, n1), nil)
	check(t, e, r, http.StatusNotFound, "number_not_found")
	r = master.Do("GET", num(e.Master, n1), nil).Expect(t, http.StatusOK)
	if readOnlyState(t, r) != "available" {
		t.Fatalf("state %q", readOnlyState(t, r))
	}
	// The collection DELETE has no such mapping.
	r = master.Do("DELETE", pn(e.Master)+"/collection", numbersBody(n1)).Expect(t, http.StatusOK)
	e.Golden(t, "collection_release_available_other", r)
}

func TestSingleNumberJSON(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "jsonshape", map[string]any{"wnm_allow_additions": true})
	c := e.Client(acct.Token)
	before := models.Gregorian(time.Now()) - 5
	mustCreate(t, c, acct, n1, map[string]any{"my_own_field": map[string]any{"a": 1}})
	sqlExec(t, e, "UPDATE numbers SET used_by = ? WHERE number = ?", "callflow", n1)
	r := c.Do("GET", num(acct, n1), nil)
	check(t, e, r, http.StatusOK, "number_json_used_by")
	d := r.DataMap()
	assertJSON(t, "root keys", sortedKeys(d), []string{"_read_only", "features", "id", "my_own_field", "state", "used_by"})
	if d["used_by"] != "callflow" || d["state"] != "in_service" {
		t.Fatalf("data %v", d)
	}
	ro := dataMap(t, r, "_read_only")
	assertJSON(t, "_read_only keys", sortedKeys(ro), []string{"carrier_module", "created", "features", "modified", "state", "used_by"})
	if ro["used_by"] != "callflow" || ro["state"] != "in_service" || ro["carrier_module"] != "local" {
		t.Fatalf("_read_only %v", ro)
	}
	for _, k := range []string{"created", "modified"} {
		g, err := strconv.ParseInt(jsonNumber(t, ro[k]), 10, 64)
		if err != nil || g < before || g > before+600 {
			t.Fatalf("_read_only.%s = %v, want Gregorian seconds near %d", k, ro[k], before)
		}
	}
	f := dataMap(t, r, "_read_only", "features")
	assertJSON(t, "_read_only.features", f, map[string]any{
		"available": []any{"failover", "force_outbound", "prepend", "ringback"}, "settings": map[string]any{}})
	assertJSON(t, "features", d["features"], []any{"local"})
	// The same shape comes back from every write.
	r = c.Do("PATCH", num(acct, n1), body(map[string]any{"x": 1})).Expect(t, http.StatusOK)
	assertJSON(t, "root keys after PATCH", sortedKeys(r.DataMap()), []string{"_read_only", "features", "id", "my_own_field", "state", "used_by", "x"})
}

func TestPathDecoding(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "decoder", map[string]any{"wnm_allow_additions": true})
	c := e.Client(acct.Token)
	mustCreate(t, c, acct, "+14158867900", nil)
	for _, form := range []string{"%2B14158867900", "+14158867900", "%252B14158867900", "14158867900", "4158867900"} {
		t.Run(form, func(t *testing.T) {
			r := c.Do("GET", pn(acct)+"/"+form, nil)
			check(t, e, r, http.StatusOK, "path_decoding_get")
			if r.DataMap()["id"] != "+14158867900" {
				t.Fatalf("id %v", r.DataMap()["id"])
			}
			r = c.Do("PUT", pn(acct)+"/"+form, nil)
			check(t, e, r, http.StatusConflict, "path_decoding_exists")
			r = c.Do("PATCH", pn(acct)+"/"+form, body(map[string]any{"via": form})).Expect(t, http.StatusOK)
			if r.DataMap()["id"] != "+14158867900" || r.DataMap()["via"] != form {
				t.Fatalf("data %v", r.DataMap())
			}
			r = c.Do("POST", pn(acct)+"/"+form, body(map[string]any{})).Expect(t, http.StatusOK)
			if _, ok := r.DataMap()["via"]; ok || r.DataMap()["id"] != "+14158867900" {
				t.Fatalf("data %v", r.DataMap())
			}
		})
	}
	t.Run("DELETE and lifecycle through other spellings", func(t *testing.T) {
		c.Do("PUT", pn(acct)+"/%252B14158867900/reserve", nil).Expect(t, http.StatusCreated)
		c.Do("PUT", pn(acct)+"/4158867900/activate", nil).Expect(t, http.StatusCreated)
		r := c.Do("DELETE", pn(acct)+"/+14158867900", nil).Expect(t, http.StatusOK)
		if r.DataMap()["id"] != "+14158867900" || readOnlyState(t, r) != "deleted" {
			t.Fatalf("data %v", r.DataMap())
		}
		r = c.Do("PUT", pn(acct)+"/14158867900/port", nil).Expect(t, http.StatusCreated)
		if r.DataMap()["id"] != "+14158867900" {
			t.Fatalf("id %v", r.DataMap()["id"])
		}
	})
}

// TestNumberAuthorizationByCaller: number-level authorization is judged
// against the caller, not the URL account (crossbar §1.2, §4): ancestors
// and the superduper admin reach a number through any account URL they may
// use; the number need not belong to that account.
func TestNumberAuthorizationByCaller(t *testing.T) {
	e := apitest.New(t)
	parent := e.NewAccount(e.Master, "parent", map[string]any{"wnm_allow_additions": true})
	child := e.NewAccount(parent, "child", map[string]any{"wnm_allow_additions": true})
	other := e.NewAccount(e.Master, "other", nil)
	pc, cc, master := e.Client(parent.Token), e.Client(child.Token), e.Client(e.Master.Token)
	mustCreate(t, cc, child, n1, map[string]any{"owner": "child"})

	for _, via := range []apitest.Account{parent, child} {
		r := pc.Do("GET", num(via, n1), nil)
		check(t, e, r, http.StatusOK, "number_get_by_ancestor")
		if r.DataMap()["owner"] != "child" {
			t.Fatalf("data %v", r.DataMap())
		}
	}
	master.Do("GET", num(other, n1), nil).Expect(t, http.StatusOK)
	r := pc.Do("PATCH", num(parent, n1), body(map[string]any{"touched": "by parent"})).Expect(t, http.StatusOK)
	if r.DataMap()["touched"] != "by parent" {
		t.Fatalf("data %v", r.DataMap())
	}
	// The number stays the child's: it is listed there, not for the parent.
	r = pc.Do("GET", pn(parent), nil).Expect(t, http.StatusOK)
	if _, ok := listed(t, r)[n1]; ok {
		t.Fatalf("listed for the parent: %s", r.Raw)
	}
	r = pc.Do("GET", pn(child), nil).Expect(t, http.StatusOK)
	if _, ok := listed(t, r)[n1]; !ok {
		t.Fatalf("not listed for the child: %s", r.Raw)
	}
	// The descendant cannot reach its parent's numbers.
	mustCreate(t, pc, parent, n2, nil)
	expectBadIdentifier(t, cc.Do("GET", num(child, n2), nil))
	expectKnm(t, cc.Do("DELETE", num(child, n2), nil), http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
	// The ancestor releases the child's number.
	r = pc.Do("DELETE", num(parent, n1), nil).Expect(t, http.StatusOK)
	if readOnlyState(t, r) != "deleted" {
		t.Fatalf("state %q", readOnlyState(t, r))
	}
}
