package graph

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
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
	// MaxBodyBytes bounds request bodies (and websocket messages).
	MaxBodyBytes int64
	// MaxAliases bounds the aliased fields of one operation.
	MaxAliases int
	// APQCacheSize bounds the automatic persisted query cache (entries).
	APQCacheSize int
	// LoaderWait is how long a dataloader batch collects keys.
	LoaderWait time.Duration
	// KeepAlive is the websocket keep-alive interval.
	KeepAlive time.Duration
	Logger    *slog.Logger
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
	if c.MaxAliases <= 0 {
		c.MaxAliases = 50
	}
	if c.APQCacheSize <= 0 {
		c.APQCacheSize = 1000
	}
	if c.LoaderWait <= 0 {
		c.LoaderWait = 2 * time.Millisecond
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// NewHandler returns the /graphql endpoint: gqlgen's server with explicit
// transports (websocket for subscriptions, POST, GET), a bounded query
// cache, automatic persisted queries, the query limits (depth, aliases,
// page size, complexity), per-operation dataloaders, the error presenter,
// and authentication with the same tokens as the REST API.
func NewHandler(svc *service.Service, cfg Config) http.Handler {
	cfg.defaults()
	gc := generated.Config{Resolvers: &Resolver{Svc: svc, Cfg: cfg}}
	complexity(&gc.Complexity, cfg.MaxFirst)
	srv := handler.New(generated.NewExecutableSchema(gc))
	// The websocket transport goes first: an upgrade request is also a GET.
	readLimit := cfg.MaxBodyBytes
	srv.AddTransport(transport.Websocket{
		InitFunc: wsInit(svc),
		// Keep idle subscriptions alive through proxies and notice dead
		// clients: graphql-ws gets keep-alive messages, graphql-transport-ws
		// pings that must be answered.
		KeepAlivePingInterval: cfg.KeepAlive,
		PingPongInterval:      cfg.KeepAlive,
		PayloadReadLimit:      &readLimit,
		InitTimeout:           10 * time.Second,
	})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](cfg.APQCacheSize)})
	srv.Use(queryLimits{maxDepth: cfg.MaxDepth, maxAliases: cfg.MaxAliases, maxFirst: cfg.MaxFirst})
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(context.WithValue(ctx, loadersKey{}, newLoaders(svc, cfg.LoaderWait)))
	})
	srv.SetErrorPresenter(errorPresenter(cfg.Logger))
	srv.SetRecoverFunc(recoverFunc(cfg.Logger))
	srv.Use(observer{})
	return authenticate(svc, cfg, srv)
}

// wsInit authenticates a websocket connection from its connection_init
// payload ({"token": "..."}, or "X-Auth-Token", or "Authorization":
// "Bearer ..."), for clients (browsers) that cannot set headers on the
// upgrade request; a token in the upgrade request's headers works as well.
// A bad token refuses the connection.
func wsInit(svc *service.Service) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		tok := p.GetString("token")
		if tok == "" {
			tok = p.GetString("X-Auth-Token")
		}
		if tok == "" {
			tok, _ = strings.CutPrefix(p.Authorization(), "Bearer ")
		}
		if tok == "" {
			return ctx, nil, nil
		}
		a, err := svc.Authenticate(ctx, strings.TrimSpace(tok))
		if err != nil {
			msg := "invalid token"
			if me := models.AsError(err); me != nil {
				msg = me.Message
			}
			return ctx, nil, errors.New(msg)
		}
		return models.NewContextWithActor(ctx, a), nil, nil
	}
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
				writeGQLError(w, status, code, msg)
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
