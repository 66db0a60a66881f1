// Package store is numberd's storage over GORM: opening the database (the
// embedded pure-Go SQLite by default, MySQL/MariaDB in production), versioned
// migrations, every SQL statement, and the translation of driver errors into
// models.Error. Nothing above this package imports GORM.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialects.
const (
	SQLite = "sqlite"
	MySQL  = "mysql"
)

// DB is an open database.
type DB struct {
	g       *gorm.DB
	sql     *sql.DB
	dialect string
	// Stats counts statements; tests use it to prove query counts.
	Stats *StatementCounter
	// Galera: the server is a Galera node, and numberd's sessions use causal
	// reads (wsrep_sync_wait=1).
	Galera bool

	faultsOnce sync.Once
	faults     *faults
	faultsErr  error
}

// Options tune Open.
type Options struct {
	Logger *slog.Logger
	// MaxOpenConns bounds the pool (0: a per-dialect default).
	MaxOpenConns int
	// CountStatements installs a statement counter (tests, benchmarks).
	CountStatements bool
}

// Config is a parsed --db value.
type Config struct {
	Dialect string
	DSN     string // driver DSN
	Path    string // SQLite file path

	causalReads bool // the DSN asks a Galera node for causal reads
}

// isGaleraNode reports a MariaDB/MySQL server that is a Galera cluster node.
func isGaleraNode(ctx context.Context, db *sql.DB) (bool, error) {
	var on sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT @@global.wsrep_on").Scan(&on); err != nil {
		return false, err // plain MySQL has no such variable
	}
	return on.String == "1" || strings.EqualFold(on.String, "ON"), nil
}

// ParseDSN parses numberd's --db syntax: "sqlite:<path>" or
// "mysql://user:pass@host:port/dbname[?param=value]".
func ParseDSN(s string) (Config, error) {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		p := strings.TrimPrefix(s, "sqlite:")
		p = strings.TrimPrefix(p, "//")
		if p == "" {
			return Config{}, fmt.Errorf("sqlite: empty path (use sqlite:./data/numberd.db)")
		}
		if p == ":memory:" {
			return Config{}, fmt.Errorf("sqlite: :memory: is per connection; use a file path")
		}
		return Config{Dialect: SQLite, Path: p, DSN: SQLiteDSN(p)}, nil
	case strings.HasPrefix(s, "mysql://"):
		u, err := url.Parse(s)
		if err != nil {
			return Config{}, fmt.Errorf("mysql: %v", err)
		}
		db := strings.TrimPrefix(u.Path, "/")
		if db == "" || strings.Contains(db, "/") {
			return Config{}, fmt.Errorf("mysql: the URL must name one database: mysql://user:pass@host:3306/numberd")
		}
		host := u.Host
		if host == "" {
			return Config{}, fmt.Errorf("mysql: missing host")
		}
		if u.Port() == "" {
			host += ":3306"
		}
		cfg := gomysql.NewConfig()
		cfg.Net = "tcp"
		cfg.Addr = host
		cfg.DBName = db
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
		if err := applyMySQLDefaults(cfg, u.Query()); err != nil {
			return Config{}, err
		}
		return Config{Dialect: MySQL, DSN: cfg.FormatDSN()}, nil
	}
	return Config{}, fmt.Errorf("unsupported database %q: use sqlite:<path> or mysql://user:pass@host:port/dbname", s)
}

// SQLiteDSN returns the glebarez DSN for a file with numberd's pragmas:
// foreign keys on, WAL (readers never block the writer), a busy timeout, and
// _txlock=immediate so read-then-write transactions take the write lock at
// BEGIN instead of failing with SQLITE_BUSY under contention.
// temp_store(MEMORY) keeps statement journals (multi-row INSERTs) off
// disk: a bulk import spends a quarter of its time writing them otherwise.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate"
}

// applyMySQLDefaults sets what numberd relies on: UTC times, utf8mb4,
// RowsAffected counting matched rows (as SQLite does), and timeouts so a
// dead server fails requests quickly instead of hanging them.
func applyMySQLDefaults(cfg *gomysql.Config, q url.Values) error {
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.ClientFoundRows = true
	cfg.Timeout = 2 * time.Second
	cfg.ReadTimeout = 30 * time.Second
	cfg.WriteTimeout = 30 * time.Second
	cfg.Params = map[string]string{"charset": "utf8mb4"}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "timeout", "readTimeout", "writeTimeout":
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("mysql: %s: %v", k, err)
			}
			switch k {
			case "timeout":
				cfg.Timeout = d
			case "readTimeout":
				cfg.ReadTimeout = d
			default:
				cfg.WriteTimeout = d
			}
		case "tls":
			cfg.TLSConfig = v
		default:
			cfg.Params[k] = v
		}
	}
	return nil
}

// Open opens and pings the database. It does not migrate.
func Open(ctx context.Context, cfg Config, opts Options) (*DB, error) {
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	gcfg := &gorm.Config{
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) },
		Logger: logger.NewSlogLogger(lg, logger.Config{
			SlowThreshold:             time.Second,
			LogLevel:                  logger.Warn,
			IgnoreRecordNotFoundError: true,
			ParameterizedQueries:      true, // never log values (API keys, tokens)
		}),
		PrepareStmt: false,
	}
	var dialector gorm.Dialector
	switch cfg.Dialect {
	case SQLite:
		if dir := filepath.Dir(cfg.Path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("sqlite: create %s: %v", dir, err)
			}
		}
		dialector = sqlite.Open(cfg.DSN)
	case MySQL:
		// The driver reports dropped connections on its own logger (the
		// standard library's, on stderr by default): route it to ours. The
		// driver's logger is process-wide, so it is installed once and
		// follows the logger of the latest Open (numberd opens one database).
		driverLog.Store(lg)
		driverLogOnce.Do(func() { gomysql.SetLogger(driverLogger{}) })
		dialector = mysql.New(mysql.Config{DSN: cfg.DSN, DefaultStringSize: 191})
	default:
		return nil, fmt.Errorf("unknown dialect %q", cfg.Dialect)
	}
	g, err := gorm.Open(dialector, gcfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s database: %v", cfg.Dialect, oneLine(err))
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	db := &DB{g: g, sql: sqlDB, dialect: cfg.Dialect}
	switch cfg.Dialect {
	case SQLite:
		n := opts.MaxOpenConns
		if n == 0 {
			n = 8
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
	case MySQL:
		n := opts.MaxOpenConns
		if n == 0 {
			n = 32
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if opts.CountStatements {
		db.Stats = &StatementCounter{}
		if err := db.Stats.register(g); err != nil {
			return nil, err
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %v", cfg.Dialect, oneLine(err))
	}
	if cfg.Dialect == SQLite {
		var fk int
		if err := g.Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil || fk != 1 {
			sqlDB.Close()
			return nil, fmt.Errorf("sqlite: foreign keys are off (DSN pragmas not applied)")
		}
	}
	if cfg.Dialect == MySQL && !cfg.causalReads {
		if galera, err := isGaleraNode(pctx, sqlDB); err == nil && galera {
			// A Galera node applies other nodes' commits asynchronously: a
			// read may miss a write another instance just committed through
			// another node. Causal reads (wsrep_sync_wait=1) make every read
			// wait until the node has applied what was committed before it,
			// so numberd reads its own writes across instances.
			sqlDB.Close()
			gc, err := gomysql.ParseDSN(cfg.DSN)
			if err != nil {
				return nil, err
			}
			if gc.Params == nil {
				gc.Params = map[string]string{}
			}
			if _, set := gc.Params["wsrep_sync_wait"]; !set {
				gc.Params["wsrep_sync_wait"] = "1"
			}
			cfg.DSN, cfg.causalReads = gc.FormatDSN(), true
			return Open(ctx, cfg, opts)
		}
	}
	db.Galera = cfg.causalReads
	return db, nil
}

// driverLogger adapts slog to the MySQL driver's Print logger.
var (
	driverLog     atomic.Pointer[slog.Logger]
	driverLogOnce sync.Once
)

type driverLogger struct{}

func (driverLogger) Print(v ...any) {
	if l := driverLog.Load(); l != nil {
		l.Warn("mysql driver", "msg", strings.TrimSpace(fmt.Sprint(v...)))
	}
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

// Dialect returns "sqlite" or "mysql".
func (db *DB) Dialect() string { return db.dialect }

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// SQL exposes the pool (stats, benchmarks).
func (db *DB) SQL() *sql.DB { return db.sql }

// Ping checks that the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	if err := db.g.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return translate(err)
	}
	return nil
}

// Q runs statements, inside a transaction or directly on the pool.
type Q struct {
	g       *gorm.DB
	dialect string
	inTx    bool
}

// Q returns a non-transactional query handle (reads).
func (db *DB) Q() *Q { return &Q{g: db.g, dialect: db.dialect} }

// Tx runs fn in one read-write transaction and commits it when fn returns
// nil. On SQLite the transaction takes the write lock at BEGIN (immediate);
// on MySQL it runs at READ COMMITTED and rows read with lock=true are locked
// until commit. Errors come back translated: IsRetryable tells whether the
// whole use case may be re-run; a COMMIT whose outcome is unknown (the
// connection died during it) returns ErrCommitUnknown and must not be
// reported as a success nor retried.
func (db *DB) Tx(ctx context.Context, fn func(q *Q) error) error {
	var opts *sql.TxOptions
	if db.dialect == MySQL {
		// READ COMMITTED: locking reads take no gap locks, so concurrent
		// inserts of different numbers do not deadlock each other.
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx := db.g.WithContext(ctx).Begin(opts)
	if tx.Error != nil {
		return translate(tx.Error)
	}
	done := false
	defer func() {
		if !done {
			tx.Rollback()
		}
	}()
	if err := fn(&Q{g: tx, dialect: db.dialect, inTx: true}); err != nil {
		return translate(err)
	}
	if ferr := db.commitFault(); ferr != nil {
		// An injected COMMIT failure: roll back, then report it as the
		// driver would have.
		tx.Rollback()
		done = true
		if terr := translate(ferr); IsRetryable(terr) && !terr.(*RetryableError).Unavailable {
			return terr
		}
		return fmt.Errorf("%w: %v", ErrCommitUnknown, ferr)
	}
	err := tx.Commit().Error
	if err == nil {
		done = true
		return nil
	}
	terr := translate(err)
	if r, ok := terr.(*RetryableError); ok && !r.Unavailable {
		// A deadlock or certification failure reported at COMMIT means the
		// transaction was rolled back: safe to run again.
		if db.dialect == MySQL {
			done = true
		}
		return terr
	}
	done = true
	return fmt.Errorf("%w: %v", ErrCommitUnknown, err)
}

// ErrCommitUnknown marks a failure while committing: the transaction may or
// may not have been applied, so it is never retried and never reported as a
// success.
var ErrCommitUnknown = errors.New("commit outcome unknown")
