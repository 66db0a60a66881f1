package graph

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"numberd/graph/generated"
	"numberd/internal/reqinfo"
	"numberd/models"
	"numberd/service"
)

// Config tunes the GraphQL endpoint.
type Config struct {
	// Introspection allows __schema queries (the playground needs them).
	Introspection bool
	// MaxFirst caps connection page sizes.
	MaxFirst int
	// MaxComplexity bounds a query's cost (connections cost first × child).
	MaxComplexity int
	// MaxDepth bounds selection nesting.
	MaxDepth int
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64
	Logger       *slog.Logger
}

func (c *Config) defaults() {
	if c.MaxFirst <= 0 {
		c.MaxFirst = 100
	}
	if c.MaxComplexity <= 0 {
		c.MaxComplexity = 20000
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = 12
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// NewHandler returns the /graphql endpoint: gqlgen's server with explicit
// transports, a bounded query cache, limits, the error presenter, and
// authentication with the same tokens as the REST API.
func NewHandler(svc *service.Service, cfg Config) http.Handler {
	cfg.defaults()
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{Svc: svc, Cfg: cfg}}))
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.SetErrorPresenter(errorPresenter(cfg.Logger))
	srv.SetRecoverFunc(recoverFunc(cfg.Logger))
	srv.Use(observer{})
	return authenticate(svc, cfg, srv)
}

// authenticate puts the caller in the context. A request without a token
// runs anonymously (only introspection answers); a bad token is a 401.
func authenticate(svc *service.Service, cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > cfg.MaxBodyBytes {
			writeGQLError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body is larger than the limit")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, cfg.MaxBodyBytes)
		ctx := r.Context()
		if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 128 {
			ctx = models.NewContextWithRequestID(ctx, id)
			w.Header().Set("X-Request-ID", id)
		}
		if tok := token(r); tok != "" {
			a, err := svc.Authenticate(ctx, tok)
			if err != nil {
				code, status := "UNAUTHENTICATED", http.StatusUnauthorized
				if models.ErrorCode(err) == models.EUNAVAILABLE {
					code, status = "UNAVAILABLE", http.StatusServiceUnavailable
				}
				writeGQLError(w, status, code, models.AsError(err).Message)
				return
			}
			reqinfo.FromContext(ctx).SetAccount(a.Account.ID)
			ctx = models.NewContextWithActor(ctx, a)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// writeGQLError answers a request refused before GraphQL execution.
func writeGQLError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message": message, "extensions": map[string]any{"code": code},
	}}})
}

func token(r *http.Request) string {
	if t := r.Header.Get("X-Auth-Token"); t != "" {
		return t
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}
