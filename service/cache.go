package service

import (
	"sync"
	"time"
)

// ttlCache is a small bounded cache of short-lived values. It only ever
// holds data that is safe to be a few seconds stale (validated tokens,
// account flags, derived counts): numberd instances share no memory, so
// anything that must be exact is read from the database.
type ttlCache[V any] struct {
	mu    sync.Mutex
	max   int
	items map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v   V
	exp time.Time
	gen int64
}

func newTTLCache[V any](max int) *ttlCache[V] {
	return &ttlCache[V]{max: max, items: map[string]ttlEntry[V]{}}
}

// get returns the value if present, unexpired and of generation gen.
func (c *ttlCache[V]) get(key string, now time.Time, gen int64) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok || !now.Before(e.exp) || e.gen != gen {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) put(key string, v V, exp time.Time, gen int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.items) >= c.max {
		// Drop expired entries; if still full, start over. Simple and bounded.
		now := time.Now()
		for k, e := range c.items {
			if now.After(e.exp) {
				delete(c.items, k)
			}
		}
		if len(c.items) >= c.max {
			c.items = map[string]ttlEntry[V]{}
		}
	}
	c.items[key] = ttlEntry[V]{v: v, exp: exp, gen: gen}
}

func (c *ttlCache[V]) del(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, key)
}

func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items = map[string]ttlEntry[V]{}
}
