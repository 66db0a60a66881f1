package models

import "context"

type ctxKey int

const (
	actorKey ctxKey = iota
	requestIDKey
)

// NewContextWithActor returns a context carrying the authenticated caller.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFromContext returns the caller, or nil for an anonymous request.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey).(*Actor)
	return a
}

// NewContextWithRequestID returns a context carrying the request id that
// history rows and logs record.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFromContext returns the request id, or "".
func RequestIDFromContext(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}
