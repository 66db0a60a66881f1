package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"numberd/internal/reqinfo"
)

// observer reports each GraphQL operation's name, type and error count to
// the request's reqinfo, for the access log and the per-operation metrics
// (server/). It runs for parse and validation failures too, where the
// operation may be unknown.
type observer struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = observer{}

func (observer) ExtensionName() string                          { return "NumberdObserver" }
func (observer) Validate(schema graphql.ExecutableSchema) error { return nil }

func (observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	info := reqinfo.FromContext(ctx)
	if info == nil {
		return resp
	}
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		name, typ := oc.OperationName, ""
		if oc.Operation != nil {
			name, typ = oc.Operation.Name, string(oc.Operation.Operation)
			if name == "" {
				name = "anonymous"
			}
		}
		info.SetOperation(name, typ)
	}
	if resp != nil {
		info.AddGraphQLErrors(len(resp.Errors))
	}
	return resp
}
