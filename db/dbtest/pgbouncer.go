package dbtest

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Pgbouncer runs pgbouncer in transaction pooling mode (pool_mode=transaction, at most
// poolSize server connections) in front of the PostgreSQL database at direct, a URL from
// PostgresURL, and returns the URL of that database through it. It stops when the test
// ends. Without pgbouncer on PATH (or in /usr/sbin) the test is skipped, or fails under
// CI=true.
func Pgbouncer(t testing.TB, direct string, poolSize int) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/pgbouncer"); serr != nil {
			msg := "dbtest: pgbouncer not found on PATH (install the pgbouncer package)"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		bin = "/usr/sbin/pgbouncer"
	}
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	name := strings.TrimPrefix(u.Path, "/")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	_, lport, _ := net.SplitHostPort(listen)

	// pgbouncer refuses to run as root; it then runs as nobody, who must read the files.
	dir, err := os.MkdirTemp("", "miniauth-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	conn := fmt.Sprintf("host=%s port=%s dbname=%s user=%s", host, port, name, user)
	if pass != "" {
		conn += " password=" + pass
	}
	// lib/pq sends extra_float_digits at start-up, which pgbouncer must be told to pass over.
	ini := fmt.Sprintf(`[databases]
%s = %s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %s
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
`, name, conn, lport, filepath.Join(dir, "userlist.txt"), poolSize)
	write := func(file, text string) string {
		p := filepath.Join(dir, file)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("userlist.txt", fmt.Sprintf("%q %q\n", user, pass))
	args := []string{write("pgbouncer.ini", ini)}
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "nobody"}, args...)
	}
	logs := &LogBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbtest: start pgbouncer: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", listen)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			t.Fatalf("dbtest: pgbouncer stopped:\n%s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("dbtest: pgbouncer does not listen on %s:\n%s", listen, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	pooled := *u
	pooled.Host = listen
	return pooled.String()
}

// LogBuffer collects a process's or a server's output; safe for concurrent writers.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
