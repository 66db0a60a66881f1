package service

import (
	"context"
	"fmt"
	"time"

	"numberd/models"
	"numberd/store"
)

// ImportRow is one number of an import with the state to create it in.
type ImportRow struct {
	Number string
	State  models.State // "" means in_service
}

// ImportOutcome classifies one imported number.
type ImportOutcome string

const (
	ImportCreated ImportOutcome = "created"
	// ImportPresent: the number is already stored; it was left untouched.
	ImportPresent ImportOutcome = "present"
	ImportFailed  ImportOutcome = "failed"
)

// ImportResult is the outcome for one input number.
type ImportResult struct {
	// Key is the E.164 number, or the input as given when it is not
	// reconcilable.
	Key     string
	Outcome ImportOutcome
	// Number is the created number (a dry run: the number that would be
	// created), or the stored one when Outcome is ImportPresent.
	Number *models.Number
	// Err says why the number failed, or (present) where it already is.
	Err error
}

// ImportNumbers loads numbers into accountID, each in its row's state: the
// bulk path behind `numberd import`. It is CreateNumbers' creation rule
// (the caller must be allowed to create in the state: a superduper admin in
// available, reserved, in_service, port_in or aging) with one difference:
// a number that is already stored, in any state and for any account, is
// never touched, only reported (ImportPresent), so an import can be run
// again safely. All rows are written in one transaction through the batch
// engine (retried as a whole on a deadlock); the caller chunks large files.
// With dryRun nothing is written: the result is what the import would do
// now.
//
// Errors for the whole call: validation (more than MaxBatch rows, or a
// number named twice), the account errors of accountForCaller, and
// unavailable.
func (s *Service) ImportNumbers(ctx context.Context, accountID string, rows []ImportRow, dryRun bool) ([]ImportResult, error) {
	raws := make([]string, len(rows))
	states := make(map[string]models.State, len(rows))
	for i, r := range rows {
		raws[i] = r.Number
		st := r.State
		if st == "" {
			st = models.StateInService
		}
		states[models.Normalize(r.Number)] = st
	}
	if err := CheckNumberList(raws); err != nil {
		return nil, err
	}
	acct, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	decide := func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
		if cur != nil {
			return nil, errPresent(cur)
		}
		st := states[e164]
		if !st.Valid() || st == models.StateDeleted {
			return nil, models.ErrValidation(models.FieldError{Path: "state", Rule: "enum",
				Message: "Value not found in enumerated list of values", Target: models.CreateWithStateValues, Value: string(st)})
		}
		if !models.CanCreateIn(a, st) {
			return nil, models.ErrForbidden("state_for_create")
		}
		if !a.IsAdmin() && !a.AllowAdditions && st != models.StatePortIn {
			return nil, models.ErrForbidden("")
		}
		n := s.newNumber(e164, st, acct, models.Doc{})
		if err := models.ApplyFeatures(n, a, s.cfg.Features); err != nil {
			return nil, err
		}
		return &change{next: n, insert: true}, nil
	}
	var res []Result
	if dryRun {
		res, err = s.planBatch(ctx, raws, decide)
	} else {
		res, err = s.runBatch(ctx, raws, models.ActionImport, decide)
	}
	if err != nil {
		return nil, err
	}
	out := make([]ImportResult, len(res))
	for i, r := range res {
		out[i] = ImportResult{Key: r.Key, Number: r.Number, Err: r.Err, Outcome: ImportCreated}
		if p, ok := r.Err.(*presentError); ok {
			out[i].Outcome, out[i].Number = ImportPresent, p.n
		} else if r.Err != nil {
			out[i].Outcome = ImportFailed
		}
	}
	return out, nil
}

// presentError reports a number an import found already stored.
type presentError struct{ n *models.Number }

func errPresent(n *models.Number) error { return &presentError{n: n} }

func (e *presentError) Error() string {
	if e.n.AssignedTo == "" {
		return fmt.Sprintf("already present (%s, unassigned)", e.n.State)
	}
	return fmt.Sprintf("already present (%s, account %s)", e.n.State, e.n.AssignedTo)
}

// planBatch runs a batch's decisions without writing: what runBatch would
// do if it ran now (rows are read without locks, so a concurrent writer may
// change the answer).
func (s *Service) planBatch(ctx context.Context, raws []string, decide decideFunc) ([]Result, error) {
	var items []Result
	var nums []string
	seen := map[string]bool{}
	for _, raw := range raws {
		e, err := models.ParseNumber(raw)
		if err != nil {
			items = append(items, Result{Key: raw, Err: err})
			continue
		}
		if seen[e] {
			continue
		}
		seen[e] = true
		items = append(items, Result{Key: e})
		nums = append(nums, e)
	}
	rows, err := s.db.Q().NumbersForUpdate(ctx, nums)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	now := s.Now()
	for i := range items {
		if items[i].Err != nil {
			continue
		}
		cur := rows[items[i].Key]
		if cur != nil {
			cur = cur.Clone()
		}
		c, err := decide(nil, items[i].Key, cur, now)
		if err != nil {
			items[i].Err = err
			continue
		}
		items[i].Number = c.next
	}
	return items, nil
}
