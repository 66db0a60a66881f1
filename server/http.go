package main

import (
	"log/slog"
	"net/http"

	"numberd/graph"
	"numberd/graph/playground"
	"numberd/rest"
	"numberd/rest/openapi"
	"numberd/service"
)

// newHandler is numberd's whole HTTP surface.
func newHandler(svc *service.Service, c Config, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/v2/", rest.NewHandler(svc, rest.Config{MaxBodyBytes: c.MaxBodyBytes, Version: version, Logger: log}))
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
	return accessLog(log, mux)
}
