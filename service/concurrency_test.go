package service_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"numberd/models"
	"numberd/service"
)

// call is one request made during a concurrency test.
type call struct {
	acct   string
	op     string // activate, reserve
	number string
	req    string
	err    error
}

// cleanLoss fails unless err is a clean domain error a losing request may
// get: never an internal or database error.
func cleanLoss(tb testing.TB, what string, err error, reasons ...string) {
	tb.Helper()
	me := models.AsError(err)
	if me == nil {
		tb.Errorf("%s: %T %v is not a domain error", what, err, err)
		return
	}
	for _, r := range reasons {
		if me.Reason == r && me.Code != models.EINTERNAL && me.Code != models.EUNAVAILABLE {
			return
		}
	}
	tb.Errorf("%s: %v, want one of %v", what, err, reasons)
}

func TestService_Concurrency(t *testing.T) {
	t.Run("ActivateReserveSameNumbers", func(t *testing.T) {
		e := newEnv(t)
		const accounts, numbers = 32, 20
		list := nums(1, numbers)
		e.MustCreateAvailable(t, list)
		tenants := make([]*tenant, accounts)
		byID := map[string]*tenant{}
		for i := range tenants {
			tenants[i] = e.MustAccount(t, e.Master, fmt.Sprintf("customer%02d", i))
			byID[tenants[i].ID] = tenants[i]
		}

		// Each account, in its own goroutine, goes twice through the numbers
		// in its own order, activating or reserving each.
		calls := make([][]call, accounts)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g, who := range tenants {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(g), 42))
				<-start
				for pass := 0; pass < 2; pass++ {
					order := append([]string(nil), list...)
					rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
					for _, n := range order {
						c := call{acct: who.ID, number: n, op: "activate"}
						if rng.IntN(2) == 0 {
							c.op = "reserve"
						}
						c.req = fmt.Sprintf("g%02d-%d-%s-%s", g, pass, c.op, n)
						ctx := as(who, c.req)
						if c.op == "activate" {
							_, c.err = e.Svc.ActivateNumber(ctx, who.ID, n, nil)
						} else {
							_, c.err = e.Svc.ReserveNumber(ctx, who.ID, n, nil)
						}
						calls[g] = append(calls[g], c)
					}
				}
			}()
		}
		close(start)
		wg.Wait()

		// Successes per number, in the order each account made them (one
		// account's calls are sequential).
		wins := map[string][]call{}
		for g := range calls {
			for _, c := range calls[g] {
				if c.err != nil {
					cleanLoss(t, c.req, c.err, models.ReasonForbidden, models.ReasonInvalidStateTransition, models.ReasonNoChangeRequired)
					continue
				}
				wins[c.number] = append(wins[c.number], c)
			}
		}
		total := 0
		for _, n := range list {
			got := e.MustGet(t, n)
			owner := byID[got.AssignedTo]
			if owner == nil {
				t.Errorf("%s: owner %q is none of the competing accounts", n, got.AssignedTo)
				continue
			}
			// Every successful request on n was made by its final owner.
			for _, c := range wins[n] {
				if c.acct != owner.ID {
					t.Errorf("%s: %s succeeded but %s owns the number", n, c.req, owner.Name)
				}
			}
			// Replay the owner's successes: each one that changes the state
			// must have written exactly one event, with its request id.
			state := models.StateAvailable
			wantReqs := []string{""} // the master's create
			for _, c := range wins[n] {
				to := models.StateInService
				if c.op == "reserve" {
					to = models.StateReserved
				}
				if to != state {
					wantReqs = append(wantReqs, c.req)
					state = to
				}
			}
			if got.State != state {
				t.Errorf("%s: state %s, want %s after the owner's requests", n, got.State, state)
			}
			evs := e.Events(t, n)
			total += len(evs)
			var gotReqs []string
			fromAvailable, ownerChanges := 0, 0
			for _, ev := range evs {
				gotReqs = append(gotReqs, ev.RequestID)
				if ev.FromState == models.StateAvailable {
					fromAvailable++
				}
				if ev.FromAccount != ev.ToAccount {
					ownerChanges++
					if ev.FromAccount != "" || ev.ToAccount != owner.ID || ev.FromState != models.StateAvailable {
						t.Errorf("%s: owner-changing event %+v, want available → %s", n, ev, owner.Name)
					}
				}
				if ev.Action != models.ActionCreate && ev.ActorAccount != owner.ID {
					t.Errorf("%s: event by %s, want only the owner's", n, ev.ActorAccount)
				}
			}
			if fmt.Sprint(gotReqs) != fmt.Sprint(wantReqs) {
				t.Errorf("%s: events from requests %q, want %q", n, gotReqs, wantReqs)
			}
			if fromAvailable != 1 || ownerChanges != 1 {
				t.Errorf("%s: %d events from available and %d owner changes, want 1 and 1", n, fromAvailable, ownerChanges)
			}
			if last := evs[len(evs)-1]; last.ToAccount != got.AssignedTo || last.ToState != got.State {
				t.Errorf("%s: last event %+v does not match the row %s/%s", n, last, got.State, got.AssignedTo)
			}
		}
		if c := e.Count(t, "number_events"); c != total {
			t.Errorf("%d events in all, %d for the numbers: a failed request wrote history", c, total)
		}
		t.Logf("retries: %d", e.Svc.Retries.Load())
	})

	t.Run("CollectionsOverlap", func(t *testing.T) {
		e := newEnv(t)
		const workers, size, step = 6, 24, 8
		list := nums(1, step*(workers-1)+size)
		e.MustCreateAvailable(t, list)
		type batch struct {
			who *tenant
			op  string
			req string
			res []service.Result
			err error
		}
		batches := make([]*batch, workers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := range batches {
			b := &batch{who: e.MustAccount(t, e.Master, fmt.Sprintf("bulk%d", w)), op: "activate", req: fmt.Sprintf("bulk-%d", w)}
			if w%3 == 2 {
				b.op = "reserve"
			}
			batches[w] = b
			// Overlapping windows, half of them in reverse order.
			mine := append([]string(nil), list[w*step:w*step+size]...)
			if w%2 == 1 {
				for i, j := 0, len(mine)-1; i < j; i, j = i+1, j-1 {
					mine[i], mine[j] = mine[j], mine[i]
				}
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ctx := as(b.who, b.req)
				if b.op == "activate" {
					b.res, b.err = e.Svc.ActivateNumbers(ctx, b.who.ID, mine, nil)
				} else {
					b.res, b.err = e.Svc.ReserveNumbers(ctx, b.who.ID, mine)
				}
			}()
		}
		close(start)
		wg.Wait()

		winner := map[string]*batch{}
		for _, b := range batches {
			if b.err != nil {
				t.Fatalf("%s: whole request failed: %v", b.req, b.err)
			}
			for _, r := range b.res {
				if r.Err != nil {
					cleanLoss(t, b.req+" "+r.Key, r.Err, models.ReasonForbidden)
					continue
				}
				if w := winner[r.Key]; w != nil {
					t.Errorf("%s won by both %s and %s", r.Key, w.req, b.req)
				}
				winner[r.Key] = b
			}
		}
		for _, n := range list {
			w := winner[n]
			got := e.MustGet(t, n)
			if w == nil {
				t.Errorf("%s: nobody won it (state %s)", n, got.State)
				continue
			}
			want := models.StateInService
			if w.op == "reserve" {
				want = models.StateReserved
			}
			if got.AssignedTo != w.who.ID || got.State != want {
				t.Errorf("%s: %s/%s, want %s/%s", n, got.State, got.AssignedTo, want, w.who.ID)
			}
			evs := e.Events(t, n)
			if len(evs) != 2 || evs[1].RequestID != w.req || evs[1].ToAccount != w.who.ID || evs[1].FromState != models.StateAvailable {
				t.Errorf("%s: events %+v, want the create and one event of %s", n, evs, w.req)
			}
		}
		if c := e.Count(t, "number_events"); c != 2*len(list) {
			t.Errorf("%d events, want %d", c, 2*len(list))
		}
		t.Logf("retries: %d", e.Svc.Retries.Load())
	})

	t.Run("CreateSameNewNumbers", func(t *testing.T) {
		// Concurrent creates of the same new numbers: the loser's insert
		// collides, its transaction is re-run, and it sees the winner's row.
		e := newEnv(t)
		const workers = 8
		list := nums(1, 30)
		type batch struct {
			who *tenant
			res []service.Result
			err error
		}
		batches := make([]*batch, workers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := range batches {
			b := &batch{who: e.MustAccount(t, e.Master, fmt.Sprintf("adder%d", w), flagAdditions)}
			batches[w] = b
			mine := append([]string(nil), list...)
			rand.New(rand.NewPCG(uint64(w), 7)).Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				b.res, b.err = e.Svc.CreateNumbers(as(b.who, b.who.Name), b.who.ID, mine, service.CreateInput{})
			}()
		}
		close(start)
		wg.Wait()
		winner := map[string]*batch{}
		for _, b := range batches {
			if b.err != nil {
				t.Fatalf("%s: whole request failed: %v", b.who.Name, b.err)
			}
			for _, r := range b.res {
				if r.Err != nil {
					// Another tenant's number: it cannot even be read.
					cleanLoss(t, b.who.Name+" "+r.Key, r.Err, models.ReasonForbidden, models.ReasonNumberExists)
					continue
				}
				if winner[r.Key] != nil {
					t.Errorf("%s created by both %s and %s", r.Key, winner[r.Key].who.Name, b.who.Name)
				}
				winner[r.Key] = b
			}
		}
		for _, n := range list {
			got := e.MustGet(t, n)
			if w := winner[n]; w == nil || got.AssignedTo != w.who.ID {
				t.Errorf("%s: owner %s, winner %v", n, got.AssignedTo, w)
			}
			if evs := e.Events(t, n); len(evs) != 1 || evs[0].ToAccount != got.AssignedTo {
				t.Errorf("%s: events %+v, want one create for the owner", n, evs)
			}
		}
		t.Logf("retries: %d", e.Svc.Retries.Load())
	})
}
