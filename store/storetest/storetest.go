// Package storetest gives tests a fresh, migrated, real database: a SQLite
// file in a temp dir by default, or a throw-away MySQL/MariaDB database when
// NUMBERD_TEST_DB=mysql (server from NUMBERD_TEST_MYSQL, default
// mysql://root@127.0.0.1:3306). Never a mock.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"numberd/store"
)

// Engine returns "mysql" when the suite runs against MySQL, else "sqlite".
func Engine() string {
	if os.Getenv("NUMBERD_TEST_DB") == "mysql" {
		return store.MySQL
	}
	return store.SQLite
}

// MySQLServer returns the MySQL server URL tests use (no database part).
func MySQLServer() string {
	if s := os.Getenv("NUMBERD_TEST_MYSQL"); s != "" {
		return strings.TrimRight(s, "/")
	}
	return "mysql://root@127.0.0.1:3306"
}

// DSN creates a fresh empty database and returns numberd's --db value for
// it. The database is dropped when the test ends, unless the test failed
// (it is logged for inspection).
func DSN(tb testing.TB) string {
	tb.Helper()
	if Engine() == store.SQLite {
		return "sqlite:" + filepath.Join(tb.TempDir(), "numberd.db")
	}
	name := "numberd_test_" + randomHex(6)
	admin := adminConn(tb)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("database %s left intact for inspection", name)
		} else {
			admin.Exec("DROP DATABASE IF EXISTS " + name)
		}
		admin.Close()
	})
	return MySQLServer() + "/" + name
}

func adminConn(tb testing.TB) *sql.DB {
	tb.Helper()
	u, err := url.Parse(MySQLServer())
	if err != nil {
		tb.Fatalf("NUMBERD_TEST_MYSQL: %v", err)
	}
	cfg := gomysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatalf("mysql: %v", err)
	}
	if err := db.Ping(); err != nil {
		tb.Fatalf("NUMBERD_TEST_DB=mysql but the server at %s does not answer: %v", u.Host, err)
	}
	return db
}

// Open returns a fresh migrated database, closed when the test ends.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	return OpenDSN(tb, DSN(tb), store.Options{CountStatements: true})
}

// OpenDSN opens and migrates an existing --db value.
func OpenDSN(tb testing.TB, dsn string, opts store.Options) *store.DB {
	tb.Helper()
	cfg, err := store.ParseDSN(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.OpenMigrated(context.Background(), cfg, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
