package store_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm/schema"

	"numberd/models"
	"numberd/store"
	"numberd/store/storetest"
)

var wantNumberIndexes = map[string][]string{
	"idx_numbers_owner_number": {"assigned_to", "number"},
	"idx_numbers_owner_state":  {"assigned_to", "state"},
	"idx_numbers_state_number": {"state", "number"},
}

func checkNumberIndexes(t *testing.T, db *store.DB) {
	t.Helper()
	got, err := db.NumberIndexColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, cols := range wantNumberIndexes {
		if !slices.Equal(got[name], cols) {
			t.Errorf("index %s on %v, want %v", name, got[name], cols)
		}
	}
}

// TestMigrate_NumberIndexes: a new database gets the two-column listing
// indexes, and step 4 rebuilds the one-column indexes older databases have.
// On SQLite the listing then reads its page in index order instead of
// sorting the whole account.
func TestMigrate_NumberIndexes(t *testing.T) {
	db := storetest.Open(t)
	checkNumberIndexes(t, db)

	if err := db.DowngradeNumberIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	checkNumberIndexes(t, db)
	if v, err := db.SchemaVersion(ctx); err != nil || v != store.LatestVersion() {
		t.Fatalf("schema version %d, %v; want %d", v, err, store.LatestVersion())
	}

	if db.Dialect() == store.SQLite {
		plan, err := db.QueryPlan(ctx, "SELECT n.* FROM numbers AS n WHERE n.assigned_to = ? AND n.number > ? ORDER BY n.number LIMIT 51", "a", "+1")
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(plan, "; ")
		if strings.Contains(joined, "TEMP B-TREE") || !strings.Contains(joined, "idx_numbers_owner_number") {
			t.Errorf("listing plan: %s", joined)
		}
	}
}

// TestNumberColumns: reads scan numbers by hand; the column list must name
// every stored field of models.Number, in the order of the struct.
func TestNumberColumns(t *testing.T) {
	sch, err := schema.Parse(&models.Number{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range sch.Fields {
		if f.DBName != "" {
			want = append(want, f.DBName)
		}
	}
	if got := store.NumberSelectColumns(); !slices.Equal(got, want) {
		t.Fatalf("store reads %v\nmodels.Number stores %v", got, want)
	}
}

// A database created before migration 3 (accounts without carrier_modules
// and numbers_lookup) is upgraded in place, and an account round-trips the
// new fields.
func TestMigrate_Step3AddsAccountColumns(t *testing.T) {
	db := storetest.Open(t)
	for _, stmt := range []string{
		"ALTER TABLE accounts DROP COLUMN carrier_modules",
		"ALTER TABLE accounts DROP COLUMN numbers_lookup",
		"DELETE FROM schema_migrations WHERE version = 3",
	} {
		if _, err := db.SQL().Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a := mustAccount(t, db, hexID(1), hexID(1))
	a.CarrierModules, a.NumbersLookup, a.UpdatedAt = models.StringList{"local", "other"}, true, time.Now().UTC()
	if err := db.Q().UpdateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := db.Q().AccountByID(ctx, a.ID)
	if err != nil || len(got.CarrierModules) != 2 || got.CarrierModules[1] != "other" || !got.NumbersLookup {
		t.Fatalf("%+v %v", got, err)
	}
	if v, _ := db.SchemaVersion(ctx); v != store.LatestVersion() {
		t.Errorf("schema version %d", v)
	}
}
