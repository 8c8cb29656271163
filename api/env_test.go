package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/api/wechat"
	"miniauth/api/wechat/wxsim"
	"miniauth/db"
	"miniauth/db/dbtest"
)

const (
	testAppID  = "wx0123456789abcdef"
	testSecret = "test-app-secret"
)

// env is the real API over a real store, talking to a real simulator over a socket.
type env struct {
	t      *testing.T
	store  *db.Store
	sim    *wxsim.Sim
	simURL string
	app    *fiber.App
	h      *Handler
}

func newEnv(t *testing.T, store *db.Store, mutate ...func(*Config)) *env {
	t.Helper()
	sim := wxsim.New(wxsim.Options{Apps: []wxsim.App{{AppID: testAppID, Secret: testSecret}}})
	simApp := sim.Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = simApp.Listener(ln) }()
	t.Cleanup(func() { _ = simApp.Shutdown() })
	simURL := "http://" + ln.Addr().String()
	wx := wechat.New(wechat.Config{AppID: testAppID, Secret: testSecret, BaseURL: simURL,
		Backoff: time.Millisecond, MaxRetries: 2})

	e := &env{t: t, store: store, sim: sim, simURL: simURL}
	cfg := Config{AccessTTL: 2 * time.Hour, SessionIdle: 720 * time.Hour, SessionMax: 4320 * time.Hour,
		ServiceKeys: []string{"service-key-0123456789"}}
	for _, m := range mutate {
		m(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.h = New(store, wx, cfg, log, nil)
	// Built as the server builds its listeners; only the console's error pages are
	// missing (api cannot import web), and no /api path reaches them.
	e.app = NewApp(log, nil)
	e.h.Register(e.app)
	e.h.RegisterInternal(e.app)
	return e
}

// setNow moves the server's one clock, the store's, to t (zero: back to the wall clock).
func (e *env) setNow(t time.Time) { dbtest.SetNow(e.t, e.store, t) }

// simCall posts JSON to the simulator's control surface.
func (e *env) simCall(path string, body any) map[string]any {
	e.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(e.simURL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatalf("simulator %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("simulator %s: status %d, %v", path, resp.StatusCode, err)
	}
	return out
}

// code is what wx.login gives the simulated person user.
func (e *env) code(user string) string {
	return e.simCall("/sim/login", map[string]any{"user": user})["code"].(string)
}

// simUser is what WeChat knows of user (test-only view of the simulator).
func (e *env) simUser(user string) map[string]any {
	e.t.Helper()
	resp, err := http.Get(e.simURL + "/sim/users/" + user)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out
}

// result is an API answer.
type result struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (r result) str(k string) string {
	s, _ := r.body[k].(string)
	return s
}

func (r result) num(k string) float64 {
	n, _ := r.body[k].(float64)
	return n
}

func (r result) obj(k string) map[string]any {
	m, _ := r.body[k].(map[string]any)
	return m
}

// call sends a request; body is JSON-encoded unless it is a string or []byte already.
func (e *env) call(method, path, token string, body any) result {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

// send is how every handler test reaches the API: each exchange is checked against the
// contract, api/openapi.yaml (checkContract).
func (e *env) send(req *http.Request) result {
	e.t.Helper()
	var sent []byte
	if req.Body != nil {
		sent, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	checked := req.Clone(req.Context())
	resp, err := e.app.Test(req, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	checkContract(e.t, checked, sent, r)
	return r
}

// upload posts a multipart avatar.
func (e *env) upload(token, field string, data []byte) result {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, "avatar.bin")
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/api/user/avatar", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

// login logs user in and returns the answer, failing the test unless it is 200.
func (e *env) login(user string) result {
	e.t.Helper()
	r := e.call("POST", "/api/login", "", map[string]any{"code": e.code(user)})
	if r.status != 200 {
		e.t.Fatalf("login %s: %d %s", user, r.status, r.raw)
	}
	return r
}

// wantError checks an error answer's status and code.
func wantError(t *testing.T, r result, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error") != code || r.str("message") == "" {
		t.Fatalf("want %d %s with a message, got %d %s", status, code, r.status, r.raw)
	}
}
