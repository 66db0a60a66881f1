// Package mariadbtest runs a private MariaDB server for tests that must
// stop, kill, freeze and restart their database: its own data directory,
// socket and TCP port, started from the Debian binaries
// (/usr/sbin/mariadbd, mariadb-install-db), as root (--user=root: the test
// suite runs as root), with no password. Every process it starts is stopped
// by pid when the test ends.
package mariadbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// Binary is the server binary the package runs.
const Binary = "/usr/sbin/mariadbd"

// Server is one private MariaDB instance.
type Server struct {
	tb   testing.TB
	Dir  string
	Port int
	cmd  *exec.Cmd
	done chan struct{}
}

// Start installs a fresh data directory and starts the server on a free
// port. It fails the test with a clear message when the binaries are
// missing (CI installs Debian's mariadb-server).
func Start(tb testing.TB) *Server {
	tb.Helper()
	if _, err := os.Stat(Binary); err != nil {
		tb.Fatalf("this test runs its own MariaDB server and needs %s (Debian package mariadb-server; .ci/run installs it): %v", Binary, err)
	}
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		tb.Fatalf("this test needs mariadb-install-db (Debian package mariadb-server): %v", err)
	}
	dir, err := os.MkdirTemp("", "numberd-mariadb-")
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{tb: tb, Dir: dir}
	tb.Cleanup(func() {
		s.kill()
		if tb.Failed() {
			tb.Logf("MariaDB data directory and error log kept in %s", dir)
		} else {
			os.RemoveAll(dir)
		}
	})
	out, err := exec.Command(install, "--no-defaults", "--datadir="+filepath.Join(dir, "data"), "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve").CombinedOutput()
	if err != nil {
		tb.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	s.Port = freePort(tb)
	s.Start()
	return s
}

func freePort(tb testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start (re)starts the server on its data directory and port and waits
// until it accepts connections.
func (s *Server) Start() {
	s.tb.Helper()
	if s.cmd != nil {
		s.tb.Fatal("mariadbtest: server already running")
	}
	cmd := exec.Command(Binary, "--no-defaults",
		"--datadir="+filepath.Join(s.Dir, "data"), "--user=root",
		"--bind-address=127.0.0.1", "--port="+strconv.Itoa(s.Port),
		"--socket="+filepath.Join(s.Dir, "mysqld.sock"), "--pid-file="+filepath.Join(s.Dir, "mysqld.pid"),
		"--log-error="+filepath.Join(s.Dir, "error.log"), "--skip-log-bin", "--skip-name-resolve",
		"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M", "--max-connections=200",
	)
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("start mariadbd: %v", err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(s.done)
	deadline := time.Now().Add(60 * time.Second)
	for {
		db, err := sql.Open("mysql", s.rootDSN(""))
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			return
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
			s.cmd = nil
			s.tb.Fatalf("mariadbd exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("mariadbd does not answer on port %d: %v", s.Port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Signal sends sig to the server process.
func (s *Server) Signal(sig syscall.Signal) {
	s.tb.Helper()
	if s.cmd == nil {
		s.tb.Fatal("mariadbtest: server not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("signal mariadbd: %v", err)
	}
}

// Freeze stops the server with SIGSTOP and returns once every one of its
// threads is stopped (the signal is delivered asynchronously: a query could
// still be answered a moment after kill returns).
func (s *Server) Freeze() {
	s.tb.Helper()
	s.Signal(syscall.SIGSTOP)
	tasks := fmt.Sprintf("/proc/%d/task", s.cmd.Process.Pid)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		entries, err := os.ReadDir(tasks)
		if err != nil {
			return
		}
		all := true
		for _, e := range entries {
			b, err := os.ReadFile(tasks + "/" + e.Name() + "/stat")
			// The state is the field after the parenthesised command name.
			if i := strings.LastIndexByte(string(b), ')'); err == nil && i >= 0 && i+2 < len(b) && b[i+2] != 'T' && b[i+2] != 't' {
				all = false
				break
			}
		}
		if all {
			return
		}
	}
	s.tb.Fatal("mariadbd did not stop on SIGSTOP")
}

// Stop sends sig (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits
// for the process to exit.
func (s *Server) Stop(sig syscall.Signal) {
	s.tb.Helper()
	s.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		s.tb.Fatal("mariadbd did not exit")
	}
	s.cmd = nil
}

func (s *Server) kill() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGCONT)
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

func (s *Server) rootDSN(db string) string {
	cfg := gomysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.User, cfg.DBName = "tcp", fmt.Sprintf("127.0.0.1:%d", s.Port), "root", db
	cfg.Timeout = 2 * time.Second
	cfg.ParseTime = true
	return cfg.FormatDSN()
}

// URL returns numberd's --db value for database db (created if missing).
func (s *Server) URL(db string) string {
	s.tb.Helper()
	c, err := sql.Open("mysql", s.rootDSN(""))
	if err != nil {
		s.tb.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Exec("CREATE DATABASE IF NOT EXISTS " + db + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		s.tb.Fatalf("create database: %v", err)
	}
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/%s", s.Port, db)
}

// Open returns a plain connection to database db (for checks).
func (s *Server) Open(db string) *sql.DB {
	s.tb.Helper()
	c, err := sql.Open("mysql", s.rootDSN(db))
	if err != nil {
		s.tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.PingContext(ctx); err != nil {
		s.tb.Fatal(err)
	}
	s.tb.Cleanup(func() { c.Close() })
	return c
}
