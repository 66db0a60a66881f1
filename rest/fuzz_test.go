package rest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"numberd/internal/apitest"
)

var fuzzMethods = []string{"GET", "PUT", "POST", "PATCH", "DELETE"}

// checkEnvelope fails on a 5xx or an answer that is not a Kazoo envelope.
func checkFuzzEnvelope(t *testing.T, rec *httptest.ResponseRecorder, what string) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	var env map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("%s: answer is not JSON (%v): %q", what, err, rec.Body)
	}
	if env["status"] != "success" && env["status"] != "error" {
		t.Fatalf("%s: not an envelope: %s", what, rec.Body)
	}
}

// FuzzHandler_NumberPath sends whatever path segment to the number routes
// of the real handler on a real database: never a panic, never a 5xx,
// always a Kazoo envelope.
func FuzzHandler_NumberPath(f *testing.F) {
	e := apitest.New(f)
	for _, s := range []string{"+14158867900", "%2B14158867900", "%252B14158867900", "4158867900", "911", "collection",
		"check", "%", "%zz", "..", "%2e%2e", "+", "%2B", "+1415886790%30", "%00", "+14158867900/activate", "+14158867900/identify", "a b"} {
		f.Add(uint8(0), s)
		f.Add(uint8(1), s)
	}
	f.Fuzz(func(t *testing.T, m uint8, seg string) {
		path := "/v2/accounts/" + e.Master.ID + "/phone_numbers/" + seg
		u, err := url.Parse(path)
		if err != nil {
			t.Skip()
		}
		req := &http.Request{Method: fuzzMethods[int(m)%len(fuzzMethods)], URL: u, RequestURI: path, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"X-Auth-Token": {e.Master.Token}}, Body: http.NoBody, Host: "numberd.test"}
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, req)
		checkFuzzEnvelope(t, rec, req.Method+" "+path)
	})
}

// FuzzHandler_Body sends whatever body to the routes that decode one (a
// number, a collection, api_auth, an account): never a panic, never a 5xx,
// always a Kazoo envelope.
func FuzzHandler_Body(f *testing.F) {
	e := apitest.New(f)
	for _, b := range []string{
		``, `{}`, `{"data":{}}`, `{"data":null}`, `{"data":[]}`, `[]`, `null`, `"x"`, `{"data":{"numbers":["+14158867900"]}}`,
		`{"data":{"numbers":"+14158867900"}}`, `{"data":{"numbers":[1,2,3]}}`, `{"data":{"numbers":[null,{}]}}`,
		`{"data":{"create_with_state":"bogus"}}`, `{"data":{"create_with_state":7}}`, `{"data":{"cnam":{"display_name":"` + strings.Repeat("x", 40) + `"}}}`,
		`{"data":{"e911":{"street_address":1}}}`, `{"data":{"api_key":"nope"}}`, `{"data":{"api_key":{}}}`, `{"data":{"name":12}}`,
		`{"data":{"features":["failover"],"failover":{"e164":"+1"}}}`, `{"data":{` + strings.Repeat(`"a":{`, 60) + strings.Repeat(`}`, 60) + `}}`,
		`{"data":{"a":1e999}}`, `{"data":{"a":"\ud800"}}`, `{"data":`, "\xff\xfe", `{"data":{},"accept_charges":"yes","auth_token":5}`,
	} {
		for p := uint8(0); p < 5; p++ {
			f.Add(p, []byte(b))
		}
	}
	base := "/v2/accounts/" + e.Master.ID
	routes := []struct{ method, path string }{
		{"PUT", base + "/phone_numbers/%2B14158867900"},
		{"POST", base + "/phone_numbers/%2B14158867900"},
		{"PUT", base + "/phone_numbers/collection"},
		{"PUT", "/v2/api_auth"},
		{"PUT", base},
	}
	f.Fuzz(func(t *testing.T, p uint8, body []byte) {
		rt := routes[int(p)%len(routes)]
		req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", e.Master.Token)
		rec := httptest.NewRecorder()
		e.Handler.ServeHTTP(rec, req)
		checkFuzzEnvelope(t, rec, rt.method+" "+rt.path)
	})
}
