package service

import (
	"context"
	"time"

	"numberd/models"
	"numberd/store"
)

// fixNumber repairs what is really inconsistent in one stored number
// (decisions.md 12) and returns the change, or errSkip when it is sound:
//
//   - an expired discovery row is removed;
//   - a number owned by a deleted account is released as its owner would
//     have released it (back to the previous reserver, or out of the
//     tree) — except port_in numbers, whose state fix never touches;
//   - private features are re-derived from the public fields, and features
//     the number may no longer have are pruned (Kazoo's
//     remove_denied_features).
//
// ownerDeleted tells whether the owner account is deleted.
func (s *Service) fixNumber(cur *models.Number, ownerDeleted bool, now time.Time) (*change, error) {
	if cur == nil {
		return nil, errSkip
	}
	if cur.State == models.StateDiscovery {
		if discoveryExpired(cur, now) {
			shown := cur.Clone()
			shown.State = models.StateDeleted
			return &change{delete: true, shown: shown, action: models.ActionExpire}, nil
		}
		return nil, errSkip
	}
	if ownerDeleted && cur.Assigned() && cur.State != models.StatePortIn {
		res, err := models.Release(cur, systemActor, s.cfg.Release)
		if err == nil {
			if res.Deleted {
				return &change{delete: true, shown: cur}, nil
			}
			return &change{next: cur}, nil
		}
	}
	models.PruneDeniedFeatures(cur, systemActor, s.cfg.Features)
	if err := models.ApplyFeatures(cur, systemActor, s.cfg.Features); err != nil {
		return nil, errSkip
	}
	return &change{next: cur}, nil
}

// FixNumbers repairs the numbers of an account and of its deleted
// descendants (POST .../phone_numbers/fix, decisions.md 12) and reports
// how many numbers it changed. Port-in numbers keep their state.
func (s *Service) FixNumbers(ctx context.Context, accountID string) (int, error) {
	acct, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return 0, err
	}
	fixed := 0
	run := func(q store.NumberQuery, ownerDeleted bool) error {
		for {
			q.Limit = 500
			rows, err := s.db.Q().FindNumbers(ctx, q)
			if err != nil {
				return s.read(ctx, err)
			}
			if len(rows) == 0 {
				return nil
			}
			nums := make([]string, len(rows))
			for i, n := range rows {
				nums[i] = n.Number
			}
			res, err := s.runBatchAs(ctx, a, nums, models.ActionFix, func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
				if cur == nil || (!ownerDeleted && cur.AssignedTo != acct.ID) {
					return nil, errSkip
				}
				return s.fixNumber(cur, ownerDeleted, now)
			})
			if err != nil {
				return err
			}
			fixed += countChanged(rows, res)
			if len(rows) < q.Limit {
				return nil
			}
			q.After = rows[len(rows)-1].Number
		}
	}
	if err := run(store.NumberQuery{OwnerSubtree: acct.Path, OwnerDeleted: true}, true); err != nil {
		return fixed, err
	}
	if err := run(store.NumberQuery{Owner: acct.ID}, false); err != nil {
		return fixed, err
	}
	n, err := s.ExpireDiscoveries(ctx, 500)
	return fixed + n, err
}

// countChanged counts the results that differ from the rows read before.
func countChanged(before []*models.Number, res []Result) int {
	old := make(map[string]*models.Number, len(before))
	for _, n := range before {
		old[n.Number] = n
	}
	n := 0
	for _, r := range res {
		if r.Err != nil || r.Number == nil {
			continue
		}
		if o := old[r.Key]; o == nil || r.Number.State == models.StateDeleted || !unchanged(o, r.Number) {
			n++
		}
	}
	return n
}

// FixNumber repairs one number (POST .../phone_numbers/fix/{N}). Unlike
// Kazoo the caller must be authorized over the number, and the answer is
// the number after the repair (decisions.md 12); changed reports whether
// anything was repaired. Errors: not_reconcilable, not_found (also when
// the caller may not read it), forbidden.
func (s *Service) FixNumber(ctx context.Context, accountID, raw string) (n *models.Number, changed bool, err error) {
	_, a, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, false, err
	}
	cur, err := s.readNumber(ctx, a, raw)
	if err != nil {
		return nil, false, err
	}
	if !models.CanWrite(a, cur) {
		return nil, false, models.ErrForbidden("")
	}
	ownerDeleted := false
	if cur.Assigned() {
		owner, err := s.db.Q().AccountByID(ctx, cur.AssignedTo)
		if err != nil && models.ErrorCode(err) != models.ENOTFOUND {
			return nil, false, s.read(ctx, err)
		}
		ownerDeleted = owner == nil || owner.Deleted()
	}
	res, err := s.runBatchAs(ctx, a, []string{cur.Number}, models.ActionFix, func(q *store.Q, e164 string, c *models.Number, now time.Time) (*change, error) {
		if c == nil {
			return nil, models.ErrNotFound()
		}
		if !models.CanWrite(a, c) {
			return nil, models.ErrForbidden("")
		}
		return s.fixNumber(c, ownerDeleted, now)
	})
	if err != nil {
		return nil, false, err
	}
	if res[0].Err == errSkip {
		return cur, false, nil // nothing to repair
	}
	if res[0].Err != nil {
		return nil, false, res[0].Err
	}
	return res[0].Number, countChanged([]*models.Number{cur}, res) > 0, nil
}
