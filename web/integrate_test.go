package web_test

import (
	"strings"
	"testing"

	"miniauth/api"
	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestIntegratePage: the Integrate page is in the navigation, fills this server's origin
// into the sample, and links the SDK, which the binary serves as JavaScript.
func TestIntegratePage(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		b := e.browser()
		b.signIn("admin")
		p := b.get("/admin/")
		if p.count("nav-integrate") != 1 || p.count("nav-apiref") != 1 {
			t.Fatalf("navigation: integrate %d, apiref %d", p.count("nav-integrate"), p.count("nav-apiref"))
		}
		p = b.get("/admin/integrate")
		if p.status != 200 || p.count("integrate") != 1 {
			t.Fatalf("integrate: %d", p.status)
		}
		base := p.doc.Find(`[data-testid="integrate-base-url"]`).Text()
		if !strings.HasPrefix(base, "http") {
			t.Fatalf("base URL %q", base)
		}
		if app := p.doc.Find(`[data-testid="integrate-app-js"]`).Text(); !strings.Contains(app, "baseURL: '"+base+"'") {
			t.Errorf("app.js sample lacks this server's URL %q:\n%s", base, app)
		}
		href, _ := p.doc.Find(`[data-testid="integrate-sdk"]`).Attr("href")
		if !strings.HasSuffix(href, "/static/sdk/miniauth.js") {
			t.Fatalf("SDK link %q", href)
		}
		sdk := b.get(href[len(base):])
		if sdk.status != 200 || !strings.Contains(sdk.header.Get("Content-Type"), "javascript") ||
			!strings.Contains(sdk.body, "createClient") {
			t.Errorf("SDK: %d %q", sdk.status, sdk.header.Get("Content-Type"))
		}
		// In Chinese too.
		p = b.do("GET", "/admin/integrate", nil, "Accept-Language", "zh-CN")
		if !strings.Contains(p.doc.Find(".card-title").First().Text(), "接入") {
			t.Errorf("Chinese title: %q", p.doc.Find(".card-title").First().Text())
		}
	})
}

// TestAPIReferencePage: every operation of the embedded contract has its section, with its
// documented answers and the error codes.
func TestAPIReferencePage(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		b := e.browser()
		b.signIn("admin")
		p := b.get("/admin/api")
		if p.status != 200 {
			t.Fatalf("api reference: %d", p.status)
		}
		doc, err := api.OpenAPI()
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				want++
				sec := p.doc.Find(`[data-testid="apiref-op"][data-path="` + path + `"][data-method="` + method + `"]`)
				if sec.Length() != 1 {
					t.Errorf("%s %s has no section", method, path)
					continue
				}
				if got := sec.Find(`[data-testid="apiref-response"]`).Length(); got != op.Responses.Len() {
					t.Errorf("%s %s: %d answers shown, %d documented", method, path, got, op.Responses.Len())
				}
			}
		}
		if got := p.count("apiref-op"); got != want {
			t.Errorf("%d operations shown, %d documented", got, want)
		}
		codes := p.doc.Find(`[data-testid="apiref-codes"]`).Text()
		for _, c := range []string{"token_expired", "server_busy", "invalid_ticket"} {
			if !strings.Contains(codes, c) {
				t.Errorf("error code %s not shown", c)
			}
		}
		login := p.doc.Find(`[data-testid="apiref-op"][data-path="/api/login"]`).Text()
		if !strings.Contains(login, "code") || !strings.Contains(login, "refresh_token") {
			t.Errorf("login section lacks its fields: %s", login)
		}
	})
}
