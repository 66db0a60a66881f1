package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"numberd/models"
	"numberd/store"
	"numberd/store/storetest"
)

// buildBinary compiles numberd once per test binary run.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "numberd")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a numberd child process.
type process struct {
	cmd  *exec.Cmd
	base string
}

// startProcess runs the real binary on dsn and waits until it serves.
func startProcess(t *testing.T, bin, dsn string, extra ...string) *process {
	t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--db", dsn, "--log-format", "json",
		"--activate-rate", "0", "--auth-rate", "0", "--auth-cache-ttl", "0"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cmd.Environ(), "NUMBERD_MASTER_API_KEY=race-master-key")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd}
	t.Cleanup(func() { p.stop(t) })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "numberd serving" {
				addr <- line.Addr
				sent = true
			}
		}
	}()
	select {
	case a := <-addr:
		p.base = "http://" + a
	case <-time.After(60 * time.Second):
		t.Fatal("numberd process did not start")
	}
	return p
}

func (p *process) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-done
		t.Error("numberd did not stop on SIGTERM")
	}
}

// TestTwoProcesses_RaceForNumbers starts two numberd processes on one
// database and races eight accounts across both, reserving, activating and
// releasing the same numbers. Afterwards every number has at most one owner,
// consistent with its state, and its history is one unbroken chain that
// ends where the number is.
func TestTwoProcesses_RaceForNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	bin := buildBinary(t)
	dsn := storetest.DSN(t)
	a := startProcess(t, bin, dsn)
	b := startProcess(t, bin, dsn)
	procs := []*process{a, b}

	auth := call(t, "PUT", a.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "race-master-key"}})
	mustStatus(t, auth, 201, "api_auth")
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)

	const nAccounts, nNumbers, opsPerAccount = 8, 30, 60
	type acct struct{ id, token string }
	accts := make([]acct, nAccounts)
	for i := range accts {
		r := call(t, "PUT", procs[i%2].base+"/v2/accounts/"+master, tok, map[string]any{"data": map[string]any{"name": fmt.Sprintf("racer%d", i)}})
		mustStatus(t, r, 201, "create account")
		id := data(r)["id"].(string)
		k := call(t, "GET", procs[(i+1)%2].base+"/v2/accounts/"+id+"/api_key", tok, nil)
		l := call(t, "PUT", procs[i%2].base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": data(k)["api_key"]}})
		mustStatus(t, l, 201, "login")
		accts[i] = acct{id: id, token: l.body["auth_token"].(string)}
	}
	numbers := make([]string, nNumbers)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("+1415555%04d", 1000+i)
	}
	// Non-local numbers (carrier "other") go back to available when released,
	// so they can be raced for again and again.
	r := call(t, "PUT", a.base+"/v2/accounts/"+master+"/phone_numbers/collection", tok, map[string]any{"data": map[string]any{
		"numbers": numbers, "create_with_state": "available", "carrier_name": "other"}})
	mustStatus(t, r, 201, "create numbers")
	if errs := data(r)["error"]; errs != nil {
		t.Fatalf("create numbers: %v", errs)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i, ac := range accts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for op := 0; op < opsPerAccount; op++ {
				p := procs[rng.IntN(2)]
				n := numbers[rng.IntN(len(numbers))]
				base := p.base + "/v2/accounts/" + ac.id + "/phone_numbers"
				var res reply
				switch rng.IntN(4) {
				case 0, 1:
					res = call(t, "PUT", base+"/"+n+"/activate", ac.token, nil)
				case 2:
					res = call(t, "PUT", base+"/"+n+"/reserve", ac.token, nil)
				default:
					res = call(t, "DELETE", base+"/"+n, ac.token, nil)
				}
				mu.Lock()
				statuses[res.status]++
				mu.Unlock()
				if res.status >= 500 || res.body["status"] == nil {
					t.Errorf("%s: %d %s", n, res.status, res.raw)
				}
			}
		}()
	}
	// A collection racer on the second process, activating overlapping sets.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; k < 10; k++ {
			set := []string{numbers[k], numbers[k+5], numbers[k+10]}
			res := call(t, "PUT", b.base+"/v2/accounts/"+accts[0].id+"/phone_numbers/collection/activate", accts[0].token, map[string]any{"data": map[string]any{"numbers": set}})
			if res.status != 201 {
				t.Errorf("collection activate: %d %s", res.status, res.raw)
			}
		}
	}()
	wg.Wait()
	t.Logf("status counts: %v", statuses)

	// Check the database directly.
	db := storetest.OpenDSN(t, dsn, store.Options{})
	ctx := context.Background()
	rows, err := db.Q().FindNumbers(ctx, store.NumberQuery{Prefix: "+1415555"})
	if err != nil || len(rows) != nNumbers {
		t.Fatalf("numbers: %d %v", len(rows), err)
	}
	for _, n := range rows {
		switch n.State {
		case models.StateAvailable:
			if n.AssignedTo != "" {
				t.Errorf("%s available but owned by %s", n.Number, n.AssignedTo)
			}
		case models.StateInService, models.StateReserved:
			if n.AssignedTo == "" {
				t.Errorf("%s %s without owner", n.Number, n.State)
			}
		default:
			t.Errorf("%s in unexpected state %s", n.Number, n.State)
		}
		events, err := db.Q().NumberEvents(ctx, n.Number, 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(events, func(i, j int) bool { return events[i].Seq < events[j].Seq })
		var prevState models.State
		var prevOwner string
		var prevSeq int64
		for _, e := range events {
			if e.Seq <= prevSeq {
				t.Errorf("%s: event seq %d after %d", n.Number, e.Seq, prevSeq)
			}
			prevSeq = e.Seq
			if e.FromState != prevState || e.FromAccount != prevOwner {
				t.Errorf("%s: event %d starts from (%s,%s), previous ended at (%s,%s)", n.Number, e.Seq, e.FromState, e.FromAccount, prevState, prevOwner)
			}
			prevState, prevOwner = e.ToState, e.ToAccount
		}
		if prevState != n.State || prevOwner != n.AssignedTo {
			t.Errorf("%s: history ends at (%s,%s) but the number is (%s,%s)", n.Number, prevState, prevOwner, n.State, n.AssignedTo)
		}
		if n.Version < int64(len(events)) {
			t.Errorf("%s: version %d < %d events", n.Number, n.Version, len(events))
		}
	}
}
