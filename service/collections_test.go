package service_test

import (
	"fmt"
	"testing"

	"numberd/models"
	"numberd/service"
)

// outcome renders one result as "key=state" or "key!reason".
func outcome(r service.Result) string {
	if r.Err != nil {
		return r.Key + "!" + models.ErrorReason(r.Err)
	}
	return r.Key + "=" + string(r.Number.State)
}

func wantOutcomes(tb testing.TB, res []service.Result, want ...string) {
	tb.Helper()
	var got []string
	for _, r := range res {
		got = append(got, outcome(r))
		if r.Err != nil && models.AsError(r.Err) == nil {
			tb.Errorf("%s: %T %v is not a domain error", r.Key, r.Err, r.Err)
		}
		if (r.Err == nil) == (r.Number == nil) {
			tb.Errorf("%s: exactly one of Number and Err must be set (%v, %v)", r.Key, r.Number, r.Err)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		tb.Fatalf("results\n got %v\nwant %v", got, want)
	}
}

func TestService_CheckNumberList(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	k.MustCreateAvailable(t, nums(1, 2))
	big := make([]string, service.MaxBatch+1)
	for i := range big {
		big[i] = fmt.Sprintf("+1415%03d%04d", 200+i/10000, i%10000)
	}
	ops := []struct {
		name string
		run  func(raws []string) ([]service.Result, error)
	}{
		{"Create", func(r []string) ([]service.Result, error) {
			return k.Svc.CreateNumbers(k.Master.Ctx, k.Reseller.ID, r, service.CreateInput{})
		}},
		{"Update", func(r []string) ([]service.Result, error) {
			return k.Svc.UpdateNumbers(k.Master.Ctx, k.Master.ID, r, models.Doc{"x": 1}, true)
		}},
		{"Release", func(r []string) ([]service.Result, error) {
			return k.Svc.ReleaseNumbers(k.Master.Ctx, k.Master.ID, r, true)
		}},
		{"Activate", func(r []string) ([]service.Result, error) {
			return k.Svc.ActivateNumbers(k.Child.Ctx, k.Child.ID, r, nil)
		}},
		{"Reserve", func(r []string) ([]service.Result, error) { return k.Svc.ReserveNumbers(k.Child.Ctx, k.Child.ID, r) }},
	}
	for _, op := range ops {
		for _, tc := range []struct {
			name string
			raws []string
			want string
		}{
			{"Nil", nil, "numbers:minimum"},
			{"Empty", []string{}, "numbers:minimum"},
			{"DuplicateSpellings", []string{"4155550001", "+14155550002", "+14155550001"}, "numbers:uniqueItems"},
			{"DuplicateRaw", []string{"+14155550002", "+14155550002"}, "numbers:uniqueItems"},
			{"TooMany", big, "numbers:maximum"},
		} {
			t.Run(op.name+"/"+tc.name, func(t *testing.T) {
				before := k.Snapshot(t)
				res, err := op.run(tc.raws)
				if res != nil {
					t.Errorf("results %v with a list error", res)
				}
				wantFieldErrors(t, err, tc.want)
				k.AssertUnchanged(t, before)
			})
		}
	}
}

func TestService_CreateNumbers(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("InputOrder", func(t *testing.T) {
		res, err := k.Svc.CreateNumbers(k.Master.Ctx, k.Reseller.ID,
			[]string{num(3), "NOT a number", "4155550001", num(2), "12ab"}, service.CreateInput{Public: models.Doc{"tag": "bulk"}})
		if err != nil {
			t.Fatal(err)
		}
		// Unreconcilable inputs are keyed by the raw input, others by E.164.
		wantOutcomes(t, res, num(3)+"=in_service", "NOT a number!not_reconcilable", num(1)+"=in_service",
			num(2)+"=in_service", "12ab!not_reconcilable")
		if me := models.AsError(res[1].Err); me.Cause != "NOT a number" {
			t.Errorf("cause %q, want the raw input", me.Cause)
		}
		for _, i := range []int{1, 2, 3} {
			n := k.MustGet(t, num(i))
			if n.AssignedTo != k.Reseller.ID {
				t.Errorf("%s owner %s", n.Number, n.AssignedTo)
			}
			wantPublic(t, n, models.Doc{"tag": "bulk"})
		}
	})

	t.Run("OneFailureNeverFailsOthers", func(t *testing.T) {
		k.MustCreate(t, k.Master, k.Child, num(10), "", nil)     // readable by the reseller: 409
		k.MustCreate(t, k.Master, k.Unrelated, num(11), "", nil) // not readable: 403
		k.MustCreateAvailable(t, []string{num(12)})              // taken over
		evBefore := k.Count(t, "number_events")
		res, err := k.Svc.CreateNumbers(k.Reseller.Ctx, k.Reseller.ID,
			[]string{num(13), num(10), num(11), num(12), "bad", num(14)}, service.CreateInput{})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(13)+"=in_service", num(10)+"!number_exists", num(11)+"!forbidden",
			num(12)+"=in_service", "bad!not_reconcilable", num(14)+"=in_service")
		if got := k.Count(t, "number_events"); got != evBefore+3 {
			t.Errorf("%d new events, want 3 (one per success)", got-evBefore)
		}
		if n := k.MustGet(t, num(10)); n.AssignedTo != k.Child.ID {
			t.Errorf("failed item changed: owner %s", n.AssignedTo)
		}
	})

	t.Run("StateForCreateFailsEveryNumber", func(t *testing.T) {
		k.MustCreateAvailable(t, []string{num(20)})
		before := k.Snapshot(t)
		res, err := k.Svc.CreateNumbers(k.Child.Ctx, k.Child.ID, []string{num(21), num(20), "bad"}, service.CreateInput{State: models.StateReserved})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(21)+"!forbidden", num(20)+"!forbidden", "bad!not_reconcilable")
		for _, r := range res[:2] {
			if models.AsError(r.Err).Cause != "state_for_create" {
				t.Errorf("%s cause %q", r.Key, models.AsError(r.Err).Cause)
			}
		}
		k.AssertUnchanged(t, before)
	})

	t.Run("PortIn", func(t *testing.T) {
		res, err := k.Svc.CreateNumbers(k.Child.Ctx, k.Child.ID, nums(30, 3), service.CreateInput{State: models.StatePortIn})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(30)+"=port_in", num(31)+"=port_in", num(32)+"=port_in")
	})

	t.Run("AllUnreconcilable", func(t *testing.T) {
		before := k.Snapshot(t)
		res, err := k.Svc.CreateNumbers(k.Master.Ctx, k.Reseller.ID, []string{"1", "2"}, service.CreateInput{})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, "1!not_reconcilable", "2!not_reconcilable")
		k.AssertUnchanged(t, before)
	})
}

func TestService_UpdateNumbers(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	k.MustCreate(t, k.Master, k.Child, num(1), "", models.Doc{"a": 1, "b": 2})
	k.MustCreate(t, k.Master, k.Child, num(2), "", models.Doc{"a": 1})
	k.MustCreate(t, k.Master, k.Unrelated, num(3), "", models.Doc{"a": 1})
	k.MustCreateAvailable(t, []string{num(4)})

	t.Run("Merge", func(t *testing.T) {
		before := len(k.Events(t, ""))
		res, err := k.Svc.UpdateNumbers(k.Reseller.Ctx, k.Child.ID,
			[]string{num(1), num(9), num(3), "bad", num(4), num(2)}, models.Doc{"b": nil, "c": 3}, true)
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(1)+"=in_service", num(9)+"!not_found", num(3)+"!forbidden", "bad!not_reconcilable",
			num(4)+"!forbidden", num(2)+"=in_service")
		wantPublic(t, k.MustGet(t, num(1)), models.Doc{"a": 1, "c": 3})
		wantPublic(t, k.MustGet(t, num(2)), models.Doc{"a": 1, "c": 3})
		wantPublic(t, k.MustGet(t, num(3)), models.Doc{"a": 1})
		if after := len(k.Events(t, "")); after != before {
			t.Errorf("public field updates wrote %d events", after-before)
		}
	})
	t.Run("Replace", func(t *testing.T) {
		res, err := k.Svc.UpdateNumbers(k.Child.Ctx, k.Child.ID, []string{num(2), num(1)}, models.Doc{"z": true}, false)
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(2)+"=in_service", num(1)+"=in_service")
		wantPublic(t, k.MustGet(t, num(1)), models.Doc{"z": true})
	})
	t.Run("InvalidMergePerNumber", func(t *testing.T) {
		// A merge is validated per number (the merged document): a stored
		// document that is invalid (e.g. legacy data) fails that number
		// only.
		k.MustInsert(t, &models.Number{Number: num(6), State: models.StateInService, AssignedTo: k.Child.ID,
			Carrier: models.CarrierOther, Public: models.Doc{"cnam": "legacy"}})
		res, err := k.Svc.UpdateNumbers(k.Child.Ctx, k.Child.ID, []string{num(6), num(1)}, models.Doc{"c": 4}, true)
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(6)+"!validation", num(1)+"=in_service")
		if fs := models.AsError(res[0].Err).Fields; len(fs) != 1 || fs[0].Path != "cnam" || fs[0].Rule != "type" {
			t.Errorf("field errors %+v", fs)
		}
		wantPublic(t, k.MustGet(t, num(6)), models.Doc{"cnam": "legacy"})
		wantPublic(t, k.MustGet(t, num(1)), models.Doc{"z": true, "c": 4})
	})
	t.Run("InvalidReplaceWholeRequest", func(t *testing.T) {
		before := k.Snapshot(t)
		_, err := k.Svc.UpdateNumbers(k.Child.Ctx, k.Child.ID, []string{num(1), num(2)}, models.Doc{"cnam": 1}, false)
		wantFieldErrors(t, err, "cnam:type")
		k.AssertUnchanged(t, before)
	})
}

func TestService_ReleaseNumbers(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	k.MustCreate(t, k.Master, k.Reseller, num(1), "", nil)                                 // local → deleted
	k.MustCreate(t, k.Master, k.Reseller, num(2), "", models.Doc{"carrier_name": "other"}) // → available
	k.MustCreate(t, k.Master, k.Unrelated, num(3), "", nil)                                // forbidden
	k.MustInsert(t, &models.Number{Number: num(4), State: models.StateAvailable, AssignedTo: k.Reseller.ID, Carrier: "telnyx"})

	before := len(k.Events(t, ""))
	res, err := k.Svc.ReleaseNumbers(k.Reseller.Ctx, k.Reseller.ID, []string{num(1), "bad", num(2), num(9), num(3), num(4)}, true)
	if err != nil {
		t.Fatal(err)
	}
	wantOutcomes(t, res, num(1)+"=deleted", "bad!not_reconcilable", num(2)+"=available", num(9)+"!not_found",
		num(3)+"!forbidden", num(4)+"!invalid_state_transition")
	if k.Exists(t, num(1)) || !k.Exists(t, num(2)) || !k.Exists(t, num(3)) {
		t.Errorf("rows after release: 1:%v 2:%v 3:%v, want gone, kept, kept", k.Exists(t, num(1)), k.Exists(t, num(2)), k.Exists(t, num(3)))
	}
	if after := len(k.Events(t, "")); after != before+2 {
		t.Errorf("%d new events, want 2", after-before)
	}

	t.Run("HardByAdmin", func(t *testing.T) {
		res, err := k.Svc.ReleaseNumbers(k.Master.Ctx, k.Master.ID, []string{num(2), num(3)}, true)
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(2)+"=deleted", num(3)+"=deleted")
		if k.Exists(t, num(2)) || k.Exists(t, num(3)) {
			t.Errorf("hard-deleted rows still stored")
		}
	})
}

func TestService_ActivateNumbers(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	k.MustCreateAvailable(t, nums(1, 2))
	k.MustCreate(t, k.Master, k.Unrelated, num(3), "", nil)
	k.MustCreate(t, k.Master, k.Reseller, num(4), models.StateReserved, nil)
	k.MustCreate(t, k.Master, k.Child, num(5), "", nil)

	res, err := k.Svc.ActivateNumbers(k.Child.Ctx, k.Child.ID,
		[]string{num(2), num(9), num(3), "1000", num(4), num(1), num(5)}, models.Doc{"via": "collection"})
	if err != nil {
		t.Fatal(err)
	}
	wantOutcomes(t, res, num(2)+"=in_service", num(9)+"!not_found", num(3)+"!forbidden", "1000!not_reconcilable",
		num(4)+"=in_service", num(1)+"=in_service", num(5)+"=in_service")
	for _, i := range []int{1, 2, 4, 5} {
		n := k.MustGet(t, num(i))
		if n.AssignedTo != k.Child.ID || n.State != models.StateInService {
			t.Errorf("%s: %s/%s", n.Number, n.State, n.AssignedTo)
		}
		wantPublic(t, n, models.Doc{"via": "collection"})
	}
	if n := k.MustGet(t, num(3)); n.AssignedTo != k.Unrelated.ID {
		t.Errorf("failed item changed owner to %s", n.AssignedTo)
	}

	t.Run("Reserve", func(t *testing.T) {
		k.MustCreateAvailable(t, nums(10, 2))
		res, err := k.Svc.ReserveNumbers(k.Reseller.Ctx, k.Child.ID, []string{num(10), num(1), num(11), num(3)})
		if err != nil {
			t.Fatal(err)
		}
		// num(1) is in service in the child already: the reseller is its
		// ancestor and may reserve it (back) for the child.
		wantOutcomes(t, res, num(10)+"=reserved", num(1)+"=reserved", num(11)+"=reserved", num(3)+"!forbidden")
		res, err = k.Svc.ReserveNumbers(k.Reseller.Ctx, k.Child.ID, []string{num(10)})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcomes(t, res, num(10)+"!no_change_required")
	})
}
