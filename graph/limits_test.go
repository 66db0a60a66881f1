package graph_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"numberd/graph"
	"numberd/internal/apitest"
	"numberd/service"
)

// post sends a raw GraphQL request body to h.
func postRaw(t *testing.T, h http.Handler, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func errorCodes(out map[string]any) []string {
	var codes []string
	errs, _ := out["errors"].([]any)
	for _, e := range errs {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		codes = append(codes, fmt.Sprint(ext["code"]))
	}
	return codes
}

func errorMessage(out map[string]any) string {
	errs, _ := out["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprint(errs[0].(map[string]any)["message"])
}

// TestLimits_AbusiveQueriesNeverReachTheDatabase: deep nesting, huge pages,
// alias amplification and costly nesting are rejected with a clear error
// before any resolver runs, anonymous or authenticated: zero statements.
func TestLimits_AbusiveQueriesNeverReachTheDatabase(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, func(c *service.Config) { c.AuthCacheTTL = time.Minute })
	acme := e.NewAccount(e.Master, "acme", nil)
	// Warm the token cache so an authenticated request needs no statement
	// to know its caller.
	e.Client(acme.Token).GraphQL(`{ me { id } }`, nil).GQLData(t)

	deep := "{ me " + strings.Repeat("{ children ", 14) + "{ id }" + strings.Repeat(" }", 14) + " }"
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 1000 {
		fmt.Fprintf(&aliases, " a%d: me { id }", i)
	}
	aliases.WriteString(" }")
	fragDeep := `query { me { ...F } } fragment F on Account { children { children { children { children { children { children { children { children { children { children { children { children { id } } } } } } } } } } } } }`
	costly := fmt.Sprintf(`{ phoneNumbers(accountId: %q, first: 100) { edges { node { history(first: 100) { edges { node { id } } } } } } }`, acme.ID)

	for _, tc := range []struct {
		name, query, code, message string
	}{
		{"deep nesting", deep, "DEPTH_LIMIT_EXCEEDED", "operation nests 16 levels deep, more than the limit of 12"},
		{"deep nesting through a fragment", fragDeep, "DEPTH_LIMIT_EXCEEDED", "operation nests 14 levels deep, more than the limit of 12"},
		{"huge page", fmt.Sprintf(`{ phoneNumbers(accountId: %q, first: 1000000) { edges { node { number } } } }`, acme.ID),
			"PAGE_SIZE_LIMIT_EXCEEDED", "phoneNumbers.first is 1000000, more than the maximum page size of 100"},
		{"huge nested page", `{ me { phoneNumbers(last: 1000000) { totalCount } } }`, "PAGE_SIZE_LIMIT_EXCEEDED", ""},
		{"aliases x 1000", aliases.String(), "ALIAS_LIMIT_EXCEEDED", "operation uses 1000 aliases, more than the limit of 50"},
		{"complexity", costly, "COMPLEXITY_LIMIT_EXCEEDED", "operation has complexity 30301, which exceeds the limit of 20000"},
	} {
		for _, token := range []string{"", acme.Token} {
			who := "anonymous"
			if token != "" {
				who = "authenticated"
			}
			t.Run(tc.name+"/"+who, func(t *testing.T) {
				before := e.DB.Stats.Count()
				_, out := postRaw(t, e.Handler, token, map[string]any{"query": tc.query})
				if n := e.DB.Stats.Count() - before; n != 0 {
					t.Errorf("%d SQL statements ran, want 0", n)
				}
				if codes := errorCodes(out); len(codes) != 1 || codes[0] != tc.code {
					t.Fatalf("codes %v, want [%s]: %v", codes, tc.code, out)
				}
				if out["data"] != nil {
					t.Errorf("data %v", out["data"])
				}
				if tc.message != "" && errorMessage(out) != tc.message {
					t.Errorf("message %q, want %q", errorMessage(out), tc.message)
				}
			})
		}
	}

	t.Run("a normal dashboard query passes", func(t *testing.T) {
		q := fmt.Sprintf(`{ phoneNumbers(accountId: %q, first: 100) { totalCount edges { node { number account { name } history(first: 1) { edges { node { action } } } } } } }`, acme.ID)
		if _, out := postRaw(t, e.Handler, acme.Token, map[string]any{"query": q}); out["errors"] != nil {
			t.Fatalf("errors: %v", out["errors"])
		}
	})
}

func TestLimits_BodySizeAndIntrospection(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	small := e.GraphQL(graph.Config{MaxBodyBytes: 1024, Introspection: false})
	before := e.DB.Stats.Count()
	status, out := postRaw(t, small, "", map[string]any{"query": "{ me { id } }", "variables": map[string]any{"pad": strings.Repeat("x", 4096)}})
	if status != 413 || out["data"] != nil || !strings.Contains(errorMessage(out), "larger than the limit") {
		t.Errorf("oversized body: status %d %v", status, out)
	}
	if n := e.DB.Stats.Count() - before; n != 0 {
		t.Errorf("%d statements for an oversized body", n)
	}
	const intro = `{ __schema { queryType { name } } }`
	if _, out := postRaw(t, small, "", map[string]any{"query": intro}); len(errorCodes(out)) == 0 {
		t.Errorf("introspection disabled but answered: %v", out)
	}
	if _, out := postRaw(t, e.Handler, "", map[string]any{"query": intro}); out["errors"] != nil {
		t.Errorf("introspection enabled but failed: %v", out)
	}
}

// TestAPQ: automatic persisted queries, with a bounded cache.
func TestAPQ(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	h := e.GraphQL(graph.Config{APQCacheSize: 2})
	hash := func(q string) string { s := sha256.Sum256([]byte(q)); return hex.EncodeToString(s[:]) }
	ext := func(q string) map[string]any {
		return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash(q)}}
	}
	q1, q2, q3 := `{ me { id } }`, `{ me { name } }`, `{ me { enabled } }`

	if _, out := postRaw(t, h, e.Master.Token, map[string]any{"extensions": ext(q1)}); errorMessage(out) != "PersistedQueryNotFound" {
		t.Fatalf("unknown hash: %v", out)
	}
	if _, out := postRaw(t, h, e.Master.Token, map[string]any{"query": q1, "extensions": ext(q1)}); out["errors"] != nil {
		t.Fatalf("register: %v", out)
	}
	_, out := postRaw(t, h, e.Master.Token, map[string]any{"extensions": ext(q1)})
	if me, _ := out["data"].(map[string]any)["me"].(map[string]any); me["id"] != e.Master.ID {
		t.Fatalf("by hash: %v", out)
	}
	if _, out := postRaw(t, h, e.Master.Token, map[string]any{"query": q2, "extensions": ext(q1)}); len(errorCodes(out)) == 0 {
		t.Errorf("hash mismatch accepted: %v", out)
	}
	// The cache holds two queries: registering two more evicts q1.
	for _, q := range []string{q2, q3} {
		postRaw(t, h, e.Master.Token, map[string]any{"query": q, "extensions": ext(q)})
	}
	if _, out := postRaw(t, h, e.Master.Token, map[string]any{"extensions": ext(q1)}); errorMessage(out) != "PersistedQueryNotFound" {
		t.Errorf("evicted hash: %v", out)
	}
}
