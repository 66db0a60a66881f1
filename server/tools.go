package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"numberd/internal/numcsv"
	"numberd/models"
	"numberd/service"
	"numberd/store"
)

// The operator tools (numberd import, numberd export) open the database
// directly (--db, or NUMBERD_DB) and act as the master account: whoever can
// run them already holds the database credentials. They need no running
// server and no API key, and they go through the same service rules as the
// API.

// toolFlags are the flags both tools share.
type toolFlags struct {
	fs      *flag.FlagSet
	db      string
	account string
}

func newToolFlags(name string, getenv func(string) string, stderr io.Writer) *toolFlags {
	t := &toolFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	t.fs.SetOutput(stderr)
	def := getenv("NUMBERD_DB")
	if def == "" {
		def = "sqlite:./data/numberd.db"
	}
	t.fs.StringVar(&t.db, "db", def, "database: sqlite:<path> or mysql://user:pass@host:port/dbname (env NUMBERD_DB)")
	t.fs.StringVar(&t.account, "account", "", "account id (default: the master account)")
	return t
}

// open opens the database and returns the service and a context acting as
// the master account, and the account to work on.
func (t *toolFlags) open(ctx context.Context, tool string) (*store.DB, *service.Service, context.Context, string, error) {
	log := slog.New(slog.DiscardHandler)
	db, err := openStore(ctx, Config{DB: t.db}, log)
	if err != nil {
		return nil, nil, nil, "", err
	}
	svc := service.New(db, service.DefaultConfig())
	a, err := svc.MasterActor(ctx)
	if err != nil {
		db.Close()
		return nil, nil, nil, "", fmt.Errorf("%s: %s", tool, errText(err))
	}
	ctx = models.NewContextWithActor(ctx, a)
	ctx = models.NewContextWithRequestID(ctx, tool+"-"+newRequestID()[:12])
	acct := t.account
	if acct == "" {
		acct = a.Account.ID
	}
	if _, err := svc.GetAccount(ctx, acct); err != nil {
		db.Close()
		return nil, nil, nil, "", fmt.Errorf("%s: --account %s: %s", tool, acct, errText(err))
	}
	return db, svc, ctx, acct, nil
}

// errText is a domain error's user message (the cause for internal ones).
func errText(err error) string {
	if e := models.AsError(err); e != nil {
		msg := e.Message
		if e.Reason == models.ReasonValidation && len(e.Fields) > 0 {
			msg = e.Fields[0].Path + ": " + e.Fields[0].Message
		}
		if e.Cause != "" && e.Cause != msg {
			msg += " (" + e.Cause + ")"
		}
		if e.Code == models.EINTERNAL && e.Err != nil {
			msg = e.Err.Error()
		}
		if e.Code == models.EUNAVAILABLE && e.Err != nil {
			msg += ": " + e.Err.Error()
		}
		return msg
	}
	return err.Error()
}

const exportUsage = `usage: numberd export [flags] [--output FILE]

Writes every number of an account as CSV (the columns of GET
/v2/accounts/{A}/phone_numbers with Accept: text/csv): ` + "number,state,assigned_to,used_by,carrier,features,features_allowed,features_denied,created,updated" + `.
The file imports back with numberd import.`

// exportCmd is `numberd export`.
func exportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	t := newToolFlags("numberd export", getenv, stderr)
	output := t.fs.String("output", "-", "file to write (- for standard output); written to a temporary file and renamed when complete")
	var states multiFlag
	t.fs.Var(&states, "state", "only numbers in this state (repeatable)")
	t.fs.Usage = func() { fmt.Fprintln(stderr, exportUsage); t.fs.PrintDefaults() }
	if err := t.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if t.fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected argument %q", t.fs.Arg(0))
	}
	lq := service.ListQuery{}
	for _, s := range states {
		if !models.State(s).Valid() {
			return fmt.Errorf("export: --state %s: unknown state", s)
		}
		lq.States = append(lq.States, models.State(s))
	}
	db, svc, ctx, acct, err := t.open(ctx, "export")
	if err != nil {
		return err
	}
	defer db.Close()

	w, commit, abort, err := outputFile(*output, stdout)
	if err != nil {
		return fmt.Errorf("export: %v", err)
	}
	cw := numcsv.NewWriter(w)
	n := 0
	err = svc.ExportNumbers(ctx, acct, lq, func(page []*models.Number) error {
		for _, num := range page {
			if err := cw.Write(num); err != nil {
				return err
			}
		}
		n += len(page)
		return nil
	})
	if err == nil {
		err = cw.Flush()
	}
	if err != nil {
		abort()
		return fmt.Errorf("export: %s", errText(err))
	}
	if err := commit(); err != nil {
		return fmt.Errorf("export: %v", err)
	}
	if *output != "-" {
		fmt.Fprintf(stderr, "exported %d numbers of account %s to %s\n", n, acct, *output)
	}
	return nil
}

// outputFile opens path ("-": stdout) for writing through a temporary file
// renamed into place by commit, so a failed export never leaves a partial
// file behind under the final name.
func outputFile(path string, stdout io.Writer) (w io.Writer, commit func() error, abort func(), err error) {
	if path == "-" || path == "" {
		return stdout, func() error { return nil }, func() {}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, nil, nil, err
	}
	commit = func() error {
		if err := f.Close(); err != nil {
			os.Remove(f.Name())
			return err
		}
		return os.Rename(f.Name(), path)
	}
	abort = func() { f.Close(); os.Remove(f.Name()) }
	return f, commit, abort, nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

const importUsage = `usage: numberd import [flags] FILE|-

Loads phone numbers into an account. FILE is a CSV (comma, semicolon or tab
separated, with or without a header row; the number column is the one
headed number/e164/phone_number/did/tn/id, or the first, or --column) or a
plain list with one number per line; - reads standard input. A numberd
export imports back as is (its state column is used unless --state is
given).

Numbers are normalised (4158867900, (415) 886-7900 and +14158867900 are
the same number) and validated; numbers already in the database, in any
account, are left untouched and reported as present, so an import can be
run again safely. Rows that cannot be imported are listed as file:line:
input: reason (all of them in --errors-file), and make the exit status 1.`

// importCmd is `numberd import`.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	t := newToolFlags("numberd import", getenv, stderr)
	state := t.fs.String("state", "", "state to create the numbers in: in_service, reserved, available, port_in or aging (default: the file's state column, else in_service)")
	dryRun := t.fs.Bool("dry-run", false, "report what the import would do and write nothing")
	errorsFile := t.fs.String("errors-file", "", "write every row that was not created (invalid, duplicate, failed, present) to this CSV file")
	column := t.fs.String("column", "", "the number column: a header name or a 1-based index")
	batch := t.fs.Int("batch-size", 2000, fmt.Sprintf("numbers per transaction (at most %d)", service.MaxBatch))
	progress := t.fs.String("progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines or none")
	t.fs.Usage = func() { fmt.Fprintln(stderr, importUsage); t.fs.PrintDefaults() }
	if err := t.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if t.fs.NArg() != 1 {
		return fmt.Errorf("import: name one file, or - for standard input (numberd import -h)")
	}
	if *batch < 1 || *batch > service.MaxBatch {
		return fmt.Errorf("import: --batch-size must be between 1 and %d", service.MaxBatch)
	}
	if *state != "" {
		if st := models.State(*state); !st.Valid() || st == models.StateDeleted {
			return fmt.Errorf("import: --state %s: unknown state", *state)
		}
	}
	mode, err := progressMode(*progress, stdout)
	if err != nil {
		return err
	}
	name := t.fs.Arg(0)
	var in io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("import: %v", err)
		}
		defer f.Close()
		in = f
	} else {
		name = "stdin"
	}
	rows, err := numcsv.Read(in, numcsv.ReadOptions{Column: *column})
	if err != nil {
		return fmt.Errorf("import: %s: %v", name, err)
	}
	db, svc, ctx, acct, err := t.open(ctx, "import")
	if err != nil {
		return err
	}
	defer db.Close()

	imp := &importer{name: name, stderr: stderr}
	valid := imp.validate(rows, models.State(*state))
	bar := newProgressBar(stdout, mode, len(rows))
	bar.add(len(rows)-len(valid), imp.counts)
	start := time.Now()
	for len(valid) > 0 {
		n := min(*batch, len(valid))
		chunk := valid[:n]
		valid = valid[n:]
		req := make([]service.ImportRow, n)
		for i, v := range chunk {
			req[i] = service.ImportRow{Number: v.e164, State: v.state}
		}
		res, err := svc.ImportNumbers(ctx, acct, req, *dryRun)
		if err != nil {
			bar.done()
			imp.printSummary(stdout, *dryRun, time.Since(start))
			return fmt.Errorf("import stopped at %s:%d: %s (batches before it are stored; run the import again to continue)",
				name, chunk[0].line, errText(err))
		}
		imp.record(chunk, res)
		bar.add(n, imp.counts)
	}
	bar.done()
	imp.printSummary(stdout, *dryRun, time.Since(start))
	imp.printProblems(stderr)
	if *errorsFile != "" {
		if err := imp.writeErrorsFile(*errorsFile); err != nil {
			return fmt.Errorf("import: --errors-file: %v", err)
		}
	}
	if bad := imp.counts.invalid + imp.counts.duplicate + imp.counts.failed; bad > 0 {
		return fmt.Errorf("import: %d of %d rows could not be imported", bad, len(rows))
	}
	return nil
}

// importCounts are the running totals.
type importCounts struct {
	created, present, invalid, duplicate, failed int
}

type validRow struct {
	line  int
	input string
	e164  string
	state models.State
}

// problem is one row that was not created.
type problem struct {
	line   int
	input  string
	kind   string // invalid, duplicate, failed, present
	reason string
}

type importer struct {
	name     string
	stderr   io.Writer
	counts   importCounts
	problems []problem
}

// validate normalises every row, and sorts out unreconcilable numbers,
// unknown states and numbers named twice in the file.
func (imp *importer) validate(rows []numcsv.Row, force models.State) []validRow {
	seen := make(map[string]int, len(rows))
	out := make([]validRow, 0, len(rows))
	for _, r := range rows {
		e, err := models.ParseNumber(r.Number)
		if err != nil {
			reason := "not a reconcilable phone number"
			if r.Number == "" {
				reason = "empty number"
			}
			imp.problem(r.Line, r.Number, "invalid", reason)
			continue
		}
		st := force
		if st == "" {
			st = models.State(strings.ToLower(r.State))
		}
		if st == "" {
			st = models.StateInService
		}
		if !st.Valid() || st == models.StateDeleted {
			imp.problem(r.Line, r.Number, "invalid", fmt.Sprintf("unknown state %q", r.State))
			continue
		}
		if first, dup := seen[e]; dup {
			imp.problem(r.Line, r.Number, "duplicate", fmt.Sprintf("%s already appears on line %d", e, first))
			continue
		}
		seen[e] = r.Line
		out = append(out, validRow{line: r.Line, input: r.Number, e164: e, state: st})
	}
	return out
}

func (imp *importer) problem(line int, input, kind, reason string) {
	switch kind {
	case "invalid":
		imp.counts.invalid++
	case "duplicate":
		imp.counts.duplicate++
	case "failed":
		imp.counts.failed++
	case "present":
		imp.counts.present++
	}
	imp.problems = append(imp.problems, problem{line: line, input: input, kind: kind, reason: reason})
}

func (imp *importer) record(chunk []validRow, res []service.ImportResult) {
	byKey := make(map[string]service.ImportResult, len(res))
	for _, r := range res {
		byKey[r.Key] = r
	}
	for _, v := range chunk {
		r, ok := byKey[v.e164]
		switch {
		case !ok:
			imp.problem(v.line, v.input, "failed", "no result")
		case r.Outcome == service.ImportCreated:
			imp.counts.created++
		case r.Outcome == service.ImportPresent:
			imp.problem(v.line, v.input, "present", r.Err.Error())
		default:
			imp.problem(v.line, v.input, "failed", errText(r.Err))
		}
	}
}

func (imp *importer) printSummary(w io.Writer, dryRun bool, d time.Duration) {
	c := imp.counts
	verb := "created"
	if dryRun {
		verb = "would be created"
	}
	fmt.Fprintf(w, "%s: %d %s, %d already present, %d invalid, %d duplicate, %d failed (%.1fs)\n",
		imp.name, c.created, verb, c.present, c.invalid, c.duplicate, c.failed, d.Seconds())
	if dryRun {
		fmt.Fprintln(w, "dry run: nothing was written")
	}
}

// printProblems lists up to 20 rows of each kind on stderr.
func (imp *importer) printProblems(w io.Writer) {
	shown := map[string]int{}
	total := map[string]int{}
	for _, p := range imp.problems {
		total[p.kind]++
		if shown[p.kind] < 20 {
			shown[p.kind]++
			fmt.Fprintf(w, "%s:%d: %q: %s: %s\n", imp.name, p.line, p.input, p.kind, p.reason)
		}
	}
	for _, k := range []string{"invalid", "duplicate", "failed", "present"} {
		if total[k] > shown[k] {
			fmt.Fprintf(w, "... and %d more %s rows (--errors-file lists them all)\n", total[k]-shown[k], k)
		}
	}
}

func (imp *importer) writeErrorsFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(f)
	cw.Write([]string{"file", "line", "input", "kind", "reason"})
	for _, p := range imp.problems {
		cw.Write([]string{imp.name, fmt.Sprint(p.line), p.input, p.kind, p.reason})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// progressMode resolves --progress: auto is a bar when stdout is a
// terminal, plain lines otherwise.
func progressMode(v string, stdout io.Writer) (string, error) {
	switch v {
	case "bar", "lines", "none":
		return v, nil
	case "auto":
		if f, ok := stdout.(*os.File); ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
			return "bar", nil
		}
		return "lines", nil
	}
	return "", fmt.Errorf("import: --progress must be auto, bar, lines or none")
}

// progressBar shows how far an import is: a redrawn bar on a terminal, or a
// line per 10% otherwise (logs, CI).
type progressBar struct {
	w         io.Writer
	mode      string
	total     int
	n         int
	start     time.Time
	lastDraw  time.Time
	lastTenth int
}

func newProgressBar(w io.Writer, mode string, total int) *progressBar {
	return &progressBar{w: w, mode: mode, total: total, start: time.Now()}
}

func (p *progressBar) add(n int, c importCounts) {
	p.n += n
	if p.total == 0 {
		return
	}
	rate := float64(p.n) / max(time.Since(p.start).Seconds(), 1e-3)
	switch p.mode {
	case "bar":
		if time.Since(p.lastDraw) < 100*time.Millisecond && p.n < p.total {
			return
		}
		p.lastDraw = time.Now()
		const width = 30
		filled := width * p.n / p.total
		fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d  created %d  present %d  problems %d  %.0f/s ",
			strings.Repeat("=", filled), strings.Repeat(" ", width-filled), 100*p.n/p.total, p.n, p.total,
			c.created, c.present, c.invalid+c.duplicate+c.failed, rate)
	case "lines":
		tenth := 10 * p.n / p.total
		if tenth <= p.lastTenth {
			return
		}
		p.lastTenth = tenth
		fmt.Fprintf(p.w, "progress: %d/%d rows (%d%%), created %d, present %d, problems %d, %.0f rows/s\n",
			p.n, p.total, 100*p.n/p.total, c.created, c.present, c.invalid+c.duplicate+c.failed, rate)
	}
}

func (p *progressBar) done() {
	if p.mode == "bar" && p.total > 0 {
		fmt.Fprintln(p.w)
	}
}
