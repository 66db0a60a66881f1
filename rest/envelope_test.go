package rest_test

// Request envelope (crossbar §1.3), unknown paths and wrong methods
// (§5 "allowed methods", decisions.md 8).

import (
	"net/http"
	"strings"
	"testing"

	"numberd/internal/apitest"
)

func TestRequestEnvelope(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "envelope", map[string]any{"wnm_allow_additions": true})
	c := e.Client(acct.Token)
	target := num(acct, "+14158867900")
	dataRequired := map[string]any{"data": map[string]any{"required": map[string]any{"message": "Field is required but missing"}}}
	dataType := map[string]any{"data": map[string]any{"type": map[string]any{"message": "Value did not match type(s): object", "target": "object"}}}

	t.Run("malformed JSON", func(t *testing.T) {
		r := c.Do("PUT", target, `{"data": {`)
		check(t, e, r, http.StatusBadRequest, "envelope_malformed_json")
		expectError(t, r, http.StatusBadRequest, "validation error")
	})
	t.Run("JSON that is not an object", func(t *testing.T) {
		r := c.Do("PUT", target, `[1,2]`)
		check(t, e, r, http.StatusBadRequest, "envelope_not_an_object")
		expectError(t, r, http.StatusBadRequest, "validation error")
	})
	t.Run("data is a number", func(t *testing.T) {
		r := c.Do("PUT", target, `{"data": 5}`)
		check(t, e, r, http.StatusBadRequest, "envelope_data_type")
		expectValidation(t, r, dataType)
	})
	t.Run("data is a string", func(t *testing.T) {
		r := c.Do("POST", target, `{"data": "x"}`)
		check(t, e, r, http.StatusBadRequest, "envelope_data_type")
		expectValidation(t, r, dataType)
	})
	t.Run("data missing with other keys", func(t *testing.T) {
		r := c.Do("PUT", target, `{"accept_charges": true}`)
		check(t, e, r, http.StatusBadRequest, "envelope_data_missing")
		expectValidation(t, r, dataRequired)
	})
	t.Run("data null", func(t *testing.T) {
		r := c.Do("PATCH", target, `{"data": null}`)
		check(t, e, r, http.StatusBadRequest, "envelope_data_missing")
	})
	t.Run("data missing on a collection", func(t *testing.T) {
		r := c.Do("PUT", pn(acct)+"/collection", `{"numbers": ["4158867900"]}`)
		check(t, e, r, http.StatusBadRequest, "envelope_data_missing")
	})
	t.Run("data missing on an account", func(t *testing.T) {
		r := c.Do("POST", "/v2/accounts/"+acct.ID, `{"name": "x"}`)
		check(t, e, r, http.StatusBadRequest, "envelope_data_missing")
	})
	t.Run("data missing on api_auth", func(t *testing.T) {
		r := e.Client("").Do("PUT", "/v2/api_auth", `{"api_key": "`+apitest.MasterKey+`"}`)
		expectValidation(t, r, dataRequired)
	})
	t.Run("nothing was created", func(t *testing.T) {
		expectBadIdentifier(t, c.Do("GET", target, nil))
	})
	t.Run("empty body means data {}", func(t *testing.T) {
		r := c.Do("PUT", target, "")
		r.Expect(t, http.StatusCreated)
		r = c.Do("PUT", target+"/reserve", "  ")
		r.Expect(t, http.StatusCreated)
	})
	t.Run("accept_charges is accepted and ignored", func(t *testing.T) {
		r := c.Do("PUT", num(acct, "+14158867901"), map[string]any{"data": map[string]any{}, "accept_charges": true})
		r.Expect(t, http.StatusCreated)
		if _, stored := r.DataMap()["accept_charges"]; stored {
			t.Fatalf("accept_charges stored as a field: %s", r.Raw)
		}
	})
	t.Run("accept_charges inside data is not a field", func(t *testing.T) {
		r := c.Do("PUT", num(acct, "+14158867903"), body(map[string]any{"accept_charges": true, "kept": 1}))
		r.Expect(t, http.StatusCreated)
		if _, stored := r.DataMap()["accept_charges"]; stored {
			t.Fatalf("accept_charges stored as a field: %s", r.Raw)
		}
		// An activate whose data holds only accept_charges is an empty body:
		// the public fields are kept (decisions.md 15).
		r = c.Do("PUT", num(acct, "+14158867903")+"/activate", body(map[string]any{"accept_charges": true}))
		r.Expect(t, http.StatusCreated)
		assertJSON(t, "kept", r.DataMap()["kept"], 1)
		for _, m := range []string{"POST", "PATCH"} {
			r = c.Do(m, num(acct, "+14158867903"), body(map[string]any{"accept_charges": true, "kept": 2}))
			r.Expect(t, http.StatusOK)
			if _, stored := r.DataMap()["accept_charges"]; stored {
				t.Fatalf("%s stored accept_charges: %s", m, r.Raw)
			}
		}
		r = c.Do("PUT", num(acct, "+14158867904")+"/port", body(map[string]any{"accept_charges": true}))
		r.Expect(t, http.StatusCreated)
		if _, stored := r.DataMap()["accept_charges"]; stored {
			t.Fatalf("port stored accept_charges: %s", r.Raw)
		}
	})
	t.Run("verb tunnelling in the query string", func(t *testing.T) {
		r := c.Do("POST", num(acct, "+14158867902")+"?verb=PUT", body(map[string]any{}))
		r.Expect(t, http.StatusCreated)
		r = c.Do("POST", num(acct, "+14158867902")+"?verb=delete", nil)
		r.Expect(t, http.StatusOK)
		if readOnlyState(t, r) != "deleted" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
	})
	t.Run("verb tunnelling in the envelope", func(t *testing.T) {
		n := num(acct, "+14158867905")
		r := c.Do("POST", n, map[string]any{"verb": "PUT", "data": map[string]any{"a": 1}})
		check(t, e, r, http.StatusCreated, "envelope_verb_put")
		r = c.Do("POST", n, map[string]any{"verb": "PATCH", "data": map[string]any{"b": 2}})
		r.Expect(t, http.StatusOK)
		assertJSON(t, "merged", []any{r.DataMap()["a"], r.DataMap()["b"]}, []any{1, 2})
		r = c.Do("POST", n+"/reserve", map[string]any{"verb": "PUT"})
		expectValidation(t, r, dataRequired)
		r = c.Do("POST", n+"/reserve", map[string]any{"verb": "PUT", "data": map[string]any{}})
		r.Expect(t, http.StatusCreated)
		r = c.Do("POST", n, map[string]any{"verb": "delete", "data": map[string]any{}})
		r.Expect(t, http.StatusOK)
		if readOnlyState(t, r) != "deleted" {
			t.Fatalf("state %q", readOnlyState(t, r))
		}
		// A verb with no route on the path is a wrong method.
		r = c.Do("POST", n+"/activate", map[string]any{"verb": "PATCH", "data": map[string]any{}})
		expectError(t, r, http.StatusMethodNotAllowed, "invalid_method")
	})
	t.Run("body over the size limit", func(t *testing.T) {
		big := `{"data":{"x":"` + strings.Repeat("a", 1<<20) + `"}}`
		for _, m := range []string{"PUT", "POST"} {
			r := c.Do(m, num(acct, "+14158867906"), big)
			check(t, e, r, http.StatusRequestEntityTooLarge, "envelope_too_large")
		}
	})
}

func TestUnknownPath(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "paths", nil)
	c := e.Client(acct.Token)
	for _, p := range []string{
		"/v2/nowhere",
		"/v2/accounts",
		"/v2/accounts/" + acct.ID + "/callflows",
		pn(acct) + "/%2B14158867900/unknown",
		pn(acct) + "/%2B14158867900/activate/more",
	} {
		t.Run(p, func(t *testing.T) {
			r := c.Do("GET", p, nil)
			r.Expect(t, http.StatusNotFound)
			e.Golden(t, "path_unknown", normaliseAuth(r))
			expectError(t, r, http.StatusNotFound, "not_found")
		})
	}
	t.Run("without a token", func(t *testing.T) {
		r := e.Client("").Do("GET", "/v2/nowhere", nil).Expect(t, http.StatusNotFound)
		e.Golden(t, "path_unknown", r)
	})
	// Literal sub-resources are never phone numbers (crossbar §5 "path
	// precedence"): a number action under one is an unknown path, not an
	// unreconcilable number.
	for _, p := range []string{"/collection/reserve", "/collection/port", "/check/activate", "/fix/reserve", "/classifiers/port"} {
		t.Run("PUT "+p, func(t *testing.T) {
			r := c.Do("PUT", pn(acct)+p, nil).Expect(t, http.StatusNotFound)
			e.Golden(t, "path_unknown", normaliseAuth(r))
		})
	}
}

func TestWrongMethod(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "methods", nil)
	c := e.Client(acct.Token)
	cases := []struct {
		method, path, allow string
	}{
		{"POST", pn(acct) + "/%2B14158867900/activate", "PUT"},
		{"GET", pn(acct) + "/%2B14158867900/reserve", "PUT"},
		{"DELETE", pn(acct) + "/%2B14158867900/port", "PUT"},
		{"GET", pn(acct) + "/collection", "PUT, POST, PATCH, DELETE"},
		{"DELETE", pn(acct) + "/check", "POST"},
		{"PUT", pn(acct) + "/check", "POST"},
		{"GET", pn(acct) + "/fix", "POST"},
		{"POST", pn(acct) + "/carriers_info", "GET"},
		{"DELETE", pn(acct) + "/classifiers", "GET"},
		{"PUT", pn(acct) + "/prefix", "GET"},
		{"POST", pn(acct) + "/collection/activate", "PUT"},
		{"PUT", pn(acct), "GET"},
		{"DELETE", pn(acct), "GET"},
		{"GET", "/v2/api_auth", "PUT"},
		{"POST", "/v2/accounts/" + acct.ID + "/api_key", "GET"},
		{"PUT", "/v2/accounts/" + acct.ID + "/children", "GET"},
	}
	for _, tc := range cases {
		if tc.allow == "" {
			continue
		}
		t.Run(tc.method+" "+strings.TrimPrefix(tc.path, pn(acct)), func(t *testing.T) {
			r := c.Do(tc.method, tc.path, nil)
			r.Expect(t, http.StatusMethodNotAllowed)
			e.Golden(t, "method_not_allowed", normaliseAuth(r))
			expectError(t, r, http.StatusMethodNotAllowed, "invalid_method")
			if got := allowSet(r.Header.Get("Allow")); got != allowSet(tc.allow) {
				t.Fatalf("Allow %q, want %q", r.Header.Get("Allow"), tc.allow)
			}
		})
	}
}

// normaliseAuth blanks the envelope's auth_token: whether a 405 is decided
// before or after the token is read is not part of the contract.
func normaliseAuth(r *apitest.Response) *apitest.Response {
	c := *r
	c.Body = map[string]any{}
	for k, v := range r.Body {
		c.Body[k] = v
	}
	c.Body["auth_token"] = ""
	return &c
}

// allowSet renders an Allow header as a sorted, comparable set (the mux may
// add HEAD to GET).
func allowSet(h string) string {
	set := map[string]bool{}
	for _, m := range strings.Split(h, ",") {
		m = strings.TrimSpace(m)
		if m != "" && m != "HEAD" {
			set[m] = true
		}
	}
	return strings.Join(apitest.Keys(toAny(set)), ",")
}

func toAny(m map[string]bool) map[string]any {
	out := make(map[string]any, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}
