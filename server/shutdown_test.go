package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"numberd/service"
	"numberd/store/storetest"
)

// slowRoute adds GET /slow: it tells started, waits for release, then uses
// the database (so a database closed before the drain ended would show).
func slowRoute(started chan<- struct{}, release <-chan struct{}) func(http.Handler, *service.Service) http.Handler {
	return func(next http.Handler, svc *service.Service) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/", next)
		mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
			started <- struct{}{}
			<-release
			if err := svc.Ready(r.Context()); err != nil {
				http.Error(w, "database: "+err.Error(), 500)
				return
			}
			fmt.Fprint(w, "db ok")
		})
		return mux
	}
}

func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// TestRun_ShutdownDrainsInFlight: on SIGTERM (the run context ends) an
// in-flight request completes, using the database; new connections are
// refused meanwhile; run returns once the request is done; the database
// is closed last.
func TestRun_ShutdownDrainsInFlight(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	s := startServerHooks(t, nil, hooks{handler: slowRoute(started, release)}, "--db", storetest.DSN(t), "--drain-timeout", "20s")
	addr := strings.TrimPrefix(s.base, "http://")
	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get(s.base + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-started
	s.cancel() // what SIGTERM does through signal.NotifyContext
	deadline := time.Now().Add(5 * time.Second)
	for !refused(addr) {
		if time.Now().After(deadline) {
			t.Fatal("new connections are still accepted while draining")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-s.done:
		t.Fatalf("run returned before the in-flight request finished: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	r := <-res
	if r.err != nil || r.status != 200 || r.body != "db ok" {
		t.Fatalf("in-flight request: %+v", r)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the drain")
	}
	s.once.Do(func() {})
	logs := s.stderr.String()
	if i, j := strings.Index(logs, "shutting down"), strings.Index(logs, "msg=stopped"); i < 0 || j < i {
		t.Fatalf("shutdown log:\n%s", logs)
	}
}

// TestRun_DrainIsBounded: a request that never ends does not keep the
// process alive beyond --drain-timeout.
func TestRun_DrainIsBounded(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	s := startServerHooks(t, nil, hooks{handler: slowRoute(started, release)}, "--db", storetest.DSN(t), "--drain-timeout", "300ms")
	go func() {
		if resp, err := http.Get(s.base + "/slow"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	t0 := time.Now()
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("run still waits for a stuck request")
	}
	s.once.Do(func() {})
	if d := time.Since(t0); d > 3*time.Second {
		t.Fatalf("drain took %v with --drain-timeout 300ms", d)
	}
	if !strings.Contains(s.stderr.String(), "drain timed out") {
		t.Errorf("no drain timeout log:\n%s", s.stderr.String())
	}
}

// TestProcess_SIGTERMDrainsUpload sends the real binary SIGTERM while a
// request body is still being uploaded: new connections are refused, the
// upload completes and is answered 201, the number is stored, and the
// process exits 0.
func TestProcess_SIGTERMDrainsUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin := buildBinary(t)
	dsn := storetest.DSN(t)
	p := startProcess(t, bin, dsn)
	auth := call(t, "PUT", p.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "race-master-key"}})
	mustStatus(t, auth, 201, "api_auth")
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)

	addr := strings.TrimPrefix(p.base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"data":{"note":"uploaded across a SIGTERM"}}`
	fmt.Fprintf(conn, "PUT /v2/accounts/%s/phone_numbers/%%2B14155550123 HTTP/1.1\r\nHost: %s\r\nX-Auth-Token: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		master, addr, tok, len(body), body[:10])
	time.Sleep(200 * time.Millisecond) // the server is now reading the body
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !refused(addr) {
		if time.Now().After(deadline) {
			t.Fatal("new connections are still accepted after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight upload got no answer: %v", err)
	}
	var env map[string]any
	json.NewDecoder(resp.Body).Decode(&env)
	if resp.StatusCode != 201 || env["status"] != "success" {
		t.Fatalf("in-flight upload: %d %v", resp.StatusCode, env)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("numberd exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("numberd did not exit after the drain")
	}
	// The write committed before the exit.
	q := startProcess(t, bin, dsn)
	auth = call(t, "PUT", q.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "race-master-key"}})
	r := call(t, "GET", q.base+"/v2/accounts/"+master+"/phone_numbers/%2B14155550123", auth.body["auth_token"].(string), nil)
	if r.status != 200 || data(r)["note"] != "uploaded across a SIGTERM" {
		t.Fatalf("number after restart: %d %s", r.status, r.raw)
	}
}
