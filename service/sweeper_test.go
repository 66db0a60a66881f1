package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"numberd/models"
	"numberd/service"
	"numberd/store"
	"numberd/store/storetest"
)

// Two numberd instances (two services, two connection pools, one
// database) sweep at the same time: every expired discovery row is removed
// once, every aged number made available once, and each has exactly one
// history event (action expire).
func TestSweeper_TwoInstances(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	db1 := storetest.OpenDSN(t, dsn, store.Options{})
	db2 := storetest.OpenDSN(t, dsn, store.Options{})
	now := time.Now().UTC().Truncate(time.Millisecond)
	cfg := service.DefaultConfig()
	cfg.Release.ShouldAge = true
	cfg.AgingExpiry = time.Hour
	s1, s2 := service.New(db1, cfg), service.New(db2, cfg)
	master, _, err := s1.Bootstrap(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	past, future, old := now.Add(-time.Minute), now.Add(time.Hour), now.Add(-2*time.Hour)
	var rows []*models.Number
	mk := func(num string, st models.State, exp *time.Time, updated time.Time, owner string) {
		rows = append(rows, &models.Number{Number: num, State: st, Carrier: "other", AssignedTo: owner, ExpiresAt: exp,
			Features: models.Doc{}, Public: models.Doc{}, CreatedAt: updated, UpdatedAt: updated})
	}
	const expired, aged = 300, 120
	for i := 0; i < expired; i++ {
		mk(fmt.Sprintf("+1415555%04d", i), models.StateDiscovery, &past, now, "")
	}
	for i := 0; i < 20; i++ {
		mk(fmt.Sprintf("+1416555%04d", i), models.StateDiscovery, &future, now, "")
	}
	for i := 0; i < aged; i++ {
		owner := ""
		if i%2 == 0 {
			owner = master.ID
		}
		mk(fmt.Sprintf("+1417555%04d", i), models.StateAging, nil, old, owner)
	}
	for i := 0; i < 10; i++ {
		mk(fmt.Sprintf("+1418555%04d", i), models.StateAging, nil, now, "")
	}
	if err := db1.Tx(ctx, func(q *store.Q) error { return q.ApplyNumberChanges(ctx, store.NumberChanges{Insert: rows}) }); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var total service.SweepResult
	var wg sync.WaitGroup
	for _, s := range []*service.Service{s1, s2, s1, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Sweep(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total.Discoveries += r.Discoveries
			total.Aged += r.Aged
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total.Discoveries != expired || total.Aged != aged {
		t.Fatalf("swept %d discoveries and %d aged numbers across instances, want %d and %d (double or missed work)",
			total.Discoveries, total.Aged, expired, aged)
	}
	q := db1.Q()
	left, err := q.CountNumbersByState(ctx, store.NumberQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if left[models.StateDiscovery] != 20 || left[models.StateAging] != 10 || left[models.StateAvailable] != aged {
		t.Fatalf("states after sweep: %v", left)
	}
	check := func(num string, from, to models.State) {
		ev, err := q.NumberEvents(ctx, num, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != 1 || ev[0].Action != models.ActionExpire || ev[0].FromState != from || ev[0].ToState != to || ev[0].ActorAccount != "" {
			t.Fatalf("%s history: %+v", num, ev)
		}
	}
	for i := 0; i < expired; i++ {
		check(fmt.Sprintf("+1415555%04d", i), models.StateDiscovery, models.StateDeleted)
	}
	for i := 0; i < aged; i++ {
		check(fmt.Sprintf("+1417555%04d", i), models.StateAging, models.StateAvailable)
		n, _ := q.NumberByE164(ctx, fmt.Sprintf("+1417555%04d", i))
		if n.Assigned() {
			t.Fatalf("aged number still owned: %+v", n)
		}
	}
	// A second pass finds nothing.
	if r, err := s2.Sweep(ctx); err != nil || r.Discoveries+r.Aged != 0 {
		t.Fatalf("second pass: %+v %v", r, err)
	}
}

// Aging is off by default: aging numbers stay.
func TestSweeper_AgingOff(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	s := service.New(db, service.DefaultConfig())
	old := time.Now().UTC().Add(-1000 * time.Hour).Truncate(time.Millisecond)
	n := &models.Number{Number: "+14175550000", State: models.StateAging, Carrier: "local", Features: models.Doc{}, Public: models.Doc{}, CreatedAt: old, UpdatedAt: old}
	if err := db.Tx(ctx, func(q *store.Q) error {
		return q.ApplyNumberChanges(ctx, store.NumberChanges{Insert: []*models.Number{n}})
	}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Sweep(ctx); err != nil || r.Aged != 0 {
		t.Fatalf("%+v %v", r, err)
	}
	// RunSweeper stops with its context.
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.RunSweeper(cctx, 10*time.Millisecond); close(done) }()
	time.Sleep(30 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("sweeper did not stop")
	}
}
