package graph_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"numberd/internal/apitest"
)

// TestREADME_DashboardExamples runs the queries of the README's "GraphQL for
// dashboards" section, so the documentation cannot drift from the schema.
func TestREADME_DashboardExamples(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "## GraphQL for dashboards")
	end := strings.Index(doc[start+1:], "\n## ")
	section := doc[start : start+1+end]
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(section, -1)
	if len(blocks) != 3 {
		t.Fatalf("%d graphql examples, want 3", len(blocks))
	}
	e := apitest.New(t)
	acme := e.NewAccount(e.Master, "acme", nil)
	e.NewAccount(acme, "shop", nil)
	createNumbers(t, e, acme.ID, []string{"+14158867900", "+14158867901"}, nil)
	c := e.Client(acme.Token)
	for i, blk := range blocks {
		q := blk[1]
		if strings.HasPrefix(strings.TrimSpace(q), "subscription") {
			// Validated, not streamed (POST cannot; the websocket tests do).
			r := c.GraphQL(q, map[string]any{"a": acme.ID})
			if codes := r.GQLErrorCodes(); len(codes) != 1 || codes[0] != "SUBSCRIPTION_NEEDS_WEBSOCKET" {
				t.Errorf("example %d: %s", i, r.Raw)
			}
			continue
		}
		d := c.GraphQL(q, map[string]any{"a": acme.ID}).GQLData(t)
		if len(d) == 0 {
			t.Errorf("example %d: no data", i)
		}
	}
}
