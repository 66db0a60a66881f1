package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"numberd/models"
	"numberd/service"
	"numberd/store"
	"numberd/store/storetest"
)

// seeded is a database with its master account, and a service acting as it.
type seeded struct {
	dsn    string
	db     *store.DB
	svc    *service.Service
	ctx    context.Context
	master string
}

func seedDB(t testing.TB) *seeded {
	t.Helper()
	dsn := storetest.DSN(t)
	db := storetest.OpenDSN(t, dsn, store.Options{})
	svc := service.New(db, service.DefaultConfig())
	m, _, err := svc.Bootstrap(context.Background(), "tools-master-key")
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.MasterActor(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &seeded{dsn: dsn, db: db, svc: svc, ctx: models.NewContextWithActor(context.Background(), a), master: m.ID}
}

func (s *seeded) account(t testing.TB, name string) string {
	t.Helper()
	a, err := s.svc.CreateAccount(s.ctx, s.master, service.AccountInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// runTool runs a numberd subcommand and returns stdout, stderr and the error.
func runTool(t testing.TB, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"numberd"}, args...), func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

// csvColumns returns the chosen columns of a numcsv export, without the header.
func csvColumns(t *testing.T, data string, cols ...string) []string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("export is not CSV: %v\n%s", err, data)
	}
	idx := map[string]int{}
	for i, h := range recs[0] {
		idx[h] = i
	}
	var out []string
	for _, r := range recs[1:] {
		var parts []string
		for _, c := range cols {
			parts = append(parts, r[idx[c]])
		}
		out = append(out, strings.Join(parts, ","))
	}
	return out
}

// TestImportExport_RoundTrip: an account's numbers, exported by numberd
// export (and identically by the REST CSV listing), imported into another
// database, export the same; importing again changes nothing.
func TestImportExport_RoundTrip(t *testing.T) {
	src := seedDB(t)
	acct := src.account(t, "source")
	var nums []string
	for i := 0; i < 2345; i++ { // more than two export pages
		nums = append(nums, fmt.Sprintf("+1415555%04d", i))
	}
	for i, st := range []models.State{models.StateInService, models.StateReserved, models.StatePortIn} {
		part := nums[i*len(nums)/3 : (i+1)*len(nums)/3]
		for len(part) > 0 {
			n := min(len(part), service.MaxBatch)
			res, err := src.svc.CreateNumbers(src.ctx, acct, part[:n], service.CreateInput{State: st})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Fatalf("%s: %v", r.Key, r.Err)
				}
			}
			part = part[n:]
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "export.csv")
	if _, stderr, err := runTool(t, "", "export", "--db", src.dsn, "--account", acct, "--output", file); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	exported, _ := os.ReadFile(file)
	if got := csvColumns(t, string(exported), "number"); len(got) != len(nums) || got[0] != nums[0] || got[len(got)-1] != nums[len(nums)-1] {
		t.Fatalf("export has %d rows", len(got))
	}

	// The REST listing answers the same bytes for Accept: text/csv and ?accept=csv.
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "tools-master-key"}, "--db", src.dsn)
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "tools-master-key"}})
	tok := auth.body["auth_token"].(string)
	for _, how := range []string{"header", "query"} {
		url := s.base + "/v2/accounts/" + acct + "/phone_numbers?page_size=10"
		req, _ := http.NewRequest("GET", url, nil)
		if how == "header" {
			req.Header.Set("Accept", "text/csv")
		} else {
			req.URL.RawQuery += "&accept=csv"
		}
		req.Header.Set("X-Auth-Token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !bytes.Equal(body, exported) {
			t.Fatalf("REST CSV (%s): %d %s, %d bytes vs %d exported", how, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(exported))
		}
	}
	// Errors before the first row are Kazoo envelopes.
	req, _ := http.NewRequest("GET", s.base+"/v2/accounts/"+acct+"/phone_numbers", nil)
	req.Header.Set("Accept", "text/csv")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("CSV without a token: %v %v", err, resp)
	}

	dst := seedDB(t)
	dacct := dst.account(t, "destination")
	out, stderr, err := runTool(t, "", "import", "--db", dst.dsn, "--account", dacct, file)
	if err != nil {
		t.Fatalf("import: %v\n%s\n%s", err, out, stderr)
	}
	if !strings.Contains(out, fmt.Sprintf("%d created, 0 already present, 0 invalid, 0 duplicate, 0 failed", len(nums))) {
		t.Fatalf("import summary:\n%s", out)
	}
	back, _, err := runTool(t, "", "export", "--db", dst.dsn, "--account", dacct)
	if err != nil {
		t.Fatal(err)
	}
	cols := []string{"number", "state", "carrier", "features", "features_allowed", "features_denied", "used_by"}
	a, b := csvColumns(t, string(exported), cols...), csvColumns(t, back, cols...)
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("round trip differs:\n%v\n%v", a[:5], b[:5])
	}
	for _, line := range csvColumns(t, back, "assigned_to") {
		if line != dacct {
			t.Fatalf("imported number assigned to %q", line)
		}
	}
	// History says who did it.
	ev, err := dst.db.Q().NumberEvents(context.Background(), nums[0], 0, 10)
	if err != nil || len(ev) != 1 || ev[0].Action != models.ActionImport || !strings.HasPrefix(ev[0].RequestID, "import-") {
		t.Fatalf("history: %v %+v", err, ev)
	}

	// Safe re-run: everything is present, nothing changes, exit status 0.
	out, _, err = runTool(t, "", "import", "--db", dst.dsn, "--account", dacct, file)
	if err != nil || !strings.Contains(out, fmt.Sprintf("0 created, %d already present", len(nums))) {
		t.Fatalf("re-run: %v\n%s", err, out)
	}
	again, _, _ := runTool(t, "", "export", "--db", dst.dsn, "--account", dacct)
	if again != back {
		t.Fatal("a re-run changed the numbers")
	}
}

// TestImport_ReportsRows: normalisation, header and separator detection,
// stdin, per-row problems with file:line, --errors-file, --dry-run.
func TestImport_ReportsRows(t *testing.T) {
	db := seedDB(t)
	acct := db.account(t, "importer")
	input := "Phone Number;State;Name\n" +
		"(415) 886-7900;in_service;a\n" + // line 2
		"911;in_service;b\n" + // 3: not reconcilable
		"4158867900;reserved;c\n" + // 4: duplicate of line 2
		"+1 415 886 7901;bogus;d\n" + // 5: unknown state
		"\n" +
		"# a comment\n" +
		"00442071838750;reserved;e\n" + // 8: international access prefix
		"+14158867902;available;f\n" // 9
	errFile := filepath.Join(t.TempDir(), "errors.csv")

	out, stderr, err := runTool(t, input, "import", "--db", db.dsn, "--account", acct, "--dry-run", "--progress", "lines", "-")
	if err == nil || !strings.Contains(out, "stdin: 3 would be created, 0 already present, 2 invalid, 1 duplicate, 0 failed") || !strings.Contains(out, "dry run: nothing was written") {
		t.Fatalf("dry run: %v\n%s\n%s", err, out, stderr)
	}
	if n, _ := db.db.Q().CountNumbers(context.Background(), store.NumberQuery{}); n != 0 {
		t.Fatalf("the dry run wrote %d numbers", n)
	}

	out, stderr, err = runTool(t, input, "import", "--db", db.dsn, "--account", acct, "--errors-file", errFile, "--progress", "lines", "-")
	if err == nil || !strings.Contains(err.Error(), "3 of 6 rows could not be imported") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(out, "stdin: 3 created, 0 already present, 2 invalid, 1 duplicate, 0 failed") || !strings.Contains(out, "progress: 6/6 rows (100%)") {
		t.Fatalf("summary:\n%s", out)
	}
	for _, want := range []string{
		`stdin:3: "911": invalid: not a reconcilable phone number`,
		`stdin:4: "4158867900": duplicate: +14158867900 already appears on line 2`,
		`stdin:5: "+1 415 886 7901": invalid: unknown state "bogus"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %s:\n%s", want, stderr)
		}
	}
	ef, _ := os.ReadFile(errFile)
	if !strings.HasPrefix(string(ef), "file,line,input,kind,reason\n") || strings.Count(string(ef), "\n") != 4 {
		t.Errorf("errors file:\n%s", ef)
	}
	for num, want := range map[string]models.State{"+14158867900": models.StateInService, "+442071838750": models.StateReserved, "+14158867902": models.StateAvailable} {
		n, err := db.db.Q().NumberByE164(context.Background(), num)
		if err != nil || n.State != want {
			t.Errorf("%s: %v %v", num, n, err)
		}
	}

	// --state overrides the file; a one-number-per-line file has no header.
	out, stderr, err = runTool(t, "4158867900\n+14158867903\n", "import", "--db", db.dsn, "--account", acct, "--state", "reserved", "--progress", "bar", "-")
	if err != nil || !strings.Contains(out, "\r[") || !strings.Contains(out, "1 created, 1 already present") || !strings.Contains(stderr, "present: already present (in_service, account "+acct+")") {
		t.Fatalf("plain list: %v\n%q\n%s", err, out, stderr)
	}
	if n, _ := db.db.Q().NumberByE164(context.Background(), "+14158867903"); n == nil || n.State != models.StateReserved {
		t.Fatalf("--state not applied: %v", n)
	}
	// Usage errors are one clear line.
	if _, _, err := runTool(t, "", "import", "--db", db.dsn, "--state", "deleted", "-"); err == nil || !strings.Contains(err.Error(), "unknown state") {
		t.Fatalf("bad --state: %v", err)
	}
	if _, _, err := runTool(t, "", "import", "--db", db.dsn, "--account", "0123456789abcdef0123456789abcdef", "-"); err == nil || !strings.Contains(err.Error(), "--account") {
		t.Fatalf("unknown account: %v", err)
	}
}
