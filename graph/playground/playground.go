// Package playground serves GraphiQL for numberd's GraphQL endpoint, with
// its JavaScript and CSS embedded in the binary: operators explore the API
// on networks without internet access. The third-party files in assets/ are
// pinned npm releases fetched by `make playground-assets` (see
// assets/VERSIONS); index.html and playground.js are numberd's own.
package playground

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed index.html playground.js playground.css assets/*.js assets/*.css
var files embed.FS

// Handler serves the playground at prefix (e.g. /playground): the page at
// prefix itself and its files below prefix/. The page talks to endpoint
// (/graphql) over HTTP POST, and over a websocket for subscriptions; the
// token typed in its X-Auth-Token field goes with every request.
func Handler(prefix string) http.Handler {
	static, _ := fs.Sub(files, ".")
	fileServer := http.StripPrefix(prefix+"/", http.FileServerFS(static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// Everything the page loads comes from numberd itself.
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		switch rest := strings.TrimPrefix(r.URL.Path, prefix); rest {
		case "", "/":
			h.Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, "index.html")
		case "/index.html":
			http.Redirect(w, r, prefix, http.StatusMovedPermanently)
		default:
			if strings.HasPrefix(rest, "/assets/") {
				h.Set("Cache-Control", "public, max-age=86400")
			}
			fileServer.ServeHTTP(w, r)
		}
	})
}
