package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"numberd/models"
)

// Storage-only tables.
type authToken struct {
	TokenHash string    `gorm:"primaryKey;size:64"` // sha256 of the token; the token itself is never stored
	AccountID string    `gorm:"size:32;not null;index"`
	CreatedAt time.Time `gorm:"not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
}

func (authToken) TableName() string { return "auth_tokens" }

type rateBucket struct {
	Key       string    `gorm:"primaryKey;size:160"`
	Tokens    float64   `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

func (rateBucket) TableName() string { return "rate_buckets" }

type setting struct {
	Key   string `gorm:"primaryKey;size:64"`
	Value string `gorm:"size:255;not null"`
}

func (setting) TableName() string { return "settings" }

type schemaMigration struct {
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"size:128;not null"`
	AppliedAt time.Time
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// tables is every table numberd owns, alphabetically by table name. New
// databases get them created from these structs; existing databases are only
// changed by the numbered steps below.
var tables = []any{
	&models.Account{},     // accounts
	&authToken{},          // auth_tokens
	&models.NumberEvent{}, // number_events
	&models.Number{},      // numbers
	&rateBucket{},         // rate_buckets
	&setting{},            // settings
}

// migration is one numbered, idempotent schema step. Steps are never edited
// once released: a later change is a new step, so an operator never runs a
// hand-written ALTER. Each step checks before it changes, so two instances
// starting at once (or a half-applied step) are safe.
type migration struct {
	version int
	name    string
	up      func(m gorm.Migrator) error
}

var migrations = []migration{
	{1, "create tables", func(m gorm.Migrator) error {
		for _, t := range tables {
			if !m.HasTable(t) {
				if err := m.CreateTable(t); err != nil {
					return err
				}
			}
		}
		return nil
	}},
	{2, "numbers: keyset indexes for created/updated ordering", func(m gorm.Migrator) error {
		for _, name := range []string{"idx_numbers_owner_created", "idx_numbers_owner_updated"} {
			if !m.HasIndex(&numberSortIndexes{}, name) {
				if err := m.CreateIndex(&numberSortIndexes{}, name); err != nil {
					return err
				}
			}
		}
		return nil
	}},
	{3, "accounts: carrier_modules and numbers_lookup", func(m gorm.Migrator) error {
		for _, col := range []string{"CarrierModules", "NumbersLookup"} {
			if !m.HasColumn(&models.Account{}, col) {
				if err := m.AddColumn(&models.Account{}, col); err != nil {
					return err
				}
			}
		}
		return nil
	}},
	{4, "numbers: two-column listing indexes", func(m gorm.Migrator) error {
		return fixNumberIndexes(m)
	}},
}

// numberIndexes are the numbers table's secondary indexes with their
// columns, as models.Number declares them. Step 1 of databases created
// before step 4 made each of them on its first column only: on SQLite,
// whose secondary indexes end with the rowid rather than the primary key,
// an account's listing then read and sorted every number of the account
// for each page (a million-number account: seconds per page). InnoDB
// appends the primary key to secondary indexes, so MySQL only gains the
// state column of idx_numbers_owner_state.
var numberIndexes = []struct {
	name    string
	columns []string
}{
	{"idx_numbers_owner_number", []string{"assigned_to", "number"}},
	{"idx_numbers_owner_state", []string{"assigned_to", "state"}},
	{"idx_numbers_state_number", []string{"state", "number"}},
}

// fixNumberIndexes rebuilds each index of numberIndexes whose columns
// differ from its declaration (idempotent: a correct index is left alone).
func fixNumberIndexes(m gorm.Migrator) error {
	have, err := m.GetIndexes(&models.Number{})
	if err != nil {
		return err
	}
	cols := map[string][]string{}
	for _, ix := range have {
		cols[ix.Name()] = ix.Columns()
	}
	for _, ix := range numberIndexes {
		got, exists := cols[ix.name]
		if exists && slices.Equal(got, ix.columns) {
			continue
		}
		if exists {
			if err := m.DropIndex(&models.Number{}, ix.name); err != nil {
				return err
			}
		}
		if err := m.CreateIndex(&models.Number{}, ix.name); err != nil {
			return err
		}
	}
	return nil
}

// numberSortIndexes declares the indexes of migration 2 on the numbers
// table: an account's numbers ordered by creation or update time, with the
// number as tie-breaker, so GraphQL's orderBy: CREATED_AT / UPDATED_AT pages
// are index range scans (keyset pagination) like the number order.
type numberSortIndexes struct {
	AssignedTo string    `gorm:"size:32;index:idx_numbers_owner_created,priority:1;index:idx_numbers_owner_updated,priority:1"`
	CreatedAt  time.Time `gorm:"index:idx_numbers_owner_created,priority:2"`
	UpdatedAt  time.Time `gorm:"index:idx_numbers_owner_updated,priority:2"`
	Number     string    `gorm:"size:20;index:idx_numbers_owner_created,priority:3;index:idx_numbers_owner_updated,priority:3"`
}

func (numberSortIndexes) TableName() string { return "numbers" }

// OpenMigrated opens the database and brings its schema to LatestVersion:
// what numberd, its tools and its tests do before anything else.
func OpenMigrated(ctx context.Context, cfg Config, opts Options) (*DB, error) {
	db, err := Open(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// LatestVersion is the schema version this binary expects.
func LatestVersion() int { return migrations[len(migrations)-1].version }

// Migrate brings the schema to LatestVersion. On MySQL it holds a named lock
// so instances starting together take turns.
func (db *DB) Migrate(ctx context.Context) error {
	if db.dialect == MySQL {
		conn, err := db.sql.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %v", oneLine(err))
		}
		defer conn.Close()
		var got int
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('numberd_migrate', 60)").Scan(&got); err != nil || got != 1 {
			return fmt.Errorf("migrate: could not take the migration lock: %v", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('numberd_migrate')")
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = db.migrate(ctx); err == nil {
			return nil
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	return err
}

func (db *DB) migrate(ctx context.Context) error {
	g := db.g.WithContext(ctx)
	if db.dialect == MySQL {
		// Binary collation: numbers and account paths compare byte-wise, the
		// same order SQLite uses, so keyset pagination agrees on both.
		g = g.Set("gorm:table_options", "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin").Session(&gorm.Session{})
	}
	m := g.Migrator()
	if !m.HasTable(&schemaMigration{}) {
		if err := m.CreateTable(&schemaMigration{}); err != nil && !m.HasTable(&schemaMigration{}) {
			return fmt.Errorf("migrate: create schema_migrations: %v", oneLine(err))
		}
	}
	var applied []schemaMigration
	if err := g.Find(&applied).Error; err != nil {
		return fmt.Errorf("migrate: %v", oneLine(err))
	}
	done := map[int]bool{}
	newest := 0
	for _, a := range applied {
		done[a.Version] = true
		newest = max(newest, a.Version)
	}
	if newest > LatestVersion() {
		return fmt.Errorf("migrate: the database is at schema version %d, newer than this numberd (%d); upgrade numberd", newest, LatestVersion())
	}
	for _, step := range migrations {
		if done[step.version] {
			continue
		}
		if err := step.up(m); err != nil {
			return fmt.Errorf("migrate: step %d (%s): %v", step.version, step.name, oneLine(err))
		}
		rec := schemaMigration{Version: step.version, Name: step.name, AppliedAt: time.Now().UTC()}
		if err := g.Create(&rec).Error; err != nil {
			// Another instance recorded it first: fine, the step is idempotent.
			var n int64
			if g.Model(&schemaMigration{}).Where("version = ?", step.version).Count(&n); n == 0 {
				return fmt.Errorf("migrate: record step %d: %v", step.version, oneLine(err))
			}
		}
	}
	return nil
}

// SchemaVersion returns the newest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.g.WithContext(ctx).Model(&schemaMigration{}).Select("COALESCE(MAX(version),0)").Scan(&v).Error
	return v, translate(err)
}
