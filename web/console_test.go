package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

func TestSignInAndOut(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		b := e.browser()
		if p := b.get("/admin/users?q=x"); p.status != http.StatusSeeOther ||
			p.header.Get("Location") != "/admin/login?next=%2Fadmin%2Fusers%3Fq%3Dx" {
			t.Fatalf("signed out: %d %q", p.status, p.header.Get("Location"))
		}
		b.get("/admin/login")
		p := b.post("/admin/login", url.Values{"username": {"admin"}, "password": {"wrong password"}})
		if p.status != http.StatusUnauthorized || p.count("login-error") != 1 {
			t.Fatalf("wrong password: %d, login-error %d", p.status, p.count("login-error"))
		}
		p = b.post("/admin/login", url.Values{"username": {"admin"}, "password": {"adminadmin"}, "next": {"/admin/sessions"}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/sessions" {
			t.Fatalf("sign in: %d %q", p.status, p.header.Get("Location"))
		}
		p = b.get("/admin/sessions")
		if p.status != 200 || p.text("operator") == "" {
			t.Fatalf("signed in: %d, operator %q", p.status, p.text("operator"))
		}
		old := b.cookies["miniauth_console"]
		if p := b.post("/admin/logout", nil); p.status != http.StatusSeeOther {
			t.Fatalf("logout: %d", p.status)
		}
		// The copied cookie is worthless: the row behind it is gone.
		b2 := e.browser()
		b2.cookies["miniauth_console"] = old
		if p := b2.get("/admin/users"); p.status != http.StatusSeeOther {
			t.Fatalf("old cookie after logout: %d", p.status)
		}
	})
}

func TestSignInThrottled(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, db.DialectSQLite))
	b := e.browser()
	b.get("/admin/login")
	for i := 0; i < db.OperatorSignInPerUser; i++ {
		b.post("/admin/login", url.Values{"username": {"admin"}, "password": {"nope nope"}})
	}
	p := b.post("/admin/login", url.Values{"username": {"admin"}, "password": {"adminadmin"}})
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("attempt past the limit, right password: %d, want 429", p.status)
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, db.DialectSQLite))
	_, sessID, _ := e.wxUser("o-csrf", "csrf", "")
	b := e.browser()
	b.signIn("admin")
	b.get("/admin/sessions")
	path := fmt.Sprintf("/admin/sessions/%d/revoke", sessID)
	cases := []struct {
		name   string
		form   url.Values
		header []string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url.Values{"csrf": {"x" + b.csrf}}, nil},
		{"foreign origin", url.Values{"csrf": {b.csrf}}, []string{"Origin", "https://evil.example"}},
		{"cross-site fetch", url.Values{"csrf": {b.csrf}}, []string{"Sec-Fetch-Site", "cross-site"}},
	}
	for _, c := range cases {
		if p := b.do(http.MethodPost, path, c.form, c.header...); p.status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", c.name, p.status)
		}
	}
	if p := b.do(http.MethodPost, "/admin/login", url.Values{"username": {"admin"}, "password": {"adminadmin"}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in without token: %d, want 403", p.status)
	}
	if p := b.get("/admin/sessions"); p.count("session-row") != 1 {
		t.Fatalf("session revoked by a refused POST")
	}
	// Same origin with the token goes through.
	p := b.do(http.MethodPost, path, url.Values{"csrf": {b.csrf}, "back": {"/admin/sessions"}}, "Origin", "http://example.com")
	if p.status != http.StatusSeeOther {
		t.Fatalf("same-origin POST: %d", p.status)
	}
}

func TestRevokeSessionEndsToken(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		userID, sessID, hash := e.wxUser("o-rev", "Revoke Me", "")
		ctx := context.Background()
		if _, err := s.CheckToken(ctx, hash); err != nil {
			t.Fatalf("token before revoke: %v", err) // also puts it in the cache
		}
		b := e.browser()
		b.signIn("admin")
		p := b.get(fmt.Sprintf("/admin/users/%d", userID))
		if p.count("session-row") != 1 || p.count("session-revoke") != 1 {
			t.Fatalf("detail: %d session rows, %d revoke buttons", p.count("session-row"), p.count("session-revoke"))
		}
		p = b.post(fmt.Sprintf("/admin/sessions/%d/revoke", sessID), url.Values{"back": {fmt.Sprintf("/admin/users/%d", userID)}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", p.status)
		}
		p = b.get(p.header.Get("Location"))
		if p.count("flash") != 1 || p.count("session-row") != 0 {
			t.Fatalf("after revoke: flash %d, session rows %d", p.count("flash"), p.count("session-row"))
		}
		if _, err := s.CheckToken(ctx, hash); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("token after revoke: %v, want ErrNotFound", err)
		}
		p = b.get("/admin/audit?action=session.revoke")
		if p.count("audit-row") != 1 || !strings.Contains(p.doc.Find(`[data-testid="audit-row"]`).Text(), "admin") {
			t.Fatalf("audit: %d rows", p.count("audit-row"))
		}
	})
}

func TestViewerChangesNothing(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		userID, sessID, _ := e.wxUser("o-view", "Viewer Target", "")
		b := e.browser()
		b.signIn("viewer")
		p := b.get(fmt.Sprintf("/admin/users/%d", userID))
		if p.status != 200 || p.count("session-row") != 1 || p.count("session-revoke") != 0 {
			t.Fatalf("viewer detail: %d, rows %d, revoke buttons %d", p.status, p.count("session-row"), p.count("session-revoke"))
		}
		for _, path := range []string{
			fmt.Sprintf("/admin/sessions/%d/revoke", sessID),
			fmt.Sprintf("/admin/users/%d/sessions/revoke", userID),
			fmt.Sprintf("/admin/users/%d/erase", userID),
			"/admin/accounts", "/admin/bindings", "/admin/operators",
		} {
			if p := b.post(path, url.Values{"confirm": {"yes"}}); p.status != http.StatusForbidden || p.count("error-page") != 1 {
				t.Errorf("viewer POST %s: %d, want the 403 page", path, p.status)
			}
		}
		for _, path := range []string{"/admin/users/export.csv", "/admin/operators"} {
			if p := b.get(path); p.status != http.StatusForbidden {
				t.Errorf("viewer GET %s: %d, want 403", path, p.status)
			}
		}
		if p := b.get("/admin/sessions"); p.count("session-row") != 1 {
			t.Fatal("a viewer's POST changed something")
		}
	})
}

func TestUsersSearchAndPages(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		var ids []int64
		for i := 0; i < 55; i++ {
			id, _, _ := e.wxUser(fmt.Sprintf("o-user-%02d", i), fmt.Sprintf("用户%02d号", i), fmt.Sprintf("139000000%02d", i))
			ids = append(ids, id)
		}
		special, _, _ := e.wxUser("o-special-openid", "张小明 Zhang", "13812345678")
		b := e.browser()
		b.signIn("admin")
		for _, c := range []struct {
			q    string
			want int
		}{
			{"小明", 1},          // short: scanned
			{"张小明", 1},         // trigram
			{"zhang", 1},       // case-insensitive
			{"13812345678", 1}, // phone, exact
			{"o-special-openid", 1},
			{"用户07号", 1},
			{"nobody-at-all", 0},
		} {
			p := b.get("/admin/users?q=" + url.QueryEscape(c.q))
			if got := p.count("user-row"); got != c.want {
				t.Errorf("q=%q: %d rows, want %d", c.q, got, c.want)
			}
			if c.want == 0 && p.count("empty") != 1 {
				t.Errorf("q=%q: no empty state", c.q)
			}
		}
		p := b.get("/admin/users?q=" + url.QueryEscape("13812345678"))
		if phone := p.text("user-phone"); phone != "138****5678" {
			t.Errorf("phone shown as %q, want masked", phone)
		}
		// 56 users: pages of 50, newest first, deep pages by cursor.
		p = b.get("/admin/users")
		first, _ := p.doc.Find(`[data-testid="user-row"]`).First().Attr("data-user-id")
		if p.count("user-row") != 50 || first != fmt.Sprint(special) {
			t.Fatalf("first page: %d rows, first %s", p.count("user-row"), first)
		}
		next, ok := p.doc.Find(`[data-testid="next-page"]`).Attr("href")
		if !ok {
			t.Fatal("no next page")
		}
		p = b.get(next)
		if p.count("user-row") != 6 || p.count("next-page") != 0 || p.count("prev-page") != 1 {
			t.Fatalf("second page: %d rows", p.count("user-row"))
		}
		prev, _ := p.doc.Find(`[data-testid="prev-page"]`).Attr("href")
		if p = b.get(prev); p.count("user-row") != 50 {
			t.Fatalf("back to first page: %d rows", p.count("user-row"))
		}
		// Filters.
		if p = b.get("/admin/users?bound=yes"); p.count("user-row") != 0 {
			t.Errorf("bound=yes: %d rows", p.count("user-row"))
		}
		_ = ids
	})
}

func TestUsersExport(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, db.DialectSQLite))
	e.wxUser("o-x1", "=cmd|' /C calc'!A0", "13812345678")
	e.wxUser("o-x2", "李雷", "")
	b := e.browser()
	b.signIn("admin")
	p := b.get("/admin/users/export.csv")
	if p.status != 200 || !strings.HasPrefix(p.body, "\ufeffid,") {
		t.Fatalf("export: %d %q", p.status, p.body[:min(len(p.body), 20)])
	}
	if !strings.Contains(p.body, "'=cmd") || strings.Contains(p.body, "13812345678") || !strings.Contains(p.body, "李雷") {
		t.Fatalf("export body:\n%s", p.body)
	}
	if p = b.get("/admin/audit?action=users.export"); p.count("audit-row") != 1 {
		t.Fatalf("export not audited")
	}
}

func TestHeadersAndLanguage(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, db.DialectSQLite))
	b := e.browser()
	p := b.do(http.MethodGet, "/admin/login", nil, "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8")
	if lang, _ := p.doc.Find("html").Attr("lang"); !strings.HasPrefix(lang, "zh") {
		t.Errorf("Accept-Language zh: html lang %q", lang)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
	} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s: %q", h, got)
		}
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	if !strings.HasPrefix(p.header.Get("Server-Timing"), "app;dur=") {
		t.Errorf("Server-Timing %q", p.header.Get("Server-Timing"))
	}
	href, _ := p.doc.Find(`[data-testid="lang-switch"]`).Attr("href")
	p = b.get(href)
	if p.status != http.StatusSeeOther || b.cookies["miniauth_lang"] != "en" {
		t.Fatalf("lang switch: %d, cookie %q", p.status, b.cookies["miniauth_lang"])
	}
	p = b.do(http.MethodGet, "/admin/login", nil, "Accept-Language", "zh-CN")
	if lang, _ := p.doc.Find("html").Attr("lang"); lang != "en" {
		t.Errorf("after switch: html lang %q", lang)
	}
	p = b.get("/static/css/app.css?v=1")
	if p.status != 200 || !strings.Contains(p.header.Get("Cache-Control"), "immutable") || p.header.Get("Content-Security-Policy") == "" {
		t.Errorf("static: %d, cache %q", p.status, p.header.Get("Cache-Control"))
	}
	p = b.get("/admin/no-such-page")
	if p.status != 404 || p.count("error-page") != 1 {
		t.Errorf("404 page: %d", p.status)
	}
}
