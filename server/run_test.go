package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"numberd/store/storetest"
)

// server is a numberd started through run() on a free port.
type server struct {
	t      *testing.T
	base   string
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func startServer(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	return startServerHooks(t, env, hooks{}, args...)
}

func startServerHooks(t *testing.T, env map[string]string, h hooks, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	addr := make(chan string, 1)
	getenv := func(k string) string { return env[k] }
	argv := append([]string{"numberd", "serve", "--listen", "127.0.0.1:0"}, args...)
	go func() {
		h.listening = func(a string) { addr <- a }
		s.done <- runWith(ctx, argv, getenv, strings.NewReader(""), s.stdout, s.stderr, h)
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case err := <-s.done:
		t.Fatalf("server exited: %v\n%s", err, s.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	t.Cleanup(s.stop)
	return s
}

func (s *server) stop() {
	s.once.Do(func() {
		s.cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			s.t.Error("server did not stop")
		}
	})
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func call(t *testing.T, method, url, token string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	json.Unmarshal(b, &r.body)
	return r
}

func data(r reply) map[string]any { m, _ := r.body["data"].(map[string]any); return m }

// TestRun_EndToEnd walks the README's curl sequence against the real server
// on a free port: api_auth → create account → create, list, update, release a
// number, plus a GraphQL query with the same token.
func TestRun_EndToEnd(t *testing.T) {
	dsn := storetest.DSN(t)
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "e2e-master-key"}, "--db", dsn)

	if r := call(t, "GET", s.base+"/healthz", "", nil); r.status != 200 {
		t.Fatalf("healthz %d", r.status)
	}
	if r := call(t, "GET", s.base+"/readyz", "", nil); r.status != 200 {
		t.Fatalf("readyz %d %s", r.status, r.raw)
	}
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "e2e-master-key"}})
	if auth.status != 201 {
		t.Fatalf("api_auth %d %s", auth.status, auth.raw)
	}
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)

	acct := call(t, "PUT", s.base+"/v2/accounts/"+master, tok, map[string]any{"data": map[string]any{"name": "customer"}})
	if acct.status != 201 {
		t.Fatalf("create account %d %s", acct.status, acct.raw)
	}
	a := data(acct)["id"].(string)
	nb := s.base + "/v2/accounts/" + a + "/phone_numbers"

	if r := call(t, "PUT", nb+"/%2B14158867900", tok, map[string]any{"data": map[string]any{"my_field": "x"}}); r.status != 201 || data(r)["state"] != "in_service" {
		t.Fatalf("create number %d %s", r.status, r.raw)
	}
	if r := call(t, "GET", nb, tok, nil); r.status != 200 || data(r)["numbers"].(map[string]any)["+14158867900"] == nil {
		t.Fatalf("list %d %s", r.status, r.raw)
	}
	if r := call(t, "PATCH", nb+"/%2B14158867900", tok, map[string]any{"data": map[string]any{"other": 1}}); r.status != 200 || data(r)["my_field"] != "x" || data(r)["other"] != float64(1) {
		t.Fatalf("patch %d %s", r.status, r.raw)
	}
	gq := call(t, "POST", s.base+"/graphql", tok, map[string]any{
		"query":     `query($a: ID!){ phoneNumbers(accountId: $a, first: 10){ totalCount edges{ node{ number state account{ id } publicFields } } } }`,
		"variables": map[string]any{"a": a},
	})
	conn := data(gq)["phoneNumbers"].(map[string]any)
	if gq.status != 200 || conn["totalCount"] != float64(1) {
		t.Fatalf("graphql %d %s", gq.status, gq.raw)
	}
	node := conn["edges"].([]any)[0].(map[string]any)["node"].(map[string]any)
	if node["state"] != "IN_SERVICE" || node["account"].(map[string]any)["id"] != a {
		t.Fatalf("graphql node %v", node)
	}
	if r := call(t, "DELETE", nb+"/%2B14158867900", tok, nil); r.status != 200 || data(r)["state"] != "deleted" {
		t.Fatalf("release %d %s", r.status, r.raw)
	}
	if r := call(t, "GET", nb+"/%2B14158867900", tok, nil); r.status != 404 {
		t.Fatalf("get after release %d %s", r.status, r.raw)
	}
	// The request id is echoed.
	req, _ := http.NewRequest("GET", s.base+"/v2/accounts/"+a, nil)
	req.Header.Set("X-Auth-Token", tok)
	req.Header.Set("X-Request-ID", "e2e-req-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.Header.Get("X-Request-ID") != "e2e-req-1" {
		t.Fatalf("request id not echoed: %v %v", err, resp.Header)
	}
	resp.Body.Close()
	// The access log names method, path, status; it never carries the token.
	s.stop()
	if logs := s.stderr.String(); !strings.Contains(logs, "path=/v2/accounts/") || strings.Contains(logs, tok) {
		t.Errorf("access log: token leaked or requests missing:\n%s", logs)
	}
}

// TestRun_PrintsGeneratedMasterKeyOnce: without NUMBERD_MASTER_API_KEY the
// first start prints a random key once; the second start prints nothing.
func TestRun_PrintsGeneratedMasterKeyOnce(t *testing.T) {
	dsn := storetest.DSN(t)
	s := startServer(t, nil, "--db", dsn)
	s.stop()
	out := s.stdout.String()
	i := strings.Index(out, "API key (shown once, keep it): ")
	if i < 0 {
		t.Fatalf("no key printed: %q", out)
	}
	key := strings.TrimSpace(out[i+len("API key (shown once, keep it): "):])
	s2 := startServer(t, nil, "--db", dsn)
	if r := call(t, "PUT", s2.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": key}}); r.status != 201 {
		t.Fatalf("printed key does not log in: %d %s", r.status, r.raw)
	}
	s2.stop()
	if strings.Contains(s2.stdout.String(), "API key") {
		t.Fatalf("key printed again: %q", s2.stdout.String())
	}
}

// TestRun_BadConfiguration: a bad --db or an unreachable database is one
// clear line and an error, not a stack.
func TestRun_BadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown scheme", []string{"--db", "postgres://x"}, "unsupported database"},
		{"mysql without db", []string{"--db", "mysql://root@127.0.0.1:3306/"}, "one database"},
		{"unreachable mysql", []string{"--db", "mysql://root@127.0.0.1:1/numberd?timeout=500ms"}, "connect to mysql database"},
		{"bad duration", []string{"--token-ttl", "soon"}, "duration"},
		{"bad log format", []string{"--log-format", "xml"}, "text or json"},
		{"stray argument", []string{"oops"}, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), append([]string{"numberd"}, tc.args...), func(string) string { return "" }, strings.NewReader(""), &out, &errb)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if strings.Count(strings.TrimSpace(err.Error()), "\n") > 3 || strings.Contains(err.Error(), "goroutine") {
				t.Fatalf("error is not a clear line: %q", err)
			}
		})
	}
}

// TestRun_FlagsOverrideEnv checks the configuration precedence.
func TestRun_FlagsOverrideEnv(t *testing.T) {
	env := map[string]string{"NUMBERD_LISTEN": "0.0.0.0:1", "NUMBERD_TOKEN_TTL": "2h", "NUMBERD_LOG_FORMAT": "json"}
	c, err := loadConfig("t", []string{"--listen", "127.0.0.1:9"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9" || c.TokenTTL != 2*time.Hour || c.LogFormat != "json" {
		t.Fatalf("config %+v", c)
	}
	d, _ := loadConfig("t", nil, func(string) string { return "" }, io.Discard)
	if d.Listen != "127.0.0.1:8000" || d.DB != "sqlite:./data/numberd.db" {
		t.Fatalf("defaults %+v", d)
	}
}

func mustStatus(t *testing.T, r reply, want int, what string) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d want %d: %s", what, r.status, want, r.raw)
	}
}

var _ = fmt.Sprint
