package store_test

import (
	"testing"
	"time"

	"numberd/models"
	"numberd/store"
	"numberd/store/storetest"
)

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
