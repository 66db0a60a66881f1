package store_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"numberd/models"
	"numberd/store"
	"numberd/store/storetest"
)

// TestExplain_SearchUsesIndexRange proves that the queries behind a
// number search are index range scans on the number, not table scans,
// on both engines: the local/inventory carriers (state, carrier, prefix)
// and the reserved carrier (owners, state, prefix). 30,000 numbers are
// enough for MySQL's optimizer to prefer the index as it would with a
// million (the plan is what matters, not the timing; BenchmarkSearch
// measures a million).
func TestExplain_SearchUsesIndexRange(t *testing.T) {
	db := storetest.Open(t)
	owner := mustAccount(t, db, hexID(1), hexID(1))
	now := time.Now().UTC().Truncate(time.Millisecond)
	states := []models.State{models.StateAvailable, models.StateInService, models.StateReserved, models.StateAvailable}
	// SQLite's planner picks the same plan with far fewer rows, and its
	// pure-Go engine is slow under -race: keep its share small.
	total := 30000
	if db.Dialect() == store.SQLite {
		total = 3000
	}
	for start := 0; start < total; start += 1000 {
		var batch []*models.Number
		for i := start; i < start+1000; i++ {
			st := states[i%len(states)]
			n := &models.Number{Number: fmt.Sprintf("+1%03d555%04d", 200+i%800, i/800), State: st, Carrier: "local",
				Features: models.Doc{}, Public: models.Doc{}, CreatedAt: now, UpdatedAt: now}
			if st != models.StateAvailable {
				n.AssignedTo = owner.ID
			}
			batch = append(batch, n)
		}
		if err := db.Tx(ctx, func(q *store.Q) error { return q.ApplyNumberChanges(ctx, store.NumberChanges{Insert: batch}) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	queries := map[string]store.NumberQuery{
		"local": {States: []models.State{models.StateAvailable}, Carriers: []string{"local"}, Prefix: "+1415", Limit: 500},
		"reserved": {Owners: []string{owner.ID, hexID(9)}, States: []models.State{models.StateReserved},
			Prefix: "+1415", Limit: 500},
	}
	for name, q := range queries {
		plan, err := db.Q().ExplainFindNumbers(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s (%s): %s", name, db.Dialect(), strings.Join(plan, " | "))
		joined := strings.Join(plan, "\n")
		if db.Dialect() == store.SQLite {
			// e.g. "SEARCH n USING INDEX idx_numbers_state_number (state=? AND number>? AND number<?)"
			if !strings.Contains(joined, "SEARCH n USING") || !strings.Contains(joined, "number>? AND number<?") || strings.Contains(joined, "SCAN n") {
				t.Errorf("%s: not an index range scan on number:\n%s", name, joined)
			}
			continue
		}
		// e.g. "table=n type=range key=idx_numbers_state_number rows=37 ..."
		if !strings.Contains(joined, "type=range") || strings.Contains(joined, "key=NULL") || strings.Contains(joined, "type=ALL") {
			t.Errorf("%s: not an index range scan:\n%s", name, joined)
		}
	}
	// And the search query itself returns the right rows through that plan.
	rows, err := db.Q().FindNumbers(ctx, queries["local"])
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range rows {
		if !strings.HasPrefix(n.Number, "+1415") || n.State != models.StateAvailable {
			t.Fatalf("wrong row %+v", n)
		}
	}
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
}

// BenchmarkSearch loads NUMBERD_BENCH_ROWS numbers (skipped when unset;
// e.g. 1000000) and times the local carrier's search of one prefix.
func BenchmarkSearch(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("NUMBERD_BENCH_ROWS"))
	if n <= 0 {
		b.Skip("set NUMBERD_BENCH_ROWS (e.g. 1000000)")
	}
	db := storetest.Open(b)
	now := time.Now().UTC().Truncate(time.Millisecond)
	start := time.Now()
	for i := 0; i < n; {
		batch := make([]*models.Number, 0, 5000)
		for ; i < n && len(batch) < 5000; i++ {
			st := models.StateInService
			if (i/800)%10 == 0 { // a tenth of each NPA is available
				st = models.StateAvailable
			}
			batch = append(batch, &models.Number{Number: fmt.Sprintf("+1%03d%07d", 200+i%800, i/800), State: st, Carrier: "local",
				Features: models.Doc{}, Public: models.Doc{}, CreatedAt: now, UpdatedAt: now})
		}
		if err := db.Tx(ctx, func(q *store.Q) error { return q.ApplyNumberChanges(ctx, store.NumberChanges{Insert: batch}) }); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d numbers in %v", n, time.Since(start))
	q := store.NumberQuery{States: []models.State{models.StateAvailable}, Carriers: []string{"local"}, Prefix: "+1415", Limit: 500}
	plan, err := db.Q().ExplainFindNumbers(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("plan (%s): %s", db.Dialect(), strings.Join(plan, " | "))
	b.ResetTimer()
	for b.Loop() {
		rows, err := db.Q().FindNumbers(ctx, q)
		if err != nil || len(rows) == 0 {
			b.Fatal(len(rows), err)
		}
	}
}
