package service

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"numberd/models"
	"numberd/store"
)

// Result is the outcome of an operation for one number.
type Result struct {
	// Key is the E.164 number, or the input as given when it is not
	// reconcilable.
	Key string
	// Number is the number after the operation (State deleted when it was
	// removed). Nil when Err is set.
	Number *models.Number
	// Err is this number's failure; other numbers are not affected.
	Err error
}

// change is what an operation decided for one number.
type change struct {
	next   *models.Number // the number to store (insert or update); nil to delete
	insert bool
	delete bool
	shown  *models.Number // what the caller sees when the number was deleted
	action string         // history action; "" uses the operation's
}

// decideFunc looks at one number (cur is a private copy, nil when the number
// is not stored) and returns what to do with it, or this number's error.
type decideFunc func(q *store.Q, e164 string, cur *models.Number, now time.Time) (*change, error)

type batchItem struct {
	key  string
	e164 string
	err  error
	out  *models.Number
}

// MaxBatch bounds how many numbers one request may name.
const MaxBatch = 10000

// CheckNumberList validates the `numbers` list of a collection request:
// at least one, at most MaxBatch, and no duplicates after normalisation
// (Kazoo's messages, kazoo-crossbar-phone-numbers.md §5.8).
func CheckNumberList(raws []string) error {
	if len(raws) == 0 {
		return models.ErrValidation(models.FieldError{Path: "numbers", Rule: "minimum", Message: "minimum 1 number required", Target: 1})
	}
	if len(raws) > MaxBatch {
		return models.ErrValidation(models.FieldError{Path: "numbers", Rule: "maximum",
			Message: fmt.Sprintf("maximum %d numbers per request", MaxBatch), Target: MaxBatch})
	}
	seen := make(map[string]bool, len(raws))
	for _, r := range raws {
		n := models.Normalize(r)
		if seen[n] {
			return models.ErrValidation(models.FieldError{Path: "numbers", Rule: "uniqueItems", Message: "some numbers appear twice"})
		}
		seen[n] = true
	}
	return nil
}

// runBatch is the one engine behind every write on numbers, single or bulk:
//
//  1. normalise the inputs (unreconcilable ones fail on their own);
//  2. in one transaction, read every named number in one locking query,
//     let decide judge each one against the rules in models, and write all
//     inserts, updates, deletes and history events in batched statements;
//  3. if the transaction fails with a retryable error (deadlock, Galera
//     certification failure, lost connection before commit) run 2 again
//     from scratch.
//
// Each number succeeds or fails on its own; a failure of the database fails
// the whole request and writes nothing.
func (s *Service) runBatch(ctx context.Context, raws []string, action string, decide decideFunc) ([]Result, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.runBatchAs(ctx, a, raws, action, decide)
}

// runBatchAs is runBatch for an explicit actor, recorded in the history
// events: numberd's own background work (the sweeper, discovery rows of
// anonymous searches) runs as systemActor.
func (s *Service) runBatchAs(ctx context.Context, a *models.Actor, raws []string, action string, decide decideFunc) ([]Result, error) {
	var err error
	reqID := models.RequestIDFromContext(ctx)
	items := make([]*batchItem, 0, len(raws))
	seen := make(map[string]bool, len(raws))
	var nums []string
	for _, raw := range raws {
		e, err := models.ParseNumber(raw)
		if err != nil {
			items = append(items, &batchItem{key: raw, err: err})
			continue
		}
		if seen[e] {
			continue
		}
		seen[e] = true
		items = append(items, &batchItem{key: e, e164: e})
		nums = append(nums, e)
	}
	if len(nums) > 0 {
		err = s.withTx(ctx, func(q *store.Q) error {
			now := s.Now()
			rows, err := q.NumbersForUpdate(ctx, nums)
			if err != nil {
				return err
			}
			// Numbers not stored now may have a history from an earlier life:
			// their events continue its sequence.
			var absent []string
			for _, n := range nums {
				if rows[n] == nil {
					absent = append(absent, n)
				}
			}
			lastSeq := map[string]int64{}
			if len(absent) > 0 {
				if lastSeq, err = q.LastEventSeqs(ctx, absent); err != nil {
					return err
				}
			}
			var ch store.NumberChanges
			for _, it := range items {
				if it.e164 == "" {
					continue
				}
				it.out, it.err = nil, nil
				cur := rows[it.e164]
				var curCopy *models.Number
				if cur != nil {
					curCopy = cur.Clone()
				}
				c, err := decide(q, it.e164, curCopy, now)
				if err != nil {
					it.err = err
					continue
				}
				act := action
				if c.action != "" {
					act = c.action
				}
				s.record(&ch, cur, c, now, a, reqID, act, lastSeq[it.e164])
				it.out = c.next
				if c.delete {
					it.out = c.shown
				}
			}
			if ch.Empty() {
				return nil
			}
			return q.ApplyNumberChanges(ctx, ch)
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]Result, len(items))
	for i, it := range items {
		out[i] = Result{Key: it.key, Number: it.out, Err: it.err}
	}
	return out, nil
}

// record adds one decided change to the batch, with its history event when
// the state or the owner changes. An update that changes nothing is not
// written at all.
//
// Every write bumps the number's Version; an event carries it as Seq, so a
// number's history order is exact (the row is locked while it is decided).
// A new number continues the sequence of its earlier lives (lastSeq).
func (s *Service) record(ch *store.NumberChanges, cur *models.Number, c *change, now time.Time, a *models.Actor, reqID, action string, lastSeq int64) {
	var seq int64
	ev := func(fromState, toState models.State, fromAcct, toAcct string) {
		ch.Events = append(ch.Events, &models.NumberEvent{
			ID: s.newEventID(now), Number: numberOf(cur, c), Seq: seq, Action: action,
			FromState: fromState, ToState: toState, FromAccount: fromAcct, ToAccount: toAcct,
			ActorAccount: a.Account.ID, RequestID: reqID, CreatedAt: now,
		})
	}
	switch {
	case c.delete:
		ch.Delete = append(ch.Delete, cur.Number)
		seq = cur.Version + 1
		ev(cur.State, models.StateDeleted, cur.AssignedTo, "")
		if c.shown != nil {
			c.shown.UpdatedAt = now
		}
	case c.insert:
		c.next.CreatedAt, c.next.UpdatedAt = now, now
		c.next.Version = lastSeq + 1
		seq = c.next.Version
		ch.Insert = append(ch.Insert, c.next)
		ev("", c.next.State, "", c.next.AssignedTo)
	default:
		if unchanged(cur, c.next) {
			return
		}
		c.next.UpdatedAt = now
		c.next.Version = cur.Version + 1
		seq = c.next.Version
		ch.Update = append(ch.Update, c.next)
		if cur.State != c.next.State || cur.AssignedTo != c.next.AssignedTo {
			ev(cur.State, c.next.State, cur.AssignedTo, c.next.AssignedTo)
		}
	}
}

func numberOf(cur *models.Number, c *change) string {
	if c.next != nil {
		return c.next.Number
	}
	return cur.Number
}

// unchanged reports whether next stores exactly what cur does.
func unchanged(cur, next *models.Number) bool {
	a, b := *cur, *next
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	a.Owner, b.Owner = models.AccountRef{}, models.AccountRef{}
	norm := func(n *models.Number) {
		if len(n.ReserveHistory) == 0 {
			n.ReserveHistory = nil
		}
		if len(n.FeaturesAllowed) == 0 {
			n.FeaturesAllowed = nil
		}
		if len(n.FeaturesDenied) == 0 {
			n.FeaturesDenied = nil
		}
		if len(n.Features) == 0 {
			n.Features = nil
		}
		if len(n.Public) == 0 {
			n.Public = nil
		}
		if len(n.CarrierData) == 0 {
			n.CarrierData = nil
		}
	}
	norm(&a)
	norm(&b)
	return reflect.DeepEqual(a, b)
}

// one unwraps the single result of a one-number batch.
func one(res []Result, err error) (*models.Number, error) {
	if err != nil {
		return nil, err
	}
	if len(res) != 1 {
		return nil, models.Internal(fmt.Errorf("batch of one returned %d results", len(res)))
	}
	return res[0].Number, res[0].Err
}
