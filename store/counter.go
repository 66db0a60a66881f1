package store

import (
	"sync/atomic"

	"gorm.io/gorm"
)

// StatementCounter counts the SQL statements GORM runs. Tests use it to
// prove that a GraphQL page or a collection costs a fixed number of queries.
type StatementCounter struct{ n atomic.Int64 }

// Count returns the statements run so far.
func (c *StatementCounter) Count() int64 { return c.n.Load() }

func (c *StatementCounter) register(g *gorm.DB) error {
	inc := func(g *gorm.DB) {
		// A subquery is built by running the callbacks in dry-run mode:
		// it is part of its parent statement, not a statement of its own.
		if !g.DryRun {
			c.n.Add(1)
		}
	}
	cb := g.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("numberd:count_query", inc),
		cb.Create().After("gorm:create").Register("numberd:count_create", inc),
		cb.Update().After("gorm:update").Register("numberd:count_update", inc),
		cb.Delete().After("gorm:delete").Register("numberd:count_delete", inc),
		cb.Raw().After("gorm:raw").Register("numberd:count_raw", inc),
		cb.Row().After("gorm:row").Register("numberd:count_row", inc),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
