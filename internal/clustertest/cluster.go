// Package clustertest runs numberd against a real multi-primary database
// cluster: a 3-node MariaDB Galera cluster on loopback, started and stopped
// by the test itself (make test-galera). Every process it starts is tracked
// by pid and killed at the end.
package clustertest

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
)

// Node is one Galera node.
type Node struct {
	Index                                 int
	Port, GComm, IST, SST                 int
	Dir, Socket, PidFile, ErrLog, DataDir string
	cmd                                   *exec.Cmd
	cluster                               *Cluster
}

// Cluster is a Galera cluster of Nodes.
type Cluster struct {
	t     *testing.T
	Nodes []*Node
	dir   string
}

// Provider options tuned for loopback: a killed node is noticed and evicted
// within a few seconds instead of Galera's WAN-friendly defaults.
const providerTuning = "evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.inactive_check_period=PT0.5S;evs.install_timeout=PT3S;gmcast.peer_timeout=PT2S"

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartCluster initialises and starts n Galera nodes; the first one
// bootstraps the cluster, the others join it by state transfer (rsync).
func StartCluster(t *testing.T, n int) *Cluster {
	t.Helper()
	for _, bin := range []string{"/usr/sbin/mariadbd", "/usr/bin/mariadb-install-db", "/usr/lib/galera/libgalera_smm.so", "/usr/bin/rsync"} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%s is missing: install mariadb-server, galera-4 and rsync (.ci/run does)", bin)
		}
	}
	c := &Cluster{t: t, dir: t.TempDir()}
	// The joiner's rsync daemon (state transfer) runs as nobody: the path
	// to the datadirs must be traversable and joiner datadirs writable by it.
	os.Chmod(c.dir, 0o755)
	os.Chmod(filepath.Dir(c.dir), 0o755)
	for i := 0; i < n; i++ {
		nd := &Node{Index: i, Port: freePort(t), GComm: freePort(t), IST: freePort(t), SST: freePort(t), cluster: c}
		nd.Dir = filepath.Join(c.dir, fmt.Sprintf("node%d", i))
		nd.DataDir = filepath.Join(nd.Dir, "data")
		nd.Socket = filepath.Join(nd.Dir, "mysqld.sock")
		nd.PidFile = filepath.Join(nd.Dir, "mysqld.pid")
		nd.ErrLog = filepath.Join(nd.Dir, "error.log")
		os.MkdirAll(nd.Dir, 0o755)
		c.Nodes = append(c.Nodes, nd)
	}
	t.Cleanup(c.Stop)
	// Only the bootstrap node needs a system database; joiners get the
	// whole state from the cluster.
	first := c.Nodes[0]
	out, err := exec.Command("/usr/bin/mariadb-install-db", "--no-defaults", "--datadir="+first.DataDir, "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	first.Start(true)
	first.WaitReady(60 * time.Second)
	for _, nd := range c.Nodes[1:] {
		os.MkdirAll(nd.DataDir, 0o755)
		os.Chmod(nd.Dir, 0o755)
		nd.Start(false)
		nd.WaitReady(120 * time.Second)
	}
	c.WaitSize(n, 60*time.Second)
	return c
}

func (c *Cluster) gcommAddress() string {
	var addrs []string
	for _, nd := range c.Nodes {
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", nd.GComm))
	}
	return "gcomm://" + strings.Join(addrs, ",")
}

// Start runs mariadbd for the node (bootstrap: --wsrep-new-cluster).
func (nd *Node) Start(bootstrap bool) {
	t := nd.cluster.t
	args := []string{"--no-defaults", "--datadir=" + nd.DataDir, "--socket=" + nd.Socket,
		fmt.Sprintf("--port=%d", nd.Port), "--bind-address=127.0.0.1", "--user=root",
		"--pid-file=" + nd.PidFile, "--log-error=" + nd.ErrLog,
		"--innodb-buffer-pool-size=96M", "--max-connections=300",
		"--binlog-format=ROW", "--innodb-autoinc-lock-mode=2", "--default-storage-engine=InnoDB",
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin",
		"--wsrep-on=ON", "--wsrep-provider=/usr/lib/galera/libgalera_smm.so",
		"--wsrep-cluster-name=numberd-test", "--wsrep-cluster-address=" + nd.cluster.gcommAddress(),
		fmt.Sprintf("--wsrep-node-address=127.0.0.1:%d", nd.GComm), fmt.Sprintf("--wsrep-node-name=node%d", nd.Index),
		fmt.Sprintf("--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:%d;ist.recv_addr=127.0.0.1:%d;%s", nd.GComm, nd.IST, providerTuning),
		fmt.Sprintf("--wsrep-sst-receive-address=127.0.0.1:%d", nd.SST), "--wsrep-sst-method=rsync",
	}
	if bootstrap {
		args = append(args, "--wsrep-new-cluster")
	} else {
		// A joiner may receive a full state transfer: let rsync (running as
		// nobody) own its datadir, including files mariadbd wrote as root.
		filepath.WalkDir(nd.DataDir, func(p string, _ os.DirEntry, err error) error {
			if err == nil {
				os.Lchown(p, 65534, 65534)
			}
			return nil
		})
	}
	cmd := exec.Command("/usr/sbin/mariadbd", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node%d: %v", nd.Index, err)
	}
	nd.cmd = cmd
	go cmd.Wait()
}

// DSN is numberd's --db value for this node.
func (nd *Node) DSN(db string) string {
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/%s?timeout=2s&readTimeout=10s&writeTimeout=10s", nd.Port, db)
}

// SQL opens a plain connection to the node.
func (nd *Node) SQL(db string) *sql.DB {
	d, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s?timeout=2s&parseTime=true", nd.Port, db))
	if err != nil {
		nd.cluster.t.Fatal(err)
	}
	return d
}

// Status reads one SHOW STATUS value.
func (nd *Node) Status(name string) string {
	d := nd.SQL("")
	defer d.Close()
	var k, v string
	if err := d.QueryRow("SHOW STATUS LIKE '"+name+"'").Scan(&k, &v); err != nil {
		return ""
	}
	return v
}

// WaitReady waits until the node is synced and accepts queries.
func (nd *Node) WaitReady(max time.Duration) {
	t := nd.cluster.t
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		if nd.Status("wsrep_ready") == "ON" && nd.Status("wsrep_local_state_comment") == "Synced" {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	b, _ := os.ReadFile(nd.ErrLog)
	t.Fatalf("node%d not ready after %s; error log tail:\n%s", nd.Index, max, tail(string(b), 3000))
}

// WaitSize waits until every running node sees a cluster of n.
func (c *Cluster) WaitSize(n int, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		ok := true
		for _, nd := range c.Nodes {
			if nd.Alive() && nd.Status("wsrep_cluster_size") != fmt.Sprint(n) {
				ok = false
			}
		}
		if ok {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	c.t.Fatalf("cluster did not reach size %d", n)
}

// Alive reports whether the node's process runs.
func (nd *Node) Alive() bool {
	return nd.cmd != nil && nd.cmd.Process != nil && syscall.Kill(nd.cmd.Process.Pid, 0) == nil
}

// Kill stops the node with SIGKILL, like a crashed server.
func (nd *Node) Kill() {
	if nd.Alive() {
		syscall.Kill(-nd.cmd.Process.Pid, syscall.SIGKILL)
		nd.cmd.Process.Kill()
	}
	for i := 0; i < 100 && nd.Alive(); i++ {
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills every node the cluster started.
func (c *Cluster) Stop() {
	for _, nd := range c.Nodes {
		nd.Kill()
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Numberd is a numberd process.
type Numberd struct {
	Base string
	cmd  *exec.Cmd
	out  *os.File
}

// StartNumberd runs the numberd binary on dsn and waits until it serves.
func StartNumberd(t *testing.T, bin, dsn, masterKey, logPath string) *Numberd {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--db", dsn, "--log-format", "json",
		"--activate-rate", "0", "--auth-rate", "0", "--auth-cache-ttl", "0", "--drain-timeout", "5s")
	cmd.Env = append(os.Environ(), "NUMBERD_MASTER_API_KEY="+masterKey)
	pipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Numberd{cmd: cmd, out: logf}
	t.Cleanup(p.Stop)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			logf.Write(append(sc.Bytes(), '\n'))
			var line struct{ Msg, Addr string }
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "numberd serving" {
				addr <- line.Addr
				sent = true
			}
		}
	}()
	go cmd.Wait()
	select {
	case a := <-addr:
		p.Base = "http://" + a
	case <-time.After(90 * time.Second):
		t.Fatalf("numberd did not start (log %s)", logPath)
	}
	return p
}

// Stop terminates the process (SIGTERM, then SIGKILL).
func (p *Numberd) Stop() {
	if p.cmd.Process == nil {
		return
	}
	pid := p.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 100; i++ {
		if syscall.Kill(pid, 0) != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	p.out.Close()
}
