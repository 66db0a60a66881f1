package rest

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"numberd/service"
	"numberd/store/storetest"
)

// TestHandler_PanicBecomes500Envelope: a handler that panics answers
// Kazoo's 500 envelope, logs the panic with its stack once, and the handler
// keeps serving.
func TestHandler_PanicBecomes500Envelope(t *testing.T) {
	svc := service.New(storetest.Open(t), service.DefaultConfig())
	var logs bytes.Buffer
	h := NewHandler(svc, Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	rt := route{method: "GET", pattern: "/v2/test_panic", public: true, fn: func(*request) (*reply, error) { panic("kaboom") }}
	h.mux.Handle(rt.method+" "+rt.pattern, h.adapt(rt))

	req := httptest.NewRequest("GET", "/v2/test_panic", nil)
	req.Header.Set("X-Request-ID", "panic-req-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var env map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("not JSON: %s", rec.Body)
	}
	if rec.Code != 500 || env["status"] != "error" || env["error"] != "500" || env["message"] != "unspecified_fault" || env["request_id"] != "panic-req-1" {
		t.Fatalf("answer %d %v", rec.Code, env)
	}
	if strings.Count(logs.String(), `"msg":"panic"`) != 1 || !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("log: %s", logs.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v2/accounts/0123456789abcdef0123456789abcdef", nil))
	if rec.Code != 401 {
		t.Fatalf("after the panic: %d %s", rec.Code, rec.Body)
	}
}
