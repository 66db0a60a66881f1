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
	return authenticate(svc, cfg, srv)
}

// authenticate puts the caller in the context. A request without a token
// runs anonymously (only introspection answers); a bad token is a 401.
func authenticate(svc *service.Service, cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, cfg.MaxBodyBytes)
		ctx := r.Context()
		id := models.RequestIDOrNew(r.Header.Get("X-Request-ID"))
		ctx = models.NewContextWithRequestID(ctx, id)
		w.Header().Set("X-Request-ID", id)
		if tok := token(r); tok != "" {
			a, err := svc.Authenticate(ctx, tok)
			if err != nil {
				// Only a token the database rejected is a 401: a token that
				// could not be checked must not send the client to log in.
				code, status, msg := "UNAUTHENTICATED", http.StatusUnauthorized, "invalid credentials"
				switch models.ErrorCode(err) {
				case models.EUNAUTHORIZED:
				case models.EUNAVAILABLE:
					code, status, msg = "UNAVAILABLE", http.StatusServiceUnavailable, models.AsError(err).Message
				default:
					cfg.Logger.Error("graphql authentication", "err", err)
					code, status, msg = "INTERNAL", http.StatusInternalServerError, "internal error"
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
					"message": msg, "extensions": map[string]any{"code": code},
				}}})
				return
			}
			ctx = models.NewContextWithActor(ctx, a)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
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
