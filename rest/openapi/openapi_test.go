package openapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"numberd/rest/openapi"
)

// TestJSON_SameDocumentAsYAML: the served JSON is the YAML source, in the
// source's key order.
func TestJSON_SameDocumentAsYAML(t *testing.T) {
	var fromYAML, fromJSON any
	if err := yaml.Unmarshal(openapi.YAML(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(openapi.JSON(), &fromJSON); err != nil {
		t.Fatalf("served JSON does not parse: %v", err)
	}
	// Round-trip the YAML value through JSON so numbers compare as float64.
	b, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	var want any
	json.Unmarshal(b, &want)
	if !reflect.DeepEqual(want, fromJSON) {
		t.Fatal("openapi.JSON() differs from openapi.yaml")
	}
	js := string(openapi.JSON())
	if i, j := strings.Index(js, `"/v2/api_auth"`), strings.Index(js, `"/v2/accounts/{account}"`); i < 0 || j < 0 || i > j {
		t.Errorf("paths are not in source order (api_auth at %d, accounts at %d)", i, j)
	}
}

func TestToJSON_Scalars(t *testing.T) {
	got, err := openapi.ToJSON([]byte("a: 1\nb: 1.5\nc: true\nd: null\ne: \"3.0.3\"\nf: [x, 'y: z']\ng: <b>&\n"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": 1.0, "b": 1.5, "c": true, "d": nil, "e": "3.0.3", "f": []any{"x", "y: z"}, "g": "<b>&"}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, want %v", m, want)
	}
	if _, err := openapi.ToJSON([]byte("a: [")); err == nil {
		t.Error("bad YAML converted without error")
	}
}

var urlAttr = regexp.MustCompile(`(?i)\b(?:src|href|spec-url)\s*=\s*"([^"]*)"`)

// TestDocs_RendersOffline: /docs is an HTML page whose every URL is on this
// server, and each of them is served.
func TestDocs_RendersOffline(t *testing.T) {
	docs := openapi.Docs()
	for _, path := range []string{"/docs", "/docs/"} {
		rec := httptest.NewRecorder()
		docs.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("GET %s: Content-Type %q", path, ct)
		}
		page := rec.Body.String()
		if !strings.Contains(page, "<redoc") {
			t.Fatalf("GET %s: no Redoc element:\n%s", path, page)
		}
		if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "//cdn") {
			t.Errorf("GET %s: the page names a remote URL:\n%s", path, page)
		}
		urls := urlAttr.FindAllStringSubmatch(page, -1)
		if len(urls) < 2 {
			t.Fatalf("GET %s: expected the spec URL and the script, found %v", path, urls)
		}
		var sawSpec, sawScript bool
		for _, m := range urls {
			u := m[1]
			if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
				t.Errorf("GET %s: %q is not a local absolute path", path, u)
				continue
			}
			if u == openapi.SpecPath {
				sawSpec = true
				continue // served by package rest (tested there)
			}
			rec := httptest.NewRecorder()
			docs.ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != http.StatusOK || len(body) < 1000 {
				t.Errorf("asset %s: %d, %d bytes", u, rec.Code, len(body))
			}
			if strings.HasSuffix(u, ".js") {
				sawScript = true
				if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
					t.Errorf("asset %s: Content-Type %q", u, ct)
				}
			}
		}
		if !sawSpec || !sawScript {
			t.Errorf("GET %s: spec URL seen %v, script seen %v", path, sawSpec, sawScript)
		}
	}
}

func TestDocs_UnknownAssetIs404(t *testing.T) {
	rec := httptest.NewRecorder()
	openapi.Docs().ServeHTTP(rec, httptest.NewRequest("GET", "/docs/assets/nope.js", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", rec.Code)
	}
}

// TestDocs_AssetsAsFetched: the committed Redoc bundle is the one
// `make docs-assets` recorded in assets/VERSION.
func TestDocs_AssetsAsFetched(t *testing.T) {
	version, err := os.ReadFile("assets/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := os.ReadFile("assets/redoc.standalone.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bundle)
	want := hex.EncodeToString(sum[:]) + "  redoc.standalone.js"
	if !strings.Contains(string(version), want) {
		t.Errorf("assets/VERSION does not record the bundle's sha256 %s:\n%s(run make docs-assets)", want, version)
	}
}
