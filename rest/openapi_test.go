package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"

	"numberd/internal/apitest"
	"numberd/internal/openapicheck"
	"numberd/rest"
	"numberd/rest/openapi"
)

// TestOpenAPI_DocumentIsValid: kin-openapi accepts the document, examples
// and defaults included, in both the source (YAML) and served (JSON) forms.
func TestOpenAPI_DocumentIsValid(t *testing.T) {
	if _, err := openapicheck.New(openapi.YAML()); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if _, err := openapicheck.New(openapi.JSON()); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
}

// routes is the route table of package rest.
func routes() []string { return rest.NewHandler(nil, rest.Config{}).Routes() }

func mustValidator(t *testing.T) *openapicheck.Validator {
	t.Helper()
	v, err := openapicheck.Default()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestOpenAPI_EveryRouteDocumented: the document's paths and methods are
// exactly rest's route table. A route added in rest/routes.go fails here
// until openapi.yaml describes it, and a documented path nobody serves fails
// too.
func TestOpenAPI_EveryRouteDocumented(t *testing.T) {
	undocumented, unrouted := openapicheck.Coverage(mustValidator(t).Operations(), routes())
	for _, r := range undocumented {
		t.Errorf("route %q is not in rest/openapi/openapi.yaml: add a path item for it", r)
	}
	for _, op := range unrouted {
		t.Errorf("documented operation %q is not routed in rest/routes.go: remove it or route it", op)
	}
}

// TestOpenAPI_CoverageCatchesMismatches proves the test above bites: a route
// table with an extra route, or without one, does not match the document.
func TestOpenAPI_CoverageCatchesMismatches(t *testing.T) {
	ops := mustValidator(t).Operations()
	extra := append(routes(), "GET /v2/accounts/{account}/phone_numbers/{number}/undocumented")
	undocumented, unrouted := openapicheck.Coverage(ops, extra)
	if len(undocumented) != 1 || undocumented[0] != "GET /v2/accounts/{account}/phone_numbers/{number}/undocumented" || len(unrouted) != 0 {
		t.Errorf("extra route: undocumented %v, unrouted %v", undocumented, unrouted)
	}
	fewer := []string{}
	for _, r := range routes() {
		if r != "PUT /v2/accounts/{account}/phone_numbers/{number}/port" {
			fewer = append(fewer, r)
		}
	}
	undocumented, unrouted = openapicheck.Coverage(ops, fewer)
	if len(undocumented) != 0 || len(unrouted) != 1 || unrouted[0] != "PUT /v2/accounts/{account}/phone_numbers/{number}/port" {
		t.Errorf("missing route: undocumented %v, unrouted %v", undocumented, unrouted)
	}
}

// TestOpenAPI_ServedWithoutToken: GET /v2/openapi.json needs no token and
// ignores a bad one; it is the embedded document.
func TestOpenAPI_ServedWithoutToken(t *testing.T) {
	e := apitest.New(t)
	for _, tok := range []string{"", "not-a-token"} {
		r := e.Client(tok).Do("GET", "/v2/openapi.json", nil).Expect(t, http.StatusOK)
		if r.Body["openapi"] != "3.0.3" {
			t.Errorf("token %q: openapi = %v", tok, r.Body["openapi"])
		}
		if string(r.Raw) != string(openapi.JSON()) {
			t.Errorf("token %q: the served document is not openapi.JSON()", tok)
		}
	}
}

// recorder captures the exchanges of one test while still checking them.
type recorder struct {
	mu sync.Mutex
	xs []*apitest.Exchange
}

func record(t *testing.T) *recorder {
	rec := &recorder{}
	prev := apitest.Check
	apitest.Check = func(tb testing.TB, x *apitest.Exchange) {
		rec.mu.Lock()
		rec.xs = append(rec.xs, x)
		rec.mu.Unlock()
		prev(tb, x)
	}
	t.Cleanup(func() { apitest.Check = prev })
	return rec
}

func (r *recorder) find(t *testing.T, method, pathSuffix string) *apitest.Exchange {
	t.Helper()
	for _, x := range r.xs {
		if x.Method == method && strings.HasSuffix(strings.SplitN(x.Path, "?", 2)[0], pathSuffix) {
			return x
		}
	}
	t.Fatalf("no %s …%s exchange recorded", method, pathSuffix)
	return nil
}

func exchange(x *apitest.Exchange) openapicheck.Exchange {
	return openapicheck.Exchange{Method: x.Method, Target: x.Path, Header: x.Header, Body: x.Body,
		Status: x.Response.Status, RespHeader: x.Response.Header, RespBody: x.Response.Raw}
}

// mutated returns a validator of a copy of the document with edit applied
// to its decoded form (its examples are not checked: they still show what
// the edit removed).
func mutated(t *testing.T, edit func(doc map[string]any)) *openapicheck.Validator {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(openapi.YAML(), &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := openapicheck.New(b, openapi3.DisableExamplesValidation())
	if err != nil {
		t.Fatalf("mutated document: %v", err)
	}
	return v
}

// dig walks a decoded document along keys.
func dig(t *testing.T, doc map[string]any, keys ...string) map[string]any {
	t.Helper()
	m := doc
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("document has no %s", strings.Join(keys, "."))
		}
		m = next
	}
	return m
}

// removeProperty deletes a property (and its required entry) from a
// component schema.
func removeProperty(t *testing.T, doc map[string]any, schema, prop string) {
	t.Helper()
	s := dig(t, doc, "components", "schemas", schema)
	props := dig(t, s, "properties")
	if _, ok := props[prop]; !ok {
		t.Fatalf("schema %s has no property %s", schema, prop)
	}
	delete(props, prop)
	if req, ok := s["required"].([]any); ok {
		out := []any{}
		for _, r := range req {
			if r != prop {
				out = append(out, r)
			}
		}
		s["required"] = out
	}
}

// TestOpenAPI_RemovedFieldFailsValidation proves response validation bites:
// real replies of the API pass the document, and fail a copy of it from
// which a field they carry was removed.
func TestOpenAPI_RemovedFieldFailsValidation(t *testing.T) {
	rec := record(t)
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "proof", nil)
	c := e.Client(e.Master.Token)
	base := "/v2/accounts/" + acct.ID + "/phone_numbers"
	c.Do("PUT", base+"/%2B14155550100", map[string]any{"data": map[string]any{"failover": map[string]any{"e164": "+14155550199"}}}).Expect(t, 201)
	c.Do("GET", base, nil).Expect(t, 200)
	c.Do("PUT", base+"/collection", map[string]any{"data": map[string]any{"numbers": []string{"+14155550100", "+14155550101"}}}).Expect(t, 201)
	c.Do("PUT", base+"/%2B14155550100", nil).Expect(t, 409)
	c.Do("PUT", base+"/%2B14155550102", map[string]any{"data": map[string]any{"create_with_state": "available"}}).Expect(t, 201)
	c.Do("GET", base+"?prefix=415&quantity=5", nil).Expect(t, 200)
	c.Do("GET", base+"/carriers_info", nil).Expect(t, 200)
	c.Do("POST", "/v2/accounts/"+acct.ID, map[string]any{"data": map[string]any{"carrier_modules": []string{"knm_local"}}}).Expect(t, 200)

	cases := []struct {
		schema, prop, method, path string
	}{
		{"NumberReadOnly", "carrier_module", "PUT", "/phone_numbers/%2B14155550100"},
		{"SuccessEnvelope", "timestamp", "GET", "/phone_numbers"},
		{"ListingEntry", "features_available", "GET", "/phone_numbers"},
		{"Listing", "cascade_quantity", "GET", "/phone_numbers"},
		{"Collection", "error", "PUT", "/phone_numbers/collection"},
		{"KnmError", "cause", "PUT", "/phone_numbers/%2B14155550100"},
		{"Account", "tree", "PUT", "/v2/accounts/" + e.Master.ID},
		{"AuthResult", "reseller_id", "PUT", "/v2/api_auth"},
		{"SearchResult", "classification", "GET", "?prefix=415&quantity=5"},
		{"CarriersInfo", "usable_creation_states", "GET", "/carriers_info"},
		{"Account", "carrier_modules", "POST", "/v2/accounts/" + acct.ID},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.schema+"."+tc.prop, func(t *testing.T) {
			var x *apitest.Exchange
			for _, cand := range rec.xs {
				if cand.Method == tc.method && strings.HasSuffix(cand.Path, tc.path) && mentions(cand.Response.Raw, tc.prop) {
					x = cand
				}
			}
			if x == nil {
				t.Fatalf("no recorded %s …%s reply carries %q", tc.method, tc.path, tc.prop)
			}
			if res := mustValidator(t).Check(ctx, exchange(x)); res.ResponseErr != nil || res.RequestErr != nil {
				t.Fatalf("the real document rejects the exchange: request %v, response %v", res.RequestErr, res.ResponseErr)
			}
			v := mutated(t, func(doc map[string]any) { removeProperty(t, doc, tc.schema, tc.prop) })
			res := v.Check(ctx, exchange(x))
			if res.ResponseErr == nil {
				t.Fatalf("without %s.%s the document still accepts %s", tc.schema, tc.prop, x.Response.Raw)
			}
			t.Logf("as expected, the copy rejects the reply:\n%s", openapicheck.Describe(res.ResponseErr))
			if !strings.Contains(res.ResponseErr.Error(), tc.prop) {
				t.Errorf("the failure does not name %q: %v", tc.prop, res.ResponseErr)
			}
		})
	}
}

func mentions(raw []byte, prop string) bool { return strings.Contains(string(raw), `"`+prop+`"`) }

// fakeTB records failures instead of failing.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) { f.Errorf(format, args...) }

// TestOpenAPI_CheckPolicy proves how CheckOpenAPI judges requests: a
// request the document rejects passes only when the server rejected it too,
// or when the client is Bad; responses are always checked.
func TestOpenAPI_CheckPolicy(t *testing.T) {
	rec := record(t)
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "policy", nil)
	c := e.Client(e.Master.Token)
	n := "/v2/accounts/" + acct.ID + "/phone_numbers/%2B14155550123"
	// Out of the document and rejected by the server: fine without Bad.
	c.Do("PUT", n, map[string]any{"data": map[string]any{"cnam": map[string]any{"display_name": "A NAME LONGER THAN 15"}}}).Expect(t, 400)
	c.Do("PUT", n, `{"data": `).Expect(t, 400)
	c.Bad().Do("PUT", n, `{"data": 1}`).Expect(t, 400)
	ok := c.Do("PUT", n, map[string]any{"data": map[string]any{}}).Expect(t, 201)

	x := rec.find(t, "PUT", "%2B14155550123")
	if x.Response.Status != 400 {
		t.Fatalf("first exchange: %d", x.Response.Status)
	}

	// A request the document rejects, that the server served: a mismatch.
	served := *rec.xs[len(rec.xs)-1]
	served.Body = []byte(`{"data": {"cnam": {"display_name": 42}}}`)
	f := &fakeTB{TB: t}
	apitest.CheckOpenAPI(f, &served)
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "does not match the document") || !strings.Contains(f.errors[0], "Client.Bad()") {
		t.Errorf("served out-of-document request: failures %q", f.errors)
	}
	// The same from a Bad client: only the response is checked.
	served.BadRequest = true
	f = &fakeTB{TB: t}
	apitest.CheckOpenAPI(f, &served)
	if len(f.errors) != 0 {
		t.Errorf("Bad client: failures %q", f.errors)
	}
	// A response that breaks the document fails even for a Bad client.
	broken := served
	resp := *ok
	resp.Raw = []byte(strings.Replace(string(ok.Raw), `"carrier_module"`, `"carrier"`, 1))
	broken.Response = &resp
	f = &fakeTB{TB: t}
	apitest.CheckOpenAPI(f, &broken)
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "response") {
		t.Errorf("broken response: failures %q", f.errors)
	}
	// An undocumented path must be answered 404/405 in the error envelope.
	r := c.Do("GET", "/v2/accounts/"+acct.ID+"/nothing_here", nil).Expect(t, 404)
	und := &apitest.Exchange{Method: "GET", Path: "/v2/accounts/" + acct.ID + "/nothing_here", Header: http.Header{}, Response: r}
	und.Response = &apitest.Response{Status: 200, Header: r.Header, Raw: r.Raw}
	f = &fakeTB{TB: t}
	apitest.CheckOpenAPI(f, und)
	if len(f.errors) == 0 || !strings.Contains(f.errors[0], "matches no documented operation, yet the server answered 200") {
		t.Errorf("undocumented path answered 200: failures %q", f.errors)
	}
}

// The CSV form of the listing is described and validated like any reply.
func TestOpenAPI_ListingCSV(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "csv", nil)
	c := e.Client(e.Master.Token)
	c.Do("PUT", "/v2/accounts/"+acct.ID+"/phone_numbers/%2B14155550100", nil).Expect(t, 201)
	r := c.Do("GET", "/v2/accounts/"+acct.ID+"/phone_numbers?accept=csv", nil).Expect(t, 200)
	if !strings.HasPrefix(string(r.Raw), "number,state,assigned_to") || !strings.Contains(string(r.Raw), "+14155550100,in_service,") {
		t.Fatalf("csv: %s", r.Raw)
	}
}
