package store

import (
	"errors"
	"sync"

	"gorm.io/gorm"
)

// Fault injection, for tests of the retry and atomicity rules: the database
// stays real, but chosen statements (or COMMIT) fail with a chosen error, as
// a deadlock, a Galera certification failure or a dropped connection would
// make them fail. Production code never installs an injector.

// Fault decides whether one statement fails: op is "create", "update",
// "delete", "query", "raw", "row" or "commit"; table is the statement's
// table ("" when unknown). Returning nil lets the statement run.
type Fault func(op, table string) error

type faults struct {
	mu sync.Mutex
	f  Fault
}

func (fs *faults) check(op, table string) error {
	fs.mu.Lock()
	f := fs.f
	fs.mu.Unlock()
	if f == nil {
		return nil
	}
	return f(op, table)
}

// InjectFaults installs f (nil removes it). The first call registers GORM
// callbacks that consult it before every statement.
func (db *DB) InjectFaults(f Fault) error {
	db.faultsOnce.Do(func() {
		db.faults = &faults{}
		db.faultsErr = db.registerFaultCallbacks()
	})
	if db.faultsErr != nil {
		return db.faultsErr
	}
	db.faults.mu.Lock()
	db.faults.f = f
	db.faults.mu.Unlock()
	return nil
}

func (db *DB) registerFaultCallbacks() error {
	hook := func(op string) func(*gorm.DB) {
		return func(g *gorm.DB) {
			if err := db.faults.check(op, g.Statement.Table); err != nil {
				g.AddError(err)
			}
		}
	}
	cb := db.g.Callback()
	return errors.Join(
		cb.Create().Before("gorm:create").Register("numberd:fault_create", hook("create")),
		cb.Update().Before("gorm:update").Register("numberd:fault_update", hook("update")),
		cb.Delete().Before("gorm:delete").Register("numberd:fault_delete", hook("delete")),
		cb.Query().Before("gorm:query").Register("numberd:fault_query", hook("query")),
		cb.Raw().Before("gorm:raw").Register("numberd:fault_raw", hook("raw")),
		cb.Row().Before("gorm:row").Register("numberd:fault_row", hook("row")),
	)
}

// commitFault returns the injected COMMIT failure, if any.
func (db *DB) commitFault() error {
	if db.faults == nil {
		return nil
	}
	return db.faults.check("commit", "")
}
