package models_test

import (
	"fmt"
	"testing"

	"numberd/models"
)

// Short names for the states, so the expectation table below reads like the
// reference (kazoo-number-manager.md §1.2).
const (
	sDiscovery = models.StateDiscovery
	sAvailable = models.StateAvailable
	sReserved  = models.StateReserved
	sInService = models.StateInService
	sPortIn    = models.StatePortIn
	sPortOut   = models.StatePortOut
	sAging     = models.StateAging
	sReleased  = models.StateReleased
	sDeleted   = models.StateDeleted
)

// outcome is the class of result the reference gives for one move.
type outcome string

const (
	okMove       outcome = "ok"
	okNoOp       outcome = "ok+noop"
	errForbidden outcome = "forbidden"
	errInvalid   outcome = "invalid_state_transition"
	errNoChange  outcome = "no_change_required"
)

type want struct {
	outcome outcome
	cause   string // for errInvalid; "" means no cause at all
	acquire bool
}

// moveCell is one cell of the exhaustive ChangeState table.
type moveCell struct {
	from, to models.State
	rel      relation // caller vs the subject (owner, or assign_to when unowned)
	owned    bool     // the number is owned by acctC
	mdn      bool     // carrier knm_mdn
	assignTo models.AccountRef
}

func (c moveCell) String() string {
	return fmt.Sprintf("%s->%s/%s", c.from, c.to, c.rel)
}

// authorized is is_authorized (§1.2 "Authorization predicates"), stated in
// terms of the relation: admin always; otherwise the caller must be the
// owner or one of its ancestors, or, for an unowned number, the assign_to
// account or one of its ancestors (the subject is acctC in both cases).
func (c moveCell) authorized() bool {
	if c.rel == relAdmin {
		return true
	}
	if !c.owned && c.assignTo.IsZero() {
		return false
	}
	return c.rel == relSelf || c.rel == relParent
}

// reservedFromParent is is_reserved_from_parent: the number is reserved, owned,
// and its owner is the caller or one of the caller's ancestors.
func (c moveCell) reservedFromParent() bool {
	return c.from == sReserved && c.owned && (c.rel == relSelf || c.rel == relChild)
}

func transition(from, to models.State) want {
	return want{outcome: errInvalid, cause: fmt.Sprintf("from %s to %s", from, to)}
}

// expectMove is the transition table of kazoo-number-manager.md §1.2 written
// out independently of models/rules.go (checked against Kazoo 4.3's
// knm_number_states.erl).
func expectMove(c moveCell) want {
	ok := want{outcome: okMove}
	okAcquire := want{outcome: okMove, acquire: true}
	forbidden := want{outcome: errForbidden}
	pick := func(allowed bool, w want) want {
		if allowed {
			return w
		}
		return forbidden
	}

	switch c.to {
	case sDeleted, sDiscovery, sReleased, sPortOut:
		// never API targets: rejected without a cause, MDN or not.
		return want{outcome: errInvalid}
	case sReserved, sAvailable, sAging, sPortIn:
		if c.mdn {
			return want{outcome: errInvalid, cause: "from 'MDN' to " + string(c.to)}
		}
	}

	switch c.to {
	case sInService:
		if c.from == sInService {
			// MDN numbers may move between accounts while in service.
			if c.assignTo.ID == acctC.ID && c.owned {
				return want{outcome: okNoOp}
			}
			return pick(c.authorized(), ok)
		}
		if c.mdn {
			// Kazoo's fail_if_mdn/3 for this target names the current state.
			return transition(c.from, c.to)
		}
		switch c.from {
		case sDiscovery:
			return pick(c.authorized(), okAcquire)
		case sPortIn:
			return pick(c.authorized(), ok)
		case sAvailable, sAging:
			return ok // everyone may buy (or buy back) these
		case sReserved:
			return pick(c.authorized() || c.reservedFromParent(), ok)
		}
		return transition(c.from, c.to)

	case sReserved:
		switch c.from {
		case sReserved:
			if c.assignTo.IsZero() {
				return forbidden // not_assigning_to_self: nobody to assign to
			}
			if c.owned && c.assignTo.ID == acctC.ID {
				return want{outcome: errNoChange}
			}
			return pick(c.authorized(), okAcquire)
		case sDiscovery:
			return pick(c.authorized(), okAcquire)
		case sAvailable, sInService:
			return pick(c.authorized(), ok)
		}
		return transition(c.from, c.to)

	case sAvailable:
		if c.from == sAvailable {
			return pick(c.authorized(), ok)
		}
		return transition(c.from, c.to)

	case sAging:
		switch c.from {
		case sAging, sReleased, sAvailable:
			return ok // no authorization step
		}
		return transition(c.from, c.to)

	case sPortIn:
		if c.from == sPortIn {
			return ok // no authorization step: the read already required it
		}
		return transition(c.from, c.to)
	}
	panic("unreachable target " + string(c.to))
}

// expectedAfterMove is what a successful move leaves (move_phone_number_to_state,
// reserve history, used_by rule), built field by field from the reference.
func expectedAfterMove(before *models.Number, c moveCell) *models.Number {
	after := before.Clone()
	after.State = c.to
	takeOwner := func() {
		if c.assignTo.IsZero() {
			return
		}
		if after.AssignedTo != c.assignTo.ID {
			if after.AssignedTo != "" {
				after.PreviouslyAssignedTo = after.AssignedTo
			}
			after.AssignedTo = c.assignTo.ID
			after.UsedBy = "" // every change of owner clears used_by
		}
		after.Owner = c.assignTo
	}
	switch c.to {
	case sAvailable:
		// only the state changes
	case sAging:
		if !before.Assigned() {
			takeOwner()
		}
	default:
		takeOwner()
	}
	if c.to == sReserved && !c.assignTo.IsZero() {
		if len(after.ReserveHistory) == 0 || after.ReserveHistory[0] != c.assignTo.ID {
			after.ReserveHistory = append(models.StringList{c.assignTo.ID}, after.ReserveHistory...)
		}
	}
	return after
}

func runMoveCell(t *testing.T, c moveCell) {
	t.Helper()
	carrier := "telnyx"
	if c.mdn {
		carrier = models.CarrierMDN
	}
	var n *models.Number
	if c.owned {
		n = ownedNumber(c.from, carrier)
	} else {
		n = unownedNumber(c.from, carrier)
	}
	before := n.Clone()
	w := expectMove(c)

	res, err := models.ChangeState(n, models.Move{Actor: c.rel.actor(), AssignTo: c.assignTo, To: c.to})

	switch w.outcome {
	case okMove, okNoOp:
		if err != nil {
			t.Fatalf("want %s, got error %v", w.outcome, err)
		}
		if res.NoOp != (w.outcome == okNoOp) {
			t.Fatalf("NoOp = %v, want %v", res.NoOp, w.outcome == okNoOp)
		}
		if res.Acquire != w.acquire {
			t.Fatalf("Acquire = %v, want %v", res.Acquire, w.acquire)
		}
		expected := before
		if w.outcome == okMove {
			expected = expectedAfterMove(before, c)
		}
		if d := diffNumbers(n, expected); d != "" {
			t.Fatalf("after the move: %s", d)
		}
	default:
		switch w.outcome {
		case errForbidden:
			wantErr(t, err, models.ReasonForbidden, "")
		case errNoChange:
			wantErr(t, err, models.ReasonNoChangeRequired, "")
		case errInvalid:
			wantErr(t, err, models.ReasonInvalidStateTransition, w.cause)
		}
		if res != (models.MoveResult{}) {
			t.Fatalf("result on error = %+v, want zero", res)
		}
		if d := diffNumbers(n, before); d != "" {
			t.Fatalf("number changed on error: %s", d)
		}
	}
}

// TestChangeStateExhaustive runs every (from × target × caller relation)
// cell, for owned numbers (assigned to the caller's own account, or left
// with the owner), for MDN numbers, and for unowned numbers (assigned to an
// account, or with no assign_to at all).
func TestChangeStateExhaustive(t *testing.T) {
	type scenario struct {
		name     string
		owned    bool
		mdn      bool
		froms    []models.State
		assignTo func(rel relation) models.AccountRef
	}
	callerAccount := func(rel relation) models.AccountRef { return rel.account() }
	owner := func(relation) models.AccountRef { return acctC }
	none := func(relation) models.AccountRef { return models.AccountRef{} }
	unownedStates := []models.State{sAvailable, sDiscovery, sAging}

	scenarios := []scenario{
		{"owned/assign=caller", true, false, models.AllStates, callerAccount},
		{"owned/assign=owner", true, false, models.AllStates, owner},
		{"mdn/assign=caller", true, true, models.AllStates, callerAccount},
		{"mdn/assign=owner", true, true, models.AllStates, owner},
		{"unowned/assign=c", false, false, unownedStates, owner},
		{"unowned/assign=none", false, false, unownedStates, none},
	}
	cells := 0
	counts := map[outcome]int{}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			for _, from := range sc.froms {
				for _, to := range models.AllStates {
					for _, rel := range allRelations {
						c := moveCell{from: from, to: to, rel: rel, owned: sc.owned, mdn: sc.mdn, assignTo: sc.assignTo(rel)}
						cells++
						counts[expectMove(c).outcome]++
						t.Run(c.String(), func(t *testing.T) { runMoveCell(t, c) })
					}
				}
			}
		})
	}
	if want := 4*9*9*5 + 2*3*9*5; cells != want {
		t.Fatalf("ran %d cells, want %d", cells, want)
	}
	for _, o := range []outcome{okMove, okNoOp, errForbidden, errInvalid, errNoChange} {
		if counts[o] == 0 {
			t.Errorf("no cell expects %s: the table is not exercising it", o)
		}
	}
	t.Logf("%d cells: %v", cells, counts)
}

func TestChangeStateNamedCases(t *testing.T) {
	t.Run("in_service->in_service/same owner is a no-op", func(t *testing.T) {
		n := ownedNumber(sInService, "telnyx")
		before := n.Clone()
		// Even an unrelated caller: the no-op needs no authorization.
		res, err := models.ChangeState(n, models.Move{Actor: relUnrelated.actor(), AssignTo: acctC, To: sInService})
		mustNoErr(t, err)
		mustEqual(t, "result", res, models.MoveResult{NoOp: true})
		if d := diffNumbers(n, before); d != "" {
			t.Fatal(d)
		}
	})
	t.Run("in_service->in_service/parent takes the number", func(t *testing.T) {
		n := ownedNumber(sInService, "telnyx")
		res, err := models.ChangeState(n, models.Move{Actor: relParent.actor(), AssignTo: acctR, To: sInService})
		mustNoErr(t, err)
		mustEqual(t, "result", res, models.MoveResult{})
		mustEqual(t, "assigned_to", n.AssignedTo, "r")
		mustEqual(t, "previously_assigned_to", n.PreviouslyAssignedTo, "c")
		mustEqual(t, "used_by", n.UsedBy, "")
		mustEqual(t, "owner", n.Owner, acctR)
	})
	t.Run("reserved->reserved/same assign_to is no_change_required", func(t *testing.T) {
		n := ownedNumber(sReserved, "telnyx")
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctC, To: sReserved})
		wantErr(t, err, models.ReasonNoChangeRequired, "")
		mustEqual(t, "http class", models.ErrorCode(err), models.ECONFLICT)
	})
	t.Run("reserved->reserved/no assign_to is forbidden", func(t *testing.T) {
		n := ownedNumber(sReserved, "telnyx")
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), To: sReserved})
		wantErr(t, err, models.ReasonForbidden, "")
		mustEqual(t, "class", models.ErrorCode(err), models.EFORBIDDEN)
	})
	t.Run("reserved->reserved/another account: acquire and history", func(t *testing.T) {
		n := ownedNumber(sReserved, "telnyx")
		res, err := models.ChangeState(n, models.Move{Actor: relParent.actor(), AssignTo: acctR, To: sReserved})
		mustNoErr(t, err)
		mustEqual(t, "result", res, models.MoveResult{Acquire: true})
		mustEqual(t, "history", n.ReserveHistory, models.StringList{"r", "c"})
	})
	t.Run("available->available/owner unchanged", func(t *testing.T) {
		n := ownedNumber(sAvailable, "telnyx") // Kazoo's TELNYX fixture: available but owned
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctM, To: sAvailable})
		mustNoErr(t, err)
		mustEqual(t, "assigned_to", n.AssignedTo, "c")
		mustEqual(t, "owner", n.Owner, acctC)
		mustEqual(t, "used_by", n.UsedBy, "callflow")
	})
	t.Run("available->available/admin creates unassigned", func(t *testing.T) {
		n := unownedNumber(sAvailable, models.CarrierLocal)
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctR, To: sAvailable})
		mustNoErr(t, err)
		mustEqual(t, "assigned_to", n.AssignedTo, "")
	})
	t.Run("aging target/sets the owner only if none", func(t *testing.T) {
		n := unownedNumber(sReleased, "telnyx")
		_, err := models.ChangeState(n, models.Move{Actor: relUnrelated.actor(), AssignTo: acctC, To: sAging})
		mustNoErr(t, err)
		mustEqual(t, "state", n.State, sAging)
		mustEqual(t, "assigned_to", n.AssignedTo, "c")

		n = ownedNumber(sReleased, "telnyx")
		_, err = models.ChangeState(n, models.Move{Actor: relUnrelated.actor(), AssignTo: acctU, To: sAging})
		mustNoErr(t, err)
		mustEqual(t, "assigned_to", n.AssignedTo, "c")
		mustEqual(t, "used_by", n.UsedBy, "callflow")
	})
	t.Run("port_in->port_in/re-assigned without authorization", func(t *testing.T) {
		n := ownedNumber(sPortIn, models.CarrierLocal)
		_, err := models.ChangeState(n, models.Move{Actor: relUnrelated.actor(), AssignTo: acctU, To: sPortIn})
		mustNoErr(t, err)
		mustEqual(t, "assigned_to", n.AssignedTo, "u")
		mustEqual(t, "previously_assigned_to", n.PreviouslyAssignedTo, "c")
	})
	t.Run("available->port_in/invalid", func(t *testing.T) {
		_, err := models.ChangeState(unownedNumber(sAvailable, "telnyx"), models.Move{Actor: relAdmin.actor(), AssignTo: acctC, To: sPortIn})
		wantErr(t, err, models.ReasonInvalidStateTransition, "from available to port_in")
	})
	t.Run("unreachable target/no cause", func(t *testing.T) {
		for _, to := range []models.State{sDeleted, sDiscovery, sReleased, sPortOut} {
			_, err := models.ChangeState(ownedNumber(sInService, models.CarrierMDN), models.Move{Actor: relAdmin.actor(), AssignTo: acctC, To: to})
			wantErr(t, err, models.ReasonInvalidStateTransition, "")
		}
	})
	t.Run("discovery->in_service/acquire", func(t *testing.T) {
		n := unownedNumber(sDiscovery, "bandwidth2")
		res, err := models.ChangeState(n, models.Move{Actor: relSelf.actor(), AssignTo: acctC, To: sInService})
		mustNoErr(t, err)
		mustEqual(t, "result", res, models.MoveResult{Acquire: true})
		mustEqual(t, "assigned_to", n.AssignedTo, "c")
	})
	t.Run("discovery->in_service/child of assign_to is forbidden", func(t *testing.T) {
		n := unownedNumber(sDiscovery, "bandwidth2")
		_, err := models.ChangeState(n, models.Move{Actor: relChild.actor(), AssignTo: acctC, To: sInService})
		wantErr(t, err, models.ReasonForbidden, "")
	})
	t.Run("nil actor/authorized steps are forbidden", func(t *testing.T) {
		_, err := models.ChangeState(ownedNumber(sReserved, "telnyx"), models.Move{AssignTo: acctC, To: sInService})
		wantErr(t, err, models.ReasonForbidden, "")
		_, err = models.ChangeState(unownedNumber(sAvailable, "telnyx"), models.Move{AssignTo: acctC, To: sReserved})
		wantErr(t, err, models.ReasonForbidden, "")
	})
	t.Run("reserved->reserved/no assign_to: forbidden before anything else", func(t *testing.T) {
		n := unownedNumber(sReserved, "telnyx")
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), To: sReserved})
		wantErr(t, err, models.ReasonForbidden, "")
	})
	t.Run("available->reserved/no assign_to: no empty reserve history entry", func(t *testing.T) {
		n := unownedNumber(sAvailable, "telnyx")
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), To: sReserved})
		mustNoErr(t, err)
		if len(n.ReserveHistory) != 0 {
			t.Fatalf("history = %q, want empty (Kazoo's add_reserve_history(undefined) is a no-op)", n.ReserveHistory)
		}
	})
}

func TestChangeStateMDN(t *testing.T) {
	for _, to := range []models.State{sReserved, sAvailable, sAging, sPortIn} {
		for _, from := range models.AllStates {
			t.Run(fmt.Sprintf("%s->%s", from, to), func(t *testing.T) {
				n := ownedNumber(from, models.CarrierMDN)
				before := n.Clone()
				_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctC, To: to})
				wantErr(t, err, models.ReasonInvalidStateTransition, "from 'MDN' to "+string(to))
				if d := diffNumbers(n, before); d != "" {
					t.Fatal(d)
				}
			})
		}
	}
	t.Run("in_service->in_service/move to MASTER", func(t *testing.T) {
		// knm_number_tests mdn_transitions: move IN_SERVICE_MDN to MASTER → in_service.
		n := ownedNumber(sInService, models.CarrierMDN)
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctM, To: sInService})
		mustNoErr(t, err)
		mustEqual(t, "state", n.State, sInService)
		mustEqual(t, "assigned_to", n.AssignedTo, "m")
	})
	t.Run("reserved->in_service/cause names the state", func(t *testing.T) {
		_, err := models.ChangeState(ownedNumber(sReserved, models.CarrierMDN), models.Move{Actor: relAdmin.actor(), AssignTo: acctC, To: sInService})
		wantErr(t, err, models.ReasonInvalidStateTransition, "from reserved to in_service")
	})
}

// Kazoo's knm_move_number_tests and knm_numbers_tests (reference §13.6, §13.8).
func TestChangeStateKazooScenarios(t *testing.T) {
	// RESERVED: reserved, owned by RESELLER.
	reserved := func() *models.Number {
		n := ownedNumber(sReserved, models.CarrierLocal)
		n.AssignedTo, n.Owner, n.ReserveHistory = acctR.ID, acctR, models.StringList{acctR.ID}
		return n
	}
	acctChild := acctC // CHILD of RESELLER
	t.Run("RESERVED/move to CHILD by CHILD", func(t *testing.T) {
		n := reserved()
		_, err := models.ChangeState(n, models.Move{Actor: actorOf(acctChild), AssignTo: acctChild, To: sInService})
		mustNoErr(t, err)
		mustEqual(t, "state", n.State, sInService)
		mustEqual(t, "assigned_to", n.AssignedTo, acctChild.ID)
	})
	t.Run("RESERVED/move to CHILD by admin", func(t *testing.T) {
		n := reserved()
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctChild, To: sInService})
		mustNoErr(t, err)
	})
	t.Run("RESERVED/move to UNRELATED by UNRELATED is forbidden", func(t *testing.T) {
		n := reserved()
		_, err := models.ChangeState(n, models.Move{Actor: actorOf(acctU), AssignTo: acctU, To: sInService})
		wantErr(t, err, models.ReasonForbidden, "")
		mustEqual(t, "assigned_to", n.AssignedTo, acctR.ID)
	})
	t.Run("RESERVED/move to UNRELATED by admin", func(t *testing.T) {
		n := reserved()
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctU, To: sInService})
		mustNoErr(t, err)
		mustEqual(t, "assigned_to", n.AssignedTo, acctU.ID)
	})
	t.Run("RESERVED/grandchild of the reserver may take it", func(t *testing.T) {
		n := reserved()
		_, err := models.ChangeState(n, models.Move{Actor: actorOf(acctG), AssignTo: acctG, To: sInService})
		mustNoErr(t, err)
	})

	// Everyone can buy available numbers: every (auth_by, assign_to) among
	// CHILD, RESELLER, MASTER, for a local and a non-local number.
	for _, carrier := range []string{models.CarrierLocal, "telnyx"} {
		for _, by := range []models.AccountRef{acctC, acctR, acctM} {
			for _, to := range []models.AccountRef{acctC, acctR, acctM} {
				t.Run(fmt.Sprintf("AVAILABLE %s/by %s for %s", carrier, by.ID, to.ID), func(t *testing.T) {
					n := unownedNumber(sAvailable, carrier)
					if carrier == models.CarrierLocal {
						n.Features = models.Doc{"local": map[string]any{}}
					}
					_, err := models.ChangeState(n, models.Move{Actor: actorOf(by), AssignTo: to, To: sInService})
					mustNoErr(t, err)
					mustEqual(t, "state", n.State, sInService)
					mustEqual(t, "assigned_to", n.AssignedTo, to.ID)
					mustEqual(t, "previously_assigned_to", n.PreviouslyAssignedTo, subjectParent)
					if len(n.ReserveHistory) != 0 {
						t.Fatalf("history = %q, want []", n.ReserveHistory)
					}
					mustEqual(t, "carrier", n.Carrier, carrier)
				})
			}
		}
	}

	// knm_numbers_tests reserve.
	inService := func() *models.Number { // IN_SERVICE: RESELLER, history [RESELLER]
		n := ownedNumber(sInService, models.CarrierLocal)
		n.AssignedTo, n.Owner, n.ReserveHistory = acctR.ID, acctR, models.StringList{acctR.ID}
		return n
	}
	t.Run("reserve AVAILABLE for RESELLER by MASTER", func(t *testing.T) {
		n := unownedNumber(sAvailable, models.CarrierLocal)
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctR, To: sReserved})
		mustNoErr(t, err)
		mustEqual(t, "state", n.State, sReserved)
		mustEqual(t, "history", n.ReserveHistory, models.StringList{"r"})
	})
	t.Run("reserve IN_SERVICE for RESELLER (the owner)", func(t *testing.T) {
		n := inService()
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctR, To: sReserved})
		mustNoErr(t, err)
		mustEqual(t, "state", n.State, sReserved)
		mustEqual(t, "history", n.ReserveHistory, models.StringList{"r"})
	})
	t.Run("reserve IN_SERVICE for CHILD", func(t *testing.T) {
		n := inService()
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctC, To: sReserved})
		mustNoErr(t, err)
		mustEqual(t, "assigned_to", n.AssignedTo, "c")
		mustEqual(t, "history", n.ReserveHistory, models.StringList{"c", "r"})
	})
	t.Run("reserve IN_SERVICE for CHILD by RESELLER", func(t *testing.T) {
		n := inService()
		_, err := models.ChangeState(n, models.Move{Actor: actorOf(acctR), AssignTo: acctC, To: sReserved})
		mustNoErr(t, err)
	})
	t.Run("reserve IN_SERVICE for RESELLER by CHILD is forbidden", func(t *testing.T) {
		// The docs say "descendant may reserve"; the code needs ancestor-or-self.
		n := inService()
		_, err := models.ChangeState(n, models.Move{Actor: actorOf(acctC), AssignTo: acctC, To: sReserved})
		wantErr(t, err, models.ReasonForbidden, "")
	})
}

func TestPushReserveHistory(t *testing.T) {
	cases := []struct {
		name string
		hist models.StringList
		push string
		want models.StringList
	}{
		{"empty", nil, "a", models.StringList{"a"}},
		{"new head", models.StringList{"b"}, "a", models.StringList{"a", "b"}},
		{"consecutive duplicate", models.StringList{"a", "b"}, "a", models.StringList{"a", "b"}},
		{"non-consecutive duplicate", models.StringList{"b", "a"}, "a", models.StringList{"a", "b", "a"}},
		{"empty id is not an account", models.StringList{"b"}, "", models.StringList{"b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := &models.Number{ReserveHistory: tc.hist}
			models.PushReserveHistory(n, tc.push)
			mustEqual(t, "history", n.ReserveHistory, tc.want)
		})
	}
	t.Run("reserving twice in a row keeps one entry", func(t *testing.T) {
		n := unownedNumber(sAvailable, "telnyx")
		_, err := models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctC, To: sReserved})
		mustNoErr(t, err)
		_, err = models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctR, To: sReserved})
		mustNoErr(t, err)
		_, err = models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctR, To: sInService})
		mustNoErr(t, err)
		_, err = models.ChangeState(n, models.Move{Actor: relAdmin.actor(), AssignTo: acctR, To: sReserved})
		mustNoErr(t, err)
		mustEqual(t, "history", n.ReserveHistory, models.StringList{"r", "c"})
	})
}

func TestIsAuthorized(t *testing.T) {
	owned := ownedNumber(sInService, "telnyx")
	unowned := unownedNumber(sAvailable, "telnyx")
	cases := []struct {
		name     string
		actor    *models.Actor
		n        *models.Number
		assignTo models.AccountRef
		want     bool
	}{
		{"owned/admin", actorOf(acctAdmin), owned, models.AccountRef{}, true},
		{"owned/owner", actorOf(acctC), owned, models.AccountRef{}, true},
		{"owned/parent", actorOf(acctR), owned, models.AccountRef{}, true},
		{"owned/grandparent", actorOf(acctM), owned, models.AccountRef{}, true},
		{"owned/child", actorOf(acctG), owned, models.AccountRef{}, false},
		{"owned/unrelated", actorOf(acctU), owned, models.AccountRef{}, false},
		// assign_to does not matter once the number has an owner.
		{"owned/unrelated assigning to itself", actorOf(acctU), owned, acctU, false},
		{"owned/child assigning to itself", actorOf(acctG), owned, acctG, false},
		{"unowned+assign_to/admin", actorOf(acctAdmin), unowned, acctC, true},
		{"unowned+assign_to/assignee", actorOf(acctC), unowned, acctC, true},
		{"unowned+assign_to/parent", actorOf(acctR), unowned, acctC, true},
		{"unowned+assign_to/grandparent", actorOf(acctM), unowned, acctC, true},
		{"unowned+assign_to/child", actorOf(acctG), unowned, acctC, false},
		{"unowned+assign_to/unrelated", actorOf(acctU), unowned, acctC, false},
		{"unowned/admin", actorOf(acctAdmin), unowned, models.AccountRef{}, true},
		{"unowned/non-admin", actorOf(acctC), unowned, models.AccountRef{}, false},
		{"nil actor", nil, owned, acctC, false},
		{"nil actor/unowned", nil, unowned, acctC, false},
		// An id that is a prefix of a path segment is not an ancestor.
		{"owned/prefix id", actorOf(models.AccountRef{ID: "m/r", Path: "m/r"}), owned, models.AccountRef{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.IsAuthorized(tc.actor, tc.n, tc.assignTo); got != tc.want {
				t.Fatalf("IsAuthorized = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIsReservedFromParent(t *testing.T) {
	adminOwned := ownedNumber(sReserved, "telnyx")
	adminOwned.AssignedTo, adminOwned.Owner = acctAdmin.ID, acctAdmin
	cases := []struct {
		name  string
		actor *models.Actor
		n     *models.Number
		want  bool
	}{
		{"reserved/owner", actorOf(acctC), ownedNumber(sReserved, "telnyx"), true},
		{"reserved/child", actorOf(acctG), ownedNumber(sReserved, "telnyx"), true},
		{"reserved/parent", actorOf(acctR), ownedNumber(sReserved, "telnyx"), false},
		{"reserved/unrelated", actorOf(acctU), ownedNumber(sReserved, "telnyx"), false},
		{"reserved/admin caller", actorOf(acctAdmin), ownedNumber(sReserved, "telnyx"), false},
		{"reserved by an admin account/unrelated", actorOf(acctU), adminOwned, true},
		{"in_service/child", actorOf(acctG), ownedNumber(sInService, "telnyx"), false},
		{"unowned reserved/child", actorOf(acctG), unownedNumber(sReserved, "telnyx"), false},
		{"nil actor", nil, ownedNumber(sReserved, "telnyx"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.IsReservedFromParent(tc.actor, tc.n); got != tc.want {
				t.Fatalf("IsReservedFromParent = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCanReadAndCanWrite(t *testing.T) {
	for _, st := range models.AllStates {
		for _, rel := range allRelations {
			t.Run(fmt.Sprintf("owned/%s/%s", st, rel), func(t *testing.T) {
				n := ownedNumber(st, "telnyx")
				authorized := rel == relAdmin || rel == relSelf || rel == relParent
				open := st == sAvailable || st == sDiscovery
				wantRead := open || authorized || (st == sReserved && (rel == relSelf || rel == relChild))
				if got := models.CanRead(rel.actor(), n); got != wantRead {
					t.Errorf("CanRead = %v, want %v", got, wantRead)
				}
				// Writes need authorization over the number, even when it is
				// available (decisions.md 14) or reserved by a parent.
				if got := models.CanWrite(rel.actor(), n); got != authorized {
					t.Errorf("CanWrite = %v, want %v", got, authorized)
				}
			})
			t.Run(fmt.Sprintf("unowned/%s/%s", st, rel), func(t *testing.T) {
				n := unownedNumber(st, "telnyx")
				open := st == sAvailable || st == sDiscovery
				wantRead := open || rel == relAdmin
				if got := models.CanRead(rel.actor(), n); got != wantRead {
					t.Errorf("CanRead = %v, want %v", got, wantRead)
				}
				if got := models.CanWrite(rel.actor(), n); got != (rel == relAdmin) {
					t.Errorf("CanWrite = %v, want %v", got, rel == relAdmin)
				}
			})
		}
		t.Run(fmt.Sprintf("nil actor/%s", st), func(t *testing.T) {
			if models.CanRead(nil, ownedNumber(st, "telnyx")) || models.CanRead(nil, unownedNumber(st, "telnyx")) {
				t.Error("CanRead(nil) = true")
			}
			if models.CanWrite(nil, ownedNumber(st, "telnyx")) {
				t.Error("CanWrite(nil) = true")
			}
		})
	}
}

func TestCreationStates(t *testing.T) {
	admin := &models.Actor{Account: acctAdmin}
	adminWithAdditions := &models.Actor{Account: acctAdmin, AllowAdditions: true}
	additions := &models.Actor{Account: acctR, AllowAdditions: true}
	plain := &models.Actor{Account: acctR}
	adminStates := []models.State{sAging, sAvailable, sInService, sPortIn, sReserved}
	cases := []struct {
		name  string
		actor *models.Actor
		want  []models.State
	}{
		{"admin", admin, adminStates},
		{"admin with allow_additions", adminWithAdditions, adminStates},
		{"allow_additions", additions, []models.State{sInService, sReserved}},
		{"plain account", plain, []models.State{}},
		{"nil actor", nil, []models.State{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mustEqual(t, "CreationStates", models.CreationStates(tc.actor), tc.want)
			for _, st := range models.AllStates {
				want := st == sPortIn // port_in is always allowed
				for _, s := range tc.want {
					want = want || s == st
				}
				if got := models.CanCreateIn(tc.actor, st); got != want {
					t.Errorf("CanCreateIn(%s) = %v, want %v", st, got, want)
				}
			}
		})
	}
	t.Run("never creatable, even by an admin", func(t *testing.T) {
		for _, st := range []models.State{sDiscovery, sDeleted, sReleased, sPortOut} {
			if models.CanCreateIn(admin, st) {
				t.Errorf("CanCreateIn(admin, %s) = true", st)
			}
		}
	})
}

// Release (kazoo-number-manager.md §1.4).

func TestReleaseStateGate(t *testing.T) {
	releasable := map[models.State]bool{sReleased: true, sReserved: true, sPortIn: true, sInService: true}
	for _, carrier := range []string{"telnyx", models.CarrierLocal, models.CarrierMDN} {
		for _, st := range models.AllStates {
			for _, released := range []models.State{"", sReleased} {
				name := fmt.Sprintf("%s/%s/released_state=%s", carrier, st, released)
				t.Run(name, func(t *testing.T) {
					n := ownedNumber(st, carrier)
					before := n.Clone()
					_, err := models.Release(n, relAdmin.actor(), models.ReleasePolicy{ReleasedState: released})
					// Only knm_local may be released from any state (can_release/2).
					if releasable[st] || carrier == models.CarrierLocal {
						mustNoErr(t, err)
						return
					}
					to := released
					if to == "" {
						to = sAvailable
					}
					wantErr(t, err, models.ReasonInvalidStateTransition, fmt.Sprintf("from %s to %s", st, to))
					if d := diffNumbers(n, before); d != "" {
						t.Fatalf("changed on error: %s", d)
					}
				})
			}
		}
	}
}

func TestReleaseAuthorization(t *testing.T) {
	for _, rel := range allRelations {
		t.Run("owned in_service/"+string(rel), func(t *testing.T) {
			n := ownedNumber(sInService, "telnyx")
			before := n.Clone()
			_, err := models.Release(n, rel.actor(), models.ReleasePolicy{})
			if rel == relAdmin || rel == relSelf || rel == relParent {
				mustNoErr(t, err)
				return
			}
			wantErr(t, err, models.ReasonForbidden, "")
			if d := diffNumbers(n, before); d != "" {
				t.Fatalf("changed on error: %s", d)
			}
		})
		t.Run("unowned local available/"+string(rel), func(t *testing.T) {
			n := unownedNumber(sAvailable, models.CarrierLocal)
			_, err := models.Release(n, rel.actor(), models.ReleasePolicy{})
			if rel == relAdmin {
				mustNoErr(t, err)
				return
			}
			wantErr(t, err, models.ReasonForbidden, "")
		})
	}
	t.Run("nil actor", func(t *testing.T) {
		_, err := models.Release(ownedNumber(sInService, "telnyx"), nil, models.ReleasePolicy{})
		wantErr(t, err, models.ReasonForbidden, "")
	})
	t.Run("state gate comes before authorization", func(t *testing.T) {
		_, err := models.Release(ownedNumber(sAvailable, "telnyx"), relUnrelated.actor(), models.ReleasePolicy{})
		wantErr(t, err, models.ReasonInvalidStateTransition, "from available to available")
	})
}

func TestReleaseEffects(t *testing.T) {
	withFeatures := func(n *models.Number) *models.Number {
		n.Public = models.Doc{"cnam": map[string]any{"display_name": "Foo"}, "my_key": "x"}
		n.Features = models.Doc{"outbound_cnam": map[string]any{"display_name": "Foo"}, "failover": map[string]any{"e164": "+1"}}
		if models.IsLocalCarrier(n.Carrier) {
			n.Features["local"] = map[string]any{}
		}
		n.FeaturesAllowed = models.StringList{"cnam"}
		n.CarrierData = models.Doc{"address_id": "42"}
		return n
	}
	withHistory := func(n *models.Number, h ...string) *models.Number {
		n.ReserveHistory = h
		return n
	}
	type expect struct {
		state      models.State
		assignedTo string
		prev       string
		history    models.StringList
		features   models.Doc
		result     models.ReleaseResult
	}
	none := models.Doc{}
	local := models.Doc{"local": map[string]any{}}
	unassigned := models.ReleaseResult{Disconnect: true}
	deleted := models.ReleaseResult{Disconnect: true, Deleted: true}
	cases := []struct {
		name   string
		n      *models.Number
		policy models.ReleasePolicy
		want   expect
	}{
		{"in_service telnyx/default", withFeatures(ownedNumber(sInService, "telnyx")), models.ReleasePolicy{},
			expect{sAvailable, "", "c", nil, none, unassigned}},
		{"BAD_CARRIER/pacwest in_service", withFeatures(ownedNumber(sInService, "pacwest")), models.ReleasePolicy{},
			expect{sAvailable, "", "c", nil, none, unassigned}},
		{"reserved telnyx", withFeatures(ownedNumber(sReserved, "telnyx")), models.ReleasePolicy{},
			expect{sAvailable, "", "c", nil, none, unassigned}},
		{"port_in telnyx", withFeatures(ownedNumber(sPortIn, "telnyx")), models.ReleasePolicy{},
			expect{sAvailable, "", "c", nil, none, unassigned}},
		{"released telnyx", withFeatures(ownedNumber(sReleased, "telnyx")), models.ReleasePolicy{},
			expect{sAvailable, "", "c", nil, none, unassigned}},
		{"IN_SERVICE local/deleted", withFeatures(ownedNumber(sInService, models.CarrierLocal)), models.ReleasePolicy{},
			expect{sDeleted, "", "c", nil, local, deleted}},
		{"MDN/deleted", withFeatures(ownedNumber(sInService, models.CarrierMDN)), models.ReleasePolicy{},
			expect{sDeleted, "", "c", nil, local, deleted}},
		{"AVAILABLE local unowned/deleted", unownedNumber(sAvailable, models.CarrierLocal), models.ReleasePolicy{},
			expect{sDeleted, "", subjectParent, nil, local, deleted}},
		{"aging local/deleted", ownedNumber(sAging, models.CarrierLocal), models.ReleasePolicy{},
			expect{sDeleted, "", "c", nil, local, deleted}},
		{"released_state=released", withFeatures(ownedNumber(sInService, "telnyx")), models.ReleasePolicy{ReleasedState: sReleased},
			expect{sReleased, "", "c", nil, none, unassigned}},
		{"should_age/available becomes aging", withFeatures(ownedNumber(sInService, "telnyx")), models.ReleasePolicy{ShouldAge: true},
			expect{sAging, "", "c", nil, none, unassigned}},
		{"should_age/released_state=released does not age", withFeatures(ownedNumber(sInService, "telnyx")), models.ReleasePolicy{ShouldAge: true, ReleasedState: sReleased},
			expect{sReleased, "", "c", nil, none, unassigned}},
		{"should_age/local is still deleted", withFeatures(ownedNumber(sInService, models.CarrierLocal)), models.ReleasePolicy{ShouldAge: true},
			expect{sDeleted, "", "c", nil, local, deleted}},
		{"should_permanently_delete", withFeatures(ownedNumber(sInService, "telnyx")), models.ReleasePolicy{PermanentlyDelete: true},
			expect{sDeleted, "", "c", nil, none, deleted}},
		// WITH_HISTORY: in_service, RESELLER, history [RESELLER, MASTER] → reserved, MASTER, [MASTER].
		{"WITH_HISTORY", withHistory(withFeatures(ownedNumber(sInService, "telnyx")), "c", "m"), models.ReleasePolicy{},
			expect{sReserved, "m", "c", models.StringList{"m"}, none, models.ReleaseResult{}}},
		{"history of three", withHistory(ownedNumber(sInService, "telnyx"), "c", "r", "m"), models.ReleasePolicy{},
			expect{sReserved, "r", "c", models.StringList{"r", "m"}, none, models.ReleaseResult{}}},
		{"history unwinds before local deletion", withHistory(ownedNumber(sInService, models.CarrierLocal), "c", "m"), models.ReleasePolicy{},
			expect{sReserved, "m", "c", models.StringList{"m"}, local, models.ReleaseResult{}}},
		{"history unwinds before permanent deletion", withHistory(ownedNumber(sInService, "telnyx"), "c", "m"), models.ReleasePolicy{PermanentlyDelete: true, ShouldAge: true},
			expect{sReserved, "m", "c", models.StringList{"m"}, none, models.ReleaseResult{}}},
		{"history of one", withHistory(ownedNumber(sReserved, "telnyx"), "c"), models.ReleasePolicy{},
			expect{sAvailable, "", "c", nil, none, unassigned}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.n
			before := n.Clone()
			res, err := models.Release(n, relAdmin.actor(), tc.policy)
			mustNoErr(t, err)
			mustEqual(t, "result", res, tc.want.result)
			mustEqual(t, "state", n.State, tc.want.state)
			mustEqual(t, "assigned_to", n.AssignedTo, tc.want.assignedTo)
			mustEqual(t, "owner id", n.Owner.ID, tc.want.assignedTo)
			mustEqual(t, "previously_assigned_to", n.PreviouslyAssignedTo, tc.want.prev)
			mustEqual(t, "used_by", n.UsedBy, "")
			if len(n.ReserveHistory) != 0 || len(tc.want.history) != 0 {
				mustEqual(t, "history", n.ReserveHistory, tc.want.history)
			}
			mustEqual(t, "features", n.Features, tc.want.features)
			mustEqual(t, "public", n.Public, models.Doc{})
			// Private fields other than the ones above are kept.
			mustEqual(t, "carrier", n.Carrier, before.Carrier)
			mustEqual(t, "carrier_data", n.CarrierData, before.CarrierData)
			mustEqual(t, "features_allowed", n.FeaturesAllowed, before.FeaturesAllowed)
			mustEqual(t, "number", n.Number, before.Number)
		})
	}
	t.Run("TELNYX available non-local/invalid", func(t *testing.T) {
		_, err := models.Release(ownedNumber(sAvailable, "telnyx"), relAdmin.actor(), models.ReleasePolicy{})
		wantErr(t, err, models.ReasonInvalidStateTransition, "from available to available")
	})
	t.Run("available telnyx/released_state=released", func(t *testing.T) {
		_, err := models.Release(ownedNumber(sAvailable, "telnyx"), relAdmin.actor(), models.ReleasePolicy{ReleasedState: sReleased})
		wantErr(t, err, models.ReasonInvalidStateTransition, "from available to released")
	})
}
