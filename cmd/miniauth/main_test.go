package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"miniauth/db/dbtest"
)

// syncBuffer collects a server's log lines.
type syncBuffer = dbtest.LogBuffer

// freeAddr returns a loopback address with a free port. The ports it hands out stay
// reserved for the test binary's life, so two calls never return the same one.
func freeAddr(t *testing.T) string {
	t.Helper()
	reserveMu.Lock()
	defer reserveMu.Unlock()
	for i := 0; i < 100; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if !reserved[addr] {
			reserved[addr] = true
			return addr
		}
	}
	t.Fatal("no free port")
	return ""
}

var (
	reserveMu sync.Mutex
	reserved  = map[string]bool{}
)

// instance is miniauth started through run(), as the binary would be.
type instance struct {
	base, internal string
	out            *syncBuffer // standard output: the first operator's password
	logs           *syncBuffer // standard error: the JSON logs
}

func startInstance(t *testing.T, env map[string]string) *instance {
	t.Helper()
	in := &instance{out: &syncBuffer{}, logs: &syncBuffer{}}
	addr, iaddr := freeAddr(t), freeAddr(t)
	full := map[string]string{"MINIAUTH_ADDR": addr, "MINIAUTH_INTERNAL_ADDR": iaddr, "MINIAUTH_SHUTDOWN_DRAIN": "0"}
	for k, v := range env {
		full[k] = v
	}
	getenv := func(k string) string { return full[k] }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, getenv, strings.NewReader(""), in.out, in.logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve ended with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	in.base, in.internal = "http://"+addr, "http://"+iaddr
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(in.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return in
			}
		}
		select {
		case err := <-done:
			t.Fatalf("miniauth stopped: %v\n%s", err, in.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("miniauth did not become ready\n%s", in.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func (in *instance) do(t *testing.T, method, path, token string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, in.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func (in *instance) login(t *testing.T, user string) answer {
	t.Helper()
	code := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": user}).body["code"]
	a := in.do(t, "POST", "/api/login", "", map[string]any{"code": code})
	if a.status != 200 {
		t.Fatalf("login: %d %s", a.status, a.raw)
	}
	return a
}

// TestServeDefault runs the README's run command's configuration (SQLite, simulator mode)
// and walks a mini-program's whole life over real HTTP.
func TestServeDefault(t *testing.T) {
	dir := t.TempDir()
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": filepath.Join(dir, "data", "miniauth.db")})
	if !strings.Contains(in.logs.String(), "SIMULATOR MODE") {
		t.Fatalf("simulator mode must be loud:\n%s", in.logs.String())
	}
	keyFile := filepath.Join(dir, "data", "miniauth.db.keys")
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("generated key file beside the database with mode 0600: %v %v", st, err)
	}

	l := in.login(t, "alice")
	tok, ref := l.body["token"].(string), l.body["refresh_token"].(string)
	if a := in.do(t, "GET", "/api/checklogin", tok, nil); a.body["is_login"] != true {
		t.Fatalf("checklogin: %s", a.raw)
	}
	if a := in.do(t, "POST", "/api/user/profile", tok, map[string]any{"nickName": "Alice"}); a.status != 200 {
		t.Fatalf("profile: %s", a.raw)
	}
	pcode := in.do(t, "POST", "/wxsim/sim/phonecode", "", map[string]any{"user": "alice", "phoneNumber": "13812345678"}).body["code"]
	if a := in.do(t, "POST", "/api/user/phone", tok, map[string]any{"code": pcode}); a.status != 200 {
		t.Fatalf("phone: %s", a.raw)
	}
	r := in.do(t, "POST", "/api/token/refresh", "", map[string]any{"refresh_token": ref})
	if r.status != 200 {
		t.Fatalf("refresh: %s", r.raw)
	}
	tok2 := r.body["token"].(string)
	if a := in.do(t, "GET", "/api/user/info", tok2, nil); a.status != 200 || a.body["user"].(map[string]any)["phoneNumber"] != "138****5678" {
		t.Fatalf("info: %s", a.raw)
	}
	if a := in.do(t, "POST", "/api/logout", tok2, nil); a.status != 200 {
		t.Fatalf("logout: %s", a.raw)
	}
	tok3 := in.login(t, "alice").body["token"].(string)
	if a := in.do(t, "POST", "/api/user/delete", tok3, nil); a.status != 200 {
		t.Fatalf("delete: %s", a.raw)
	}

	// The internal listener has the metrics; the public one does not.
	resp, err := http.Get(in.internal + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "miniauth_logins_total") {
		t.Fatalf("metrics: %s", b)
	}
	if a := in.do(t, "GET", "/metrics", "", nil); a.status == 200 {
		t.Fatal("metrics must not be on the public listener")
	}

	// Secrets never reach the logs.
	logs := in.logs.String()
	for _, s := range []string{tok, ref, tok2, tok3, pcode.(string)} {
		if strings.Contains(logs, s) {
			t.Fatalf("a secret reached the logs")
		}
	}
}

// TestTwoInstancesSharePostgres starts two instances on one PostgreSQL database: a session
// started on one is known to the other, and a logout on one is honoured by the other.
func TestTwoInstancesSharePostgres(t *testing.T) {
	url := dbtest.PostgresURL(t)
	env := map[string]string{"MINIAUTH_DATABASE_URL": url}
	a := startInstance(t, env)
	b := startInstance(t, env)
	tok := a.login(t, "pat").body["token"].(string)
	if r := b.do(t, "GET", "/api/user/info", tok, nil); r.status != 200 {
		t.Fatalf("instance b does not know a's session: %d %s", r.status, r.raw)
	}
	if r := a.do(t, "POST", "/api/logout", tok, nil); r.status != 200 {
		t.Fatalf("logout on a: %s", r.raw)
	}
	deadline := time.Now().Add(time.Second + 500*time.Millisecond)
	for {
		r := b.do(t, "GET", "/api/checklogin", tok, nil)
		if r.body["is_login"] == false {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance b still accepts a token logged out on a: %s", r.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConfig(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"MINIAUTH_ADDR", "MINIAUTH_DATABASE_URL", "MINIAUTH_WECHAT_APPID", "MINIAUTH_SECRET_KEYS", "MINIAUTH_LOGIN_RATE_PER_IP", "MINIAUTH_SESSION_MAX"} {
		if !strings.Contains(out.String(), env) {
			t.Errorf("--help does not list %s", env)
		}
	}
	// Each bad setting must be refused with a message that names its rule, so deleting a
	// rule turns its case red.
	bad := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"appid without secret", map[string]string{"MINIAUTH_WECHAT_APPID": "wx123"}, "set both MINIAUTH_WECHAT_APPID and MINIAUTH_WECHAT_SECRET"},
		{"secret without appid", map[string]string{"MINIAUTH_WECHAT_SECRET": "s"}, "set both MINIAUTH_WECHAT_APPID and MINIAUTH_WECHAT_SECRET"},
		{"duration", map[string]string{"MINIAUTH_ACCESS_TTL": "forever"}, `MINIAUTH_ACCESS_TTL: "forever" is not a duration`},
		{"negative rate", map[string]string{"MINIAUTH_LOGIN_RATE_PER_IP": "-3"}, "MINIAUTH_LOGIN_RATE_PER_IP must be a whole number >= 0"},
		{"proxy prefix", map[string]string{"MINIAUTH_TRUSTED_PROXIES": "10.0.0.0/99"}, "MINIAUTH_TRUSTED_PROXIES"},
		{"log level", map[string]string{"MINIAUTH_LOG_LEVEL": "loud"}, "MINIAUTH_LOG_LEVEL must be debug, info, warn or error"},
		{"zero idle", map[string]string{"MINIAUTH_SESSION_IDLE": "0s"}, "MINIAUTH_SESSION_IDLE must be positive"},
		{"user cache size", map[string]string{"MINIAUTH_USER_CACHE_SIZE": "0"}, "MINIAUTH_USER_CACHE_SIZE must be a whole number >= 1"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), nil, func(k string) string { return tc.env[k] }, nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: start-up must fail with %q, got %v", tc.env, tc.want, err)
			}
		})
	}
	// PostgreSQL with real WeChat credentials and no keys refuses to start.
	err := run(context.Background(), []string{"migrate"}, func(k string) string {
		return map[string]string{"MINIAUTH_DATABASE_URL": "postgres://nobody@127.0.0.1:1/x",
			"MINIAUTH_WECHAT_APPID": "wx1", "MINIAUTH_WECHAT_SECRET": "s"}[k]
	}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "MINIAUTH_SECRET_KEYS") {
		t.Errorf("PostgreSQL without keys: %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, nil, io.Discard, io.Discard); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("unknown command must fail: %v", err)
	}
}

// startStandaloneSim runs `miniauth wxsim --addr` on a free port until the test ends and
// returns its address (the listener may still be starting).
func startStandaloneSim(t *testing.T) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"wxsim", "--addr", addr}, func(string) string { return "" }, nil, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return addr
}

// TestStandaloneSimulator runs `miniauth wxsim --addr` and plays wx.login against it.
func TestStandaloneSimulator(t *testing.T) {
	addr := startStandaloneSim(t)
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		resp, err = http.Post("http://"+addr+"/sim/login", "application/json", strings.NewReader(`{"user":"sam"}`))
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Code string }
	_ = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if len(v.Code) != 32 {
		t.Fatalf("simulated wx.login code: %q", v.Code)
	}
	resp, err = http.Get("http://" + addr + "/sns/jscode2session?appid=" + SimAppID + "&secret=simsecret&js_code=" + v.Code + "&grant_type=authorization_code")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&s)
	resp.Body.Close()
	if s["openid"] == nil || s["session_key"] == nil {
		t.Fatalf("code2Session against the standalone simulator: %v", s)
	}
}
