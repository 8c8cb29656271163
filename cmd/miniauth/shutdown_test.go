package main

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"miniauth/api/wechat/wxsim"
	"miniauth/db/dbtest"
)

// TestGracefulShutdownUnderLoad runs miniauth as a child process with a 1 s drain, puts
// it under a load of token checks and logins from 8 goroutines, and sends SIGTERM. From
// the signal on /readyz answers 503 while requests are still served; then the listener
// closes. Every request that was answered was answered as usual (a refused connection
// after the signal is fine: the listener is closed), the process exits 0 with its
// shutdown line, and the last-seen time of the session used during the load reached the
// database (it is otherwise written once a minute).
func TestGracefulShutdownUnderLoad(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			driver, dbURL := "sqlite", filepath.Join(t.TempDir(), "shutdown.db")
			if dialect == "postgres" {
				driver, dbURL = "postgres", dbtest.PostgresURL(t)
			}
			// WeChat is a simulator of its own, as real WeChat would be: not served by the
			// listener that is shutting down.
			const appID, secret = "wx5e5e5e5e5e5e5e5e", "shutdown-test-secret"
			sim := wxsim.New(wxsim.Options{Apps: []wxsim.App{{AppID: appID, Secret: secret}}})
			simApp := sim.Handler()
			sln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = simApp.Listener(sln) }()
			t.Cleanup(func() { _ = simApp.Shutdown() })
			simURL := "http://" + sln.Addr().String()
			key := make([]byte, 32)
			_, _ = rand.Read(key)

			addr, iaddr := freeAddr(t), freeAddr(t)
			base, internal := "http://"+addr, "http://"+iaddr
			var logs bytes.Buffer
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "MINIAUTH_TEST_AS_MAIN=1", "MINIAUTH_ADDR="+addr, "MINIAUTH_INTERNAL_ADDR="+iaddr,
				"MINIAUTH_DATABASE_URL="+dbURL, "MINIAUTH_SHUTDOWN_DRAIN=1s", "MINIAUTH_LOGIN_RATE_PER_IP=0",
				"MINIAUTH_WECHAT_APPID="+appID, "MINIAUTH_WECHAT_SECRET="+secret, "MINIAUTH_WECHAT_API_BASE="+simURL,
				"MINIAUTH_SECRET_KEYS="+base64.StdEncoding.EncodeToString(key))
			cmd.Stdout, cmd.Stderr = &logs, &logs
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := false
			t.Cleanup(func() {
				if !exited {
					_ = cmd.Process.Kill()
					_ = cmd.Wait()
				}
			})
			// One connection per request: an answer or a refusal, never a reused
			// connection the server closed while idle.
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}
			ready := false
			for i := 0; i < 400 && !ready; i++ {
				if resp, err := client.Get(internal + "/readyz"); err == nil {
					resp.Body.Close()
					ready = resp.StatusCode == 200
				}
				if !ready {
					time.Sleep(25 * time.Millisecond)
				}
			}
			if !ready {
				t.Fatalf("child did not become ready:\n%s", logs.String())
			}
			post := func(path, token string, body any) (int, map[string]any, error) {
				return postJSONWith(client, base+path, body, token)
			}
			_, out, err := postJSONWith(client, simURL+"/sim/login", map[string]any{"user": "steady"}, "")
			if err != nil {
				t.Fatal(err)
			}
			st, out, err := post("/api/login", "", map[string]any{"code": out["code"]})
			if err != nil || st != 200 {
				t.Fatalf("login: %d %v", st, err)
			}
			token := out["token"].(string)

			var signalled atomic.Bool
			var answered, afterSignal, afterReadyDown, failed atomic.Int64
			var saw503 atomic.Bool
			var mu sync.Mutex
			var failures []string
			fail := func(s string) {
				failed.Add(1)
				mu.Lock()
				failures = append(failures, s)
				mu.Unlock()
			}
			// done is called with a request's error and ends the worker's loop. Before the
			// signal any error is a failure. After it, a refused connection is the closed
			// listener, and a reset one a connection the kernel had queued but the server
			// never accepted (closing a listener resets its queue) or never read: neither
			// request reached miniauth. A request miniauth read and then dropped ends
			// otherwise (EOF: the server closed the connection without an answer): a failure.
			var refused atomic.Int64
			done := func(what string, err error) bool {
				switch {
				case !signalled.Load():
					fail(fmt.Sprintf("%s before the signal: %v", what, err))
				case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
					refused.Add(1)
				default:
					fail(fmt.Sprintf("%s after the signal, neither refused nor reset: %v", what, err))
				}
				return true
			}
			var wg sync.WaitGroup
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						// Sent once readiness was seen down: served only thanks to the drain.
						sentAfterReadyDown := saw503.Load()
						if w%2 == 0 { // token checks on the steady session
							st, out, err := post("/api/checklogin", token, nil)
							if err != nil && done("checklogin", err) {
								return
							}
							if st != 200 || out["is_login"] != true {
								fail(fmt.Sprintf("checklogin answered %d %v", st, out))
							}
						} else { // logins
							st, out, err := postJSONWith(client, simURL+"/sim/login", map[string]any{"user": fmt.Sprintf("load-%d-%d", w, i)}, "")
							if err != nil {
								fail(fmt.Sprintf("simulator: %v", err))
								return
							}
							if st != 200 {
								fail(fmt.Sprintf("sim login answered %d", st))
								continue
							}
							st, out, err = post("/api/login", "", map[string]any{"code": out["code"]})
							if err != nil && done("login", err) {
								return
							}
							if st != 200 {
								fail(fmt.Sprintf("login answered %d %v", st, out))
							}
						}
						answered.Add(1)
						if signalled.Load() {
							afterSignal.Add(1)
						}
						if sentAfterReadyDown {
							afterReadyDown.Add(1)
						}
					}
				}()
			}
			// Readiness, watched from the internal listener.
			probeDone := make(chan struct{})
			go func() {
				defer close(probeDone)
				for {
					resp, err := client.Get(internal + "/readyz")
					if err != nil {
						if signalled.Load() {
							return
						}
						continue
					}
					resp.Body.Close()
					if resp.StatusCode == 503 && signalled.Load() {
						saw503.Store(true)
					}
					if resp.StatusCode != 200 && !signalled.Load() {
						fail(fmt.Sprintf("readyz answered %d before the signal", resp.StatusCode))
					}
				}
			}()
			for answered.Load() < 100 {
				time.Sleep(10 * time.Millisecond)
			}
			// A slow login (WeChat takes 2.5 s) sent during the 1 s drain is still in flight
			// when the listener closes: it must be answered, not dropped.
			_, slowOut, err := postJSONWith(client, simURL+"/sim/login", map[string]any{"user": "slow"}, "")
			if err != nil {
				t.Fatal(err)
			}
			signalled.Store(true)
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if st, _, err := postJSONWith(client, simURL+"/sim/faults", map[string]any{"api": "jscode2session", "user": "slow", "delay_ms": 2500, "times": 1}, ""); err != nil || st != 200 {
				t.Fatalf("simulator fault: %d %v", st, err)
			}
			slow := make(chan string, 1)
			go func() {
				st, out, err := post("/api/login", "", map[string]any{"code": slowOut["code"]})
				if err != nil || st != 200 {
					slow <- fmt.Sprintf("%d %v %v", st, out, err)
					return
				}
				slow <- ""
			}()
			wg.Wait()
			if msg := <-slow; msg != "" {
				t.Errorf("the login in flight when the listener closed was not answered: %s", msg)
			}
			<-probeDone
			werr := cmd.Wait()
			exited = true

			if failed.Load() > 0 {
				t.Errorf("%d failed requests, e.g. %v", failed.Load(), failures[:min(5, len(failures))])
			}
			if !saw503.Load() {
				t.Error("/readyz never answered 503 after SIGTERM")
			}
			if afterReadyDown.Load() == 0 {
				t.Error("no request sent after /readyz turned 503 was served: the drain did not keep serving")
			}
			if werr != nil {
				t.Errorf("miniauth exited with %v\n%s", werr, logs.String())
			}
			if !strings.Contains(logs.String(), "shutdown complete") {
				t.Errorf("no shutdown line in the log:\n%s", logs.String())
			}
			d, err := sql.Open(driver, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var created, seen int64
			if err := d.QueryRow(`SELECT created_at, last_seen_at FROM sessions ORDER BY id LIMIT 1`).Scan(&created, &seen); err != nil {
				t.Fatal(err)
			}
			if seen <= created {
				t.Errorf("the steady session's last_seen_at (%d) was not flushed at shutdown (created %d)", seen, created)
			}
			t.Logf("%d requests answered, %d after SIGTERM, %d sent after readiness went down; %d workers refused",
				answered.Load(), afterSignal.Load(), afterReadyDown.Load(), refused.Load())
		})
	}
}

// TestSecondSignalStopsAtOnce: during a long drain a second SIGTERM ends the process
// without waiting for the drain to run out.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	addr := freeAddr(t)
	var logs syncBuffer
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "MINIAUTH_TEST_AS_MAIN=1", "MINIAUTH_ADDR="+addr, "MINIAUTH_INTERNAL_ADDR=off",
		"MINIAUTH_DATABASE_URL="+filepath.Join(t.TempDir(), "twice.db"), "MINIAUTH_SHUTDOWN_DRAIN=5m")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-waited
	})
	status := func() int {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 400 && status() != 200; i++ {
		time.Sleep(25 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 400 && status() != 503; i++ {
		time.Sleep(25 * time.Millisecond)
	}
	if st := status(); st != 503 {
		t.Fatalf("readyz during the drain: %d\n%s", st, logs.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waited:
		waited <- err
		if err == nil {
			t.Fatal("the process exited 0 on the second signal; it should die of it")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("a second SIGTERM did not end the process during a 5 minute drain")
	}
}
