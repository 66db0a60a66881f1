// Package graph is numberd's GraphQL transport (gqlgen): the schema
// (*.graphqls), resolvers that each make one service call, the error
// presenter and the HTTP handler. No rule and no SQL lives here.
package graph

//go:generate go tool gqlgen generate

import (
	"numberd/service"
)

// Resolver holds the dependencies of every resolver.
type Resolver struct {
	Svc *service.Service
	Cfg Config
}
