package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"numberd/store/storetest"
)

// TestRun_ServesAPIDocs: the real server serves the reference page, its
// embedded script and the OpenAPI document, all without a token.
func TestRun_ServesAPIDocs(t *testing.T) {
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "docs-master-key"}, "--db", storetest.DSN(t))
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(s.base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := get("/docs")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, m := range regexp.MustCompile(`(?:src|spec-url)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		r, body := get(m[1])
		if r.StatusCode != 200 || len(body) < 1000 {
			t.Errorf("%s (from /docs): %d, %d bytes", m[1], r.StatusCode, len(body))
		}
	}
	resp, doc := get("/v2/openapi.json")
	if resp.StatusCode != 200 || !strings.Contains(doc, `"openapi": "3.0.3"`) {
		t.Errorf("/v2/openapi.json: %d %.100s", resp.StatusCode, doc)
	}
}
