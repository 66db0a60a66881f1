package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"numberd/carriers/phonebook/phonebooktest"
	"numberd/internal/apitest"
	"numberd/service"
)

// TestOpenAPI_Walk drives every documented operation through its success
// and its error shapes. Each exchange goes through apitest.Client.Do, so
// apitest.CheckOpenAPI validates it against the document: this test is the
// document's own conformance run, independent of the feature tests.
func TestOpenAPI_Walk(t *testing.T) {
	e := apitest.New(t, func(c *service.Config) {
		c.ActivateRate, c.ActivateBurst = 0.001, 2
		c.AuthRate, c.AuthBurst = 0.001, 50
		c.ListingLimit = 3
	})
	master := e.Client(e.Master.Token)
	reseller := e.NewAccount(e.Master, "reseller", map[string]any{"reseller": true, "wnm_allow_additions": true})
	customer := e.NewAccount(reseller, "customer", nil)
	other := e.NewAccount(e.Master, "other", nil)
	rc := e.Client(reseller.Token)
	cc := e.Client(customer.Token)
	oc := e.Client(other.Token)
	anon := e.Client("")
	acct := func(a apitest.Account) string { return "/v2/accounts/" + a.ID }
	pn := func(a apitest.Account) string { return acct(a) + "/phone_numbers" }

	t.Run("auth", func(t *testing.T) {
		anon.Do("PUT", "/v2/api_auth", map[string]any{"data": map[string]any{"api_key": "wrong"}}).Expect(t, 401)
		anon.Do("PUT", "/v2/api_auth", map[string]any{"data": map[string]any{}}).Expect(t, 400)
		anon.Bad().Do("PUT", "/v2/api_auth", `{"data": [1]}`).Expect(t, 400)
		anon.Bad().Do("PUT", "/v2/api_auth", `not json`).Expect(t, 400)
		anon.Do("PATCH", "/v2/api_auth", nil).Expect(t, 405)
		tmp := e.Login(customer.APIKey)
		e.Client(tmp.Token).Do("DELETE", "/v2/token_auth", nil).Expect(t, 200)
		e.Client(tmp.Token).Do("GET", pn(customer), nil).Expect(t, 401)
		anon.Do("GET", pn(customer), nil).Expect(t, 401)
		e.Client("").Do("GET", pn(customer)+"?auth_token="+customer.Token, nil).Expect(t, 200)
		bearer := e.Client("")
		bearer.Headers = map[string]string{"Authorization": "Bearer " + customer.Token}
		bearer.Do("GET", pn(customer), nil).Expect(t, 200)
		big := `{"data":{"x":"` + strings.Repeat("a", 2<<20) + `"}}`
		anon.Do("PUT", "/v2/api_auth", big).Expect(t, 413)
	})

	t.Run("accounts", func(t *testing.T) {
		r := rc.Do("PUT", acct(reseller), map[string]any{"data": map[string]any{"name": "leaf"}}).Expect(t, 201)
		leaf := r.DataMap()["id"].(string)
		rc.Do("PUT", acct(reseller), map[string]any{"data": map[string]any{}}).Expect(t, 400)
		rc.Do("PUT", acct(reseller), map[string]any{"data": map[string]any{"name": strings.Repeat("n", 200)}}).Expect(t, 400)
		rc.Do("GET", "/v2/accounts/"+leaf, nil).Expect(t, 200)
		rc.Do("POST", "/v2/accounts/"+leaf, map[string]any{"data": map[string]any{"name": "leaf2"}}).Expect(t, 200)
		rc.Do("PATCH", "/v2/accounts/"+leaf, map[string]any{"data": map[string]any{"name": "leaf3"}}).Expect(t, 200)
		rc.Do("GET", acct(reseller)+"/children", nil).Expect(t, 200)
		rc.Do("GET", "/v2/accounts/"+leaf+"/api_key", nil).Expect(t, 200)
		master.Do("DELETE", acct(reseller), nil).Expect(t, 409)
		rc.Do("DELETE", "/v2/accounts/"+leaf, nil).Expect(t, 200)
		master.Do("GET", "/v2/accounts/"+leaf, nil).Expect(t, 404)
		oc.Do("GET", acct(customer), nil).Expect(t, 403)
		master.Do("GET", "/v2/accounts/not-an-account-id", nil).Expect(t, 404)
		oc.Do("GET", "/v2/accounts/not-an-account-id/phone_numbers", nil).Expect(t, 403)
		master.Do("GET", "/v2/accounts/"+e.Master.ID+"/no_such_thing", nil).Expect(t, 404)
	})

	t.Run("numbers", func(t *testing.T) {
		base := pn(customer)
		n := base + "/%2B14155550100"
		rc.Do("PUT", n, map[string]any{"data": map[string]any{"my_label": "front desk", "failover": map[string]any{"e164": "+14155550199"}}, "accept_charges": true}).Expect(t, 201)
		rc.Do("PUT", n, nil).Expect(t, 409)
		rc.Do("PUT", base+"/%2B14155550101", map[string]any{"data": map[string]any{"create_with_state": "nope"}}).Expect(t, 400)
		rc.Do("PUT", base+"/%2B14155550101", map[string]any{"data": map[string]any{"create_with_state": "available"}}).Expect(t, 403)
		rc.Do("PUT", base+"/%2B14155550101", map[string]any{"data": map[string]any{"cnam": map[string]any{"display_name": "ACME"}}}).Expect(t, 403)
		rc.Do("PUT", base+"/%2B14155550102", map[string]any{"data": map[string]any{"e911": map[string]any{"locality": "SF"}}}).Expect(t, 400)
		cc.Do("PUT", base+"/%2B14155550103", nil).Expect(t, 403)
		rc.Do("PUT", base+"/abc", nil).Expect(t, 400)
		rc.Do("GET", n, nil).Expect(t, 200)
		rc.Do("GET", base+"/4155550100", nil).Expect(t, 200)
		rc.Do("GET", base+"/+14155550100", nil).Expect(t, 200)
		rc.Do("GET", base+"/%2B19995550100", nil).Expect(t, 404)
		oc.Do("GET", pn(other)+"/%2B14155550100", nil).Expect(t, 404)
		rc.Do("GET", base+"/collection", nil).Expect(t, 405)
		rc.Do("POST", n, map[string]any{"data": map[string]any{"my_label": "reception"}}).Expect(t, 200)
		rc.Do("POST", n, map[string]any{"data": map[string]any{"create_with_state": "ignored on POST"}}).Expect(t, 200)
		rc.Do("OPTIONS", n, nil).Expect(t, 200)
		rc.Do("PATCH", n, map[string]any{"data": map[string]any{"my_label": nil, "failover": nil, "prepend": map[string]any{"enabled": true, "name": "X"}}}).Expect(t, 200)
		rc.Do("PATCH", n, map[string]any{"data": map[string]any{"carrier_name": strings.Repeat("c", 31)}}).Expect(t, 400)
		rc.Do("POST", base+"/%2B19995550100", map[string]any{"data": map[string]any{}}).Expect(t, 404)
		oc.Do("POST", pn(other)+"/%2B14155550100", map[string]any{"data": map[string]any{}}).Expect(t, 403)
		rc.Bad().Do("POST", n, `{"data": "x"}`).Expect(t, 400)
		rc.Bad().Do("POST", n, `{"nodata": {}}`).Expect(t, 400)

		rc.Do("PUT", base+"/%2B14155550110/port", map[string]any{"data": map[string]any{"porting": map[string]any{"port_id": "p1", "comments": []string{"hi"}}}}).Expect(t, 201)
		rc.Do("PUT", base+"/%2B14155550110/port", nil).Expect(t, 201)
		rc.Do("PUT", n+"/port", nil).Expect(t, 409)
		rc.Do("PUT", base+"/%2B14155550110/activate", nil).Expect(t, 201)
		rc.Do("PUT", base+"/%2B14155550110/reserve", nil).Expect(t, 201)
		rc.Do("PUT", base+"/%2B14155550110/reserve", nil).Expect(t, 400)
		rc.Do("PUT", base+"/%2B19995550111/reserve", nil).Expect(t, 404)
		rc.Do("POST", base+"/%2B14155550110/reserve?verb=PUT", nil).Expect(t, 400)
		rc.Do("PUT", base+"/%2B14155550110/reserve", map[string]any{"data": map[string]any{"create_with_state": "nope"}}).Expect(t, 400)
		rc.Do("PUT", base+"/%2B14155550110/activate", map[string]any{"data": map[string]any{"my_label": "x"}}).Expect(t, 201)
		r := rc.Do("PUT", base+"/%2B14155550110/activate", nil)
		if r.Status != 201 && r.Status != 429 {
			t.Errorf("activate: %d", r.Status)
		}
		rc.Do("PUT", base+"/%2B14155550110/activate", nil).Expect(t, 429)
		rc.Do("DELETE", base+"/%2B19995550100", nil).Expect(t, 404)
		rc.Do("DELETE", base+"/%2B14155550110", nil).Expect(t, 200)
		rc.Do("POST", n+"?verb=DELETE", nil).Expect(t, 200)
		master.Do("PUT", base+"/%2B14155550120", map[string]any{"data": map[string]any{"create_with_state": "available"}}).Expect(t, 201)
		master.Do("DELETE", base+"/%2B14155550120?hard=TRUE", nil).Expect(t, 200)
	})

	t.Run("collections", func(t *testing.T) {
		base := pn(customer) + "/collection"
		nums := []string{"+14155550200", "4155550201", "12ab"}
		rc.Do("PUT", base, map[string]any{"data": map[string]any{"numbers": nums, "my_label": "bulk"}}).Expect(t, 201)
		rc.Do("PUT", base, map[string]any{"data": map[string]any{"numbers": []string{"+14155550200", "+14155550202"}}}).Expect(t, 201)
		rc.Do("PUT", base, map[string]any{"data": map[string]any{}}).Expect(t, 400)
		rc.Do("PUT", base, map[string]any{"data": map[string]any{"numbers": []string{}}}).Expect(t, 400)
		rc.Do("PUT", base, map[string]any{"data": map[string]any{"numbers": []string{"4155550201", "+14155550201"}}}).Expect(t, 400)
		rc.Bad().Do("PUT", base, map[string]any{"data": map[string]any{"numbers": "+14155550200"}}).Expect(t, 400)
		rc.Do("PUT", base, map[string]any{"data": map[string]any{"numbers": []any{4155550203}, "create_with_state": "reserved"}}).Expect(t, 201)
		rc.Do("POST", base, map[string]any{"data": map[string]any{"numbers": []string{"+14155550200", "+19995550299"}, "a": 1}}).Expect(t, 200)
		rc.Do("PATCH", base, map[string]any{"data": map[string]any{"numbers": []string{"+14155550200"}, "a": nil}}).Expect(t, 200)
		rc.Do("PATCH", base, map[string]any{"data": map[string]any{"numbers": []string{"+14155550200"}, "cnam": map[string]any{"display_name": strings.Repeat("x", 16)}}}).Expect(t, 200)
		rc.Do("POST", base, map[string]any{"data": map[string]any{"numbers": []string{"+14155550200"}, "cnam": map[string]any{"display_name": strings.Repeat("x", 16)}}}).Expect(t, 400)
		rc.Do("PUT", base+"/activate", map[string]any{"data": map[string]any{"numbers": []string{"+14155550203", "+19995550298"}}}).Expect(t, 201)
		rc.Do("DELETE", base+"?numbers=%2B14155550200&numbers=%2B14155550201", nil).Expect(t, 200)
		rc.Do("DELETE", base+"?hard=yes", map[string]any{"data": map[string]any{"numbers": []string{"+14155550202", "+14155550203"}}}).Expect(t, 200)
		rc.Do("GET", base, nil).Expect(t, 405)
	})

	t.Run("listing", func(t *testing.T) {
		base := pn(customer)
		for _, n := range []string{"%2B14155550300", "%2B14155550301", "%2B14155550302", "%2B14155550303"} {
			rc.Do("PUT", base+"/"+n, map[string]any{"data": map[string]any{"label": n}}).Expect(t, 201)
		}
		r := rc.Do("GET", base+"?page_size=2", nil).Expect(t, 200)
		next, _ := r.Body["next_start_key"].(string)
		if next == "" {
			t.Fatalf("no next_start_key: %s", r.Raw)
		}
		rc.Do("GET", base+"?page_size=2&start_key="+strings.Replace(next, "+", "%2B", 1), nil).Expect(t, 200)
		rc.Do("GET", base+"?paginate=false", nil).Expect(t, 416)
		rc.Do("GET", base+"?paginate=false&filter_state=in_service&page_size=1", nil)
		rc.Do("GET", base+"?filter_not_state=in_service&has_key=label&key_missing=cnam&has_value=label&value_missing=cnam&missing_value=e911", nil).Expect(t, 200)
		rc.Do("GET", base+`?filter_state=["in_service","reserved"]&filter_label=x&created_from=63000000000&created_to=73000000000&modified_from=63000000000&modified_to=73000000000`, nil).Expect(t, 200)
		rc.Do("GET", pn(reseller), nil).Expect(t, 200)
		rc.Do("GET", base+"?prefix=415", nil).Expect(t, 200) // a search (see "discovery")
		oc.Do("GET", base, nil).Expect(t, 403)
		rc.Bad().Do("GET", base+"?page_size=0", nil).Expect(t, 200)
		rc.Do("POST", base+"?verb=GET", nil).Expect(t, 200)
		rc.Do("DELETE", base, nil).Expect(t, http.StatusMethodNotAllowed)
	})

	t.Run("discovery", func(t *testing.T) {
		base := pn(customer)
		for _, n := range []string{"%2B14155550400", "%2B14155550401"} {
			master.Do("PUT", pn(reseller)+"/"+n, map[string]any{"data": map[string]any{"create_with_state": "available"}}).Expect(t, 201)
		}
		rc.Do("PUT", pn(reseller)+"/%2B14155550402", map[string]any{"data": map[string]any{"create_with_state": "reserved"}}).Expect(t, 201)
		rc.Do("PUT", base+"/%2B14155550403", nil).Expect(t, 201)

		// Search, through the account and without one.
		if d := cc.Do("GET", base+"?prefix=415555&quantity=10&offset=0&country=US", nil).Expect(t, 200).Data().([]any); len(d) == 0 {
			t.Fatalf("search found nothing")
		}
		cc.Do("GET", base+"?prefix=%2B1415555&quantity=1000&offset=-1", nil).Expect(t, 200)
		cc.Do("GET", base+"?prefix=41", nil).Expect(t, 400)
		cc.Do("GET", base+"?prefix=415&country=ZZ", nil).Expect(t, 400)
		cc.Do("GET", base+"?prefix=415&reseller_id=00000000000000000000000000000000", nil).Expect(t, 404)
		oc.Do("GET", base+"?prefix=415", nil).Expect(t, 403)
		cc.Do("GET", "/v2/phone_numbers?prefix=415&quantity=5", nil).Expect(t, 200)
		anon.Do("GET", "/v2/phone_numbers?reseller_id="+reseller.ID, nil).Expect(t, 400)
		anon.Do("GET", "/v2/phone_numbers?prefix=415", nil).Expect(t, 401)
		anon.Do("GET", "/v2/phone_numbers?prefix=415&reseller_id="+reseller.ID, nil).Expect(t, 404)
		anon.Do("GET", "/v2/phone_numbers?prefix=415&reseller_id=nope", nil).Expect(t, 404)
		// The account fields that open anonymous searches (superduper admin only).
		master.Do("POST", acct(reseller), map[string]any{"data": map[string]any{"unauthorized_numbers_lookup": true, "carrier_modules": []string{"knm_local", "inventory"}}}).Expect(t, 200)
		master.Do("PATCH", acct(reseller), map[string]any{"data": map[string]any{"carrier_modules": []string{"acme"}}}).Expect(t, 400)
		rc.Do("PATCH", acct(reseller), map[string]any{"data": map[string]any{"unauthorized_numbers_lookup": false}}).Expect(t, 403)
		master.Do("GET", acct(reseller), nil).Expect(t, 200)
		anon.Do("GET", "/v2/phone_numbers?prefix=415&quantity=3&reseller_id="+reseller.ID, nil).Expect(t, 200)
		master.Do("PATCH", acct(reseller), map[string]any{"data": map[string]any{"unauthorized_numbers_lookup": false, "carrier_modules": []string{}}}).Expect(t, 200)

		// Prefixes of a city, with and without an account.
		anon.Do("GET", "/v2/phone_numbers/prefix?city=Mountain%20View", nil).Expect(t, 200)
		anon.Do("GET", "/v2/phone_numbers/prefix", nil).Expect(t, 404)
		e.Client("not-a-token").Do("GET", "/v2/phone_numbers/prefix?city=Mountain%20View", nil).Expect(t, 401)
		cc.Do("GET", base+"/prefix?city=Mountain%20View", nil).Expect(t, 200)
		cc.Do("GET", base+"/prefix", nil).Expect(t, 404)
		oc.Do("GET", base+"/prefix?city=Mountain%20View", nil).Expect(t, 403)

		// check and locality: numbers in the body or the query string.
		cc.Do("POST", base+"/check", map[string]any{"data": map[string]any{"numbers": []any{"+14155550400", 4155550401, "12ab"}}}).Expect(t, 200)
		cc.Do("POST", base+"/check?numbers=%2B14155550400", nil).Expect(t, 200)
		cc.Do("POST", base+"/check", map[string]any{"data": map[string]any{"numbers": []string{"4155550400", "+14155550400"}}}).Expect(t, 400)
		cc.Do("GET", base+"/check", nil).Expect(t, 405)
		cc.Do("POST", base+"/locality", map[string]any{"data": map[string]any{"numbers": []string{"+16502530000", "1234"}}}).Expect(t, 200)
		cc.Do("POST", base+"/locality", nil).Expect(t, 400)
		oc.Do("POST", base+"/locality", map[string]any{"data": map[string]any{"numbers": []string{"+16502530000"}}}).Expect(t, 403)

		// carriers_info and the classifiers.
		cc.Do("GET", base+"/carriers_info", nil).Expect(t, 200)
		master.Do("GET", base+"/carriers_info", nil).Expect(t, 200)
		cc.Do("GET", base+"/carriers_info?reseller_id="+reseller.ID, nil).Expect(t, 404)
		cc.Do("GET", base+"/carriers_info?reseller_id=nope", nil).Expect(t, 404)
		cc.Do("GET", base+"/classifiers", nil).Expect(t, 200)
		cc.Do("GET", base+"/classifiers/4158867900", nil).Expect(t, 200)
		cc.Do("GET", base+"/classifiers/%2B18005551212", nil).Expect(t, 200)
		oc.Do("GET", base+"/classifiers/4158867900", nil).Expect(t, 403)

		// identify: the owner, or Kazoo's 400s, or 404 outside the caller's tree.
		rc.Do("GET", pn(reseller)+"/%2B14155550403/identify", nil).Expect(t, 200)
		master.Do("GET", pn(reseller)+"/%2B14155550400/identify", nil).Expect(t, 400)
		master.Do("PUT", base+"/%2B14155550404", map[string]any{"data": map[string]any{"create_with_state": "aging"}}).Expect(t, 201)
		rc.Do("GET", pn(reseller)+"/%2B14155550404/identify", nil).Expect(t, 400)
		oc.Do("GET", pn(other)+"/%2B14155550403/identify", nil).Expect(t, 404)
		rc.Do("PUT", pn(reseller)+"/%2B14155550403/identify", nil).Expect(t, 405)
		rc.Do("GET", pn(reseller)+"/%2B14155550403/bogus", nil).Expect(t, 404)
		rc.Do("GET", pn(reseller)+"/fix/%2B14155550403", nil).Expect(t, 405)

		// fix: the listing after the repair (JSON or CSV), and one number.
		rc.Do("POST", base+"/fix", nil).Expect(t, 200)
		rc.Do("POST", base+"/fix?page_size=1&filter_state=in_service", nil).Expect(t, 200)
		rc.Do("POST", base+"/fix?accept=csv", nil).Expect(t, 200)
		rc.Do("POST", base+"/fix?paginate=false", nil).Expect(t, 416) // ListingLimit
		oc.Do("POST", base+"/fix", nil).Expect(t, 403)
		rc.Do("POST", base+"/fix/%2B14155550403", nil).Expect(t, 200)
		rc.Do("POST", base+"/fix/%2B19995550403", nil).Expect(t, 404)
		cc.Do("POST", base+"/fix/%2B14155550400", nil).Expect(t, 403)
		rc.Do("POST", base+"/fix/abc", nil).Expect(t, 400)
		oc.Do("POST", pn(other)+"/fix/%2B14155550403", nil).Expect(t, 404)
	})

	t.Run("discovery upstream", func(t *testing.T) {
		// An upstream phonebook: discovery numbers, its locality and
		// prefixes passed through, and Kazoo's 500s when it fails.
		w, f := upstreamWorld(t)
		c := w.e.Client(w.customer.Token)
		anon := w.e.Client("")
		base := w.pn(w.customer)
		c.Do("GET", base+"?prefix=4152&quantity=5", nil).Expect(t, 200)
		c.Do("POST", base+"/check", map[string]any{"data": map[string]any{"numbers": []string{"+14152338397", "4156715576"}}}).Expect(t, 200)
		c.Do("POST", base+"/locality", map[string]any{"data": map[string]any{"numbers": []string{"+14152338397"}}}).Expect(t, 200)
		anon.Do("GET", "/v2/phone_numbers/prefix?city=Belvedere", nil).Expect(t, 200)
		anon.Do("GET", "/v2/phone_numbers/prefix?city=Atlantis", nil).Expect(t, 500)
		f.FailOrder("+14152338421")
		c.Do("PUT", base+"/%2B14152338421/activate", nil).Expect(t, 500)
		c.Do("PUT", base+"/%2B14152338397/activate", nil).Expect(t, 201)
		f.SetMode(phonebooktest.Fail)
		c.Do("POST", base+"/locality", map[string]any{"data": map[string]any{"numbers": []string{"+14152338397"}}}).Expect(t, 500)
		c.Do("GET", base+"/prefix?city=Belvedere", nil).Expect(t, 500)
		c.Do("GET", base+"?prefix=4152&quantity=5", nil).Expect(t, 200)
	})
}
