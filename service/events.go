package service

import (
	"context"
	"sync"
	"time"

	"numberd/models"
)

// Live number events (GraphQL's phoneNumberEvents subscription).
//
// numberd instances share nothing but the database, so an event written by
// one instance reaches subscribers on every instance by following the
// number_events table: while an instance has subscribers, one goroutine
// (the follower) polls the table every EventPollInterval. Each poll re-reads
// the last EventLookback of events, ordered by (created_at, id), and skips
// the ids it has already delivered. The re-read is what makes the follower
// correct with several writers: an event's created_at is taken when its
// transaction starts, and event ids are not in commit order, so an event
// may become visible after later-stamped ones. Any event that commits less
// than EventLookback after its timestamp is delivered, at most one poll
// interval (plus the poll's own query time) after it commits; measured from
// its timestamp, the delay is therefore bounded by EventLookback +
// EventPollInterval.

// subscriber is one live subscription.
type subscriber struct {
	path string // the subscribed account's tree path
	id   string // the subscribed account's id
	ch   chan *models.NumberEvent
}

// follower polls number_events and fans events out to subscribers.
type follower struct {
	s *Service

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	cancel context.CancelFunc // stops the running follower; nil when none runs
}

// subscriberBuffer is how many events a subscriber may lag behind before
// it is dropped (its stream ends; the client subscribes again).
const subscriberBuffer = 1024

// SubscribeNumberEvents streams the history events of the subtree of
// accountID: every event whose previous or new owner is the account or one
// of its descendants, as they are committed by any numberd instance on the
// same database. The caller must be allowed to access the account (403/404
// otherwise, as everywhere). The channel is closed when ctx ends, or when
// the subscriber falls more than a buffer behind.
func (s *Service) SubscribeNumberEvents(ctx context.Context, accountID string) (<-chan *models.NumberEvent, error) {
	acct, _, err := s.accountForCaller(ctx, accountID)
	if err != nil {
		return nil, err
	}
	sub := &subscriber{path: acct.Path, id: acct.ID, ch: make(chan *models.NumberEvent, subscriberBuffer)}
	if err := s.events.add(ctx, sub); err != nil {
		return nil, err
	}
	go func() {
		<-ctx.Done()
		s.events.remove(sub)
	}()
	return sub.ch, nil
}

// add registers a subscriber, starting the follower when it is the first.
// A starting follower first reads the lookback window without delivering
// it (those events were committed before the subscription), so that every
// event committed after add returns reaches the subscriber.
func (f *follower) add(ctx context.Context, sub *subscriber) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancel == nil {
		seen, paths := map[string]time.Time{}, map[string]string{}
		if err := f.poll(ctx, nil, seen, paths, true); err != nil {
			return f.s.read(ctx, err)
		}
		runCtx, cancel := context.WithCancel(context.Background())
		f.cancel = cancel
		go f.run(runCtx, seen, paths)
	}
	if f.subs == nil {
		f.subs = map[*subscriber]struct{}{}
	}
	f.subs[sub] = struct{}{}
	return nil
}

// remove unregisters a subscriber and closes its channel; the follower
// stops with the last one.
func (f *follower) remove(sub *subscriber) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[sub]; !ok {
		return
	}
	delete(f.subs, sub)
	close(sub.ch)
	if len(f.subs) == 0 && f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
}

// Subscribers returns how many subscriptions this instance serves.
func (s *Service) Subscribers() int {
	s.events.mu.Lock()
	defer s.events.mu.Unlock()
	return len(s.events.subs)
}

// run is the follower loop: seen holds the delivered event ids (by
// created_at), paths the tree path of accounts (they never move).
func (f *follower) run(ctx context.Context, seen map[string]time.Time, paths map[string]string) {
	t := time.NewTicker(f.s.cfg.EventPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := f.poll(ctx, ctx, seen, paths, false); err != nil && ctx.Err() == nil {
			f.s.log.Warn("number event follower: poll failed", "err", err)
		}
	}
}

// eventPage bounds one query of a poll.
const eventPage = 500

// poll reads the lookback window and delivers unseen events (only marks
// them seen when prime). run is the context of the follower that delivers.
func (f *follower) poll(ctx, run context.Context, seen map[string]time.Time, paths map[string]string, prime bool) error {
	since := f.s.Now().Add(-f.s.cfg.EventLookback)
	for id, at := range seen {
		if at.Before(since) {
			delete(seen, id)
		}
	}
	var fresh []*models.NumberEvent
	after, afterID := since, ""
	for {
		rows, err := f.s.db.Q().EventsAfter(ctx, after, afterID, eventPage)
		if err != nil {
			return err
		}
		for _, e := range rows {
			if _, ok := seen[e.ID]; !ok {
				seen[e.ID] = e.CreatedAt
				fresh = append(fresh, e)
			}
		}
		if len(rows) < eventPage {
			break
		}
		after, afterID = rows[len(rows)-1].CreatedAt, rows[len(rows)-1].ID
	}
	if prime || len(fresh) == 0 {
		return nil
	}
	var missing []string
	for _, e := range fresh {
		for _, id := range []string{e.FromAccount, e.ToAccount} {
			if _, ok := paths[id]; !ok && id != "" {
				missing = append(missing, id)
				paths[id] = "" // asked once per poll
			}
		}
	}
	if len(missing) > 0 {
		got, err := f.s.db.Q().AccountPaths(ctx, missing)
		if err != nil {
			for _, id := range missing {
				delete(paths, id)
			}
			return err
		}
		for id, p := range got {
			paths[id] = p
		}
		if len(paths) > 100000 {
			clear(paths) // a cache, not a registry: start over rather than grow
		}
	}
	f.fanOut(run, fresh, paths)
	return nil
}

// fanOut delivers events to the subscribers whose subtree they touch.
func (f *follower) fanOut(run context.Context, events []*models.NumberEvent, paths map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if run.Err() != nil {
		return // a stopped follower: a newer one may serve these subscribers
	}
	var slow []*subscriber
	for sub := range f.subs {
		for _, e := range events {
			if !inSubtree(paths[e.FromAccount], sub.id) && !inSubtree(paths[e.ToAccount], sub.id) {
				continue
			}
			select {
			case sub.ch <- e:
			default:
				slow = append(slow, sub)
			}
			if len(slow) > 0 && slow[len(slow)-1] == sub {
				break
			}
		}
	}
	for _, sub := range slow {
		delete(f.subs, sub)
		close(sub.ch)
		f.s.log.Warn("number event subscriber fell behind; its stream was ended", "account", sub.id)
	}
	if len(f.subs) == 0 && f.cancel != nil {
		f.cancel()
		f.cancel = nil
	}
}

// inSubtree reports whether the account at path is id or a descendant of it.
func inSubtree(path, id string) bool {
	if path == "" {
		return false
	}
	return models.AccountRef{ID: id, Path: path}.HasAncestorOrSelf(id)
}
