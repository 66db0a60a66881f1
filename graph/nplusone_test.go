package graph_test

import (
	"fmt"
	"testing"

	"numberd/internal/apitest"
)

// TestPhoneNumbers_NoNPlusOne counts SQL statements: a page of numbers with
// each number's account and latest history event costs the same fixed
// handful of statements for 10 numbers as for 100 (dataloaders batch the
// relations into one statement each).
func TestPhoneNumbers_NoNPlusOne(t *testing.T) {
	t.Parallel()
	e := apitest.New(t)
	acme := e.NewAccount(e.Master, "acme", nil)
	nums := make([]string, 100)
	for i := range nums {
		nums[i] = fmt.Sprintf("+1415555%04d", i)
	}
	createNumbers(t, e, acme.ID, nums, nil)
	c := e.Client(acme.Token)
	const q = `query($a: ID!, $n: Int!) {
		phoneNumbers(accountId: $a, first: $n) {
			edges { node { number account { name } history(first: 1) { edges { node { action toState } } } } }
		}
	}`
	cost := func(n int) int64 {
		before := e.DB.Stats.Count()
		d := c.GraphQL(q, map[string]any{"a": acme.ID, "n": n}).GQLData(t)
		spent := e.DB.Stats.Count() - before
		edges := d["phoneNumbers"].(map[string]any)["edges"].([]any)
		if len(edges) != n {
			t.Fatalf("%d edges, want %d", len(edges), n)
		}
		for _, ed := range edges {
			node := ed.(map[string]any)["node"].(map[string]any)
			h := node["history"].(map[string]any)["edges"].([]any)
			if node["account"].(map[string]any)["name"] != "acme" || len(h) != 1 {
				t.Fatalf("node %v", node)
			}
		}
		return spent
	}
	c10, c100 := cost(10), cost(100)
	t.Logf("SQL statements: 10 numbers: %d, 100 numbers: %d", c10, c100)
	// token, account check, page, accounts batch, history batch.
	if c10 != c100 || c100 > 5 {
		t.Errorf("statements: 10 numbers cost %d, 100 cost %d; want the same, at most 5", c10, c100)
	}

	// History totals and the subtree tiles of many child accounts are
	// batched too.
	for i := range 5 {
		e.NewAccount(acme, fmt.Sprintf("shop%d", i), nil)
	}
	before := e.DB.Stats.Count()
	d := c.GraphQL(`query($a: ID!) {
		phoneNumbers(accountId: $a, first: 100) { edges { node { history { totalCount } } } }
		me { children { name numberStats { total } children { name } } }
	}`, map[string]any{"a": acme.ID}).GQLData(t)
	spent := e.DB.Stats.Count() - before
	if kids := d["me"].(map[string]any)["children"].([]any); len(kids) != 5 {
		t.Fatalf("children %v", kids)
	}
	for _, ed := range d["phoneNumbers"].(map[string]any)["edges"].([]any) {
		if n := ed.(map[string]any)["node"].(map[string]any)["history"].(map[string]any)["totalCount"]; fmt.Sprint(n) != "1" {
			t.Fatalf("history totalCount %v", n)
		}
	}
	t.Logf("SQL statements: 100 history totals and 5 children with tiles and grandchildren: %d", spent)
	// token; account check, page, latest-events batch, counts batch; me,
	// children (visibility + rows), stats (visibility + counts),
	// grandchildren (visibility + rows): 12, whatever the sizes.
	if spent > 12 {
		t.Errorf("%d statements, want at most 12", spent)
	}
}
