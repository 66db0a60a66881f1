package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"numberd/models"
)

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestRecover_PanicBecomesInternalError: a resolver that panics (here the
// service is missing) answers a coded "internal error", logs the panic with
// its stack, hides the cause, and the handler keeps serving.
func TestRecover_PanicBecomesInternalError(t *testing.T) {
	logs := &logBuffer{}
	h := NewHandler(nil, Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	actor := &models.Actor{Account: models.AccountRef{ID: strings.Repeat("a", 32), Path: strings.Repeat("a", 32)}}
	for range 2 {
		req := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(models.NewContextWithActor(context.Background(), actor))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out struct {
			Errors []struct {
				Message    string
				Path       []string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if rec.Code != 200 || len(out.Errors) != 1 || out.Errors[0].Message != "internal error" ||
			out.Errors[0].Extensions["code"] != "INTERNAL" || len(out.Errors[0].Path) != 1 || out.Errors[0].Path[0] != "me" {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "nil pointer") {
			t.Errorf("the panic leaked to the client: %s", rec.Body)
		}
	}
	if l := logs.String(); !strings.Contains(l, "graphql panic") || !strings.Contains(l, "nil pointer") {
		t.Errorf("panic not logged: %s", l)
	}
}

// TestErrorPresenter_DomainErrorsAndInternals maps domain errors to codes
// and hides anything else.
func TestErrorPresenter_DomainErrorsAndInternals(t *testing.T) {
	p := errorPresenter(slog.New(slog.DiscardHandler))
	ctx := context.Background()
	if e := p(ctx, models.ErrNotFound()); e.Extensions["code"] != "NOT_FOUND" {
		t.Errorf("not found: %+v", e)
	}
	if e := p(ctx, models.ErrAccessDenied()); e.Extensions["code"] != "FORBIDDEN" {
		t.Errorf("forbidden: %+v", e)
	}
	e := p(ctx, errors.New("dial tcp 10.0.0.1:3306: connection refused"))
	if e.Message != "internal error" || e.Extensions["code"] != "INTERNAL" {
		t.Errorf("internal: %+v", e)
	}
}
