package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"numberd/models"
	"numberd/store"
)

type runConfig struct {
	dbs        []string
	numberd    string
	dur        time.Duration
	warmup     time.Duration
	conc       int
	rounds     int
	total      int
	collSize   int
	rebuild    bool
	profileDir string
	markdown   string
	workDir    string
	only       map[string]bool
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench run", flag.ContinueOnError)
	var dbs multiFlag
	fs.Var(&dbs, "db", "numberd --db value of a bench database (repeat for several engines; default "+defaultDB+")")
	c := runConfig{}
	fs.StringVar(&c.numberd, "numberd", "bin/numberd", "the numberd binary (built with go build ./server when missing)")
	fs.DurationVar(&c.dur, "duration", 10*time.Second, "measured time per scenario and server")
	fs.IntVar(&c.conc, "c", 16, "concurrent clients")
	fs.IntVar(&c.rounds, "rounds", 2, "numberd and the baseline alternate this many times per read scenario (each gets duration/rounds per round)")
	fs.IntVar(&c.total, "numbers", 1_000_000, "numbers in the data set (built when missing)")
	fs.IntVar(&c.collSize, "collection", 1000, "numbers per PUT collection")
	fs.BoolVar(&c.rebuild, "rebuild", false, "rebuild the data set first")
	fs.StringVar(&c.profileDir, "profile", "", "write numberd's CPU and allocation profiles per scenario to this directory (numberd runs with --pprof)")
	fs.StringVar(&c.markdown, "markdown", "", "also write the results as markdown to this file")
	fs.StringVar(&c.workDir, "work", "data/bench", "directory for logs")
	quick := fs.Bool("quick", false, "smoke run: 20,000 numbers in data/bench/quick.db, 1 s per scenario, 4 clients, collections of 100")
	only := fs.String("only", "", "comma-separated scenarios to run (default all): "+strings.Join(scenarioNames, ","))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *quick {
		c.dur, c.conc, c.rounds, c.total, c.collSize = time.Second, 4, 1, 20000, 100
		if len(dbs) == 0 {
			dbs = multiFlag{"sqlite:./data/bench/quick.db"}
		}
	}
	if len(dbs) == 0 {
		dbs = multiFlag{defaultDB}
	}
	c.dbs = dbs
	c.warmup = min(2*time.Second, c.dur/5)
	if *only != "" {
		c.only = map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			if !contains(scenarioNames, s) {
				return fmt.Errorf("-only: unknown scenario %q (known: %s)", s, strings.Join(scenarioNames, ", "))
			}
			c.only[s] = true
		}
	}
	if c.rounds < 1 {
		c.rounds = 1
	}
	if err := os.MkdirAll(c.workDir, 0o755); err != nil {
		return err
	}
	if c.profileDir != "" {
		if err := os.MkdirAll(c.profileDir, 0o755); err != nil {
			return err
		}
	}
	if _, err := os.Stat(c.numberd); err != nil {
		fmt.Printf("building %s\n", c.numberd)
		cmd := exec.Command("go", "build", "-o", c.numberd, "./server")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build numberd: %v", err)
		}
	}
	var md strings.Builder
	fmt.Fprintf(&md, "Measured %s on %s (Go %s, %s/%s); %s per scenario and server, %d clients, numberd and the baseline alternating in %d round(s).\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), machine(), runtime.Version(), runtime.GOOS, runtime.GOARCH, c.dur, c.conc, c.rounds)
	var failed []string
	for _, dsn := range c.dbs {
		rep, err := runEngine(ctx, c, dsn)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", dsn, err)
			failed = append(failed, dsn)
			continue
		}
		md.WriteString(rep)
	}
	if c.markdown != "" {
		if err := os.WriteFile(c.markdown, []byte(md.String()), 0o644); err != nil {
			return err
		}
		fmt.Printf("markdown written to %s\n", c.markdown)
	}
	if len(failed) > 0 {
		return fmt.Errorf("failed on %s", strings.Join(failed, ", "))
	}
	return nil
}

var scenarioNames = []string{
	"rest-get", "graphql-get", "rest-list-first", "rest-list-deep", "graphql-list-first", "graphql-list-deep",
	"search-prefix", "store-prefix-scan", "write-mix", "put-collection",
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// row is one line of the results table.
type row struct {
	name     string
	numberd  *stats
	baseline *stats
	note     string // replaces numberd's figures (e.g. endpoint missing)
	same     string // answer comparison with the baseline
	rssKB    int64
	load     string
}

// engineRun holds what the scenarios of one engine share.
type engineRun struct {
	c        runConfig
	dsn      string
	engine   string
	info     datasetInfo
	db       *store.DB
	nd, bl   *child
	token    string
	client   *http.Client
	deepKey  string // first number of the page 900,000 rows deep
	deepPrev string // the number before it (GraphQL's after cursor)
	deepRow  int
	pool     int
	rssReset bool
	maxRSS   int64
}

func runEngine(ctx context.Context, c runConfig, dsn string) (string, error) {
	e := &engineRun{c: c, dsn: dsn, client: newClient(c.conc)}
	cfg, err := store.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	e.engine = map[string]string{store.SQLite: "SQLite", store.MySQL: "MariaDB/MySQL"}[cfg.Dialect]
	fmt.Printf("\n== %s (%s)\n", e.engine, dsn)
	t0 := time.Now()
	if e.info, err = ensureDataset(ctx, dsn, c.total, c.rebuild); err != nil {
		return "", err
	}
	buildNote := ""
	if d := time.Since(t0); d > 5*time.Second {
		buildNote = fmt.Sprintf(" (built in this run in %.0f s)", d.Seconds())
	}
	if e.db, err = openDB(ctx, dsn, false); err != nil {
		return "", err
	}
	defer e.db.Close()
	e.pool = writePoolStart(e.info.Total)
	if err := e.findDeepKey(ctx); err != nil {
		return "", err
	}
	if v, err := e.db.SchemaVersion(ctx); err != nil || v != store.LatestVersion() {
		return "", fmt.Errorf("schema version %d, numberd expects %d (%v)", v, store.LatestVersion(), err)
	}

	// numberd, the real binary.
	addr, err := freeAddr()
	if err != nil {
		return "", err
	}
	args := []string{"serve", "--db", dsn, "--listen", addr, "--master-api-key", masterKey, "--activate-rate", "0"}
	pprofAddr := ""
	if c.profileDir != "" {
		if pprofAddr, err = freeAddr(); err != nil {
			return "", err
		}
		args = append(args, "--pprof", pprofAddr)
	}
	logPath := filepath.Join(c.workDir, "numberd-"+cfg.Dialect+".log")
	if e.nd, err = startChild(ctx, "numberd", c.numberd, args, addr, "/readyz", logPath); err != nil {
		return "", err
	}
	defer e.nd.stop()
	e.nd.pprof = pprofAddr
	fmt.Printf("numberd pid %d on %s (log %s), RSS after start %d MB\n", e.nd.pid(), addr, logPath, procStatusKB(e.nd.pid(), "VmRSS")/1024)
	if e.token, err = e.login(ctx); err != nil {
		return "", err
	}

	// The baseline, this tool's own binary in another process.
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	baddr, err := freeAddr()
	if err != nil {
		return "", err
	}
	e.bl, err = startChild(ctx, "baseline", self, []string{"baseline", "-db", dsn, "-listen", baddr, "-token", e.token,
		"-cascade", e.info.Bigco + "," + e.info.Master}, baddr, "/readyz", filepath.Join(c.workDir, "baseline-"+cfg.Dialect+".log"))
	if err != nil {
		return "", err
	}
	defer e.bl.stop()
	fmt.Printf("baseline pid %d on %s\n", e.bl.pid(), baddr)
	e.rssReset = resetPeakRSS(e.nd.pid())

	loadStart := loadAvg()
	var rows []*row
	for _, sc := range e.scenarios() {
		if c.only != nil && !c.only[sc.name] {
			continue
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		fmt.Printf("-- %s (load %s)\n", sc.name, loadAvg())
		curScenario = sc.name
		r, err := sc.run(ctx)
		if err != nil {
			return "", fmt.Errorf("%s: %v", sc.name, err)
		}
		r.name, r.load = sc.name, loadAvg()
		rows = append(rows, r)
		printRow(r)
	}
	loadEnd := loadAvg()
	rssNow := procStatusKB(e.nd.pid(), "VmRSS")
	e.maxRSS = max(e.maxRSS, procStatusKB(e.nd.pid(), "VmHWM"))

	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", e.engine)
	fmt.Fprintf(&b, "Data set: %d numbers, %d accounts, %s%s. numberd's RSS at the end: %d MB, peak %d MB. Load average (1/5/15 min) %s at the start, %s at the end.\n\n",
		e.info.Total, numAccounts, dsnLabel(dsn), buildNote, rssNow/1024, e.maxRSS/1024, loadStart, loadEnd)
	b.WriteString(table(rows))
	b.WriteString("\n")
	b.WriteString(targets(rows, e.maxRSS))
	b.WriteString("\n")
	fmt.Println()
	fmt.Print(b.String())
	return b.String(), nil
}

func dsnLabel(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	return dsn
}

// findDeepKey finds the row 900,000 rows deep into bigco's listing (or
// near the end of a smaller data set) from the data set's definition, and
// checks it against the database.
func (e *engineRun) findDeepKey(ctx context.Context) error {
	var idx []int
	for i := 0; i < e.pool; i++ {
		if seedOwnerIsBigco(i, e.pool) {
			idx = append(idx, i)
		}
	}
	e.deepRow = min(900_000, len(idx)-100)
	e.deepKey, e.deepPrev = numberAt(idx[e.deepRow]), numberAt(idx[e.deepRow-1])
	got, err := e.db.Q().FindNumbers(ctx, store.NumberQuery{Owner: e.info.Bigco, After: e.deepPrev, Limit: 1})
	if err != nil {
		return err
	}
	if len(got) != 1 || got[0].Number != e.deepKey {
		return fmt.Errorf("the data set does not match this tool (row %d of bigco should be %s): rebuild it (-rebuild)", e.deepRow, e.deepKey)
	}
	return nil
}

// seedOwnerIsBigco mirrors seedNumber's choice of owner.
func seedOwnerIsBigco(i, pool int) bool {
	if i >= pool {
		return false
	}
	h := mix(uint64(i))
	st := h % 100
	if st >= 93 && st < 96 {
		return false // available
	}
	return (h>>8)%1000 < 940
}

func (e *engineRun) login(ctx context.Context) (string, error) {
	st, body, err := call(ctx, e.client, "PUT", e.ndURL("/v2/api_auth"), "", []byte(`{"data":{"api_key":"`+masterKey+`"}}`))
	if err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("api_auth: %d %v %.200s", st, err, body)
	}
	var env struct {
		AuthToken string `json:"auth_token"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.AuthToken == "" {
		return "", fmt.Errorf("api_auth: no token in %.200s", body)
	}
	return env.AuthToken, nil
}

func (e *engineRun) ndURL(p string) string { return "http://" + e.nd.addr + p }

// scenario is one line of the table.
type scenario struct {
	name string
	run  func(ctx context.Context) (*row, error)
}

// request is a request both servers can answer.
type request struct {
	method, path string
	body         []byte
}

func (e *engineRun) scenarios() []scenario {
	randomNumber := func(rng *rand.Rand) string { return numberAt(rng.IntN(e.pool)) }
	rngs := make([]*rand.Rand, e.c.conc)
	for i := range rngs {
		rngs[i] = rand.New(rand.NewPCG(uint64(i), 42))
	}
	pn := func(acct string) string { return "/v2/accounts/" + acct + "/phone_numbers" }
	esc := url.PathEscape
	gqlOne := `query One($n: String!) { phoneNumber(number: $n) { number state features availableFeatures carrierModule usedBy createdAt updatedAt publicFields } }`
	gqlList := `query List($a: ID!, $after: String) { phoneNumbers(accountId: $a, first: 50, after: $after) { edges { cursor node { number state account { name } } } pageInfo { hasNextPage endCursor } } }`
	gql := func(op, query string, vars map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"operationName": op, "query": query, "variables": vars})
		return b
	}
	cursor := base64.RawURLEncoding.EncodeToString([]byte("n::" + e.deepPrev)) // numberd's cursor for number order
	return []scenario{
		{"rest-get", e.readScenario("rest", func(w int) request {
			return request{"GET", pn(e.info.Master) + "/" + esc(randomNumber(rngs[w])), nil}
		})},
		{"graphql-get", e.readScenario("graphql", func(w int) request {
			return request{"POST", "/graphql", gql("One", gqlOne, map[string]any{"n": randomNumber(rngs[w])})}
		})},
		{"rest-list-first", e.readScenario("rest", func(int) request {
			return request{"GET", pn(e.info.Bigco) + "?page_size=50", nil}
		})},
		{"rest-list-deep", e.readScenario("rest", func(int) request {
			return request{"GET", pn(e.info.Bigco) + "?page_size=50&start_key=" + url.QueryEscape(e.deepKey), nil}
		})},
		{"graphql-list-first", e.readScenario("graphql", func(int) request {
			return request{"POST", "/graphql", gql("List", gqlList, map[string]any{"a": e.info.Bigco})}
		})},
		{"graphql-list-deep", e.readScenario("graphql", func(int) request {
			return request{"POST", "/graphql", gql("List", gqlList, map[string]any{"a": e.info.Bigco, "after": cursor})}
		})},
		{"search-prefix", e.readScenario("search", func(int) request {
			return request{"GET", pn(e.info.Master) + "?prefix=" + e.searchPrefix()[2:] + "&quantity=50", nil}
		})},
		{"store-prefix-scan", e.storePrefixScan},
		{"write-mix", e.writeMix},
		{"put-collection", e.putCollection},
	}
}

// driveServer is drive, also measuring the CPU time the server process
// (pid) spent meanwhile.
func driveServer(ctx context.Context, pid, conc int, dur time.Duration, op opFunc) *stats {
	c0 := procCPU(pid)
	st := drive(ctx, conc, dur, op)
	st.cpu = procCPU(pid) - c0
	return st
}

// readScenario measures a read on numberd and on the baseline, alternating.
func (e *engineRun) readScenario(kind string, mk func(w int) request) func(ctx context.Context) (*row, error) {
	return func(ctx context.Context) (*row, error) {
		r := &row{}
		op := func(base string) opFunc {
			return func(ctx context.Context, w, i int) (outcome, string) {
				rq := mk(w)
				st, body, err := call(ctx, e.client, rq.method, base+rq.path, e.token, rq.body)
				if err != nil {
					return errorOutcome, err.Error()
				}
				if st != http.StatusOK || (kind == "graphql" && strings.Contains(string(body), `"errors"`)) {
					return errorOutcome, fmt.Sprintf("%d %.300s", st, body)
				}
				return okOutcome, ""
			}
		}
		ndBase, blBase := "http://"+e.nd.addr, "http://"+e.bl.addr
		// The same request to both: numberd must serve it, and the answers
		// must carry the same data.
		rq := mk(0)
		st, nb, err := call(ctx, e.client, rq.method, ndBase+rq.path, e.token, rq.body)
		if err != nil {
			return nil, err
		}
		_, bb, err := call(ctx, e.client, rq.method, blBase+rq.path, e.token, rq.body)
		if err != nil {
			return nil, err
		}
		missing := kind == "search" && st == http.StatusNotImplemented
		if missing {
			r.note = "n/a (endpoint missing)"
			r.same = "-"
		} else {
			r.same = compareAnswers(kind, nb, bb)
		}
		drive(ctx, e.c.conc, e.c.warmup, op(blBase))
		if !missing {
			drive(ctx, e.c.conc, e.c.warmup, op(ndBase))
		}
		e.beginNumberdPhase()
		r.numberd, r.baseline = &stats{}, &stats{}
		per := e.c.dur / time.Duration(e.c.rounds)
		for round := 0; round < e.c.rounds; round++ {
			runND := func() {
				if missing {
					return
				}
				stop := e.profile(ctx, round, per)
				r.numberd.add(driveServer(ctx, e.nd.pid(), e.c.conc, per, op(ndBase)))
				stop()
			}
			if round%2 == 0 {
				runND()
				r.baseline.add(driveServer(ctx, e.bl.pid(), e.c.conc, per, op(blBase)))
			} else {
				r.baseline.add(driveServer(ctx, e.bl.pid(), e.c.conc, per, op(blBase)))
				runND()
			}
		}
		if missing {
			r.numberd = nil
		}
		r.rssKB = e.endNumberdPhase()
		return r, nil
	}
}

var curScenario string

// beginNumberdPhase resets numberd's peak RSS so the scenario's own peak
// can be read at its end.
func (e *engineRun) beginNumberdPhase() {
	e.maxRSS = max(e.maxRSS, procStatusKB(e.nd.pid(), "VmHWM"))
	if e.rssReset {
		resetPeakRSS(e.nd.pid())
	}
}

func (e *engineRun) endNumberdPhase() int64 {
	kb := procStatusKB(e.nd.pid(), "VmHWM")
	e.maxRSS = max(e.maxRSS, kb)
	return kb
}

// profile captures numberd's CPU profile over the first round of a
// scenario and its allocations (before/after, for pprof -base); it returns
// a function that waits for the capture to end.
func (e *engineRun) profile(ctx context.Context, round int, d time.Duration) func() {
	if e.c.profileDir == "" || round != 0 || e.nd.pprof == "" {
		return func() {}
	}
	name := filepath.Join(e.c.profileDir, strings.ToLower(strings.Split(e.engine, "/")[0])+"-"+curScenario)
	fetch := func(path, file string) {
		res, err := http.Get("http://" + e.nd.pprof + path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "profile %s: %v\n", path, err)
			return
		}
		defer res.Body.Close()
		f, err := os.Create(file)
		if err != nil {
			return
		}
		defer f.Close()
		io.Copy(f, res.Body)
	}
	fetch("/debug/pprof/allocs", name+".allocs-before.pprof")
	secs := max(1, int(d.Seconds()))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), name+".cpu.pprof")
	}()
	return func() {
		wg.Wait()
		fetch("/debug/pprof/allocs", name+".allocs.pprof")
	}
}

// compareAnswers compares the data of numberd's and the baseline's answers
// to the same request: "same", or where they differ.
func compareAnswers(kind string, nb, bb []byte) string {
	var n, b map[string]any
	if err := json.Unmarshal(nb, &n); err != nil {
		return "numberd: " + err.Error()
	}
	if err := json.Unmarshal(bb, &b); err != nil {
		return "baseline: " + err.Error()
	}
	keys := []string{"data"}
	if kind == "rest" {
		keys = []string{"data", "page_size", "start_key", "next_start_key"}
	}
	if kind == "search" {
		// Issue 4's results also carry classification and locality; compare
		// the numbers and states.
		if l, ok := n["data"].([]any); ok {
			for _, it := range l {
				if m, ok := it.(map[string]any); ok {
					for k := range m {
						if k != "number" && k != "state" {
							delete(m, k)
						}
					}
				}
			}
		}
	}
	for _, k := range keys {
		if d := diff(k, n[k], b[k]); d != "" {
			return "DIFF " + d
		}
	}
	return "same"
}

func diff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return path
		}
		for k := range x {
			if _, ok := y[k]; !ok {
				return path + "." + k + " (numberd only)"
			}
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				return path + "." + k + " (baseline only)"
			}
			if d := diff(path+"."+k, x[k], y[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path + " (length)"
		}
		for i := range x {
			if d := diff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		return fmt.Sprintf("%s (%v vs %v)", path, a, b)
	}
	return ""
}

// searchPrefix is the 6-digit NANP prefix searched: +1415555, or the first
// block's when the data set is too small to hold it.
func (e *engineRun) searchPrefix() string {
	const block = 4*10 + 4 // 415 is npas[4], 555 is nxxs[4]
	if e.pool > block*blockSize {
		return numberAt(block * blockSize)[:8]
	}
	return numberAt(0)[:8]
}

// storePrefixScan times the store's range scan for a 6-digit prefix
// (available numbers starting with +1415555), in this process: what a
// prefix search costs the database through numberd's store layer.
func (e *engineRun) storePrefixScan(ctx context.Context) (*row, error) {
	q := e.db.Q()
	f := store.NumberQuery{Prefix: e.searchPrefix(), States: []models.State{models.StateAvailable}, Limit: 50}
	op := func(ctx context.Context, w, i int) (outcome, string) {
		rows, err := q.FindNumbers(ctx, f)
		if err != nil {
			return errorOutcome, err.Error()
		}
		if len(rows) == 0 {
			return errorOutcome, "no available number with prefix " + f.Prefix
		}
		return okOutcome, ""
	}
	drive(ctx, e.c.conc, e.c.warmup, op)
	return &row{numberd: drive(ctx, e.c.conc, e.c.dur, op), same: "-", note: ""}, nil
}

// writeMix runs reserve → activate → release cycles, each worker on its
// own numbers of the write pool (available, carrier "other", so a release
// makes them available again). A 400/409 answer is an expected state
// conflict (a number left mid-cycle by an interrupted run); the worker then
// releases that number and moves on.
func (e *engineRun) writeMix(ctx context.Context) (*row, error) {
	type wstate struct {
		k, step int
	}
	ws := make([]wstate, e.c.conc)
	perWorker := blockSize / e.c.conc
	base := "http://" + e.nd.addr + "/v2/accounts/" + e.info.Bigco + "/phone_numbers/"
	op := func(ctx context.Context, w, i int) (outcome, string) {
		s := &ws[w]
		num := url.PathEscape(numberAt(e.pool + w + (s.k%perWorker)*e.c.conc))
		var method, u string
		switch s.step {
		case 0:
			method, u = "PUT", base+num+"/reserve"
		case 1:
			method, u = "PUT", base+num+"/activate"
		default:
			method, u = "DELETE", base+num
		}
		st, body, err := call(ctx, e.client, method, u, e.token, []byte(`{"data":{}}`))
		if err != nil {
			return errorOutcome, err.Error()
		}
		next := func() {
			s.step++
			if s.step == 3 {
				s.step, s.k = 0, s.k+1
			}
		}
		switch {
		case st == http.StatusOK || st == http.StatusCreated:
			next()
			return okOutcome, ""
		case st == http.StatusBadRequest || st == http.StatusConflict:
			if s.step == 2 {
				s.step, s.k = 0, s.k+1
			} else {
				s.step = 2
			}
			return conflictOutcome, ""
		}
		return errorOutcome, fmt.Sprintf("%s %s: %d %.300s", method, u, st, body)
	}
	e.beginNumberdPhase()
	stop := e.profile(ctx, 0, e.c.dur)
	st := driveServer(ctx, e.nd.pid(), e.c.conc, e.c.dur, op)
	stop()
	// Finish the cycles cut off by the deadline, so every pool number is
	// available again for the next run.
	for w := range ws {
		for ws[w].step != 0 {
			op(ctx, w, 0)
		}
	}
	return &row{numberd: st, same: "-", rssKB: e.endNumberdPhase()}, nil
}

// putCollection creates collections of new numbers (+1808NXXXXXX, after
// the highest one there), then hard-deletes them (untimed) so the data set
// is left as it was.
func (e *engineRun) putCollection(ctx context.Context) (*row, error) {
	start := 0
	last, err := e.db.Q().FindNumbers(ctx, store.NumberQuery{Prefix: "+1808", Desc: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(last) == 1 {
		var nxx, line int
		fmt.Sscanf(last[0].Number, "+1808%3d%4d", &nxx, &line)
		start = (nxx-200)*10000 + line + 1
	}
	var mu sync.Mutex
	next := start
	var created []string
	u := "http://" + e.nd.addr + "/v2/accounts/" + e.info.Bigco + "/phone_numbers/collection"
	op := func(ctx context.Context, w, i int) (outcome, string) {
		mu.Lock()
		nums := make([]string, e.c.collSize)
		for j := range nums {
			nums[j] = fmt.Sprintf("+1808%03d%04d", 200+next/10000, next%10000)
			next++
		}
		mu.Unlock()
		body, _ := json.Marshal(map[string]any{"data": map[string]any{"numbers": nums}})
		st, rb, err := call(ctx, e.client, "PUT", u, e.token, body)
		if err != nil {
			return errorOutcome, err.Error()
		}
		var env struct {
			Data struct {
				Success map[string]any `json:"success"`
				Error   map[string]any `json:"error"`
			} `json:"data"`
		}
		json.Unmarshal(rb, &env)
		mu.Lock()
		for n := range env.Data.Success {
			created = append(created, n)
		}
		mu.Unlock()
		if st != http.StatusCreated || len(env.Data.Error) > 0 || len(env.Data.Success) != len(nums) {
			return errorOutcome, fmt.Sprintf("%d %.300s", st, rb)
		}
		return okOutcome, ""
	}
	e.beginNumberdPhase()
	stop := e.profile(ctx, 0, e.c.dur)
	st := driveServer(ctx, e.nd.pid(), e.c.conc, e.c.dur, op)
	stop()
	rss := e.endNumberdPhase()
	// Remove what was created (an interrupted request may have created
	// numbers the tool never heard of: they stay, and the next run starts
	// after them).
	for len(created) > 0 {
		n := min(len(created), 1000)
		body, _ := json.Marshal(map[string]any{"data": map[string]any{"numbers": created[:n]}})
		if code, rb, err := call(ctx, e.client, "DELETE", u+"?hard=true", e.token, body); err != nil || code != http.StatusOK {
			return nil, fmt.Errorf("cleanup: %d %v %.200s", code, err, rb)
		}
		created = created[n:]
	}
	return &row{numberd: st, same: "-", rssKB: rss}, nil
}
