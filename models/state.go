package models

// State is a number's lifecycle state. The values are Kazoo's pvt_state
// strings (core/kazoo_number_manager/include/knm_phone_number.hrl).
type State string

const (
	StateDiscovery State = "discovery" // found at a carrier, not owned yet
	StateAvailable State = "available" // in the pool, unowned, anyone may buy
	StateReserved  State = "reserved"  // owned, not routed
	StateInService State = "in_service"
	StatePortIn    State = "port_in"
	StatePortOut   State = "port_out"
	StateAging     State = "aging" // resting after release
	StateReleased  State = "released"
	StateDeleted   State = "deleted" // terminal; only ever shown in responses
)

// AllStates lists every state in Kazoo's order.
var AllStates = []State{
	StateDiscovery, StateAvailable, StateReserved, StateInService, StatePortIn,
	StatePortOut, StateAging, StateReleased, StateDeleted,
}

// Valid reports whether s is one of the nine states.
func (s State) Valid() bool {
	for _, v := range AllStates {
		if v == s {
			return true
		}
	}
	return false
}

// InServiceLike reports states in which a number has an owner that routes or holds it
// (identify answers only for these: kazoo-number-manager.md §4.5).
func (s State) InServiceLike() bool {
	switch s {
	case StateInService, StatePortIn, StatePortOut, StateReserved:
		return true
	}
	return false
}

// CreationStates returns the states an actor may create numbers in
// (Kazoo's allowed_creation_states; port_in is always allowed besides these).
func CreationStates(a *Actor) []State {
	switch {
	case a.IsAdmin():
		return []State{StateAging, StateAvailable, StateInService, StatePortIn, StateReserved}
	case a != nil && a.AllowAdditions:
		return []State{StateInService, StateReserved}
	default:
		return []State{}
	}
}

// CanCreateIn reports whether the actor may create a number in state s.
func CanCreateIn(a *Actor, s State) bool {
	if s == StatePortIn {
		return true
	}
	for _, v := range CreationStates(a) {
		if v == s {
			return true
		}
	}
	return false
}
