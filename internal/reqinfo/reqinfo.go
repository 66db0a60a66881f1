// Package reqinfo carries what the transports learn about a request back out
// to the middleware that logs and measures it. The outer middleware puts an
// Info in the request context before routing; the REST and GraphQL handlers,
// which run on derived contexts, fill it in (who the caller is, which route
// or operation ran, whether a panic was recovered). The access log and the
// metrics read it after the handler returns.
//
// It holds no secrets: account ids, route patterns and GraphQL operation
// names only.
package reqinfo

import (
	"context"
	"sync"
)

// Info is the mutable per-request record. Its methods are safe on a nil
// *Info (requests served without the middleware, e.g. in handler tests).
type Info struct {
	mu        sync.Mutex
	requestID string
	account   string
	route     string
	operation string
	opType    string
	gqlErrors int
	panicked  bool
}

type ctxKey struct{}

// NewContext returns ctx carrying a fresh Info for a request with the given id.
func NewContext(ctx context.Context, requestID string) (context.Context, *Info) {
	i := &Info{requestID: requestID}
	return context.WithValue(ctx, ctxKey{}, i), i
}

// FromContext returns the request's Info, or nil.
func FromContext(ctx context.Context) *Info {
	i, _ := ctx.Value(ctxKey{}).(*Info)
	return i
}

// SetAccount records the authenticated account id.
func (i *Info) SetAccount(id string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.account = id
	i.mu.Unlock()
}

// SetRoute records the route pattern that served the request (never the raw
// path: patterns keep metric labels bounded).
func (i *Info) SetRoute(pattern string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.route = pattern
	i.mu.Unlock()
}

// SetOperation records a GraphQL operation's name and type (query,
// mutation, subscription).
func (i *Info) SetOperation(name, typ string) {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.operation, i.opType = name, typ
	i.mu.Unlock()
}

// AddGraphQLErrors counts errors in a GraphQL response.
func (i *Info) AddGraphQLErrors(n int) {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.gqlErrors += n
	i.mu.Unlock()
}

// SetPanicked records that a handler panicked and was recovered.
func (i *Info) SetPanicked() {
	if i == nil {
		return
	}
	i.mu.Lock()
	i.panicked = true
	i.mu.Unlock()
}

// Snapshot is a copy of an Info's fields.
type Snapshot struct {
	RequestID     string
	Account       string
	Route         string
	Operation     string
	OperationType string
	GraphQLErrors int
	Panicked      bool
}

// Snapshot returns the current values.
func (i *Info) Snapshot() Snapshot {
	if i == nil {
		return Snapshot{}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return Snapshot{RequestID: i.requestID, Account: i.account, Route: i.route, Operation: i.operation,
		OperationType: i.opType, GraphQLErrors: i.gqlErrors, Panicked: i.panicked}
}
