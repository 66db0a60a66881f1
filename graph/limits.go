package graph

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"numberd/graph/generated"
	"numberd/graph/model"
)

// Query cost rules. Everything here runs after parsing and validation and
// before any resolver, so an abusive query is rejected without a single SQL
// statement.

// queryLimits is a gqlgen handler extension that walks the operation (with
// its fragments) and rejects it when:
//   - its selections nest deeper than MaxDepth fields (introspection fields,
//     which read the static schema, are not counted: GraphiQL's schema query
//     nests type references deeply);
//   - it uses more than MaxAliases aliases (each alias runs its field
//     again: "aliases × 1000" is an amplification attack);
//   - a page size argument (first/last) is above MaxFirst;
//   - it is a subscription sent over plain HTTP: POST would hold the request
//     open until the first event, so subscriptions need the websocket.
type queryLimits struct {
	maxDepth, maxAliases, maxFirst int
}

var (
	_ graphql.HandlerExtension        = queryLimits{}
	_ graphql.OperationContextMutator = queryLimits{}
)

// ExtensionName implements graphql.HandlerExtension.
func (queryLimits) ExtensionName() string { return "QueryLimits" }

// Validate implements graphql.HandlerExtension.
func (queryLimits) Validate(graphql.ExecutableSchema) error { return nil }

// shape is what the walk learns of a selection set.
type shape struct {
	depth   int // deepest field nesting
	aliases int // aliased fields, counting each fragment spread in full
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (l queryLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if oc.Operation.Operation == ast.Subscription && !strings.EqualFold(oc.Headers.Get("Upgrade"), "websocket") {
		return limitError("SUBSCRIPTION_NEEDS_WEBSOCKET", "subscriptions are served over a websocket at /graphql (graphql-transport-ws), not over plain HTTP")
	}
	w := &limitWalk{l: l, vars: oc.Variables, frags: map[string]shape{}}
	sh := w.selections(oc.Operation.SelectionSet)
	if w.err != nil {
		return w.err
	}
	if sh.depth > l.maxDepth {
		return limitError("DEPTH_LIMIT_EXCEEDED", "operation nests %d levels deep, more than the limit of %d", sh.depth, l.maxDepth)
	}
	if sh.aliases > l.maxAliases {
		return limitError("ALIAS_LIMIT_EXCEEDED", "operation uses %d aliases, more than the limit of %d", sh.aliases, l.maxAliases)
	}
	return nil
}

func limitError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

type limitWalk struct {
	l     queryLimits
	vars  map[string]any
	frags map[string]shape // memo: a fragment spread many times is walked once
	err   *gqlerror.Error
}

func (w *limitWalk) selections(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var sh shape
		switch s := sel.(type) {
		case *ast.Field:
			sh = w.field(s)
		case *ast.InlineFragment:
			sh = w.selections(s.SelectionSet)
		case *ast.FragmentSpread:
			sh = w.fragment(s)
		}
		out.depth = max(out.depth, sh.depth)
		out.aliases = satAdd(out.aliases, sh.aliases)
	}
	return out
}

func (w *limitWalk) fragment(s *ast.FragmentSpread) shape {
	if sh, ok := w.frags[s.Name]; ok {
		return sh
	}
	w.frags[s.Name] = shape{} // cycles are rejected by validation; never loop
	var sh shape
	if s.Definition != nil {
		sh = w.selections(s.Definition.SelectionSet)
	}
	w.frags[s.Name] = sh
	return sh
}

func (w *limitWalk) field(f *ast.Field) shape {
	sh := w.selections(f.SelectionSet)
	if !strings.HasPrefix(f.Name, "__") {
		sh.depth++
	}
	if f.Alias != "" && f.Alias != f.Name {
		sh.aliases = satAdd(sh.aliases, 1)
	}
	for _, a := range f.Arguments {
		if a.Name != "first" && a.Name != "last" || w.err != nil {
			continue
		}
		v, err := a.Value.Value(w.vars)
		if err != nil {
			continue // validation reported it
		}
		if n, ok := v.(int64); ok && n > int64(w.l.maxFirst) {
			w.err = limitError("PAGE_SIZE_LIMIT_EXCEEDED", "%s.%s is %d, more than the maximum page size of %d", f.Name, a.Name, n, w.l.maxFirst)
		}
	}
	return sh
}

// satAdd and satMul saturate instead of overflowing: a hostile query must
// not wrap its cost around to a small number.
const costCeiling = math.MaxInt32

func satAdd(a, b int) int { return min(a+b, costCeiling) }

func satMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > costCeiling/b {
		return costCeiling
	}
	return a * b
}

// complexity sets the cost of the fields that multiply work: a connection
// costs its page size (first or last; 50 by default) times the cost of
// what it selects per item, a list of child accounts is counted as a full
// page (the server's maximum). Every other field costs 1 plus its
// selections (gqlgen's default).
func complexity(c *generated.ComplexityRoot, maxFirst int) {
	page := func(first, last *int) int {
		switch {
		case first != nil:
			return max(*first, 1)
		case last != nil:
			return max(*last, 1)
		}
		return min(50, maxFirst)
	}
	conn := func(child int, first, last *int) int { return satAdd(1, satMul(page(first, last), child)) }
	c.Query.PhoneNumbers = func(child int, _ string, _ *model.PhoneNumberFilter, _ *model.PhoneNumberOrder, first *int, _ *string, last *int, _ *string) int {
		return conn(child, first, last)
	}
	c.Account.PhoneNumbers = func(child int, _ *model.PhoneNumberFilter, _ *model.PhoneNumberOrder, first *int, _ *string, last *int, _ *string) int {
		return conn(child, first, last)
	}
	c.PhoneNumber.History = func(child int, first *int, _ *string) int { return conn(child, first, nil) }
	c.Account.Children = func(child int) int { return satAdd(1, satMul(maxFirst, child)) }
}
