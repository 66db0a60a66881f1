package rest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzPathNumber: decoding the {number} path segment never panics; a
// segment without '%' comes back as is (a raw '+' stays a plus), and
// decoding is at most twice (decisions.md 9).
func FuzzPathNumber(f *testing.F) {
	for _, s := range []string{"+14158867900", "%2B14158867900", "%252B14158867900", "4158867900", "%", "%zz", "%25", "%2", "collection", "+1%20415", "%C0%AF", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seg string) {
		hr := &http.Request{URL: &url.URL{Path: "/"}}
		hr.SetPathValue("number", seg)
		got := pathNumber(&request{Request: hr}, "number")
		if !strings.Contains(seg, "%") && got != seg {
			t.Fatalf("pathNumber(%q) = %q", seg, got)
		}
		if d, err := url.PathUnescape(seg); err == nil && got != d {
			t.Fatalf("pathNumber(%q) = %q, want one decoding %q", seg, got, d)
		}
	})
}
