package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"numberd/store/storetest"
)

// TestSecrets_NeverComparedWithEquals scans numberd's own Go code (tests
// and generated code aside) for == or != on anything named like a secret
// (API key, token, password, hash of one): such compares must go through a
// constant-time function (service.secretEqual) or a hash lookup.
func TestSecrets_NeverComparedWithEquals(t *testing.T) {
	secret := regexp.MustCompile(`(?i)(api_?key|token|secret|passw(or)?d|hash)`)
	harmless := func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.BasicLit:
			return x.Value == `""`
		case *ast.Ident:
			return x.Name == "nil"
		case *ast.SelectorExpr:
			return x.Sel.Name == "EOF"
		}
		return false
	}
	name := func(e ast.Expr) string {
		switch x := e.(type) {
		case *ast.Ident:
			return x.Name
		case *ast.SelectorExpr:
			return x.Sel.Name
		case *ast.IndexExpr:
			if s, ok := x.Index.(*ast.BasicLit); ok {
				return s.Value
			}
		}
		return ""
	}
	fset := token.NewFileSet()
	files := 0
	for _, dir := range []string{"../models", "../store", "../service", "../rest", "../graph", "../server", "../internal"} {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "generated") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files++
			ast.Inspect(f, func(n ast.Node) bool {
				b, ok := n.(*ast.BinaryExpr)
				if !ok || (b.Op != token.EQL && b.Op != token.NEQ) {
					return true
				}
				if harmless(b.X) || harmless(b.Y) {
					return true
				}
				for _, side := range []ast.Expr{b.X, b.Y} {
					if n := name(side); n != "" && secret.MatchString(n) {
						t.Errorf("%s: %s compared with %s: use a constant-time compare", fset.Position(b.Pos()), n, b.Op)
					}
				}
				return true
			})
			return nil
		})
	}
	if files < 30 {
		t.Fatalf("scanned only %d files", files)
	}
}

// TestRun_SecretsNeverLogged runs a full session at debug level (logins
// with the master and a customer key, tokens in the header, the query
// string and the body, a bad token, GraphQL, a logout, a failing request)
// and checks that no key or token appears anywhere in the logs.
func TestRun_SecretsNeverLogged(t *testing.T) {
	const masterKey = "log-scan-master-key-0123456789"
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": masterKey}, "--db", storetest.DSN(t), "--log-format", "json", "--log-level", "debug")
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": masterKey}})
	mustStatus(t, auth, 201, "api_auth")
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)
	acct := call(t, "PUT", s.base+"/v2/accounts/"+master, tok, map[string]any{"data": map[string]any{"name": "customer"}})
	id := data(acct)["id"].(string)
	key := data(call(t, "GET", s.base+"/v2/accounts/"+id+"/api_key", tok, nil))["api_key"].(string)
	l := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": key}})
	ctok := l.body["auth_token"].(string)
	secrets := []string{masterKey, tok, key, ctok, "bad-token-abcdef0123456789", "wrong-key-abcdef0123456789"}

	call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "wrong-key-abcdef0123456789"}})
	call(t, "GET", s.base+"/v2/accounts/"+id+"/phone_numbers?auth_token="+ctok, "", nil)
	call(t, "PUT", s.base+"/v2/accounts/"+id+"/phone_numbers/%2B14158867900", "", map[string]any{"data": map[string]any{"auth_token": ctok}})
	call(t, "GET", s.base+"/v2/accounts/"+id, "bad-token-abcdef0123456789", nil)
	call(t, "POST", s.base+"/graphql", "bad-token-abcdef0123456789", map[string]any{"query": "{ __typename }"})
	call(t, "POST", s.base+"/graphql", ctok, map[string]any{"query": `query Q($a: ID!) { account(id: $a) { id } }`, "variables": map[string]any{"a": id}})
	call(t, "GET", s.base+"/v2/accounts/"+id+"/phone_numbers/not-a-number", ctok, nil)
	call(t, "DELETE", s.base+"/v2/token_auth", ctok, nil)
	s.stop()
	logs := s.stderr.String() + s.stdout.String()
	if !strings.Contains(logs, `"msg":"request"`) {
		t.Fatalf("no access log:\n%s", logs)
	}
	for _, sec := range secrets {
		if strings.Contains(logs, sec) {
			t.Errorf("a secret reached the logs: %s...", sec[:8])
		}
	}
}

// TestRun_APIAuthRateLimit: api_auth attempts are limited per client
// address, the limit is shared by every instance on the database, a forged
// X-Forwarded-For does not escape it, and a trusted proxy's does name the
// client.
func TestRun_APIAuthRateLimit(t *testing.T) {
	const masterKey = "rate-master-key"
	dsn := storetest.DSN(t)
	env := map[string]string{"NUMBERD_MASTER_API_KEY": masterKey}
	limit := []string{"--db", dsn, "--auth-rate", "0.001", "--auth-burst", "3"}
	a := startServer(t, env, limit...)
	b := startServer(t, env, limit...)
	attempt := func(base, key string, hdr map[string]string, local string) int {
		t.Helper()
		body := strings.NewReader(`{"data":{"api_key":"` + key + `"}}`)
		req, _ := http.NewRequest("PUT", base+"/v2/api_auth", body)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		client := http.DefaultClient
		if local != "" {
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
			client = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Three wrong guesses, spread over both instances, use up the burst.
	for i, base := range []string{a.base, b.base, a.base} {
		if st := attempt(base, "guess", nil, ""); st != 401 {
			t.Fatalf("guess %d: %d", i, st)
		}
	}
	for _, base := range []string{b.base, a.base} {
		if st := attempt(base, "guess", nil, ""); st != 429 {
			t.Fatalf("fourth guess: %d, want 429 on either instance", st)
		}
	}
	// The right key does not get through either: the limit is per address.
	if st := attempt(a.base, masterKey, nil, ""); st != 429 {
		t.Fatalf("right key after the burst: %d", st)
	}
	// X-Forwarded-For from an untrusted peer is ignored.
	if st := attempt(b.base, masterKey, map[string]string{"X-Forwarded-For": "198.51.100.9"}, ""); st != 429 {
		t.Fatalf("forged X-Forwarded-For escaped the limit: %d", st)
	}
	// Another client address has its own bucket.
	if st := attempt(b.base, masterKey, nil, "127.0.0.2"); st != 201 {
		t.Fatalf("another address: %d", st)
	}
	// Behind a trusted proxy the client named by X-Forwarded-For is limited.
	p := startServer(t, env, append(limit, "--trusted-proxies", "127.0.0.1/32")...)
	xff := map[string]string{"X-Forwarded-For": "203.0.113.50, 198.51.100.20"}
	for i := 0; i < 3; i++ {
		if st := attempt(p.base, "guess", xff, ""); st != 401 {
			t.Fatalf("proxied guess %d: %d", i, st)
		}
	}
	if st := attempt(p.base, "guess", xff, ""); st != 429 {
		t.Fatalf("proxied fourth guess: %d", st)
	}
	if st := attempt(p.base, masterKey, map[string]string{"X-Forwarded-For": "198.51.100.21"}, ""); st != 201 {
		t.Fatalf("another client behind the proxy: %d", st)
	}
}
