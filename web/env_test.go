package web_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v2"

	"miniauth/api"
	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/password"
	"miniauth/web"
)

const testAppID = "wx0123456789abcdef"

// fastHasher keeps the tests quick: the cost parameters do not change what is tested.
var fastHasher = password.New(password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 4, 64)

// env is the console over a real store, mounted as in the server.
type env struct {
	t     *testing.T
	store *db.Store
	app   *fiber.App
	self  string // the live server's base URL (newLiveEnv only)
}

func newEnv(t *testing.T, store *db.Store) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	app := api.NewApp(log, web.ErrorHandler(log)) // as the server builds its listeners
	web.New(store, dbtest.Keys(t), web.Config{Hasher: fastHasher, Simulator: true}, log).Register(app)
	e := &env{t: t, store: store, app: app}
	e.operator("admin", db.RoleAdmin)
	e.operator("viewer", db.RoleViewer)
	return e
}

// operator creates an operator whose password is its name doubled.
func (e *env) operator(name, role string) {
	e.t.Helper()
	hash, err := fastHasher.Hash(context.Background(), name+name)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.CreateOperator(context.Background(), name, hash, role, db.SystemActor("test")); err != nil {
		e.t.Fatal(err)
	}
}

// wxUser logs a WeChat user in (one session) and gives them a nickname and phone; it
// returns the user id, the session id and the session's token hash.
func (e *env) wxUser(openid, nickname, phone string) (int64, int64, []byte) {
	e.t.Helper()
	ctx := context.Background()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	hash := sha256.Sum256(b)
	ref := sha256.Sum256(append(b, 1))
	u, sess, err := e.store.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: openid, Session: db.NewSession{
		TokenHash: hash[:], RefreshHash: ref[:], IP: "203.0.113.9", UserAgent: "test",
		AccessTTL: time.Hour, IdleTTL: 24 * time.Hour, MaxTTL: 48 * time.Hour}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.UpdateProfile(ctx, u.ID, db.Profile{NickName: nickname}, db.UserActor(u.ID, "")); err != nil {
		e.t.Fatal(err)
	}
	if phone != "" {
		if err := e.store.SetPhone(ctx, u.ID, phone, "86", db.UserActor(u.ID, "")); err != nil {
			e.t.Fatal(err)
		}
	}
	return u.ID, sess.ID, hash[:]
}

// browser is a cookie-keeping client of the console.
type browser struct {
	e       *env
	cookies map[string]string
	csrf    string
}

func (e *env) browser() *browser { return &browser{e: e, cookies: map[string]string{}} }

// page is an answer: status, headers, and the parsed document for HTML.
type page struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

func (b *browser) do(method, path string, form url.Values, header ...string) page {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.e.app.Test(req, -1)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", method, path, err)
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
	p := page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		p.doc, err = goquery.NewDocumentFromReader(strings.NewReader(p.body))
		if err != nil {
			b.e.t.Fatal(err)
		}
		if v, ok := p.doc.Find(`input[name="csrf"]`).First().Attr("value"); ok {
			b.csrf = v
		}
	}
	return p
}

func (b *browser) get(path string) page { return b.do(http.MethodGet, path, nil) }

// post sends a form with the page's CSRF token.
func (b *browser) post(path string, form url.Values) page {
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf)
	return b.do(http.MethodPost, path, form)
}

// signIn signs in as name (password: name doubled) and fails the test otherwise.
func (b *browser) signIn(name string) {
	b.e.t.Helper()
	b.get("/admin/login")
	p := b.post("/admin/login", url.Values{"username": {name}, "password": {name + name}})
	if p.status != http.StatusSeeOther {
		b.e.t.Fatalf("sign in as %s: status %d\n%s", name, p.status, p.body)
	}
}

// testids returns the texts of the nodes with a data-testid.
func (p page) count(testid string) int {
	if p.doc == nil {
		return 0
	}
	return p.doc.Find(fmt.Sprintf(`[data-testid=%q]`, testid)).Length()
}

func (p page) text(testid string) string {
	if p.doc == nil {
		return ""
	}
	return strings.TrimSpace(p.doc.Find(fmt.Sprintf(`[data-testid=%q]`, testid)).First().Text())
}
