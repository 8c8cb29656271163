package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"miniauth/db/dbtest"
)

// TestMain lets the test binary stand in for the miniauth binary, so the crash test can
// run it as a child process and kill it without building anything.
func TestMain(m *testing.M) {
	if os.Getenv("MINIAUTH_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(dbtest.Main(m))
}

// child is miniauth running as a separate process.
type child struct {
	cmd  *exec.Cmd
	base string
	logs bytes.Buffer
}

func startChild(t *testing.T, env []string) *child {
	t.Helper()
	c := &child{}
	addr := freeAddr(t)
	c.base = "http://" + addr
	c.cmd = exec.Command(os.Args[0])
	c.cmd.Env = append(os.Environ(), append(env, "MINIAUTH_TEST_AS_MAIN=1", "MINIAUTH_ADDR="+addr,
		"MINIAUTH_INTERNAL_ADDR=off", "MINIAUTH_LOGIN_RATE_PER_IP=0")...)
	c.cmd.Stdout, c.cmd.Stderr = &c.logs, &c.logs
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.cmd.Process.Kill(); _ = c.cmd.Wait() })
	for i := 0; i < 400; i++ {
		if resp, err := http.Get(c.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("child did not start:\n%s", c.logs.String())
	return nil
}

func postJSON(url string, body any, token string) (int, map[string]any, error) {
	return postJSONWith(http.DefaultClient, url, body, token)
}

func postJSONWith(client *http.Client, url string, body any, token string) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, nil
}

// TestKillUnderLoad kills miniauth with SIGKILL in the middle of a login flood: after a
// restart every session whose login was answered 200 must still be alive.
func TestKillUnderLoad(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			var url string
			if dialect == "postgres" {
				url = dbtest.PostgresURL(t)
			} else {
				url = filepath.Join(t.TempDir(), "crash.db")
			}
			env := []string{"MINIAUTH_DATABASE_URL=" + url}
			c := startChild(t, env)

			var mu sync.Mutex
			var answered []string
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for w := 0; w < 16; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						st, out, err := postJSON(c.base+"/wxsim/sim/login", map[string]any{"user": fmt.Sprintf("crash-%d-%d", w, i)}, "")
						if err != nil || st != 200 {
							return
						}
						st, out, err = postJSON(c.base+"/api/login", map[string]any{"code": out["code"]}, "")
						if err != nil {
							return // the process died under this request: nothing was promised
						}
						if st == 200 {
							mu.Lock()
							answered = append(answered, out["token"].(string))
							mu.Unlock()
						}
					}
				}()
			}
			time.Sleep(1500 * time.Millisecond)
			if err := c.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			close(stop)
			wg.Wait()
			_ = c.cmd.Wait()
			if len(answered) < 10 {
				t.Fatalf("only %d logins before the kill; the test proves nothing", len(answered))
			}

			c2 := startChild(t, env)
			lost := 0
			for _, tok := range answered {
				st, out, err := postJSON(c2.base+"/api/checklogin", nil, tok)
				if err != nil || st != 200 || out["is_login"] != true {
					lost++
				}
			}
			if lost > 0 {
				t.Fatalf("%d of %d answered logins lost by kill -9", lost, len(answered))
			}
			t.Logf("%d answered logins survived kill -9", len(answered))
		})
	}
}
