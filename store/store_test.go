package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"numberd/models"
	"numberd/store"
	"numberd/store/storetest"
)

var ctx = context.Background()

func mustAccount(t *testing.T, db *store.DB, id, path string) *models.Account {
	t.Helper()
	a := &models.Account{ID: id, Name: id[:4], Path: path, APIKey: id, APIKeyHash: id, Enabled: true}
	if err := db.Q().InsertAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func hexID(i int) string { return fmt.Sprintf("%032x", i) }

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		in      string
		dialect string
		wantErr bool
	}{
		{"sqlite:./data/numberd.db", store.SQLite, false},
		{"sqlite:", "", true},
		{"sqlite::memory:", "", true},
		{"mysql://u:p@db:3306/numberd", store.MySQL, false},
		{"mysql://u:p@db/numberd?timeout=1s", store.MySQL, false},
		{"mysql://u:p@db:3306/", "", true},
		{"mysql://u:p@db/numberd?timeout=forever", "", true},
		{"postgres://x", "", true},
		{"", "", true},
	} {
		cfg, err := store.ParseDSN(tc.in)
		if (err != nil) != tc.wantErr || cfg.Dialect != tc.dialect {
			t.Errorf("ParseDSN(%q) = %+v, %v", tc.in, cfg, err)
		}
	}
}

func TestMigrate_Idempotent(t *testing.T) {
	db := storetest.Open(t)
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != store.LatestVersion() {
		t.Fatalf("schema version %d, %v; want %d", v, err, store.LatestVersion())
	}
}

func TestNumbers_WriteReadList(t *testing.T) {
	db := storetest.Open(t)
	root := mustAccount(t, db, hexID(1), hexID(1))
	child := mustAccount(t, db, hexID(2), root.Path+"/"+hexID(2))
	other := mustAccount(t, db, hexID(3), hexID(3))
	now := time.Now().UTC().Truncate(time.Millisecond)
	mk := func(num, owner string, st models.State) *models.Number {
		return &models.Number{Number: num, State: st, AssignedTo: owner, Carrier: "local",
			Features: models.Doc{"local": map[string]any{}}, Public: models.Doc{"big": json.Number("12345678901234567890")},
			CreatedAt: now, UpdatedAt: now}
	}
	err := db.Tx(ctx, func(q *store.Q) error {
		return q.ApplyNumberChanges(ctx, store.NumberChanges{
			Insert: []*models.Number{mk("+14155550100", child.ID, models.StateInService), mk("+14155550101", child.ID, models.StateReserved),
				mk("+14165550100", other.ID, models.StateInService), mk("+14155550102", "", models.StateAvailable)},
			Events: []*models.NumberEvent{{ID: "01A", Number: "+14155550100", Seq: 1, ToState: models.StateInService, CreatedAt: now},
				{ID: "01B", Number: "+14155550100", Seq: 2, ToState: models.StateReserved, CreatedAt: now}},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.Q().NumberByE164(ctx, "+14155550100")
	if err != nil {
		t.Fatal(err)
	}
	if n.Owner.Path != child.Path || n.Public["big"].(interface{ String() string }).String() != "12345678901234567890" {
		t.Fatalf("owner/public not round-tripped: %+v %v", n.Owner, n.Public)
	}
	if _, err := db.Q().NumberByE164(ctx, "+19999999999"); models.ErrorReason(err) != models.ReasonNotFound {
		t.Fatalf("missing number: %v", err)
	}
	// Duplicate insert is a retryable conflict.
	err = db.Tx(ctx, func(q *store.Q) error {
		return q.ApplyNumberChanges(ctx, store.NumberChanges{Insert: []*models.Number{mk("+14155550100", other.ID, models.StateInService)}})
	})
	if !store.IsRetryable(err) {
		t.Fatalf("duplicate insert: %v, want retryable", err)
	}
	// Upsert updates.
	err = db.Tx(ctx, func(q *store.Q) error {
		got, err := q.NumbersForUpdate(ctx, []string{"+14155550101", "+19999999999"})
		if err != nil || len(got) != 1 {
			return fmt.Errorf("for update: %v %v", got, err)
		}
		u := got["+14155550101"]
		u.State, u.UpdatedAt = models.StateInService, now.Add(time.Second)
		return q.ApplyNumberChanges(ctx, store.NumberChanges{Update: []*models.Number{u}, Delete: []string{"+14155550102"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Q().NumberByE164(ctx, "+14155550101"); n.State != models.StateInService {
		t.Fatalf("state not updated: %s", n.State)
	}
	// Subtree listing and keyset.
	list, err := db.Q().FindNumbers(ctx, store.NumberQuery{OwnerSubtree: root.Path, After: "+14155550100", WithOwner: true})
	if err != nil || len(list) != 1 || list[0].Number != "+14155550101" || list[0].Owner.Path != child.Path {
		t.Fatalf("subtree list: %v %v", list, err)
	}
	cnt, err := db.Q().CountNumbersByState(ctx, store.NumberQuery{OwnerSubtree: root.Path})
	if err != nil || cnt[models.StateInService] != 2 {
		t.Fatalf("count by state: %v %v", cnt, err)
	}
	prefix, _ := db.Q().FindNumbers(ctx, store.NumberQuery{Prefix: "+1416"})
	if len(prefix) != 1 {
		t.Fatalf("prefix: %v", prefix)
	}
	ev, err := db.Q().LatestEvents(ctx, []string{"+14155550100", "+14155550101"}, 1)
	if err != nil || len(ev["+14155550100"]) != 1 || ev["+14155550100"][0].ID != "01B" {
		t.Fatalf("latest events: %v %v", ev, err)
	}
}

func TestTakeToken(t *testing.T) {
	db := storetest.Open(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	take := func(at time.Time) bool {
		var ok bool
		if err := db.Tx(ctx, func(q *store.Q) (err error) { ok, err = q.TakeToken(ctx, "k", 1, 2, at); return }); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !take(now) || !take(now) || take(now) {
		t.Fatal("burst of 2 not enforced")
	}
	if !take(now.Add(1100 * time.Millisecond)) {
		t.Fatal("bucket did not refill")
	}
}
