// Package rest is the Kazoo v2 (Crossbar) compatibility layer: the v2 route
// table, Kazoo's request and response envelopes, and the mapping of domain
// errors to Kazoo error bodies. Each handler decodes, makes one service call
// and encodes; no rule lives here.
package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path"
	"runtime/debug"
	"strings"

	"numberd/internal/reqinfo"
	"numberd/models"
	"numberd/service"
)

// Config tunes the REST handler.
type Config struct {
	// MaxBodyBytes bounds request bodies (413 beyond).
	MaxBodyBytes int64
	// Version is reported in every envelope.
	Version string
	Logger  *slog.Logger
	// TrustedProxies are reverse proxies whose X-Forwarded-For is believed
	// (clientaddr.go); empty means X-Forwarded-For is ignored.
	TrustedProxies []netip.Prefix
}

// Handler serves /v2/.
type Handler struct {
	svc     *service.Service
	mux     *http.ServeMux
	log     *slog.Logger
	maxBody int64
	version string
	node    string
	routes  []route
	proxies []netip.Prefix
}

// NewHandler returns the v2 API.
func NewHandler(svc *service.Service, cfg Config) *Handler {
	h := &Handler{svc: svc, mux: http.NewServeMux(), log: cfg.Logger, maxBody: cfg.MaxBodyBytes, version: cfg.Version, proxies: cfg.TrustedProxies}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxBody <= 0 {
		h.maxBody = 1 << 20
	}
	if h.version == "" {
		h.version = "dev"
	}
	host, _ := os.Hostname()
	h.node = base64.RawURLEncoding.EncodeToString([]byte("numberd@" + host))
	h.routes = h.routeTable()
	for _, rt := range h.routes {
		h.mux.Handle(rt.method+" "+rt.pattern, h.adapt(rt))
	}
	return h
}

// request is one v2 call as handlers see it.
type request struct {
	*http.Request
	id    string
	token string
	actor *models.Actor
	// env is the decoded request envelope; data its "data" object.
	env  map[string]any
	data models.Doc
	// allow lists the methods of the path, for 405 replies.
	allow string
}

func (r *request) ctx() context.Context { return r.Context() }

// query returns a query-string value.
func (r *request) query(k string) string { return r.URL.Query().Get(k) }

type handlerFunc func(r *request) (*reply, error)

type route struct {
	method  string
	pattern string
	fn      handlerFunc
	// public routes answer without a token (the token is still used when
	// given).
	public bool
	// anonymous routes never look at a token (the API description).
	anonymous bool
}

type ctxKey int

const requestKey ctxKey = 0

// ServeHTTP assigns the request id, handles CORS and verb tunnelling, turns
// the mux's own 404/405 into Kazoo envelopes, and recovers panics into a 500
// envelope.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := requestID(r)
	w.Header().Set("X-Request-ID", id)
	addCORS(w, r)
	req := &request{Request: r, id: id}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			reqinfo.FromContext(r.Context()).SetPanicked()
			h.log.Error("panic", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			h.writeError(w, req, models.Internal(errors.New("panic")))
		}
	}()
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusOK)
		return
	}
	// Crossbar lets clients tunnel PUT/PATCH/DELETE through POST with a verb
	// in the query string or at the root of the JSON envelope (§1.3).
	if r.Method == http.MethodPost {
		v := r.URL.Query().Get("verb")
		if v == "" {
			v = h.envelopeVerb(r)
		}
		if v != "" {
			r.Method = strings.ToUpper(v)
		}
	}
	ctx := models.NewContextWithRequestID(r.Context(), id)
	r = r.WithContext(context.WithValue(ctx, requestKey, req))
	req.Request = r
	if !cleanPath(r.URL.Path) {
		// The mux would answer a redirect to the cleaned path (a bare HTML
		// body): an API path with "..", "." or "//" names nothing.
		h.writeError(w, req, errPathNotFound())
		return
	}
	if _, pattern := h.mux.Handler(r); pattern == "" {
		// Let the mux decide between 404 and 405, then answer in Kazoo's shape.
		rec := &statusRecorder{header: http.Header{}}
		h.mux.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			if allow := allowedMethods(r.URL.Path, rec.header.Get("Allow")); allow != "" {
				req.allow = allow
				h.writeError(w, req, errInvalidMethod())
				return
			}
		}
		h.writeError(w, req, errPathNotFound())
		return
	}
	h.mux.ServeHTTP(w, r)
}

// envelopeVerb returns the "verb" at the root of a POST's JSON envelope, or
// "". The body is left intact for decodeBody; a body over the size limit is
// not inspected (decodeBody answers 413).
func (h *Handler) envelopeVerb(r *http.Request) string {
	if r.Body == nil || r.Body == http.NoBody {
		return ""
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, h.maxBody+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	if err != nil || int64(len(head)) > h.maxBody || !bytes.Contains(head, []byte(`"verb"`)) {
		return ""
	}
	var env struct {
		Verb string `json:"verb"`
	}
	if json.Unmarshal(head, &env) != nil {
		return ""
	}
	return env.Verb
}

// cleanPath reports a path ServeMux serves without redirecting.
func cleanPath(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

func errInvalidMethod() *models.Error {
	return &models.Error{Code: models.EINVALID, Reason: "invalid_method", Message: "invalid method", System: true}
}

func errPathNotFound() *models.Error {
	return &models.Error{Code: models.ENOTFOUND, Reason: "not_found", Message: "not found", System: true}
}

// adapt turns a handlerFunc into an http.Handler: decode the envelope,
// authenticate, call, write the reply or the error.
func (h *Handler) adapt(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		r, _ := hr.Context().Value(requestKey).(*request)
		if r == nil { // served directly by the mux (tests)
			r = &request{Request: hr, id: requestID(hr)}
		}
		info := reqinfo.FromContext(hr.Context())
		info.SetRoute(rt.pattern)
		if err := r.decodeBody(w, h.maxBody); err != nil {
			r.token = tokenFrom(r)
			h.writeError(w, r, err)
			return
		}
		r.token = tokenFrom(r)
		if rt.anonymous {
			r.token = ""
		} else if r.token != "" || !rt.public {
			a, err := h.svc.Authenticate(r.Context(), r.token)
			if err != nil {
				h.writeError(w, r, err)
				return
			}
			r.actor = a
			info.SetAccount(a.Account.ID)
			r.Request = r.WithContext(models.NewContextWithActor(r.Context(), a))
		}
		rep, err := rt.fn(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		h.writeReply(w, r, rep)
	})
}

// tokenFrom finds the auth token: X-Auth-Token, then auth_token in the
// request data, query string or envelope, then Authorization: Bearer.
func tokenFrom(r *request) string {
	if t := r.Header.Get("X-Auth-Token"); t != "" {
		return t
	}
	if t, ok := r.data["auth_token"].(string); ok && t != "" {
		return t
	}
	if t := r.URL.Query().Get("auth_token"); t != "" {
		return t
	}
	if t, ok := r.env["auth_token"].(string); ok && t != "" {
		return t
	}
	if a := r.Header.Get("Authorization"); a != "" {
		if t, ok := strings.CutPrefix(a, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
	}
	return ""
}

// requestID echoes a sane X-Request-ID or makes one.
func requestID(r *http.Request) string { return models.RequestIDOrNew(r.Header.Get("X-Request-ID")) }

func addCORS(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, PUT, POST, PATCH, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, X-Auth-Token, X-Request-ID, Authorization, Accept")
	h.Set("Access-Control-Expose-Headers", "Content-Type, X-Auth-Token, X-Request-ID, Location")
	h.Set("Access-Control-Max-Age", "86400")
}

// statusRecorder captures the mux's own 404/405 answer.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }
