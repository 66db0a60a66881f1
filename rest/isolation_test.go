package rest_test

// Tenant isolation (crossbar §1.2 account check, §4 number-level rules,
// §10.3 check 8, decisions 13–14): a customer account that is not an
// ancestor of another reaches none of its account, and none of its numbers.
// The tables are checked against the handler's route list, so a new route
// without an isolation case fails this test.

import (
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
}

// ownURLExpect is what the intruder gets on the victim's in_service number
// through its OWN account URL: the status and the golden of the envelope.
var ownURLExpect = map[string]struct {
	status int
	golden string
}{
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
			method := strings.SplitN(rt, " ", 2)[0]
			for _, target := range []string{inService, reserved, portIn} {
				if target != inService && !strings.Contains(rt, "{number}") && !strings.Contains(rt, "collection") {
					continue
				}
				t.Run(intruder.Name+" via victim URL/"+rt+"/"+target, func(t *testing.T) {
					path, b := build(victim, target)
					r := c.Do(method, path, b)
					r.Expect(t, http.StatusForbidden)
					e.Golden(t, "isolation_account_forbidden", r)
					expectForbiddenAccount(t, r)
				})
			}
		}
	}

	// Through its own account URL, the sibling cannot read, change, move or
	// release the victim's numbers.
	sc := e.Client(sibling.Token)
	for _, rt := range routes {
		want, ok := ownURLExpect[rt]
		if !ok {
			continue
		}
		method := strings.SplitN(rt, " ", 2)[0]
		t.Run("sibling via own URL/"+rt, func(t *testing.T) {
			path, b := isolationRoutes[rt](sibling, inService)
			r := sc.Do(method, path, b)
			check(t, e, r, want.status, want.golden)
			switch want.golden {
			case "isolation_own_url_get":
				expectBadIdentifier(t, r)
			case "isolation_own_url_forbidden":
				expectKnm(t, r, http.StatusForbidden, "forbidden", models.MessageUnauthorized, "")
			case "isolation_own_url_listing":
				if len(listed(t, r)) != 0 {
					t.Fatalf("the sibling's listing shows numbers: %s", r.Raw)
				}
			default:
				assertJSON(t, "data", r.Data(), map[string]any{"error": map[string]any{inService: map[string]any{
					"code": 403, "error": "forbidden", "message": models.MessageUnauthorized}}})
			}
		})
	}
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
