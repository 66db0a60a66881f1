//go:build galera

package clustertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var httpc = &http.Client{Timeout: 60 * time.Second}

type reply struct {
	status  int
	body    map[string]any
	raw     string
	latency time.Duration
	err     error
}

func call(method, url, token string, body any) reply {
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
	start := time.Now()
	resp, err := httpc.Do(req)
	r := reply{latency: time.Since(start), err: err}
	if err != nil {
		return r
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r.status, r.raw = resp.StatusCode, string(b)
	json.Unmarshal(b, &r.body)
	return r
}

func dataOf(r reply) map[string]any { m, _ := r.body["data"].(map[string]any); return m }

func must(t *testing.T, r reply, status int, what string) reply {
	t.Helper()
	if r.err != nil || r.status != status {
		t.Fatalf("%s: %v %d %s", what, r.err, r.status, r.raw)
	}
	return r
}

func buildNumberd(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "numberd")
	out, err := exec.Command("go", "build", "-o", bin, "../../server").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

type account struct{ id, token string }

// counters of conflicts the cluster resolved by aborting a transaction
// (certification failures and brute-force aborts), summed over live nodes.
func conflicts(c *Cluster) int {
	total := 0
	for _, nd := range c.Nodes {
		if !nd.Alive() {
			continue
		}
		for _, k := range []string{"wsrep_local_cert_failures", "wsrep_local_bf_aborts"} {
			n, _ := strconv.Atoi(nd.Status(k))
			total += n
		}
	}
	return total
}

// TestGalera runs three numberd instances, each on its own node of a 3-node
// Galera cluster, races clients across them for the same numbers, then
// kills one node mid-traffic and brings it back.
func TestGalera(t *testing.T) {
	c := StartCluster(t, 3)
	admin := c.Nodes[0].SQL("")
	if _, err := admin.Exec("CREATE DATABASE numberd CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatal(err)
	}
	admin.Close()
	bin := buildNumberd(t)
	const key = "galera-master-key"
	inst := make([]*Numberd, 3)
	logs := t.TempDir()
	for i, nd := range c.Nodes { // the first start migrates; then the others
		inst[i] = StartNumberd(t, bin, nd.DSN("numberd"), key, filepath.Join(logs, fmt.Sprintf("numberd%d.log", i)))
		b, _ := os.ReadFile(filepath.Join(logs, fmt.Sprintf("numberd%d.log", i)))
		if !strings.Contains(string(b), `"galera_causal_reads":true`) {
			t.Errorf("numberd %d did not turn causal reads on against a Galera node:\n%s", i, b)
		}
	}
	t.Logf("cluster of 3 up; numberd on %s, %s, %s", inst[0].Base, inst[1].Base, inst[2].Base)
	// Every request below alternates instances on purpose: what one instance
	// commits, the next one must read (numberd turns on causal reads on a
	// Galera node).

	auth := must(t, call("PUT", inst[0].Base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": key}}), 201, "api_auth")
	mtok, master := auth.body["auth_token"].(string), dataOf(auth)["account_id"].(string)
	const nAccounts, nNumbers, ops = 12, 40, 80
	accts := make([]account, nAccounts)
	for i := range accts {
		r := must(t, call("PUT", inst[i%3].Base+"/v2/accounts/"+master, mtok, map[string]any{"data": map[string]any{"name": fmt.Sprintf("tenant%d", i)}}), 201, "account")
		id := dataOf(r)["id"].(string)
		k := must(t, call("GET", inst[(i+1)%3].Base+"/v2/accounts/"+id+"/api_key", mtok, nil), 200, "api_key")
		l := must(t, call("PUT", inst[(i+2)%3].Base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": dataOf(k)["api_key"]}}), 201, "login")
		accts[i] = account{id: id, token: l.body["auth_token"].(string)}
	}
	numbers := make([]string, nNumbers)
	for i := range numbers {
		numbers[i] = fmt.Sprintf("+1628555%04d", 2000+i)
	}
	r := must(t, call("PUT", inst[1].Base+"/v2/accounts/"+master+"/phone_numbers/collection", mtok, map[string]any{"data": map[string]any{
		"numbers": numbers, "create_with_state": "available", "carrier_name": "other"}}), 201, "numbers")
	if dataOf(r)["error"] != nil {
		t.Fatalf("create numbers: %v", dataOf(r)["error"])
	}

	// Phase 1: the race.
	conflictsBefore := conflicts(c)
	var total, fivexx atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	raceStart := time.Now()
	for i, ac := range accts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			for op := 0; op < ops; op++ {
				base := inst[rng.IntN(3)].Base + "/v2/accounts/" + ac.id + "/phone_numbers"
				n := numbers[rng.IntN(nNumbers)]
				var res reply
				switch rng.IntN(6) {
				case 0, 1:
					res = call("PUT", base+"/"+n+"/activate", ac.token, nil)
				case 2:
					set := []string{n, numbers[rng.IntN(nNumbers)], numbers[rng.IntN(nNumbers)]}
					sort.Strings(set)
					set = uniq(set)
					res = call("PUT", base+"/collection/activate", ac.token, map[string]any{"data": map[string]any{"numbers": set}})
				case 3:
					res = call("PUT", base+"/"+n+"/reserve", ac.token, nil)
				default:
					res = call("DELETE", base+"/"+n, ac.token, nil)
				}
				total.Add(1)
				mu.Lock()
				statuses[res.status]++
				mu.Unlock()
				if res.err != nil || res.status >= 500 {
					fivexx.Add(1)
					t.Errorf("%s: %v %d %s", n, res.err, res.status, res.raw)
				}
			}
		}()
	}
	wg.Wait()
	raceTime := time.Since(raceStart)
	retried := conflicts(c) - conflictsBefore
	t.Logf("race: %d requests in %s across 3 instances, statuses %v, 5xx %d, cluster conflicts aborted and retried %d",
		total.Load(), raceTime.Round(time.Millisecond), statuses, fivexx.Load(), retried)
	owners := checkConsistency(t, c, numbers)
	t.Logf("ownership: %d numbers, %d owned, every history chain intact, identical on all 3 nodes", len(numbers), owners)

	// Phase 2: kill node 2 under traffic.
	stop := make(chan struct{})
	type sample struct {
		inst    int
		at      time.Time
		status  int
		latency time.Duration
		err     error
	}
	var samples []sample
	var smu sync.Mutex
	for i := 0; i < 3; i++ {
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ac := accts[(i*2+w)%nAccounts]
				rng := rand.New(rand.NewPCG(uint64(100+i*2+w), 9))
				for {
					select {
					case <-stop:
						return
					default:
					}
					base := inst[i].Base + "/v2/accounts/" + ac.id + "/phone_numbers"
					n := numbers[rng.IntN(nNumbers)]
					var res reply
					if rng.IntN(2) == 0 {
						res = call("PUT", base+"/"+n+"/activate", ac.token, nil)
					} else {
						res = call("GET", base, ac.token, nil)
					}
					smu.Lock()
					samples = append(samples, sample{inst: i, at: time.Now(), status: res.status, latency: res.latency, err: res.err})
					smu.Unlock()
					time.Sleep(20 * time.Millisecond)
				}
			}()
		}
	}
	time.Sleep(3 * time.Second)
	killedAt := time.Now()
	c.Nodes[2].Kill()
	notReady := time.Duration(-1)
	for time.Since(killedAt) < 30*time.Second {
		if rr := call("GET", inst[2].Base+"/readyz", "", nil); rr.status == 503 {
			notReady = time.Since(killedAt)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(6 * time.Second) // degraded: two nodes serve
	restartAt := time.Now()
	c.Nodes[2].Start(false)
	c.Nodes[2].WaitReady(180 * time.Second)
	recovered := time.Duration(-1)
	for time.Since(restartAt) < 180*time.Second {
		if rr := call("GET", inst[2].Base+"/readyz", "", nil); rr.status == 200 {
			recovered = time.Since(restartAt)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	c.WaitSize(3, 60*time.Second)

	if notReady < 0 {
		t.Error("the instance on the killed node never reported not ready")
	}
	if recovered < 0 {
		t.Error("the instance on the restarted node never became ready again")
	}
	// What each instance answered while node 2 was down.
	var okOthers, failOthers, errsDead int
	var slowestDead time.Duration
	for _, s := range samples {
		if s.at.Before(killedAt) || !s.at.Before(restartAt) {
			continue
		}
		if s.inst == 2 {
			if s.err == nil && s.status < 500 {
				continue // finished before the kill was noticed
			}
			errsDead++
			if s.latency > slowestDead {
				slowestDead = s.latency
			}
			if s.err != nil || s.status != 503 {
				t.Errorf("instance on the dead node answered %v %d, want 503", s.err, s.status)
			}
			continue
		}
		if s.err != nil || s.status >= 500 {
			failOthers++
		} else {
			okOthers++
		}
	}
	if okOthers == 0 {
		t.Error("the instances on the surviving nodes served nothing while node 2 was down")
	}
	if failOthers > 0 {
		t.Errorf("the surviving instances failed %d requests while node 2 was down", failOthers)
	}
	if slowestDead > 5*time.Second {
		t.Errorf("the instance on the dead node took %s to fail a request (hangs)", slowestDead)
	}
	if rr := call("GET", inst[2].Base+"/v2/accounts/"+accts[0].id+"/phone_numbers", accts[0].token, nil); rr.status != 200 {
		t.Errorf("instance on the restarted node does not serve: %d %s", rr.status, rr.raw)
	}
	t.Logf("node kill: instance on the dead node not ready after %s, its requests failed with 503 in at most %s (%d of them); "+
		"surviving instances served %d requests, %d failed; node restarted and its instance ready again %s after the restart",
		notReady.Round(time.Millisecond), slowestDead.Round(time.Millisecond), errsDead, okOthers, failOthers, recovered.Round(time.Millisecond))
	owners = checkConsistency(t, c, numbers)
	t.Logf("after recovery: %d owned numbers, histories intact, identical on all 3 nodes", owners)
}

func uniq(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// checkConsistency verifies on every node: one owner at most per number,
// consistent with its state; a history chain without gaps that ends where the
// number is; and the same rows on every node. It returns the owned count.
func checkConsistency(t *testing.T, c *Cluster, numbers []string) int {
	t.Helper()
	type row struct {
		state, owner string
		version      int64
	}
	var reference map[string]row
	owned := 0
	for _, nd := range c.Nodes {
		db := nd.SQL("numberd")
		rows := map[string]row{}
		q, err := db.Query("SELECT number, state, assigned_to, version FROM numbers ORDER BY number")
		if err != nil {
			t.Fatalf("node%d: %v", nd.Index, err)
		}
		for q.Next() {
			var n string
			var r row
			q.Scan(&n, &r.state, &r.owner, &r.version)
			rows[n] = r
		}
		q.Close()
		if len(rows) != len(numbers) {
			t.Errorf("node%d has %d numbers, want %d", nd.Index, len(rows), len(numbers))
		}
		if reference == nil {
			reference = rows
			for n, r := range rows {
				switch r.state {
				case "available":
					if r.owner != "" {
						t.Errorf("%s available but owned by %s", n, r.owner)
					}
				case "in_service", "reserved":
					if r.owner == "" {
						t.Errorf("%s %s without an owner", n, r.state)
					}
					owned++
				default:
					t.Errorf("%s in unexpected state %s", n, r.state)
				}
				ev, err := db.Query("SELECT seq, from_state, to_state, from_account, to_account FROM number_events WHERE number = ? ORDER BY seq", n)
				if err != nil {
					t.Fatal(err)
				}
				var prevState, prevOwner string
				var prevSeq int64
				for ev.Next() {
					var seq int64
					var fs, ts, fa, ta string
					ev.Scan(&seq, &fs, &ts, &fa, &ta)
					if seq <= prevSeq || fs != prevState || fa != prevOwner {
						t.Errorf("%s: history broken at seq %d (from %s/%s, previous to %s/%s)", n, seq, fs, fa, prevState, prevOwner)
					}
					prevState, prevOwner, prevSeq = ts, ta, seq
				}
				ev.Close()
				if prevState != r.state || prevOwner != r.owner {
					t.Errorf("%s: history ends at %s/%s, number is %s/%s", n, prevState, prevOwner, r.state, r.owner)
				}
			}
		} else {
			for n, r := range rows {
				if reference[n] != r {
					t.Errorf("node%d disagrees on %s: %+v vs %+v", nd.Index, n, r, reference[n])
				}
			}
		}
		db.Close()
	}
	return owned
}
