package store

import (
	"context"
	"fmt"
	"strings"
)

// Test hooks for the external store_test package.

// NumberIndexColumns returns the columns of each secondary index of the
// numbers table.
func (db *DB) NumberIndexColumns(ctx context.Context) (map[string][]string, error) {
	ixs, err := db.g.WithContext(ctx).Migrator().GetIndexes("numbers")
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, ix := range ixs {
		out[ix.Name()] = ix.Columns()
	}
	return out, nil
}

// DowngradeNumberIndexes makes the numbers indexes what step 1 created
// before step 4 existed (first column only) and forgets step 4.
func (db *DB) DowngradeNumberIndexes(ctx context.Context) error {
	g := db.g.WithContext(ctx)
	for _, ix := range numberIndexes {
		if err := g.Migrator().DropIndex("numbers", ix.name); err != nil {
			return err
		}
		if err := g.Exec(fmt.Sprintf("CREATE INDEX %s ON numbers (%s)", ix.name, ix.columns[0])).Error; err != nil {
			return err
		}
	}
	return g.Exec("DELETE FROM schema_migrations WHERE version = 4").Error
}

// QueryPlan returns SQLite's EXPLAIN QUERY PLAN details of a statement.
func (db *DB) QueryPlan(ctx context.Context, query string, args ...any) ([]string, error) {
	var rows []struct {
		ID, Parent, Notused int
		Detail              string
	}
	err := db.g.WithContext(ctx).Raw("EXPLAIN QUERY PLAN "+query, args...).Scan(&rows).Error
	var out []string
	for _, r := range rows {
		out = append(out, r.Detail)
	}
	return out, err
}

// NumberSelectColumns returns the columns reads scan, without the "n."
// alias.
func NumberSelectColumns() []string {
	var out []string
	for _, c := range strings.Split(numberSelect, ",") {
		out = append(out, strings.TrimPrefix(strings.TrimSpace(c), "n."))
	}
	return out
}
