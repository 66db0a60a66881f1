package graph

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"

	"numberd/models"
	"numberd/service"
)

// Loaders batch the relations of one GraphQL operation: every account,
// child list, subtree count and latest-history lookup that the resolvers of
// a page ask for within a short window becomes one service call (one SQL
// statement), so a page of 100 numbers costs what a page of 10 does. They
// are created per operation (AroundOperations in NewHandler) and cache only
// for that operation: nothing outlives the request, nothing is shared
// between callers.
type Loaders struct {
	svc  *service.Service
	opts []dataloadgen.Option

	accounts *dataloadgen.Loader[string, *models.Account]
	children *dataloadgen.Loader[string, []*models.Account]
	stats    *dataloadgen.Loader[string, map[models.State]int64]
	counts   *dataloadgen.Loader[string, int64]

	mu     sync.Mutex
	latest map[int]*dataloadgen.Loader[*models.Number, []*models.NumberEvent] // by events per number
}

type loadersKey struct{}

// newLoaders returns fresh loaders; wait is how long a batch collects keys.
func newLoaders(svc *service.Service, wait time.Duration) *Loaders {
	l := &Loaders{svc: svc, opts: []dataloadgen.Option{dataloadgen.WithWait(wait), dataloadgen.WithBatchCapacity(500)},
		latest: map[int]*dataloadgen.Loader[*models.Number, []*models.NumberEvent]{}}
	l.accounts = dataloadgen.NewMappedLoader(svc.AccountsByID, l.opts...)
	l.children = dataloadgen.NewMappedLoader(svc.ChildrenOf, l.opts...)
	l.stats = dataloadgen.NewMappedLoader(svc.NumberStats, l.opts...)
	l.counts = dataloadgen.NewMappedLoader(svc.CountHistories, l.opts...)
	return l
}

// loadersFor returns the operation's loaders (fresh unbatched ones when the
// context has none, e.g. a resolver called outside an operation).
func (r *Resolver) loadersFor(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return newLoaders(r.Svc, 0)
}

// found maps dataloadgen's "not in the map" to a nil value: an account the
// caller may not see, a number without history.
func found[T any](v T, err error) (T, error) {
	if errors.Is(err, dataloadgen.ErrNotFound) {
		var zero T
		return zero, nil
	}
	return v, err
}

// latestEvents returns a loader of the newest per events of each number.
// Keys are the numbers themselves (not their E.164): the service redacts the
// history of numbers the caller does not hold, which it judges on the row.
func (l *Loaders) latestEvents(per int) *dataloadgen.Loader[*models.Number, []*models.NumberEvent] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ld, ok := l.latest[per]; ok {
		return ld
	}
	ld := dataloadgen.NewMappedLoader(func(ctx context.Context, nums []*models.Number) (map[*models.Number][]*models.NumberEvent, error) {
		byNumber, err := l.svc.LatestEvents(ctx, nums, per)
		if err != nil {
			return nil, err
		}
		out := make(map[*models.Number][]*models.NumberEvent, len(nums))
		for _, n := range nums {
			if ev, ok := byNumber[n.Number]; ok {
				out[n] = ev
			}
		}
		return out, nil
	}, l.opts...)
	l.latest[per] = ld
	return ld
}
