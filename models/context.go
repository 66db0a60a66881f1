package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

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

// MaxRequestIDLength is the longest client request id kept (the width of
// the history column); longer or unprintable ids are replaced.
const MaxRequestIDLength = 64

// RequestIDOrNew returns id when it is a usable request id, else a new one.
func RequestIDOrNew(id string) string {
	if id != "" && len(id) <= MaxRequestIDLength && printableASCII(id) {
		return id
	}
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
