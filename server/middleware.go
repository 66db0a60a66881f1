package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"numberd/internal/reqinfo"
	"numberd/models"
)

// instrument is the outermost layer of every request: it settles the
// request id (a sane X-Request-ID is kept, anything else replaced, and the
// handlers below echo it), puts a reqinfo.Info in the context for the
// transports to fill in, bounds the request with requestTimeout, and when
// the request is done writes the access log line and the metrics.
//
// The access log has request_id, account, method, path (the route pattern),
// target (the raw path, never the query string, which may carry an
// auth_token), status, duration and, for GraphQL, the operation. It never
// logs headers or bodies, so tokens and API keys cannot reach the logs.
func instrument(log *slog.Logger, m *metrics, requestTimeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			id = newRequestID()
		}
		r.Header.Set("X-Request-ID", id)
		ctx, info := reqinfo.NewContext(r.Context(), id)
		ctx = models.NewContextWithRequestID(ctx, id)
		if requestTimeout > 0 && !streamingRequest(r) {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, requestTimeout)
			defer cancel()
		}
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		if m != nil {
			m.inflight.Inc()
		}
		aborted := true
		defer func() {
			if m != nil {
				m.inflight.Dec()
			}
			status := sw.status
			if aborted {
				status = 499 // the handler aborted the connection (http.ErrAbortHandler)
			}
			snap := info.Snapshot()
			route := snap.Route
			if route == "" {
				route = routeOf(r.Pattern)
			}
			d := time.Since(start)
			if m != nil {
				m.observe(r.Method, route, status, d, snap)
			}
			if quietRoute(route) && status < 500 {
				return
			}
			attrs := []any{"request_id", id, "account", snap.Account, "method", r.Method, "path", route,
				"target", r.URL.Path, "status", status, "duration_ms", float64(d.Microseconds()) / 1000,
				"client", remoteHost(r)}
			if snap.Operation != "" || route == "/graphql" {
				attrs = append(attrs, "operation", snap.Operation)
			}
			log.Info("request", attrs...)
		}()
		next.ServeHTTP(sw, r)
		aborted = false
	})
}

// recoverPanics turns a panic anywhere below it into a 500 answer in the
// shape of the API that was called and an error log line with the stack;
// the process lives on. http.ErrAbortHandler passes through (net/http
// aborts the connection quietly). When the handler had already started
// answering, the connection is aborted instead, so the client cannot take a
// truncated answer for a complete one.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			reqinfo.FromContext(r.Context()).SetPanicked()
			id := r.Header.Get("X-Request-ID")
			log.Error("panic", "request_id", id, "method", r.Method, "target", r.URL.Path,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if sw, ok := w.(*statusWriter); ok && sw.wroteHeader {
				panic(http.ErrAbortHandler)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			if strings.HasPrefix(r.URL.Path, "/graphql") {
				fmt.Fprint(w, `{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`+"\n")
				return
			}
			fmt.Fprintf(w, `{"status":"error","error":"500","message":"unspecified_fault","data":{"message":"unspecified fault"},"request_id":%q}`+"\n", id)
		}()
		next.ServeHTTP(w, r)
	})
}

// routeOf strips the method from a mux pattern ("GET /healthz" → "/healthz");
// an unmatched request is "unmatched".
func routeOf(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	if _, p, ok := strings.Cut(pattern, " "); ok {
		return p
	}
	return pattern
}

// quietRoute: probes and scrapes are not access-logged (they are counted).
func quietRoute(route string) bool {
	return route == "/healthz" || route == "/readyz" || route == "/metrics"
}

// streamingRequest reports a request that may legitimately outlive
// --request-timeout: a CSV export (it reads the database page by page, each
// page still bounded by the database timeouts), a websocket upgrade or a
// server-sent-events stream (GraphQL subscriptions).
func streamingRequest(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/csv") || strings.EqualFold(r.URL.Query().Get("accept"), "csv") ||
		strings.Contains(accept, "text/event-stream") || r.Header.Get("Upgrade") != ""
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// statusWriter records the status a handler answered with. It keeps the
// optional interfaces streaming (Flush) and websockets (Hijack) need.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wroteHeader && code >= 200 {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wroteHeader = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Flush() {
	s.wroteHeader = true
	http.NewResponseController(s.ResponseWriter).Flush()
}

func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.wroteHeader = true
	s.status = http.StatusSwitchingProtocols
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
