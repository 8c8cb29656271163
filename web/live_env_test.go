package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"miniauth/api"
	"miniauth/api/wechat"
	"miniauth/api/wechat/wxsim"
	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/web"
)

// newLiveEnv is the console mounted as in simulator mode: the simulator at /wxsim, the
// mini-program API at /api and the console at /admin, on one app that also listens on a
// loopback port, so the playground's calls and a mini-program's calls reach the same
// server.
func newLiveEnv(t *testing.T, store *db.Store) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	self := "http://" + ln.Addr().String()
	app := api.NewApp(log, web.ErrorHandler(log)) // as the server builds its listeners
	const secret = "test-app-secret"
	sim := wxsim.New(wxsim.Options{Apps: []wxsim.App{{AppID: testAppID, Secret: secret}}})
	sim.Register(app.Group("/wxsim"))
	wx := wechat.New(wechat.Config{AppID: testAppID, Secret: secret, BaseURL: self + "/wxsim",
		Backoff: time.Millisecond, MaxRetries: 2})
	api.New(store, wx, api.Config{AccessTTL: time.Hour, SessionIdle: 24 * time.Hour, SessionMax: 48 * time.Hour,
		Hasher: fastHasher}, log, nil).Register(app)
	web.New(store, dbtest.Keys(t), web.Config{Hasher: fastHasher, Simulator: true, SelfURL: self}, log).Register(app)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	e := &env{t: t, store: store, app: app, self: self}
	e.operator("admin", db.RoleAdmin)
	e.operator("viewer", db.RoleViewer)
	return e
}

// account creates a platform account whose password is pw.
func (e *env) account(username, pw string) int64 {
	e.t.Helper()
	hash, err := fastHasher.Hash(context.Background(), pw)
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.store.CreateAccount(context.Background(), username, "", hash, db.SystemActor("test"))
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

// apiCall posts JSON to the live server as a mini-program does; token, when set, is sent
// as the Bearer token.
func (e *env) apiCall(method, path, token string, body any) (int, map[string]any) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.self+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// wxCode is a fresh wx.login code of the simulated person simUser.
func (e *env) wxCode(simUser string) string {
	e.t.Helper()
	status, out := e.apiCall(http.MethodPost, "/wxsim/sim/login", "", map[string]any{"user": simUser})
	code, _ := out["code"].(string)
	if status != http.StatusOK || code == "" {
		e.t.Fatalf("simulator login %s: %d %v", simUser, status, out)
	}
	return code
}

// boundSession binds the simulated person simUser to the account username through the
// mini-program API (checkBind, then bind) and returns the WeChat user id and the token of
// the session that carries the account.
func (e *env) boundSession(simUser, username, pw string) (int64, string) {
	e.t.Helper()
	status, out := e.apiCall(http.MethodPost, "/api/user/checkBind", "", map[string]any{"code": e.wxCode(simUser)})
	ticket, _ := out["bindTicket"].(string)
	if status != http.StatusOK || ticket == "" {
		e.t.Fatalf("checkBind %s: %d %v", simUser, status, out)
	}
	status, out = e.apiCall(http.MethodPost, "/api/user/bind", "", map[string]any{"bindTicket": ticket, "username": username, "password": pw})
	token, _ := out["token"].(string)
	if status != http.StatusOK || token == "" {
		e.t.Fatalf("bind %s to %s: %d %v", simUser, username, status, out)
	}
	status, out = e.apiCall(http.MethodGet, "/api/user/info", token, nil)
	u, _ := out["user"].(map[string]any)
	id, _ := u["id"].(float64)
	if status != http.StatusOK || id == 0 {
		e.t.Fatalf("user/info after bind: %d %v", status, out)
	}
	return int64(id), token
}

// tokenAlive reports whether the API accepts token.
func (e *env) tokenAlive(token string) bool {
	e.t.Helper()
	status, out := e.apiCall(http.MethodGet, "/api/user/info", token, nil)
	switch status {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	}
	e.t.Fatalf("user/info: %d %v", status, out)
	return false
}

// upload posts a multipart form with one file field and the page's CSRF token.
func (b *browser) upload(path, field, filename string, content []byte) page {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", b.csrf)
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		b.e.t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.e.app.Test(req, -1)
	if err != nil {
		b.e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

// follow posts form to path, expects the POST-redirect-GET answer and returns the page it
// leads to, with its flash.
func (b *browser) follow(path string, form map[string][]string) page {
	b.e.t.Helper()
	p := b.post(path, form)
	return b.afterRedirect(path, p)
}

func (b *browser) afterRedirect(path string, p page) page {
	b.e.t.Helper()
	if p.status != http.StatusSeeOther {
		b.e.t.Fatalf("POST %s: status %d, want 303\n%s", path, p.status, p.body)
	}
	return b.get(p.header.Get("Location"))
}

// flash is the page's flash message: its kind ("success", "error") and text.
func (p page) flash() (kind, msg string) {
	if p.doc == nil {
		return "", ""
	}
	f := p.doc.Find(`[data-testid="flash"]`).First()
	kind, _ = f.Attr("data-kind")
	return kind, strings.TrimSpace(f.Text())
}

// rowsWith returns how many nodes with testid contain text.
func (p page) rowsWith(testid, text string) int {
	if p.doc == nil {
		return 0
	}
	n := 0
	p.doc.Find(fmt.Sprintf(`[data-testid=%q]`, testid)).Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(s.Text(), text) {
			n++
		}
	})
	return n
}

// audited returns the audit page's rows of action by operator (the audit page filters
// on both).
func (b *browser) audited(action, operator string) page {
	b.e.t.Helper()
	return b.get("/admin/audit?action=" + action + "&actor=operator:" + operator)
}
