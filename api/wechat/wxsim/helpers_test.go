package wxsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"miniauth/api/wechat"
	"miniauth/api/wechat/wxsim"
)

const (
	appA    = "wxaaaaaaaaaaaaaaaa"
	secretA = "secret-of-app-a"
	appB    = "wxbbbbbbbbbbbbbbbb"
	secretB = "secret-of-app-b"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a simulator listening on a real loopback socket.
type env struct {
	t    *testing.T
	sim  *wxsim.Sim
	base string
	clk  *clock
	// openid of a logged-in user, for calls that need one
	openid string
}

// start runs a simulator with apps A (bound to an Open Platform) and B unless opts names
// apps, on a fake clock.
func start(t *testing.T, opts wxsim.Options) *env {
	t.Helper()
	if opts.Apps == nil {
		opts.Apps = []wxsim.App{
			{AppID: appA, Secret: secretA, OpenPlatformID: "open-platform-1"},
			{AppID: appB, Secret: secretB},
		}
	}
	clk := &clock{t: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clk.now
	}
	sim := wxsim.New(opts)
	app := sim.Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return &env{t: t, sim: sim, base: "http://" + ln.Addr().String(), clk: clk}
}

// client is the real WeChat client pointed at the simulator.
func (e *env) client(appid, secret string) *wechat.Client {
	return wechat.New(wechat.Config{AppID: appid, Secret: secret, BaseURL: e.base, Backoff: time.Millisecond})
}

// post sends JSON and decodes the JSON answer, returning the HTTP status.
func (e *env) post(path string, body any) (int, map[string]any) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(e.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	return decode(e.t, resp)
}

func (e *env) get(path string, q url.Values) (int, map[string]any) {
	e.t.Helper()
	u := e.base + path
	if q != nil {
		u += "?" + q.Encode()
	}
	resp, err := http.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	return decode(e.t, resp)
}

func decode(t *testing.T, resp *http.Response) (int, map[string]any) {
	t.Helper()
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("not JSON (%d): %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// ok posts to the control surface and fails the test unless it answers 200.
func (e *env) ok(path string, body any) map[string]any {
	e.t.Helper()
	st, out := e.post(path, body)
	if st != 200 {
		e.t.Fatalf("%s: %d %v", path, st, out)
	}
	return out
}

func (e *env) login(user, appid string) string {
	e.t.Helper()
	return e.ok("/sim/login", map[string]any{"user": user, "appid": appid})["code"].(string)
}

func (e *env) fault(f map[string]any) { e.t.Helper(); e.ok("/sim/faults", f) }

// exchange calls jscode2session directly and returns the answer.
func (e *env) exchange(appid, secret, code string) map[string]any {
	e.t.Helper()
	st, out := e.get("/sns/jscode2session", url.Values{"appid": {appid}, "secret": {secret},
		"js_code": {code}, "grant_type": {"authorization_code"}})
	if st != 200 {
		e.t.Fatalf("WeChat paths always answer 200, got %d", st)
	}
	return out
}

// errcode is the errcode of an answer, 0 if absent.
func errcode(m map[string]any) int {
	n, _ := m["errcode"].(float64)
	return int(n)
}
