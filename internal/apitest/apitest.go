// Package apitest drives numberd's HTTP APIs in tests: a real database
// (storetest: SQLite file, or MySQL with NUMBERD_TEST_DB=mysql), the real
// service, the real REST and GraphQL handlers, and helpers to create
// accounts, call endpoints and compare envelopes with golden files.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"numberd/graph"
	"numberd/rest"
	"numberd/service"
	"numberd/store"
	"numberd/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// MasterKey is the master account's API key in every test environment.
const MasterKey = "test-master-api-key"

// Checker validates one exchange.
type Checker func(tb testing.TB, x *Exchange)

// Check is run on every REST exchange (/v2/...) made through a Client. It
// validates the request and the response against the OpenAPI document
// (openapi.go). A test may wrap it (and must then not be parallel),
// restoring it when done.
var Check Checker = CheckOpenAPI

// Exchange is one REST request as sent and the reply it got.
type Exchange struct {
	Method string
	// Path is the request target as given to Do, query included.
	Path   string
	Header http.Header
	Body   []byte
	// BadRequest is set when the client sends requests outside the
	// document on purpose (Client.Bad): only the response is checked.
	BadRequest bool
	Response   *Response
}

// Env is one numberd stack on a fresh database.
type Env struct {
	T       testing.TB
	DB      *store.DB
	Svc     *service.Service
	Handler http.Handler
	Master  Account
	// DSN is the database (numberd's --db value), for Peer.
	DSN     string
	opts    []Option
	svcOpts []service.Option

	mu    sync.Mutex
	names map[string]string // volatile value → golden placeholder
}

// Account is a test account with a token.
type Account struct {
	ID, Name, APIKey, Token string
}

// Option adjusts the service configuration of an Env.
type Option func(*service.Config)

// New builds an Env. Rate limits are off and the auth cache is disabled
// unless an Option sets them.
func New(tb testing.TB, opts ...Option) *Env {
	tb.Helper()
	return newEnv(tb, storetest.DSN(tb), opts, nil)
}

// NewWithService is New with service options (e.g. an upstream carrier).
func NewWithService(tb testing.TB, svcOpts []service.Option, opts ...Option) *Env {
	tb.Helper()
	return newEnv(tb, storetest.DSN(tb), opts, svcOpts)
}

// Peer returns a second numberd stack on the same database — its own
// connection pool, service and handlers, as another instance behind the
// load balancer — with the same options plus opts. Tokens work on both.
func (e *Env) Peer(opts ...Option) *Env {
	e.T.Helper()
	return newEnv(e.T, e.DSN, append(append([]Option{}, e.opts...), opts...), e.svcOpts)
}

// GraphQL returns another /graphql handler on the Env's service, with cfg
// (tests of limits and tuning).
func (e *Env) GraphQL(cfg graph.Config) http.Handler { return graph.NewHandler(e.Svc, cfg) }

func newEnv(tb testing.TB, dsn string, opts []Option, svcOpts []service.Option) *Env {
	tb.Helper()
	db := storetest.OpenDSN(tb, dsn, store.Options{CountStatements: true})
	cfg := service.DefaultConfig()
	cfg.ActivateRate, cfg.AuthRate, cfg.AuthCacheTTL = 0, 0, 0
	for _, o := range opts {
		o(&cfg)
	}
	svc := service.New(db, cfg, svcOpts...)
	if _, _, err := svc.Bootstrap(context.Background(), MasterKey); err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	api := rest.NewHandler(svc, rest.Config{Version: "test"})
	mux.Handle("/graphql", graph.NewHandler(svc, graph.Config{Introspection: true}))
	// As server/http.go: every /v2/ path reaches the REST handler as sent.
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			api.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	e := &Env{T: tb, DB: db, Svc: svc, Handler: root, DSN: dsn, opts: opts, svcOpts: svcOpts, names: map[string]string{}}
	e.Master = e.Login(MasterKey)
	e.Master.APIKey, e.Master.Name = MasterKey, "master"
	e.Name(e.Master.ID, "{MASTER_ID}")
	return e
}

// Name registers a placeholder for a volatile value in golden files.
func (e *Env) Name(value, placeholder string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.names[value] = placeholder
}

// Login exchanges an API key for a token.
func (e *Env) Login(apiKey string) Account {
	e.T.Helper()
	r := e.Client("").Do("PUT", "/v2/api_auth", map[string]any{"data": map[string]any{"api_key": apiKey}})
	if r.Status != http.StatusCreated {
		e.T.Fatalf("api_auth: %d %s", r.Status, r.Raw)
	}
	d := r.DataMap()
	return Account{ID: d["account_id"].(string), Name: fmt.Sprint(d["account_name"]), APIKey: apiKey, Token: r.Body["auth_token"].(string)}
}

// NewAccount creates a child of parent (as the master, so flags may be
// set), names it for golden files, and logs in as it.
func (e *Env) NewAccount(parent Account, name string, flags map[string]any) Account {
	e.T.Helper()
	data := map[string]any{"name": name}
	for k, v := range flags {
		data[k] = v
	}
	r := e.Client(e.Master.Token).Do("PUT", "/v2/accounts/"+parent.ID, map[string]any{"data": data})
	if r.Status != http.StatusCreated {
		e.T.Fatalf("create account %s: %d %s", name, r.Status, r.Raw)
	}
	id := r.DataMap()["id"].(string)
	k := e.Client(e.Master.Token).Do("GET", "/v2/accounts/"+id+"/api_key", nil)
	a := e.Login(k.DataMap()["api_key"].(string))
	a.Name = name
	e.Name(id, "{"+strings.ToUpper(name)+"_ID}")
	return a
}

// Client calls the APIs with a token ("" for none).
func (e *Env) Client(token string) *Client { return &Client{env: e, Token: token} }

// Client makes requests to an Env.
type Client struct {
	env     *Env
	Token   string
	Headers map[string]string
	// BadRequests marks the requests of this client as deliberately
	// outside the OpenAPI document (malformed JSON, wrong types, values the
	// document rules out): their requests are not validated, their
	// responses still are. See Bad.
	BadRequests bool
}

// Bad returns a copy of the client whose requests are deliberately outside
// the OpenAPI document, e.g. e.Client(tok).Bad().Do("PUT", path, "{not json").
// Without it, a request the document rejects is accepted only when the
// server rejected it too (a 4xx error envelope).
func (c *Client) Bad() *Client {
	cp := *c
	cp.BadRequests = true
	return &cp
}

// Response is a decoded reply.
type Response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

// Do sends a request. body may be nil, a string or []byte (sent as is), or
// a value marshalled to JSON.
func (c *Client) Do(method, path string, body any) *Response {
	c.env.T.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.env.T.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("X-Auth-Token", c.Token)
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	c.env.Handler.ServeHTTP(rec, req)
	resp := decode(c.env.T, rec.Result())
	if Check != nil && strings.HasPrefix(path, "/v2/") {
		Check(c.env.T, &Exchange{Method: method, Path: path, Header: req.Header, Body: raw, BadRequest: c.BadRequests, Response: resp})
	}
	return resp
}

func decode(tb testing.TB, hr *http.Response) *Response {
	tb.Helper()
	b, _ := io.ReadAll(hr.Body)
	r := &Response{Status: hr.StatusCode, Header: hr.Header, Raw: b}
	if strings.HasPrefix(hr.Header.Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&r.Body); err != nil {
			tb.Fatalf("response is not a JSON object: %v: %s", err, b)
		}
	}
	return r
}

// Data returns the envelope's data.
func (r *Response) Data() any { return r.Body["data"] }

// DataMap returns the envelope's data as an object (nil otherwise).
func (r *Response) DataMap() map[string]any {
	m, _ := r.Body["data"].(map[string]any)
	return m
}

// Message returns the envelope's message.
func (r *Response) Message() string { s, _ := r.Body["message"].(string); return s }

// Expect fails the test unless the status is want.
func (r *Response) Expect(tb testing.TB, want int) *Response {
	tb.Helper()
	if r.Status != want {
		tb.Fatalf("status %d, want %d: %s", r.Status, want, r.Raw)
	}
	return r
}

// GraphQL runs a query and returns its decoded {data, errors}.
func (c *Client) GraphQL(query string, vars map[string]any) *Response {
	c.env.T.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	return c.Do("POST", "/graphql", body)
}

// GQLData returns data of a GraphQL reply, failing on errors.
func (r *Response) GQLData(tb testing.TB) map[string]any {
	tb.Helper()
	if errs, ok := r.Body["errors"]; ok {
		tb.Fatalf("graphql errors: %v", errs)
	}
	m, _ := r.Body["data"].(map[string]any)
	return m
}

// GQLErrorCodes returns the extensions.code of each GraphQL error.
func (r *Response) GQLErrorCodes() []string {
	var out []string
	errs, _ := r.Body["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		ext, _ := m["extensions"].(map[string]any)
		out = append(out, fmt.Sprint(ext["code"]))
	}
	return out
}

var gregorianKeys = regexp.MustCompile(`^(created|modified|updated)$`)

// normalize replaces volatile values (ids, tokens, times) by placeholders.
func (e *Env) normalize(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			switch k {
			case "request_id", "timestamp", "node", "version":
				out[k] = "{" + strings.ToUpper(k) + "}"
				continue
			case "auth_token":
				if s, _ := vv.(string); s != "" {
					out[k] = "{AUTH_TOKEN}"
				} else {
					out[k] = vv
				}
				continue
			}
			out[e.replace(k)] = e.normalize(vv, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = e.normalize(vv, key)
		}
		return out
	case json.Number:
		if gregorianKeys.MatchString(key) {
			return "{GREGORIAN}"
		}
		return x
	case string:
		return e.replace(x)
	}
	return v
}

func (e *Env) replace(s string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.names[s]; ok {
		return p
	}
	return s
}

// Golden compares a response (status and normalised body) with
// testdata/<name>.golden.json, rewriting it with -update.
func (e *Env) Golden(tb testing.TB, name string, r *Response) {
	tb.Helper()
	got := map[string]any{"status": r.Status, "body": e.normalize(map[string]any(r.Body), "")}
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("golden %s missing (run go test -update): %v\ngot:\n%s", path, err, b)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(b)) {
		tb.Errorf("%s differs from golden file\n--- want\n%s\n--- got\n%s", name, want, b)
	}
}

// Keys returns the sorted keys of a JSON object.
func Keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
