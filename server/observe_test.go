package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"numberd/service"
	"numberd/store/storetest"
)

// logLines decodes a JSON log.
func logLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// TestRun_MetricsAndAccessLog drives REST and GraphQL traffic through the
// real server, then scrapes /metrics and reads the JSON access log.
func TestRun_MetricsAndAccessLog(t *testing.T) {
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "metrics-master-key"}, "--db", storetest.DSN(t), "--log-format", "json")
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "metrics-master-key"}})
	mustStatus(t, auth, 201, "api_auth")
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)
	nb := s.base + "/v2/accounts/" + master + "/phone_numbers"
	mustStatus(t, call(t, "PUT", nb+"/%2B14158867900", tok, nil), 201, "create")
	mustStatus(t, call(t, "PUT", nb+"/%2B14158867901", tok, map[string]any{"data": map[string]any{"create_with_state": "available"}}), 201, "create available")
	mustStatus(t, call(t, "GET", nb+"/%2B14158867900", tok, nil), 200, "get")
	mustStatus(t, call(t, "GET", nb+"/%2B14158860000", tok, nil), 404, "get missing")
	mustStatus(t, call(t, "GET", s.base+"/v2/nowhere/9999", tok, nil), 404, "unknown path")
	gq := call(t, "POST", s.base+"/graphql", tok, map[string]any{"query": `query InventoryPage($a: ID!) { account(id: $a) { id } }`, "operationName": "InventoryPage", "variables": map[string]any{"a": master}})
	mustStatus(t, gq, 200, "graphql")
	call(t, "POST", s.base+"/graphql", tok, map[string]any{"query": `mutation Broken { nope }`})

	m := scrape(t, s.base)
	for _, want := range []string{
		`numberd_http_requests_total{code="201",method="PUT",route="/v2/accounts/{account}/phone_numbers/{number}"} 2`,
		`numberd_http_requests_total{code="404",method="GET",route="/v2/accounts/{account}/phone_numbers/{number}"} 1`,
		`numberd_http_requests_total{code="404",method="GET",route="/v2/"} 1`,
		`numberd_http_requests_total{code="201",method="PUT",route="/v2/api_auth"} 1`,
		`numberd_http_request_duration_seconds_bucket{method="PUT",route="/v2/accounts/{account}/phone_numbers/{number}",le="+Inf"} 2`,
		`numberd_graphql_operations_total{operation="InventoryPage",result="ok",type="query"} 1`,
		`numberd_graphql_operation_duration_seconds_count{operation="InventoryPage",type="query"} 1`,
		`numberd_graphql_operations_total{operation="(none)",result="error",type="none"} 1`,
		`numberd_numbers{state="in_service"} 1`,
		`numberd_numbers{state="available"} 1`,
		`numberd_numbers{state="port_in"} 0`,
		`numberd_tx_retries_total 0`,
		`go_sql_max_open_connections{db_name="numberd"} 8`,
		`go_sql_open_connections{db_name="numberd"}`,
		`go_sql_wait_count_total{db_name="numberd"}`,
		`numberd_http_requests_in_flight 1`,
		`numberd_panics_recovered_total 0`,
		`numberd_build_info{version=`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if storetest.Engine() == "mysql" && strings.HasPrefix(want, "go_sql_max_open") {
			want = `go_sql_max_open_connections{db_name="numberd"} 32`
		}
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Route labels are patterns: no raw number or account id ever appears.
	for _, line := range strings.Split(m, "\n") {
		if strings.HasPrefix(line, "numberd_http_") && (strings.Contains(line, "1415886") || strings.Contains(line, master)) {
			t.Errorf("raw path in a metric label: %s", line)
		}
	}

	s.stop()
	var sawCreate, sawGraphQL bool
	idRe := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, l := range logLines(t, s.stderr.String()) {
		if l["msg"] != "request" {
			continue
		}
		for _, k := range []string{"request_id", "account", "method", "path", "target", "status", "duration_ms"} {
			if _, ok := l[k]; !ok {
				t.Errorf("access log line lacks %s: %v", k, l)
			}
		}
		if l["method"] == "PUT" && l["path"] == "/v2/accounts/{account}/phone_numbers/{number}" && l["status"] == float64(201) {
			sawCreate = true
			if l["account"] != master || !idRe.MatchString(l["request_id"].(string)) || l["target"] != "/v2/accounts/"+master+"/phone_numbers/+14158867900" && l["target"] != "/v2/accounts/"+master+"/phone_numbers/+14158867901" {
				t.Errorf("create line: %v", l)
			}
		}
		if l["path"] == "/graphql" && l["operation"] == "InventoryPage" {
			sawGraphQL = true
			if l["account"] != master {
				t.Errorf("graphql line: %v", l)
			}
		}
		if l["path"] == "/v2/api_auth" && l["account"] != master {
			t.Errorf("api_auth line names no account: %v", l)
		}
	}
	if !sawCreate || !sawGraphQL {
		t.Errorf("access log misses lines (create %v, graphql %v):\n%s", sawCreate, sawGraphQL, s.stderr.String())
	}
}

// TestRun_PanicsAreContained: a panic in any handler is a 500 answer in the
// API's shape and one log line; the process keeps serving.
func TestRun_PanicsAreContained(t *testing.T) {
	dsn := storetest.DSN(t)
	ctxHooks := func(next http.Handler, _ *service.Service) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/", next)
		mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom at the top") })
		mux.HandleFunc("POST /boom-late", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(200)
			w.Write([]byte("partial"))
			panic("boom after the header")
		})
		return mux
	}
	s := startServerHooks(t, nil, hooks{handler: ctxHooks}, "--db", dsn, "--log-format", "json")
	r := call(t, "GET", s.base+"/boom", "", nil)
	if r.status != 500 || r.body["status"] != "error" || r.body["message"] != "unspecified_fault" || r.body["error"] != "500" {
		t.Fatalf("panic answer: %d %s", r.status, r.raw)
	}
	// A panic after the answer started aborts the connection: the client
	// must not take the partial body for a complete answer.
	if resp, err := http.Post(s.base+"/boom-late", "text/plain", nil); err == nil {
		_, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil {
			t.Errorf("late panic: the partial answer read cleanly")
		}
	}
	mustStatus(t, call(t, "GET", s.base+"/healthz", "", nil), 200, "healthz after panics")
	if m := scrape(t, s.base); !strings.Contains(m, "numberd_panics_recovered_total 2") {
		t.Errorf("panics not counted:\n%s", grep(m, "panics"))
	}
	s.stop()
	n := 0
	for _, l := range logLines(t, s.stderr.String()) {
		if l["msg"] == "panic" {
			n++
			if !strings.Contains(l["stack"].(string), "goroutine") || l["request_id"] == "" {
				t.Errorf("panic line: %v", l)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d panic log lines, want 2:\n%s", n, s.stderr.String())
	}
}

// TestRun_BodyLimit: bodies over --max-body are refused with 413, on REST
// (Kazoo envelope) and GraphQL.
func TestRun_BodyLimit(t *testing.T) {
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "limit-master-key"}, "--db", storetest.DSN(t), "--max-body", "1024")
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "limit-master-key"}})
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)
	big := map[string]any{"data": map[string]any{"note": strings.Repeat("x", 4096)}}
	r := call(t, "PUT", s.base+"/v2/accounts/"+master+"/phone_numbers/%2B14158867900", tok, big)
	if r.status != 413 || r.body["error"] != "413" || r.body["message"] != "request_too_large" {
		t.Fatalf("REST: %d %s", r.status, r.raw)
	}
	g := call(t, "POST", s.base+"/graphql", tok, map[string]any{"query": "{ __typename }", "x": strings.Repeat("y", 4096)})
	if g.status != 413 {
		t.Fatalf("GraphQL: %d %s", g.status, g.raw)
	}
	// A body just under the limit is fine.
	mustStatus(t, call(t, "PUT", s.base+"/v2/accounts/"+master+"/phone_numbers/%2B14158867900", tok, map[string]any{"data": map[string]any{"note": "short"}}), 201, "small body")
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
