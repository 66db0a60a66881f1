package service

import (
	"context"
	"time"

	"numberd/models"
	"numberd/store"
)

// The sweeper is numberd's crawler (Kazoo's tasks.discovery_expiry_d and
// aging_expiry_d): it forgets expired search results, returns aged numbers
// to the pool, and drops expired tokens. Every numberd instance may run
// it at the same time: candidates are only a hint; each one is re-read
// under the row lock (MySQL) or the write lock (SQLite) by the normal
// batch engine and changed only if it still qualifies, so two sweepers
// never both act on a number and each change writes exactly one history
// event (action expire).

// SweepResult counts what one sweep changed.
type SweepResult struct {
	Discoveries int // expired discovery rows removed
	Aged        int // aging numbers made available
	Tokens      int64
}

// sweepBatch bounds the numbers one sweep transaction handles.
const sweepBatch = 500

// Sweep runs one pass of the sweeper.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var r SweepResult
	var err error
	if r.Discoveries, err = s.ExpireDiscoveries(ctx, 10*sweepBatch); err != nil {
		return r, err
	}
	if r.Aged, err = s.ExpireAging(ctx, 10*sweepBatch); err != nil {
		return r, err
	}
	r.Tokens, err = s.ExpireTokens(ctx)
	return r, err
}

// RunSweeper sweeps every interval until ctx is done. Errors are logged
// and the next tick tries again.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r, err := s.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("sweep failed", "err", err)
		case r.Discoveries+r.Aged > 0 || r.Tokens > 0:
			s.log.Info("sweep", "discoveries_expired", r.Discoveries, "aging_to_available", r.Aged, "tokens_expired", r.Tokens)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweep runs decide over candidates found by q, batch by batch, as
// numberd itself; it returns how many numbers were changed.
func (s *Service) sweep(ctx context.Context, q store.NumberQuery, limit int, decide decideFunc) (int, error) {
	done := 0
	for done < limit {
		q.Limit = min(sweepBatch, limit-done)
		rows, err := s.db.Q().FindNumbers(ctx, q)
		if err != nil {
			return done, s.read(ctx, err)
		}
		if len(rows) == 0 {
			break
		}
		nums := make([]string, len(rows))
		for i, n := range rows {
			nums[i] = n.Number
		}
		res, err := s.runBatchAs(ctx, systemActor, nums, models.ActionExpire, decide)
		if err != nil {
			return done, err
		}
		for _, r := range res {
			if r.Err == nil {
				done++
			}
		}
		if len(rows) < q.Limit {
			break
		}
		q.After = rows[len(rows)-1].Number
	}
	return done, nil
}

// ExpireDiscoveries removes up to limit discovery rows past their expiry
// and reports how many it removed.
func (s *Service) ExpireDiscoveries(ctx context.Context, limit int) (int, error) {
	now := s.Now()
	return s.sweep(ctx, store.NumberQuery{States: []models.State{models.StateDiscovery}, ExpiresTo: &now}, limit,
		func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
			if cur == nil || !discoveryExpired(cur, now) {
				return nil, errSkip
			}
			shown := cur.Clone()
			shown.State = models.StateDeleted
			return &change{delete: true, shown: shown}, nil
		})
}

// ExpireAging makes up to limit numbers that have rested in aging for
// AgingExpiry available again (only when aging is enabled) and reports how
// many it changed.
func (s *Service) ExpireAging(ctx context.Context, limit int) (int, error) {
	if !s.cfg.Release.ShouldAge || s.cfg.AgingExpiry <= 0 {
		return 0, nil
	}
	cutoff := s.Now().Add(-s.cfg.AgingExpiry)
	return s.sweep(ctx, store.NumberQuery{States: []models.State{models.StateAging}, UpdatedTo: &cutoff}, limit,
		func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error) {
			if cur == nil || cur.State != models.StateAging || cur.UpdatedAt.After(now.Add(-s.cfg.AgingExpiry)) {
				return nil, errSkip
			}
			if cur.Assigned() {
				cur.PreviouslyAssignedTo = cur.AssignedTo
			}
			cur.AssignedTo, cur.UsedBy, cur.Owner = "", "", models.AccountRef{}
			cur.State = models.StateAvailable
			return &change{next: cur}, nil
		})
}
