package models

// This file is the one home of numberd's number rules: who may see or change
// a number, and how a number moves between states and owners. It follows
// Kazoo 4.3's knm_number_states / knm_phone_number (kazoo-number-manager.md
// §1.2–1.4) cell by cell; the exhaustive test in rules_test.go pins it.

// IsAuthorized is Kazoo's is_authorized: the caller is a superduper admin,
// or is the number's owner or one of its ancestors; an unowned number is
// judged against the account it is being assigned to (assignTo, may be zero).
func IsAuthorized(a *Actor, n *Number, assignTo AccountRef) bool {
	switch {
	case a == nil:
		return false
	case a.IsAdmin():
		return true
	case n.Assigned():
		return n.Owner.HasAncestorOrSelf(a.Account.ID)
	case !assignTo.IsZero():
		return assignTo.HasAncestorOrSelf(a.Account.ID)
	default:
		return false
	}
}

// IsReservedFromParent is Kazoo's is_reserved_from_parent: the number is
// reserved by the caller or one of its ancestors (or by an admin account),
// which lets a sub-account see and activate numbers its parent reserved.
func IsReservedFromParent(a *Actor, n *Number) bool {
	if a == nil || n.State != StateReserved || !n.Assigned() {
		return false
	}
	return n.Owner.Admin || a.Account.HasAncestorOrSelf(n.AssignedTo)
}

// CanRead is the read rule every operation starts with: available numbers
// are open to everyone; others need IsAuthorized or IsReservedFromParent.
// Discovery numbers (search results numberd keeps in the database instead of
// one node's memory, decisions.md 11) are unowned and open like available
// ones: anyone's search may show them.
func CanRead(a *Actor, n *Number) bool {
	if a == nil {
		return false
	}
	return n.State == StateAvailable || n.State == StateDiscovery ||
		IsAuthorized(a, n, AccountRef{}) || IsReservedFromParent(a, n)
}

// CanSeeHistory reports whether the caller may see a number's whole history:
// its events name past owners, actors and request ids, so reading an
// available number (open to all) does not open them; other readers get the
// history with accounts outside their subtree redacted (decisions.md 13's
// spirit: never leak other tenants' account ids).
func CanSeeHistory(a *Actor, n *Number) bool {
	return IsAuthorized(a, n, AccountRef{}) || IsReservedFromParent(a, n)
}

// CanWrite is numberd's rule for writes that do not move a number
// (update, release, fix): authorization over the number itself, even when it
// is available (decisions.md 14).
func CanWrite(a *Actor, n *Number) bool { return IsAuthorized(a, n, AccountRef{}) }

// Move asks for number n to be put in state To for account AssignTo by Actor.
type Move struct {
	Actor    *Actor
	AssignTo AccountRef
	To       State
}

// MoveResult says what ChangeState did.
type MoveResult struct {
	// NoOp: the number already was where the move asked (in_service → in_service
	// in the same account); public fields may still be saved.
	NoOp bool
	// Acquire: the carrier must be asked to acquire the number (a discovery
	// number being bought, or a reserved number reserved anew).
	Acquire bool
}

// ChangeState applies Kazoo's transition table to n (in place) or returns the
// error Kazoo gives: invalid_state_transition (cause "from X to Y"),
// no_change_required, or forbidden. On error n is unchanged.
func ChangeState(n *Number, m Move) (MoveResult, error) {
	switch m.To {
	case StateInService:
		return toInService(n, m)
	case StateReserved:
		return toReserved(n, m)
	case StateAvailable:
		if n.Carrier == CarrierMDN {
			return MoveResult{}, errMDN(m.To)
		}
		if n.State != StateAvailable {
			return MoveResult{}, ErrInvalidTransition(n.State, m.To)
		}
		if !IsAuthorized(m.Actor, n, m.AssignTo) {
			return MoveResult{}, ErrForbidden("")
		}
		n.State = StateAvailable // the owner is not changed on this target
		return MoveResult{}, nil
	case StateAging:
		if n.Carrier == CarrierMDN {
			return MoveResult{}, errMDN(m.To)
		}
		switch n.State {
		case StateAging, StateReleased, StateAvailable:
			if !n.Assigned() && !m.AssignTo.IsZero() {
				setOwner(n, m.AssignTo.ID)
				n.Owner = m.AssignTo
			}
			n.State = StateAging
			return MoveResult{}, nil
		}
		return MoveResult{}, ErrInvalidTransition(n.State, m.To)
	case StatePortIn:
		if n.Carrier == CarrierMDN {
			return MoveResult{}, errMDN(m.To)
		}
		if n.State != StatePortIn {
			return MoveResult{}, ErrInvalidTransition(n.State, m.To)
		}
		// No authorization step: the preceding read already required it.
		moveTo(n, StatePortIn, m.AssignTo)
		return MoveResult{}, nil
	default:
		// deleted, discovery, released, port_out are never API targets.
		return MoveResult{}, ErrInvalidTransitionNoCause()
	}
}

func toInService(n *Number, m Move) (MoveResult, error) {
	if n.Carrier == CarrierMDN && n.State != StateInService {
		// Kazoo's fail_if_mdn/3 for this target names the number's state.
		return MoveResult{}, ErrInvalidTransition(n.State, m.To)
	}
	switch n.State {
	case StateInService:
		if n.AssignedTo == m.AssignTo.ID {
			return MoveResult{NoOp: true}, nil
		}
		if !IsAuthorized(m.Actor, n, m.AssignTo) {
			return MoveResult{}, ErrForbidden("")
		}
		moveTo(n, StateInService, m.AssignTo)
		return MoveResult{}, nil
	case StateDiscovery:
		if !IsAuthorized(m.Actor, n, m.AssignTo) {
			return MoveResult{}, ErrForbidden("")
		}
		moveTo(n, StateInService, m.AssignTo)
		return MoveResult{Acquire: true}, nil
	case StatePortIn:
		if !IsAuthorized(m.Actor, n, m.AssignTo) {
			return MoveResult{}, ErrForbidden("")
		}
		moveTo(n, StateInService, m.AssignTo)
		return MoveResult{}, nil
	case StateAvailable, StateAging:
		// "everyone must be allowed to buy available" numbers, and aging ones
		// can be bought back.
		moveTo(n, StateInService, m.AssignTo)
		return MoveResult{}, nil
	case StateReserved:
		if !IsAuthorized(m.Actor, n, m.AssignTo) && !IsReservedFromParent(m.Actor, n) {
			return MoveResult{}, ErrForbidden("")
		}
		moveTo(n, StateInService, m.AssignTo)
		return MoveResult{}, nil
	}
	return MoveResult{}, ErrInvalidTransition(n.State, m.To)
}

func toReserved(n *Number, m Move) (MoveResult, error) {
	if n.Carrier == CarrierMDN {
		return MoveResult{}, errMDN(m.To)
	}
	acquire := false
	switch n.State {
	case StateReserved:
		// not_assigning_to_self
		if m.AssignTo.IsZero() {
			return MoveResult{}, ErrForbidden("")
		}
		if m.AssignTo.ID == n.AssignedTo {
			return MoveResult{}, ErrNoChangeRequired()
		}
		acquire = true
	case StateDiscovery:
		acquire = true
	case StateAvailable, StateInService:
	default:
		return MoveResult{}, ErrInvalidTransition(n.State, m.To)
	}
	if !IsAuthorized(m.Actor, n, m.AssignTo) {
		return MoveResult{}, ErrForbidden("")
	}
	PushReserveHistory(n, m.AssignTo.ID)
	moveTo(n, StateReserved, m.AssignTo)
	return MoveResult{Acquire: acquire}, nil
}

func errMDN(to State) *Error {
	e := ErrInvalidTransition(StateInService, to)
	e.Cause = "from 'MDN' to " + string(to)
	return e
}

// moveTo is Kazoo's move_phone_number_to_state: set the owner (keeping the
// previous one) unless the target is available, then the state.
func moveTo(n *Number, to State, assignTo AccountRef) {
	if to != StateAvailable && !assignTo.IsZero() {
		setOwner(n, assignTo.ID)
		n.Owner = assignTo
	}
	n.State = to
}

// setOwner changes the owner; every change of owner clears used_by.
func setOwner(n *Number, id string) {
	if n.AssignedTo == id {
		return
	}
	if n.AssignedTo != "" {
		n.PreviouslyAssignedTo = n.AssignedTo
	}
	n.AssignedTo = id
	n.UsedBy = ""
}

// PushReserveHistory records a reserver, most recent first, without
// consecutive duplicates; no account (id "") records nothing.
func PushReserveHistory(n *Number, id string) {
	if id == "" || len(n.ReserveHistory) > 0 && n.ReserveHistory[0] == id {
		return
	}
	n.ReserveHistory = append(StringList{id}, n.ReserveHistory...)
}

// ReleasePolicy is the system configuration of releases
// (number_manager.released_state, should_age, should_permanently_delete).
type ReleasePolicy struct {
	ReleasedState     State // default available
	ShouldAge         bool
	PermanentlyDelete bool
}

// ReleaseResult says what Release did.
type ReleaseResult struct {
	Deleted    bool // the number must be removed (state shown as deleted)
	Disconnect bool // the number left its owner: tell its carrier
}

// Release is Kazoo's knm_numbers:release for one number the caller could
// read (kazoo-number-manager.md §1.4). On error n is unchanged.
func Release(n *Number, a *Actor, p ReleasePolicy) (ReleaseResult, error) {
	released := p.ReleasedState
	if released == "" {
		released = StateAvailable
	}
	switch n.State {
	case StateReleased, StateReserved, StatePortIn, StateInService:
	default:
		if n.Carrier != CarrierLocal { // knm_local only, not knm_mdn (can_release/2)
			return ReleaseResult{}, ErrInvalidTransition(n.State, released)
		}
	}
	if !IsAuthorized(a, n, AccountRef{}) {
		return ReleaseResult{}, ErrForbidden("")
	}
	// Reset features and public fields.
	n.Features = Doc{}
	if IsLocalCarrier(n.Carrier) {
		n.Features["local"] = map[string]any{}
	}
	n.Public = Doc{}
	// Unwind the reserve history: the number goes back to the previous
	// reserver, or leaves its owner.
	var res ReleaseResult
	if len(n.ReserveHistory) >= 2 {
		prev := n.ReserveHistory[1]
		n.ReserveHistory = append(StringList(nil), n.ReserveHistory[1:]...)
		setOwner(n, prev)
		n.Owner = AccountRef{ID: prev} // the caller reloads the full reference
		n.State = StateReserved
		return res, nil
	}
	if n.Assigned() {
		n.PreviouslyAssignedTo = n.AssignedTo
	}
	n.AssignedTo, n.UsedBy, n.Owner = "", "", AccountRef{}
	n.ReserveHistory = StringList{}
	n.State = released
	res.Disconnect = true
	switch {
	case p.PermanentlyDelete || IsLocalCarrier(n.Carrier):
		n.State = StateDeleted
		res.Deleted = true
	case p.ShouldAge && n.State == StateAvailable:
		n.State = StateAging
	}
	return res, nil
}
