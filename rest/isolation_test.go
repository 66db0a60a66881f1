package rest_test

// Tenant isolation (crossbar §1.2 account check, §4 number-level rules,
// §10.3 check 8, decisions 13–14): a customer account that is not an
// ancestor of another reaches none of its account, and none of its numbers.
// The tables are checked against the handler's route list, so a new route
// without an isolation case fails this test.

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"numberd/internal/apitest"
	"numberd/models"
	"numberd/rest"
)

// isolationExcluded are the routes that name no account.
var isolationExcluded = map[string]bool{
	"GET /v2/openapi.json":  true, // the public API document
	"PUT /v2/api_auth":      true,
	"DELETE /v2/token_auth": true,
	// Public, account-less discovery (kazoo-crossbar-phone-numbers.md §5.3,
	// §5.4): a search runs as the caller's own account (or an allowed
	// reseller_id), and prefix?city= is public data. "search never shows
	// the victim's numbers" below covers the search.
	"GET /v2/phone_numbers":        true,
	"GET /v2/phone_numbers/prefix": true,
}

// isolationRequest builds the request of one route against an account and
// a number (E.164).
type isolationRequest func(acct apitest.Account, e164 string) (path string, body any)

func numberPath(suffix string) isolationRequest {
	return func(acct apitest.Account, e164 string) (string, any) { return num(acct, e164) + suffix, nil }
}

func numberPathBody(suffix string, data map[string]any) isolationRequest {
	return func(acct apitest.Account, e164 string) (string, any) { return num(acct, e164) + suffix, body(data) }
}

func collectionPath(suffix string, extra map[string]any) isolationRequest {
	return func(acct apitest.Account, e164 string) (string, any) {
		d := map[string]any{"numbers": []any{e164}}
		for k, v := range extra {
			d[k] = v
		}
		return pn(acct) + "/collection" + suffix, body(d)
	}
}

func accountPath(suffix string) isolationRequest {
	return func(acct apitest.Account, _ string) (string, any) { return pn(acct) + suffix, nil }
}

func numbersListPath(suffix string) isolationRequest {
	return func(acct apitest.Account, e164 string) (string, any) { return pn(acct) + suffix, numbersBody(e164) }
}

// isolationRoutes has one request per route of rest.Handler.Routes().
var isolationRoutes = map[string]isolationRequest{
	"PUT /v2/accounts/{account}": func(acct apitest.Account, _ string) (string, any) {
		return "/v2/accounts/" + acct.ID, body(map[string]any{"name": "intruder-child"})
	},
	"GET /v2/accounts/{account}": func(acct apitest.Account, _ string) (string, any) {
		return "/v2/accounts/" + acct.ID, nil
	},
	"POST /v2/accounts/{account}": func(acct apitest.Account, _ string) (string, any) {
		return "/v2/accounts/" + acct.ID, body(map[string]any{"name": "hacked"})
	},
	"PATCH /v2/accounts/{account}": func(acct apitest.Account, _ string) (string, any) {
		return "/v2/accounts/" + acct.ID, body(map[string]any{"enabled": false})
	},
	"DELETE /v2/accounts/{account}": func(acct apitest.Account, _ string) (string, any) {
		return "/v2/accounts/" + acct.ID, nil
	},
	"GET /v2/accounts/{account}/api_key": func(acct apitest.Account, _ string) (string, any) {
		return "/v2/accounts/" + acct.ID + "/api_key", nil
	},
	"GET /v2/accounts/{account}/children": func(acct apitest.Account, _ string) (string, any) {
		return "/v2/accounts/" + acct.ID + "/children", nil
	},
	"GET /v2/accounts/{account}/phone_numbers": func(acct apitest.Account, _ string) (string, any) {
		return pn(acct), nil
	},
	"GET /v2/accounts/{account}/phone_numbers/{number}":            numberPath(""),
	"PUT /v2/accounts/{account}/phone_numbers/{number}":            numberPathBody("", map[string]any{"stolen": true}),
	"POST /v2/accounts/{account}/phone_numbers/{number}":           numberPathBody("", map[string]any{"stolen": true}),
	"PATCH /v2/accounts/{account}/phone_numbers/{number}":          numberPathBody("", map[string]any{"stolen": true}),
	"DELETE /v2/accounts/{account}/phone_numbers/{number}":         numberPath(""),
	"PUT /v2/accounts/{account}/phone_numbers/{number}/activate":   numberPath("/activate"),
	"PUT /v2/accounts/{account}/phone_numbers/{number}/reserve":    numberPath("/reserve"),
	"PUT /v2/accounts/{account}/phone_numbers/{number}/port":       numberPath("/port"),
	"PUT /v2/accounts/{account}/phone_numbers/collection":          collectionPath("", nil),
	"POST /v2/accounts/{account}/phone_numbers/collection":         collectionPath("", map[string]any{"stolen": true}),
	"PATCH /v2/accounts/{account}/phone_numbers/collection":        collectionPath("", map[string]any{"stolen": true}),
	"DELETE /v2/accounts/{account}/phone_numbers/collection":       collectionPath("", nil),
	"PUT /v2/accounts/{account}/phone_numbers/collection/activate": collectionPath("/activate", nil),

	// Discovery and number intelligence (issue 4).
	"GET /v2/accounts/{account}/phone_numbers/prefix":        accountPath("/prefix?city=Mountain%20View"),
	"POST /v2/accounts/{account}/phone_numbers/check":        numbersListPath("/check"),
	"POST /v2/accounts/{account}/phone_numbers/locality":     numbersListPath("/locality"),
	"GET /v2/accounts/{account}/phone_numbers/carriers_info": accountPath("/carriers_info"),
	"GET /v2/accounts/{account}/phone_numbers/classifiers":   accountPath("/classifiers"),
	// The multiplexer's other operation, classifiers/{N}, is in isolationMultiplexed.
	"GET /v2/accounts/{account}/phone_numbers/{first}/{second}": numberPath("/identify"),
	"POST /v2/accounts/{account}/phone_numbers/fix":             accountPath("/fix"),
	"POST /v2/accounts/{account}/phone_numbers/fix/{number}": func(acct apitest.Account, e164 string) (string, any) {
		return pn(acct) + "/fix/" + strings.Replace(e164, "+", "%2B", 1), nil
	},
}

// isolationMultiplexed are the other operations of routes that serve
// several (GET .../{first}/{second} is {N}/identify and classifiers/{N}):
// each is checked like the route's own request.
var isolationMultiplexed = map[string]struct {
	op    string // the documented operation
	build isolationRequest
	own   ownURLCase
}{
	"GET /v2/accounts/{account}/phone_numbers/{first}/{second}": {
		"GET /v2/accounts/{account}/phone_numbers/classifiers/{number}",
		func(acct apitest.Account, e164 string) (string, any) {
			return pn(acct) + "/classifiers/" + strings.Replace(e164, "+", "%2B", 1), nil
		},
		ownURLCase{http.StatusOK, "isolation_own_url_classify"},
	},
}

// perNumber reports whether a route acts on the number of its path.
func perNumber(rt string) bool {
	return strings.Contains(rt, "{number}") || strings.Contains(rt, "{second}")
}

type ownURLCase struct {
	status int
	golden string
}

// ownURLExpect is what the intruder gets on the victim's in_service number
// through its OWN account URL: the status and the golden of the envelope.
var ownURLExpect = map[string]ownURLCase{
	"GET /v2/accounts/{account}/phone_numbers/{number}":            {http.StatusNotFound, "isolation_own_url_get"},
	"PUT /v2/accounts/{account}/phone_numbers/{number}":            {http.StatusForbidden, "isolation_own_url_forbidden"},
	"POST /v2/accounts/{account}/phone_numbers/{number}":           {http.StatusForbidden, "isolation_own_url_forbidden"},
	"PATCH /v2/accounts/{account}/phone_numbers/{number}":          {http.StatusForbidden, "isolation_own_url_forbidden"},
	"DELETE /v2/accounts/{account}/phone_numbers/{number}":         {http.StatusForbidden, "isolation_own_url_forbidden"},
	"PUT /v2/accounts/{account}/phone_numbers/{number}/activate":   {http.StatusForbidden, "isolation_own_url_forbidden"},
	"PUT /v2/accounts/{account}/phone_numbers/{number}/reserve":    {http.StatusForbidden, "isolation_own_url_forbidden"},
	"PUT /v2/accounts/{account}/phone_numbers/{number}/port":       {http.StatusForbidden, "isolation_own_url_forbidden"},
	"PUT /v2/accounts/{account}/phone_numbers/collection":          {http.StatusCreated, "isolation_own_url_collection_201"},
	"POST /v2/accounts/{account}/phone_numbers/collection":         {http.StatusOK, "isolation_own_url_collection_200"},
	"PATCH /v2/accounts/{account}/phone_numbers/collection":        {http.StatusOK, "isolation_own_url_collection_200"},
	"DELETE /v2/accounts/{account}/phone_numbers/collection":       {http.StatusOK, "isolation_own_url_collection_200"},
	"PUT /v2/accounts/{account}/phone_numbers/collection/activate": {http.StatusCreated, "isolation_own_url_collection_201"},
	"GET /v2/accounts/{account}/phone_numbers":                     {http.StatusOK, "isolation_own_url_listing"},

	// Discovery and number intelligence: identify never tells whose a
	// number is (decisions.md 13), fix/{N} needs authorization over the
	// number (decisions.md 12), fix answers the caller's own listing. The
	// others answer public data (prefixes, carriers, classifiers, where a
	// number is, whether it can be bought), never the owner.
	"GET /v2/accounts/{account}/phone_numbers/{first}/{second}": {http.StatusNotFound, "isolation_own_url_get"},
	"POST /v2/accounts/{account}/phone_numbers/fix/{number}":    {http.StatusNotFound, "isolation_own_url_get"},
	"POST /v2/accounts/{account}/phone_numbers/fix":             {http.StatusOK, "isolation_own_url_listing"},
	"GET /v2/accounts/{account}/phone_numbers/prefix":           {http.StatusOK, "isolation_own_url_prefix"},
	"POST /v2/accounts/{account}/phone_numbers/check":           {http.StatusOK, "isolation_own_url_check"},
	"POST /v2/accounts/{account}/phone_numbers/locality":        {http.StatusOK, "isolation_own_url_locality"},
	"GET /v2/accounts/{account}/phone_numbers/carriers_info":    {http.StatusOK, "isolation_own_url_carriers_info"},
	"GET /v2/accounts/{account}/phone_numbers/classifiers":      {http.StatusOK, "isolation_own_url_classifiers"},
}

func TestIsolation(t *testing.T) {
	e := apitest.New(t)
	victim := e.NewAccount(e.Master, "victim", map[string]any{"wnm_allow_additions": true})
	sibling := e.NewAccount(e.Master, "sibling", map[string]any{"wnm_allow_additions": true})
	victimChild := e.NewAccount(victim, "victimchild", nil)
	vc := e.Client(victim.Token)
	const (
		inService = "+14155550100"
		reserved  = "+14155550101"
		portIn    = "+14155550102"
	)
	mustCreate(t, vc, victim, inService, map[string]any{"secret": "victim data"})
	mustCreate(t, vc, victim, reserved, map[string]any{"create_with_state": "reserved"})
	vc.Do("PUT", num(victim, portIn)+"/port", nil).Expect(t, http.StatusCreated)

	routes := rest.NewHandler(e.Svc, rest.Config{}).Routes()
	t.Run("every route has a case", func(t *testing.T) {
		served := map[string]bool{}
		for _, rt := range routes {
			served[rt] = true
			if isolationExcluded[rt] {
				continue
			}
			if _, ok := isolationRoutes[rt]; !ok {
				t.Errorf("route %q has no isolation case", rt)
			}
			if strings.Contains(rt, "/phone_numbers") {
				if _, ok := ownURLExpect[rt]; !ok {
					t.Errorf("number route %q has no own-URL isolation case", rt)
				}
			}
		}
		for rt := range isolationRoutes {
			if !served[rt] {
				t.Errorf("isolation case %q names no served route", rt)
			}
		}
		for rt := range ownURLExpect {
			if !served[rt] {
				t.Errorf("own-URL case %q names no served route", rt)
			}
		}
	})

	// Through the victim's account URL, every route is the account-level
	// 403, for a sibling and for a descendant of the victim alike.
	for _, intruder := range []apitest.Account{sibling, victimChild} {
		c := e.Client(intruder.Token)
		for _, rt := range routes {
			if isolationExcluded[rt] {
				continue
			}
			build := isolationRoutes[rt]
			if build == nil {
				continue // reported by "every route has a case"
			}
			builds := map[string]isolationRequest{rt: build}
			if m, ok := isolationMultiplexed[rt]; ok {
				builds[m.op] = m.build
			}
			method := strings.SplitN(rt, " ", 2)[0]
			for _, target := range []string{inService, reserved, portIn} {
				if target != inService && !perNumber(rt) && !strings.Contains(rt, "collection") {
					continue
				}
				for name, build := range builds {
					t.Run(intruder.Name+" via victim URL/"+name+"/"+target, func(t *testing.T) {
						path, b := build(victim, target)
						r := c.Do(method, path, b)
						r.Expect(t, http.StatusForbidden)
						e.Golden(t, "isolation_account_forbidden", r)
						expectForbiddenAccount(t, r)
					})
				}
			}
		}
	}

	// Through its own account URL, the sibling cannot read, change, move or
	// release the victim's numbers.
	sc := e.Client(sibling.Token)
	ownURL := func(t *testing.T, rt string, build isolationRequest, want ownURLCase) {
		t.Helper()
		method := strings.SplitN(rt, " ", 2)[0]
		path, b := build(sibling, inService)
		r := sc.Do(method, path, b)
		check(t, e, r, want.status, want.golden)
		if bytes.Contains(r.Raw, []byte(victim.ID)) || bytes.Contains(r.Raw, []byte("victim data")) {
			t.Fatalf("the reply leaks the victim's account or data: %s", r.Raw)
		}
		switch want.golden {
		case "isolation_own_url_get":
			expectBadIdentifier(t, r)
		case "isolation_own_url_forbidden":
			expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
		case "isolation_own_url_listing":
			if len(listed(t, r)) != 0 {
				t.Fatalf("the sibling's listing shows numbers: %s", r.Raw)
			}
		case "isolation_own_url_collection_200", "isolation_own_url_collection_201":
			assertJSON(t, "data", r.Data(), map[string]any{"error": map[string]any{inService: map[string]any{
				"code": 403, "error": "forbidden", "message": models.MessageUnauthorized}}})
		case "isolation_own_url_check":
			// No carrier can check here: the number is "error", as any
			// number would be (whoever holds it).
			assertJSON(t, "data", r.Data(), map[string]any{inService: "error"})
		}
	}
	for _, rt := range routes {
		want, ok := ownURLExpect[rt]
		if !ok {
			continue
		}
		t.Run("sibling via own URL/"+rt, func(t *testing.T) { ownURL(t, rt, isolationRoutes[rt], want) })
		if m, ok := isolationMultiplexed[rt]; ok {
			t.Run("sibling via own URL/"+m.op, func(t *testing.T) { ownURL(t, rt, m.build, m.own) })
		}
	}
	t.Run("sibling via own URL/identify and fix of reserved and port_in numbers", func(t *testing.T) {
		for _, n := range []string{reserved, portIn} {
			for _, rt := range []string{"GET /v2/accounts/{account}/phone_numbers/{first}/{second}", "POST /v2/accounts/{account}/phone_numbers/fix/{number}"} {
				ownURL(t, rt, func(acct apitest.Account, _ string) (string, any) { return isolationRoutes[rt](acct, n) }, ownURLExpect[rt])
			}
		}
	})
	t.Run("descendant via own URL/identify and fix of the parent's numbers", func(t *testing.T) {
		cc := e.Client(victimChild.Token)
		for _, n := range []string{inService, reserved, portIn} {
			path, _ := isolationRoutes["GET /v2/accounts/{account}/phone_numbers/{first}/{second}"](victimChild, n)
			check(t, e, cc.Do("GET", path, nil), http.StatusNotFound, "isolation_own_url_get")
			path, _ = isolationRoutes["POST /v2/accounts/{account}/phone_numbers/fix/{number}"](victimChild, n)
			r := cc.Do("POST", path, nil)
			if n == reserved {
				// A number reserved by the parent is readable by its
				// descendants (Kazoo), but not theirs to repair.
				check(t, e, r, http.StatusForbidden, "isolation_own_url_forbidden")
				expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
				continue
			}
			check(t, e, r, http.StatusNotFound, "isolation_own_url_get")
		}
	})
	t.Run("search never shows the victim's numbers", func(t *testing.T) {
		for _, path := range []string{
			pn(sibling) + "?prefix=415&quantity=500",
			"/v2/phone_numbers?prefix=415&quantity=500",
			"/v2/phone_numbers?prefix=%2B1415555&quantity=500",
		} {
			r := sc.Do("GET", path, nil)
			check(t, e, r, http.StatusOK, "isolation_own_url_search")
			for _, n := range []string{inService, reserved, portIn} {
				if bytes.Contains(r.Raw, []byte(n)) {
					t.Fatalf("%s: the victim's %s is offered: %s", path, n, r.Raw)
				}
			}
		}
		// Anonymous searches cannot act as the victim: it allows no
		// unauthorized lookups.
		r := e.Client("").Do("GET", "/v2/phone_numbers?prefix=415&reseller_id="+victim.ID, nil)
		expectError(t, r, http.StatusNotFound, "number search restricted")
	})
	t.Run("descendant search shows only the parent's reservation", func(t *testing.T) {
		// A number reserved by an ancestor is offered to its descendants
		// (Kazoo §4 reserved_from_parent: they may read and activate it);
		// the parent's numbers in service or porting are not.
		r := e.Client(victimChild.Token).Do("GET", pn(victimChild)+"?prefix=415&quantity=500", nil)
		check(t, e, r, http.StatusOK, "isolation_descendant_search")
		var found []string
		for _, x := range r.Data().([]any) {
			found = append(found, x.(map[string]any)["number"].(string))
		}
		assertJSON(t, "numbers found", found, []string{reserved})
	})
	t.Run("sibling via own URL/GET of reserved and port_in numbers", func(t *testing.T) {
		for _, n := range []string{reserved, portIn} {
			r := sc.Do("GET", num(sibling, n), nil)
			check(t, e, r, http.StatusNotFound, "isolation_own_url_get")
		}
	})
	t.Run("descendant via own URL/GET of the parent's numbers", func(t *testing.T) {
		for _, n := range []string{inService, portIn} {
			r := e.Client(victimChild.Token).Do("GET", num(victimChild, n), nil)
			check(t, e, r, http.StatusNotFound, "isolation_own_url_get")
		}
	})

	t.Run("nothing changed", func(t *testing.T) {
		r := vc.Do("GET", "/v2/accounts/"+victim.ID, nil).Expect(t, http.StatusOK)
		if r.DataMap()["name"] != "victim" || r.DataMap()["enabled"] != true {
			t.Fatalf("victim account changed: %s", r.Raw)
		}
		r = vc.Do("GET", "/v2/accounts/"+victim.ID+"/children", nil).Expect(t, http.StatusOK)
		if kids, _ := r.Data().([]any); len(kids) != 1 {
			t.Fatalf("victim children: %s", r.Raw)
		}
		r = vc.Do("GET", pn(victim), nil).Expect(t, http.StatusOK)
		assertJSON(t, "victim numbers", sortedKeys(listed(t, r)), []string{inService, reserved, portIn})
		states := map[string]string{inService: "in_service", reserved: "reserved", portIn: "port_in"}
		for n, st := range states {
			r := vc.Do("GET", num(victim, n), nil).Expect(t, http.StatusOK)
			if readOnlyState(t, r) != st {
				t.Fatalf("%s: state %q, want %q", n, readOnlyState(t, r), st)
			}
			if _, ok := r.DataMap()["stolen"]; ok {
				t.Fatalf("%s was written by an intruder: %s", n, r.Raw)
			}
		}
		r = vc.Do("GET", num(victim, inService), nil).Expect(t, http.StatusOK)
		if r.DataMap()["secret"] != "victim data" {
			t.Fatalf("victim fields changed: %s", r.Raw)
		}
		r = sc.Do("GET", pn(sibling), nil).Expect(t, http.StatusOK)
		if len(listed(t, r)) != 0 {
			t.Fatalf("the sibling gained numbers: %s", r.Raw)
		}
		// The victim's token still works (its account was not disabled).
		vc.Do("GET", "/v2/accounts/"+victim.ID+"/api_key", nil).Expect(t, http.StatusOK)
	})
}
