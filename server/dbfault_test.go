package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"numberd/internal/mariadbtest"
)

// outcome is one request of the client loop.
type outcome struct {
	kind     string // write, read, graphql
	number   string // the number a write created
	start    time.Time
	dur      time.Duration
	status   int
	ok       bool   // the API reported success
	code     string // Kazoo "message" or GraphQL extensions.code on failure
	transErr string // transport error (timeout, refused)
}

type faultClient struct {
	base, token, account string
	http                 *http.Client
	mu                   sync.Mutex
	log                  []outcome
}

func (c *faultClient) record(o outcome) {
	c.mu.Lock()
	c.log = append(c.log, o)
	c.mu.Unlock()
}

func (c *faultClient) since(t time.Time) []outcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []outcome
	for _, o := range c.log {
		if !o.start.Before(t) {
			out = append(out, o)
		}
	}
	return out
}

func (c *faultClient) do(kind, method, url, body string) outcome {
	o := outcome{kind: kind, start: time.Now()}
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("X-Auth-Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		o.dur, o.transErr = time.Since(o.start), err.Error()
		return o
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	o.dur, o.status = time.Since(o.start), resp.StatusCode
	var env struct {
		Status  string `json:"status"`
		Message string `json:"message"`
		Errors  []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
		Data json.RawMessage `json:"data"`
	}
	json.Unmarshal(b, &env)
	switch kind {
	case "graphql":
		o.ok = resp.StatusCode == 200 && len(env.Errors) == 0 && len(env.Data) > 0 && !bytes.Equal(env.Data, []byte("null"))
		if len(env.Errors) > 0 {
			o.code = fmt.Sprint(env.Errors[0].Extensions["code"])
		}
	default:
		o.ok = env.Status == "success" && resp.StatusCode < 300
		o.code = env.Message
	}
	return o
}

// TestFault_MariaDBStopsMidTraffic runs numberd against a MariaDB server of
// its own while four clients write and read without pause, then crashes
// the database (SIGKILL), shuts it down (SIGTERM) and freezes it
// (SIGSTOP), restarting or resuming it each time. It checks that while the
// database is gone requests fail quickly (REST: 503 datastore_unreachable
// envelopes; GraphQL: UNAVAILABLE errors; /readyz: 503), that numberd
// serves again once the database is back without being restarted, and
// that every write the clients saw succeed is in the database afterwards.
func TestFault_MariaDBStopsMidTraffic(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a MariaDB server")
	}
	m := mariadbtest.Start(t)
	// readTimeout bounds a query on a frozen server (SIGSTOP phase).
	url := m.URL("numberd") + "?readTimeout=3s&writeTimeout=3s"
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "fault-master-key"}, "--db", url, "--log-format", "json",
		"--auth-rate", "0", "--activate-rate", "0")
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "fault-master-key"}})
	mustStatus(t, auth, 201, "api_auth")
	c := &faultClient{base: s.base, token: auth.body["auth_token"].(string), account: data(auth)["account_id"].(string),
		http: &http.Client{Timeout: 20 * time.Second}}
	nb := s.base + "/v2/accounts/" + c.account + "/phone_numbers"

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var o outcome
				switch i % 4 {
				case 0, 1:
					num := fmt.Sprintf("+1415%d%02d%04d", 3, w, i)
					o = c.do("write", "PUT", nb+"/"+num, `{"data":{"note":"fault test"}}`)
					o.number = num
				case 2:
					o = c.do("read", "GET", nb+"?page_size=5", "")
				default:
					o = c.do("graphql", "POST", s.base+"/graphql", fmt.Sprintf(`{"query":"query Page { phoneNumbers(accountId: \"%s\", first: 3) { totalCount } }"}`, c.account))
				}
				c.record(o)
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	ready := func() int {
		resp, err := http.Get(s.base + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitOK := func(from time.Time, what string) time.Duration {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			for _, o := range c.since(from) {
				if o.kind == "write" && o.ok {
					return o.start.Add(o.dur).Sub(from)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: no successful write within 30 s", what)
		return 0
	}

	t0 := time.Now()
	waitOK(t0, "warm-up")
	time.Sleep(time.Second)

	type phase struct {
		name    string
		down    func()
		up      func()
		maxFail time.Duration // the longest a failing request may take
	}
	phases := []phase{
		{"SIGKILL (crash)", func() { m.Stop(syscall.SIGKILL) }, m.Start, 2 * time.Second},
		{"SIGTERM (shutdown)", func() { m.Stop(syscall.SIGTERM) }, m.Start, 2 * time.Second},
		// A frozen server accepts connections and never answers: requests
		// are bounded by readTimeout (3 s here) plus little else.
		{"SIGSTOP (frozen)", m.Freeze, func() { m.Signal(syscall.SIGCONT) }, 5 * time.Second},
	}
	for _, ph := range phases {
		tDown := time.Now()
		ph.down()
		stopped := time.Now()
		readyc := make(chan int, 1)
		go func() { time.Sleep(time.Second); readyc <- ready() }()
		time.Sleep(5 * time.Second)
		readyDuringOutage := <-readyc
		tUp := time.Now()
		ph.up()
		up := time.Now()
		recovery := waitOK(up, ph.name+" recovery")
		time.Sleep(time.Second)
		if readyDuringOutage != 503 {
			t.Errorf("%s: /readyz answered %d while the database was down", ph.name, readyDuringOutage)
		}

		// Requests that ended while the database was gone: all that started
		// after the stop failed, quickly, the way the API says (a request
		// in flight at the stop may have finished its database work first).
		var firstFail time.Duration = -1
		var failed, slowest int
		var maxDur time.Duration
		for _, o := range c.since(tDown.Add(-30 * time.Second)) {
			end := o.start.Add(o.dur)
			if end.Before(stopped) || end.After(tUp) {
				continue
			}
			if o.ok {
				if !o.start.Before(stopped) {
					t.Errorf("%s: %s succeeded while the database was down: %+v", ph.name, o.kind, o)
				}
				continue
			}
			failed++
			if firstFail < 0 || end.Sub(tDown) < firstFail {
				firstFail = end.Sub(tDown)
			}
			if o.dur > maxDur {
				maxDur = o.dur
			}
			if o.dur > ph.maxFail {
				slowest++
			}
			switch {
			case o.transErr != "":
				t.Errorf("%s: %s transport error: %s", ph.name, o.kind, o.transErr)
			case o.kind == "graphql" && o.code != "UNAVAILABLE":
				t.Errorf("%s: GraphQL error code %q, want UNAVAILABLE (status %d)", ph.name, o.code, o.status)
			case o.kind != "graphql" && (o.status != 503 || o.code != "datastore_unreachable"):
				t.Errorf("%s: %s answered %d %q, want 503 datastore_unreachable", ph.name, o.kind, o.status, o.code)
			}
		}
		if failed < 4 {
			t.Errorf("%s: only %d requests ran during the outage", ph.name, failed)
		}
		if slowest > 0 {
			t.Errorf("%s: %d failing requests took longer than %v (slowest %v)", ph.name, slowest, ph.maxFail, maxDur)
		}
		t.Logf("%s: %d requests failed during the outage; first failure %v after the stop, slowest failure %v; first successful write %v after the database was back (restart took %v)",
			ph.name, failed, firstFail.Round(time.Millisecond), maxDur.Round(time.Millisecond), recovery.Round(time.Millisecond), up.Sub(tUp).Round(time.Millisecond))
	}
	close(stop)
	wg.Wait()
	stop = make(chan struct{})

	// Every write reported as a success is in the database. Writes that
	// failed with 503 may or may not have committed (the connection died
	// during COMMIT): they are counted, not judged.
	db := m.Open("numberd")
	stored := map[string]bool{}
	rows, err := db.Query("SELECT number FROM numbers WHERE number LIKE '+14153%'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		stored[n] = true
	}
	rows.Close()
	var okWrites, failedWrites, failedButStored int
	statuses := map[string]int{}
	for _, o := range c.since(t0) {
		statuses[fmt.Sprintf("%s %d %s", o.kind, o.status, o.code)]++
		if o.kind != "write" {
			continue
		}
		if o.ok {
			okWrites++
			if !stored[o.number] {
				t.Errorf("write of %s was answered %d but is not in the database", o.number, o.status)
			}
		} else {
			failedWrites++
			if stored[o.number] {
				failedButStored++
			}
			if o.status != 503 && o.transErr == "" {
				t.Errorf("a write failed with %d %q: only 503 is expected", o.status, o.code)
			}
		}
	}
	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %-45s %d", k, statuses[k])
	}
	t.Logf("writes: %d succeeded (all %d found in the database), %d failed (%d of them committed anyway, their outcome being unknown at COMMIT); answers:%s",
		okWrites, okWrites, failedWrites, failedButStored, b.String())
	if okWrites < 50 {
		t.Errorf("only %d successful writes: the loop did not really run", okWrites)
	}
}
