package openapi

import (
	"embed"
	"io/fs"
	"net/http"
)

// assets holds the reference page's script (Redoc's standalone bundle,
// fetched by `make docs-assets`) and its licence.
//
//go:embed assets
var assets embed.FS

// SpecPath is where the JSON document is served.
const SpecPath = "/v2/openapi.json"

// DocsPath is the reference page; its assets are under DocsPath+"/assets/".
const DocsPath = "/docs"

// page renders the document with the embedded Redoc bundle. Every URL in it
// is local: the page works without network access.
const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>numberd — v2 REST API reference</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<noscript>This page needs JavaScript. The OpenAPI document itself is at <a href="` + SpecPath + `">` + SpecPath + `</a>.</noscript>
<redoc spec-url="` + SpecPath + `" expand-responses="200,201" required-props-first="true" hide-hostname="true"></redoc>
<script src="` + DocsPath + `/assets/redoc.standalone.js"></script>
</body>
</html>
`

// Docs serves the reference page at /docs (and /docs/) and its assets
// under /docs/assets/. Mount it for both "GET /docs" and "GET /docs/".
func Docs() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err)
	}
	files := http.StripPrefix(DocsPath+"/assets/", http.FileServerFS(sub))
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+DocsPath+"/{$}", servePage)
	mux.HandleFunc("GET "+DocsPath, servePage)
	mux.Handle("GET "+DocsPath+"/assets/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
	return mux
}

func servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	// Only this server's own scripts, styles, images and fonts; Redoc
	// builds its search worker from a blob and injects inline styles.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' blob:; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'")
	w.Write([]byte(page))
}
