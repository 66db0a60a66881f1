package service_test

import (
	"context"
	"fmt"
	"testing"

	"numberd/models"
	"numberd/service"
	"numberd/store"
)

// as returns who's context carrying a request id.
func as(who *tenant, reqID string) context.Context {
	return models.NewContextWithRequestID(who.Ctx, reqID)
}

func TestService_History(t *testing.T) {
	t.Parallel()

	t.Run("Lifecycle", func(t *testing.T) {
		t.Parallel()
		k := newKazoo(t)
		n := num(1)
		type want struct {
			action           string
			from, to         models.State
			fromAcct, toAcct string
			actor            *tenant
			req              string
		}
		var wants []want
		step := func(req string, err error, w *want) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", req, err)
			}
			if w != nil {
				w.req = req
				wants = append(wants, *w)
			}
		}
		R, C, M := k.Reseller, k.Child, k.Master
		_, err := k.Svc.CreateNumbers(as(M, "r1"), M.ID, []string{n}, service.CreateInput{State: models.StateAvailable})
		step("r1", err, &want{models.ActionCreate, "", models.StateAvailable, "", "", M, ""})
		_, err = k.Svc.ActivateNumber(as(R, "r2"), R.ID, n, nil)
		step("r2", err, &want{models.ActionActivate, models.StateAvailable, models.StateInService, "", R.ID, R, ""})
		_, err = k.Svc.UpdateNumber(as(R, "r3"), R.ID, n, models.Doc{"x": 1}, true)
		step("r3", err, nil) // public fields only: no event
		_, err = k.Svc.ReserveNumber(as(R, "r4"), C.ID, n, nil)
		step("r4", err, &want{models.ActionReserve, models.StateInService, models.StateReserved, R.ID, C.ID, R, ""})
		_, err = k.Svc.ActivateNumber(as(C, "r5"), C.ID, n, nil)
		step("r5", err, &want{models.ActionActivate, models.StateReserved, models.StateInService, C.ID, C.ID, C, ""})
		_, err = k.Svc.ActivateNumber(as(C, "r6"), C.ID, n, nil)
		step("r6", err, nil) // already in service here: no change, no event
		_, err = k.Svc.ReserveNumber(as(C, "r7"), C.ID, n, nil)
		step("r7", err, &want{models.ActionReserve, models.StateInService, models.StateReserved, C.ID, C.ID, C, ""})
		_, err = k.Svc.ReserveNumber(as(C, "r8"), C.ID, n, nil)
		wantErr(t, err, models.ECONFLICT, models.ReasonNoChangeRequired, "")
		_, err = k.Svc.ActivateNumber(as(k.Unrelated, "r9"), k.Unrelated.ID, n, nil)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")

		check := func(t *testing.T) {
			t.Helper()
			evs := k.Events(t, n)
			if len(evs) != len(wants) {
				t.Fatalf("%d events, want %d: %+v", len(evs), len(wants), evs)
			}
			for i, w := range wants {
				ev := evs[i]
				if ev.Action != w.action || ev.FromState != w.from || ev.ToState != w.to || ev.FromAccount != w.fromAcct ||
					ev.ToAccount != w.toAcct || ev.ActorAccount != w.actor.ID || ev.RequestID != w.req || ev.Number != n {
					t.Errorf("event %d = %+v\nwant %+v (actor %s)", i, ev, w, w.actor.Name)
				}
				// Seq is the number's version after the change: public-field
				// writes bump it too, so it only has to increase.
				if i > 0 && ev.Seq <= evs[i-1].Seq {
					t.Errorf("event %d seq %d after %d: history order is not increasing", i, ev.Seq, evs[i-1].Seq)
				}
			}
		}
		check(t)

		// The service's own history views agree with the table.
		hist, err := k.Svc.NumberHistory(C.Ctx, n, 100, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != len(wants) {
			t.Fatalf("NumberHistory: %d events, want %d", len(hist), len(wants))
		}
		for i, ev := range hist { // newest first
			if w := wants[len(wants)-1-i]; ev.RequestID != w.req || ev.ToState != w.to {
				t.Errorf("NumberHistory[%d] = %+v, want request %s", i, ev, w.req)
			}
		}
		page, err := k.Svc.NumberHistory(C.Ctx, n, 2, fmt.Sprint(hist[1].Seq))
		if err != nil || len(page) != 2 || page[0].RequestID != hist[2].RequestID {
			t.Errorf("NumberHistory page after %d: %v %v", hist[1].Seq, page, err)
		}
		if c, err := k.Svc.CountHistory(C.Ctx, n); err != nil || c != int64(len(wants)) {
			t.Errorf("CountHistory = %d, %v; want %d", c, err, len(wants))
		}
		_, err = k.Svc.NumberHistory(k.Unrelated.Ctx, n, 10, "")
		wantErr(t, err, models.ENOTFOUND, models.ReasonNotFound, "-")

		// Released: the child's reserve history is [C] only, and the
		// number is local, so it is deleted; its history stays.
		_, err = k.Svc.ReleaseNumber(as(C, "r10"), C.ID, n, false)
		step("r10", err, &want{models.ActionRelease, models.StateReserved, models.StateDeleted, C.ID, "", C, ""})
		if k.Exists(t, n) {
			t.Fatalf("released local number still stored")
		}
		check(t)
		// Created again: its history continues.
		_, err = k.Svc.CreateNumber(as(M, "r11"), R.ID, n, service.CreateInput{})
		step("r11", err, &want{models.ActionCreate, "", models.StateInService, "", R.ID, M, ""})
		check(t)
	})

	t.Run("FailuresWriteNone", func(t *testing.T) {
		t.Parallel()
		k := newKazoo(t)
		k.MustCreate(t, k.Master, k.Reseller, num(1), "", nil)
		k.MustCreateAvailable(t, nums(2, 2))
		before := k.Snapshot(t)
		for name, err := range map[string]error{
			"number_exists": func() error {
				_, err := k.Svc.CreateNumber(k.Master.Ctx, k.Reseller.ID, num(1), service.CreateInput{})
				return err
			}(),
			"port_available": func() error { _, err := k.Svc.PortNumber(k.Child.Ctx, k.Child.ID, num(2), nil); return err }(),
			"forbidden": func() error {
				_, err := k.Svc.ActivateNumber(k.Unrelated.Ctx, k.Unrelated.ID, num(1), nil)
				return err
			}(),
			"release_available": func() error { _, err := k.Svc.ReleaseNumber(k.Child.Ctx, k.Child.ID, num(2), false); return err }(),
		} {
			if models.AsError(err) == nil {
				t.Errorf("%s: %v, want a domain error", name, err)
			}
		}
		res, err := k.Svc.CreateNumbers(k.Reseller.Ctx, k.Reseller.ID, []string{num(1), "x", num(4)}, service.CreateInput{State: models.StateAvailable})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(1)+"!forbidden", "x!not_reconcilable", num(4)+"!forbidden")
		k.AssertUnchanged(t, before)

		// A collection writes events for its successes only.
		res, err = k.Svc.ActivateNumbers(as(k.Child, "bulk"), k.Child.ID, []string{num(1), num(2), num(9), num(3)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(1)+"!forbidden", num(2)+"=in_service", num(9)+"!not_found", num(3)+"=in_service")
		var bulk []string
		for _, ev := range k.Events(t, "") {
			if ev.RequestID == "bulk" {
				bulk = append(bulk, ev.Number)
			}
		}
		if fmt.Sprint(bulk) != fmt.Sprint([]string{num(2), num(3)}) {
			t.Errorf("events of the collection: %v, want %v", bulk, []string{num(2), num(3)})
		}
		if got := k.Count(t, "number_events"); got != before.events+2 {
			t.Errorf("%d events, want %d", got, before.events+2)
		}
	})
}

// failInserts makes the database reject inserting the row of `number` into
// table (a trigger), so a request fails at the database level after its
// earlier statements ran. The trigger is dropped when the test ends.
func (e *env) failInserts(tb testing.TB, table, number string) {
	tb.Helper()
	name := "fail_" + table
	var stmt string
	if e.DB.Dialect() == store.MySQL {
		stmt = fmt.Sprintf("CREATE TRIGGER %s BEFORE INSERT ON %s FOR EACH ROW BEGIN "+
			"IF NEW.number = '%s' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END", name, table, number)
	} else {
		stmt = fmt.Sprintf("CREATE TRIGGER %s BEFORE INSERT ON %s WHEN NEW.number = '%s' "+
			"BEGIN SELECT RAISE(ABORT, 'injected failure'); END", name, table, number)
	}
	if _, err := e.DB.SQL().Exec(stmt); err != nil {
		tb.Fatalf("create trigger: %v", err)
	}
	tb.Cleanup(func() { e.DB.SQL().Exec("DROP TRIGGER " + name) })
}

// wantDatabaseFailure fails unless err is the whole request's internal
// error (a database failure never becomes a per-number result).
func wantDatabaseFailure(tb testing.TB, res []service.Result, err error) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("request succeeded (%d results) despite the injected database failure", len(res))
	}
	if res != nil {
		tb.Errorf("results returned with a request error")
	}
	if models.ErrorCode(err) != models.EINTERNAL {
		tb.Errorf("error %v, want an internal error", err)
	}
}

func TestService_Atomicity(t *testing.T) {
	t.Parallel()
	// 450 numbers: inserts go in three statements of at most 200 rows, so
	// a failure in the last chunk comes after two chunks were written.
	const n = 450
	list := nums(1000, n)

	t.Run("CreateFailsMidInsert", func(t *testing.T) {
		t.Parallel()
		k := newKazoo(t)
		before := k.Snapshot(t)
		k.failInserts(t, "numbers", list[n-10])
		res, err := k.Svc.CreateNumbers(k.Master.Ctx, k.Reseller.ID, list, service.CreateInput{})
		wantDatabaseFailure(t, res, err)
		k.AssertUnchanged(t, before)
	})

	t.Run("CreateFailsAtHistory", func(t *testing.T) {
		t.Parallel()
		k := newKazoo(t)
		before := k.Snapshot(t)
		// The history rows are written after every number row.
		k.failInserts(t, "number_events", list[n-1])
		res, err := k.Svc.CreateNumbers(k.Master.Ctx, k.Reseller.ID, list, service.CreateInput{})
		wantDatabaseFailure(t, res, err)
		k.AssertUnchanged(t, before)
		// The same request goes through once the database accepts it.
		k.DB.SQL().Exec("DROP TRIGGER fail_number_events")
		res, err = k.Svc.CreateNumbers(k.Master.Ctx, k.Reseller.ID, list, service.CreateInput{})
		if err != nil || len(res) != n {
			t.Fatalf("retry: %d results, %v", len(res), err)
		}
		if k.Count(t, "numbers") != n || k.Count(t, "number_events") != n {
			t.Errorf("numbers %d events %d, want %d each", k.Count(t, "numbers"), k.Count(t, "number_events"), n)
		}
	})

	t.Run("ActivateFailsAtHistory", func(t *testing.T) {
		t.Parallel()
		k := newKazoo(t)
		k.MustCreateAvailable(t, list)
		before := k.Snapshot(t)
		k.failInserts(t, "number_events", list[n/2])
		res, err := k.Svc.ActivateNumbers(k.Child.Ctx, k.Child.ID, list, models.Doc{"x": 1})
		wantDatabaseFailure(t, res, err)
		k.AssertUnchanged(t, before)
		n, err := k.Svc.ActivateNumber(k.Child.Ctx, k.Child.ID, list[n/2], nil)
		if err == nil || n != nil {
			t.Errorf("single activate through the failing history write: %v %v", n, err)
		}
		k.AssertUnchanged(t, before)
	})

	t.Run("ReleaseFailsAtHistory", func(t *testing.T) {
		t.Parallel()
		k := newKazoo(t)
		res, err := k.Svc.CreateNumbers(k.Master.Ctx, k.Reseller.ID, list[:300], service.CreateInput{})
		if err != nil || res[0].Err != nil {
			t.Fatal(err)
		}
		before := k.Snapshot(t)
		k.failInserts(t, "number_events", list[299])
		res, err = k.Svc.ReleaseNumbers(k.Reseller.Ctx, k.Reseller.ID, list[:300], false)
		wantDatabaseFailure(t, res, err)
		k.AssertUnchanged(t, before)
	})

	t.Run("WholeRequestErrors", func(t *testing.T) {
		t.Parallel()
		k := newKazoo(t)
		k.MustCreateAvailable(t, list[:5])
		k.MustCreate(t, k.Master, k.Child, list[5], "", nil)
		before := k.Snapshot(t)
		bad := models.Doc{"cnam": map[string]any{"display_name": 1}}
		cancelled, cancel := context.WithCancel(k.Child.Ctx)
		cancel()
		for _, tc := range []struct {
			name string
			run  func() error
			code string
		}{
			{"AccountForbidden", func() error {
				_, err := k.Svc.ActivateNumbers(k.Child.Ctx, k.Reseller.ID, list[:5], nil)
				return err
			}, models.EFORBIDDEN},
			{"CreateValidation", func() error {
				_, err := k.Svc.CreateNumbers(k.Master.Ctx, k.Child.ID, list[10:20], service.CreateInput{Public: bad})
				return err
			}, models.EINVALID},
			{"ActivateValidation", func() error {
				_, err := k.Svc.ActivateNumbers(k.Child.Ctx, k.Child.ID, list[:5], bad)
				return err
			}, models.EINVALID},
			{"ReplaceValidation", func() error {
				_, err := k.Svc.UpdateNumbers(k.Child.Ctx, k.Child.ID, list[5:6], bad, false)
				return err
			}, models.EINVALID},
			{"Unauthenticated", func() error {
				_, err := k.Svc.ActivateNumbers(bg, k.Child.ID, list[:5], nil)
				return err
			}, models.EUNAUTHORIZED},
			{"CancelledContext", func() error {
				_, err := k.Svc.ActivateNumbers(cancelled, k.Child.ID, list[:5], nil)
				return err
			}, models.EUNAVAILABLE},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.run()
				if models.ErrorCode(err) != tc.code {
					t.Errorf("error %v, want code %s", err, tc.code)
				}
				k.AssertUnchanged(t, before)
			})
		}
	})
}
