package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	"numberd/models"
	"numberd/store"
)

// CreateInput is the body of a create: public fields and the optional
// create_with_state.
type CreateInput struct {
	Public models.Doc
	State  models.State // "" means in_service (decisions.md 1)
}

// cleanPublic drops what a client may not write: Kazoo strips id and
// used_by, and every private (pvt_*) or read-only (_*) key, such as the
// _read_only object a client sends back after a GET.
func cleanPublic(d models.Doc) models.Doc {
	out := models.Doc{}
	for k, v := range d {
		if k == "id" || k == "used_by" || strings.HasPrefix(k, "_") || strings.HasPrefix(k, "pvt_") {
			continue
		}
		out[k] = v
	}
	return out
}

func validatePublic(d models.Doc) error {
	if errs := models.ValidatePublic(d); len(errs) > 0 {
		return models.ErrValidation(errs...)
	}
	return nil
}

// CreateNumber adds one number to the system for accountID
// (PUT /v2/accounts/{A}/phone_numbers/{N}). A new number is created in
// in.State (default in_service) when the caller may create in that state; an
// existing available, aging or port_in number the caller can read is taken
// over. Errors: not_reconcilable, number_exists (409), forbidden (403, cause
// state_for_create when the state is not allowed), invalid_state_transition,
// validation.
func (s *Service) CreateNumber(ctx context.Context, accountID, raw string, in CreateInput) (*models.Number, error) {
	return one(s.createNumbers(ctx, accountID, []string{raw}, in, models.ActionCreate))
}

// CreateNumbers is CreateNumber for a collection; each number succeeds or
// fails on its own.
func (s *Service) CreateNumbers(ctx context.Context, accountID string, raws []string, in CreateInput) ([]Result, error) {
	if err := CheckNumberList(raws); err != nil {
		return nil, err
	}
	return s.createNumbers(ctx, accountID, raws, in, models.ActionCreate)
}

// PortNumber creates a number in port_in for accountID
// (PUT .../phone_numbers/{N}/port): any account may, and the number gets the
// local carrier. An existing available number cannot be ported
// (invalid_state_transition from available to port_in).
func (s *Service) PortNumber(ctx context.Context, accountID, raw string, public models.Doc) (*models.Number, error) {
	return one(s.createNumbers(ctx, accountID, []string{raw}, CreateInput{Public: public, State: models.StatePortIn}, models.ActionPort))
}

func (s *Service) createNumbers(ctx context.Context, accountID string, raws []string, in CreateInput, action string) ([]Result, error) {
	acct, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	public := cleanPublic(in.Public)
	delete(public, "create_with_state")
	if err := validatePublic(public); err != nil {
		return nil, err
	}
	target := in.State
	if target == "" {
		target = models.StateInService
	}
	if !target.Valid() {
		return nil, models.ErrValidation(models.FieldError{Path: "create_with_state", Rule: "enum",
			Message: "Value not found in enumerated list of values", Target: models.CreateWithStateValues, Value: string(target)})
	}
	// A state the caller may not create in fails every number, existing
	// ones included (Kazoo's state_for_create).
	var stateErr error
	if !models.CanCreateIn(a, target) {
		stateErr = models.ErrForbidden("state_for_create")
	}
	assignTo := acct.Ref()
	return s.runBatch(ctx, raws, action, func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
		if stateErr != nil {
			return nil, stateErr
		}
		// A stored search result is not a number numberd holds: creating it
		// replaces the discovery row (decisions.md 11).
		var replaces *models.Number
		if cur != nil && cur.State == models.StateDiscovery {
			replaces, cur = cur, nil
		}
		if cur != nil {
			if !models.CanRead(a, cur) {
				return nil, models.ErrForbidden("")
			}
			switch cur.State {
			case models.StateAvailable, models.StateAging, models.StatePortIn:
			default:
				return nil, models.ErrNumberExists(e164)
			}
			cur.Public = public.Clone()
			if _, err := models.ChangeState(cur, models.Move{Actor: a, AssignTo: assignTo, To: target}); err != nil {
				return nil, err
			}
			if err := models.ApplyFeatures(cur, a, s.cfg.Features); err != nil {
				return nil, err
			}
			return &change{next: cur}, nil
		}
		// ensure_can_create
		if !a.IsAdmin() && !a.AllowAdditions && target != models.StatePortIn {
			return nil, models.ErrForbidden("")
		}
		n := s.newNumber(e164, target, acct, public)
		if err := models.ApplyFeatures(n, a, s.cfg.Features); err != nil {
			return nil, err
		}
		if replaces != nil {
			n.Version, n.CreatedAt = replaces.Version, now
			return &change{next: n}, nil
		}
		return &change{next: n, insert: true}, nil
	})
}

// newNumber builds a number created out of nothing for acct.
func (s *Service) newNumber(e164 string, state models.State, acct *models.Account, public models.Doc) *models.Number {
	n := &models.Number{
		Number: e164, State: state, Carrier: s.cfg.DefaultCarrier, Public: public.Clone(),
		Features: models.Doc{}, CarrierData: models.Doc{}, ReserveHistory: models.StringList{},
	}
	if state == models.StatePortIn {
		n.Carrier = models.CarrierLocal // number_manager.port_in_module_name
	}
	// An available number belongs to nobody; every other state to acct.
	if state != models.StateAvailable {
		n.AssignedTo, n.Owner = acct.ID, acct.Ref()
	}
	if state == models.StateReserved {
		models.PushReserveHistory(n, acct.ID)
	}
	return n
}

// UpdateNumber replaces (merge=false, POST) or merges into (merge=true,
// PATCH, a null removes a key) a number's public fields. The caller must be
// authorized over the number itself, even an available one
// (decisions.md 14). Errors: not_found, forbidden, validation, invalid
// (unknown carrier_name).
func (s *Service) UpdateNumber(ctx context.Context, accountID, raw string, fields models.Doc, merge bool) (*models.Number, error) {
	return one(s.updateNumbers(ctx, accountID, []string{raw}, fields, merge))
}

// UpdateNumbers is UpdateNumber for a collection.
func (s *Service) UpdateNumbers(ctx context.Context, accountID string, raws []string, fields models.Doc, merge bool) ([]Result, error) {
	if err := CheckNumberList(raws); err != nil {
		return nil, err
	}
	return s.updateNumbers(ctx, accountID, raws, fields, merge)
}

func (s *Service) updateNumbers(ctx context.Context, accountID string, raws []string, fields models.Doc, merge bool) ([]Result, error) {
	_, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	fields = cleanPublic(fields)
	delete(fields, "create_with_state")
	if !merge {
		if err := validatePublic(fields); err != nil {
			return nil, err
		}
	}
	return s.runBatch(ctx, raws, "update", func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
		if cur == nil || cur.State == models.StateDiscovery {
			return nil, models.ErrNotFound()
		}
		if !models.CanRead(a, cur) || !models.CanWrite(a, cur) {
			return nil, models.ErrForbidden("")
		}
		if merge {
			cur.Public = cur.Public.MergePatch(fields)
			if err := validatePublic(cur.Public); err != nil {
				return nil, err
			}
		} else {
			cur.Public = fields.Clone()
		}
		if err := models.ApplyFeatures(cur, a, s.cfg.Features); err != nil {
			return nil, err
		}
		return &change{next: cur}, nil
	})
}

// ReleaseNumber releases a number (DELETE .../phone_numbers/{N}): its public
// fields and features are reset, and it goes back to the previous reserver
// in its reserve history, or leaves its owner (local numbers are then
// deleted, others become available, or aging when configured). hard=true by
// a superduper admin deletes it outright; for anyone else hard is ignored.
// Errors: not_found, forbidden, invalid_state_transition.
func (s *Service) ReleaseNumber(ctx context.Context, accountID, raw string, hard bool) (*models.Number, error) {
	return one(s.releaseNumbers(ctx, accountID, []string{raw}, hard))
}

// ReleaseNumbers is ReleaseNumber for a collection.
func (s *Service) ReleaseNumbers(ctx context.Context, accountID string, raws []string, hard bool) ([]Result, error) {
	if err := CheckNumberList(raws); err != nil {
		return nil, err
	}
	return s.releaseNumbers(ctx, accountID, raws, hard)
}

func (s *Service) releaseNumbers(ctx context.Context, accountID string, raws []string, hard bool) ([]Result, error) {
	_, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	hard = hard && a.IsAdmin()
	return s.runBatch(ctx, raws, models.ActionRelease, func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
		if cur == nil || cur.State == models.StateDiscovery {
			return nil, models.ErrNotFound()
		}
		if !models.CanRead(a, cur) {
			return nil, models.ErrForbidden("")
		}
		if hard {
			shown := cur.Clone()
			shown.State = models.StateDeleted
			return &change{delete: true, shown: shown, action: models.ActionDelete}, nil
		}
		res, err := models.Release(cur, a, s.cfg.Release)
		if err != nil {
			return nil, err
		}
		if res.Deleted {
			return &change{delete: true, shown: cur}, nil
		}
		return &change{next: cur}, nil
	})
}

// ActivateNumber puts a number in service for accountID
// (PUT .../phone_numbers/{N}/activate): anyone may buy an available or aging
// number; a reserved one needs authorization or a reservation by an
// ancestor. A non-empty fields replaces the public fields; nil keeps them
// (decisions.md 15). The single endpoint takes a token from the account's
// bucket first (429 too_many_requests when empty).
func (s *Service) ActivateNumber(ctx context.Context, accountID, raw string, fields models.Doc) (*models.Number, error) {
	if _, _, err := s.accountForCaller(ctx, accountID); err != nil {
		return nil, err
	}
	if s.cfg.ActivateRate > 0 {
		if err := s.takeToken(ctx, accountID+"/crossbar.phone_numbers", s.cfg.ActivateRate, s.cfg.ActivateBurst); err != nil {
			return nil, err
		}
	}
	return one(s.activateNumbers(ctx, accountID, []string{raw}, fields))
}

// ActivateNumbers is ActivateNumber for a collection (no rate limit, as in
// Kazoo).
func (s *Service) ActivateNumbers(ctx context.Context, accountID string, raws []string, fields models.Doc) ([]Result, error) {
	if err := CheckNumberList(raws); err != nil {
		return nil, err
	}
	return s.activateNumbers(ctx, accountID, raws, fields)
}

func (s *Service) activateNumbers(ctx context.Context, accountID string, raws []string, fields models.Doc) ([]Result, error) {
	acct, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	// A body with nothing a client may write keeps the public fields
	// (decisions.md 15); anything else replaces them.
	fields = cleanPublic(fields)
	delete(fields, "create_with_state")
	if len(fields) == 0 {
		fields = nil
	} else if err := validatePublic(fields); err != nil {
		return nil, err
	}
	bought, err := s.acquireDiscoveries(ctx, a, acct, raws, models.StateInService)
	if err != nil {
		return nil, err
	}
	return s.runBatch(ctx, raws, models.ActionActivate, func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
		if cur != nil && cur.State == models.StateDiscovery {
			if err := buyDiscovery(cur, bought, now); err != nil {
				return nil, err
			}
		}
		return s.move(a, acct, cur, models.StateInService, fields)
	})
}

// ReserveNumber reserves an existing number for accountID
// (PUT .../phone_numbers/{N}/reserve); the account is pushed onto the
// number's reserve history. As in Kazoo 4.3, body fields are validated but
// not applied. Errors: not_found, forbidden, no_change_required (already
// reserved by this account), invalid_state_transition.
func (s *Service) ReserveNumber(ctx context.Context, accountID, raw string, fields models.Doc) (*models.Number, error) {
	if err := validatePublic(cleanPublic(fields)); err != nil {
		return nil, err
	}
	return one(s.reserveNumbers(ctx, accountID, []string{raw}))
}

// ReserveNumbers reserves a collection.
func (s *Service) ReserveNumbers(ctx context.Context, accountID string, raws []string) ([]Result, error) {
	if err := CheckNumberList(raws); err != nil {
		return nil, err
	}
	return s.reserveNumbers(ctx, accountID, raws)
}

func (s *Service) reserveNumbers(ctx context.Context, accountID string, raws []string) ([]Result, error) {
	acct, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	bought, err := s.acquireDiscoveries(ctx, a, acct, raws, models.StateReserved)
	if err != nil {
		return nil, err
	}
	return s.runBatch(ctx, raws, models.ActionReserve, func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
		if cur != nil && cur.State == models.StateDiscovery {
			if err := buyDiscovery(cur, bought, now); err != nil {
				return nil, err
			}
		}
		return s.move(a, acct, cur, models.StateReserved, nil)
	})
}

// move is the shared decision of activate and reserve: read check, the
// transition table, then the feature pipeline.
func (s *Service) move(a *models.Actor, acct *models.Account, cur *models.Number, to models.State, fields models.Doc) (*change, error) {
	if cur == nil {
		return nil, models.ErrNotFound()
	}
	if !models.CanRead(a, cur) {
		return nil, models.ErrForbidden("")
	}
	if fields != nil {
		cur.Public = fields.Clone()
	}
	if _, err := models.ChangeState(cur, models.Move{Actor: a, AssignTo: acct.Ref(), To: to}); err != nil {
		return nil, err
	}
	if err := models.ApplyFeatures(cur, a, s.cfg.Features); err != nil {
		return nil, err
	}
	return &change{next: cur}, nil
}

// NumberHistory returns a number's history, newest first. before is an
// opaque cursor: the Seq (decimal) of the event the page starts after; ""
// for the newest.
func (s *Service) NumberHistory(ctx context.Context, raw string, limit int, before string) ([]*models.NumberEvent, error) {
	n, err := s.FindNumber(ctx, raw)
	if err != nil {
		return nil, err
	}
	var seq int64
	if before != "" {
		if seq, err = strconv.ParseInt(before, 10, 64); err != nil || seq <= 0 {
			return nil, models.ErrValidation(models.FieldError{Path: "after", Rule: "format", Message: "invalid cursor"})
		}
	}
	rows, err := s.db.Q().NumberEvents(ctx, n.Number, seq, limit)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	if !models.CanSeeHistory(models.ActorFromContext(ctx), n) {
		if err := s.redactEvents(ctx, rows); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// redactEvents blanks, in the history of a number the caller does not hold,
// every account outside the caller's own subtree, and the request ids of
// changes made by such accounts: anyone may read an available number, but
// its past owners are other tenants' business (decisions.md 13).
func (s *Service) redactEvents(ctx context.Context, events []*models.NumberEvent) error {
	ids := map[string]bool{}
	for _, e := range events {
		for _, id := range []string{e.FromAccount, e.ToAccount, e.ActorAccount} {
			if id != "" {
				ids[id] = true
			}
		}
	}
	list := make([]string, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	visible, err := s.AccountsByID(ctx, list)
	if err != nil {
		return err
	}
	keep := func(id string) string {
		if visible[id] != nil {
			return id
		}
		return ""
	}
	for _, e := range events {
		e.FromAccount, e.ToAccount = keep(e.FromAccount), keep(e.ToAccount)
		if keep(e.ActorAccount) == "" {
			e.ActorAccount, e.RequestID = "", ""
		}
	}
	return nil
}

// LatestEvents returns up to per newest events of each number (loaders),
// redacted like NumberHistory for numbers the caller does not hold. The
// caller must already have read the numbers.
func (s *Service) LatestEvents(ctx context.Context, numbers []*models.Number, per int) (map[string][]*models.NumberEvent, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	nums := make([]string, len(numbers))
	for i, n := range numbers {
		nums[i] = n.Number
	}
	m, err := s.db.Q().LatestEvents(ctx, nums, per)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	var hidden []*models.NumberEvent
	for _, n := range numbers {
		if !models.CanSeeHistory(a, n) {
			hidden = append(hidden, m[n.Number]...)
		}
	}
	if len(hidden) > 0 {
		if err := s.redactEvents(ctx, hidden); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// CountHistory counts a number's history events.
func (s *Service) CountHistory(ctx context.Context, raw string) (int64, error) {
	n, err := s.FindNumber(ctx, raw)
	if err != nil {
		return 0, err
	}
	c, err := s.db.Q().CountEvents(ctx, n.Number)
	return c, s.read(ctx, err)
}

// CountHistories counts the history events of several numbers (loaders),
// keyed by number. Like LatestEvents, the caller must already have read the
// numbers.
func (s *Service) CountHistories(ctx context.Context, nums []string) (map[string]int64, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	m, err := s.db.Q().CountEventsByNumber(ctx, nums)
	return m, s.read(ctx, err)
}
