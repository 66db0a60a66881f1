package main

import (
	"log/slog"
	"net/http"
	"strings"

	"numberd/graph"
	"numberd/graph/playground"
	"numberd/internal/reqinfo"
	"numberd/rest"
	"numberd/rest/openapi"
	"numberd/service"
)

// newHandler is numberd's whole HTTP surface: the Kazoo v2 API, GraphQL,
// health, readiness and metrics, behind the instrumenting and
// panic-recovering middleware. m may be nil (metrics off); wrap (tests) may
// add routes.
func newHandler(svc *service.Service, c Config, log *slog.Logger, m *metrics, wrap func(http.Handler, *service.Service) http.Handler) http.Handler {
	mux := http.NewServeMux()
	api := rest.NewHandler(svc, rest.Config{MaxBodyBytes: c.MaxBodyBytes, Version: version, Logger: log,
		TrustedProxies: c.TrustedProxies})
	gql := graph.NewHandler(svc, graph.Config{
		Introspection: c.Introspection, MaxFirst: c.GraphQLMaxFirst, MaxComplexity: c.GraphQLMaxCost,
		MaxDepth: c.GraphQLMaxDepth, MaxBodyBytes: c.MaxBodyBytes, Logger: log,
		MaxAliases: c.GraphQLMaxAliases, APQCacheSize: c.GraphQLAPQCache,
	})
	mux.Handle("/graphql", gql)
	// The v2 API reference (the document itself is GET /v2/openapi.json).
	docs := openapi.Docs()
	mux.Handle("GET "+openapi.DocsPath, docs)
	mux.Handle("GET "+openapi.DocsPath+"/", docs)
	if c.Playground {
		pg := playground.Handler("/playground")
		mux.Handle("GET /playground", pg)
		mux.Handle("GET /playground/", pg)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, map[string]any{"status": "ok", "version": version})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Ready(r.Context()); err != nil {
			writeStatus(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "database": "unreachable"})
			return
		}
		writeStatus(w, http.StatusOK, map[string]any{"status": "ready", "database": "ok"})
	})
	if m != nil {
		mux.Handle("GET /metrics", m.handler())
	}
	// Every /v2/ path goes to the REST handler as sent: ServeMux would
	// answer an unclean one ("..", "//") with a redirect and an HTML body;
	// the REST handler answers Kazoo envelopes.
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			reqinfo.FromContext(r.Context()).SetRoute("/v2/")
			api.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	if wrap != nil {
		h = wrap(h, svc)
	}
	return instrument(log, m, c.RequestTimeout, recoverPanics(log, h))
}
