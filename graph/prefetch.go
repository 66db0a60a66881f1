package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"numberd/models"
)

// Prefetching: a dataloader batches the keys its resolvers ask for within a
// short wait, which depends on goroutine scheduling — on a loaded machine a
// page of 100 could become two or three batches. When a list resolver has
// its items in hand it looks ahead at what the query selects on them and
// loads those relations for the whole list at once (LoadAll: one batch by
// construction); the per-item resolvers then find the loaders' cache warm.
// The statement count of a page is thereby fixed, not just usually small.

// selections returns the fields selected under the current field along a
// path of (field name, type) steps, fragments resolved, e.g. the fields of
// each edge's node of a connection.
func selections(ctx context.Context, types []string, path ...string) []graphql.CollectedField {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	sets := []ast.SelectionSet{fc.Field.Selections}
	for i, name := range path {
		var next []ast.SelectionSet
		for _, set := range sets {
			for _, f := range graphql.CollectFields(oc, set, []string{types[i]}) {
				if f.Name == name {
					next = append(next, f.Selections)
				}
			}
		}
		sets = next
	}
	var out []graphql.CollectedField
	for _, set := range sets {
		out = append(out, graphql.CollectFields(oc, set, types[len(path):])...)
	}
	return out
}

// prefetchNumbers warms the loaders for the relations selected on the
// nodes of a phone number connection page.
func (r *Resolver) prefetchNumbers(ctx context.Context, nums []*models.Number) {
	if len(nums) < 2 {
		return
	}
	ld := r.loadersFor(ctx)
	oc := graphql.GetOperationContext(ctx)
	for _, f := range selections(ctx, []string{"PhoneNumberConnection", "PhoneNumberEdge", "PhoneNumber", "Node"}, "edges", "node") {
		switch f.Name {
		case "account":
			ids := make([]string, 0, len(nums))
			seen := map[string]bool{}
			for _, n := range nums {
				if n.AssignedTo != "" && !seen[n.AssignedTo] {
					seen[n.AssignedTo] = true
					ids = append(ids, n.AssignedTo)
				}
			}
			ld.accounts.LoadAll(ctx, ids) // errors come back to each item's resolver
		case "history":
			keys := make([]string, len(nums))
			for i, n := range nums {
				keys[i] = n.Number
			}
			for _, sub := range graphql.CollectFields(oc, f.Selections, []string{"PhoneNumberEventConnection"}) {
				if sub.Name == "totalCount" {
					ld.counts.LoadAll(ctx, keys)
				}
			}
			args := f.ArgumentMap(oc.Variables)
			if after, _ := args["after"].(string); after != "" {
				continue
			}
			var first *int
			if v, ok := args["first"].(int64); ok {
				n := int(v)
				first = &n
			}
			size, err := r.pageSize(first, "first")
			if err != nil {
				continue
			}
			ld.latestEvents(size+1).LoadAll(ctx, nums)
		}
	}
}

// prefetchAccounts warms the loaders for the relations selected on a list
// of accounts (Account.children).
func (r *Resolver) prefetchAccounts(ctx context.Context, accts []*models.Account) {
	if len(accts) < 2 {
		return
	}
	ld := r.loadersFor(ctx)
	ids := make([]string, len(accts))
	for i, a := range accts {
		ids[i] = a.ID
	}
	for _, f := range selections(ctx, []string{"Account", "Node"}) {
		switch f.Name {
		case "numberStats":
			ld.stats.LoadAll(ctx, ids)
		case "children":
			ld.children.LoadAll(ctx, ids)
		}
	}
}
