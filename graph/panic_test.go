package graph

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"numberd/models"
	"numberd/service"
)

// TestHandler_ResolverPanicIsAnError: a resolver that panics (here: a
// service with no database) gives a GraphQL error with code INTERNAL and a
// log line, not a dead process or a hung request.
func TestHandler_ResolverPanicIsAnError(t *testing.T) {
	var logs bytes.Buffer
	svc := service.New(nil, service.DefaultConfig())
	h := NewHandler(svc, Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	actor := &models.Actor{Account: models.AccountRef{ID: "0123456789abcdef0123456789abcdef", Path: "0123456789abcdef0123456789abcdef", Admin: true}}
	for i := 0; i < 2; i++ {
		req := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":"{ account(id: \"0123456789abcdef0123456789abcdef\") { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(models.NewContextWithActor(req.Context(), actor))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var body struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
			t.Fatalf("answer %d %s", rec.Code, rec.Body)
		}
		if body.Errors[0].Message != "internal error" || body.Errors[0].Extensions["code"] != "INTERNAL" {
			t.Fatalf("error %+v", body.Errors[0])
		}
	}
	if strings.Count(logs.String(), `"msg":"graphql panic"`) != 2 || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("log: %s", logs.String())
	}
}
