package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"numberd/internal/reqinfo"
	"numberd/models"
)

// errorPresenter maps domain errors to extensions.code (and reason), keeps
// gqlgen's own parse and validation errors, codes a refused introspection
// INTROSPECTION_DISABLED, and hides everything else behind "internal error"
// after logging it.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var ge *gqlerror.Error
		if errors.As(err, &ge) && ge.Err == nil {
			return ge // gqlgen's own error: already safe and coded
		}
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if me := models.AsError(err); me != nil && me.Code != models.EINTERNAL {
			gerr.Message = me.Message
			if me.Reason == models.ReasonValidation && len(me.Fields) > 0 {
				gerr.Message = me.Fields[0].Path + ": " + me.Fields[0].Message
			}
			gerr.Extensions = map[string]any{"code": errorCode(me)}
			if me.Reason != "" {
				gerr.Extensions["reason"] = me.Reason
			}
			return gerr
		}
		if refusedIntrospection(ctx) {
			gerr.Message = "introspection disabled"
			gerr.Extensions = map[string]any{"code": "INTROSPECTION_DISABLED"}
			return gerr
		}
		log.Error("graphql internal error", "path", gerr.Path.String(), "err", err)
		gerr.Message = "internal error"
		gerr.Extensions = map[string]any{"code": "INTERNAL"}
		return gerr
	}
}

// refusedIntrospection reports an error of a __schema or __type field:
// gqlgen's executor fails those with a plain error when introspection is
// off (Config.Introspection), which is the client's doing, not a fault.
func refusedIntrospection(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Field.Field != nil && (fc.Field.Name == "__schema" || fc.Field.Name == "__type")
}

// recoverFunc turns a panic in a resolver into an internal error.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		reqinfo.FromContext(ctx).SetPanicked()
		log.Error("graphql panic", "request_id", models.RequestIDFromContext(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return models.Internal(fmt.Errorf("panic: %v", p))
	}
}
