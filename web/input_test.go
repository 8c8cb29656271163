package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestConsoleRefusesNonText: query parameters and form fields that are not text (invalid
// UTF-8, NUL) reach no SQL: the console answers a 400 page naming the field, not a 503.
func TestConsoleRefusesNonText(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		e.wxUser("o-text", "Text", "")
		b := e.browser()
		b.signIn("admin")
		for _, path := range []string{
			"/admin/users?q=%ff%00", "/admin/users?q=%00", "/admin/users?q=a%ffb",
			"/admin/sessions?ip=%ff", "/admin/sessions?account=%00x", "/admin/audit?actor=%ff%00",
			"/admin/accounts?q=%ff", "/admin/bindings?q=%00", "/admin/users/export.csv?q=%ff",
		} {
			p := b.get(path)
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, "invalid UTF-8 or NUL") {
				t.Fatalf("%s: want the 400 page, got %d\n%s", path, p.status, p.body)
			}
			if p.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%s: error page without no-store", path)
			}
		}
		if p := b.get("/admin/users?q=Text"); p.status != http.StatusOK {
			t.Fatalf("a plain search: %d", p.status)
		}

		p := b.post("/admin/accounts", url.Values{"username": {"nul"}, "name": {"a\x00b"}, "password": {"pw-123456"}})
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "(name)") {
			t.Fatalf("account with a NUL in its name: %d\n%s", p.status, p.body)
		}
		p = b.post("/admin/accounts", url.Values{"username": {"bad"}, "name": {"\xffname"}, "password": {"pw-123456"}})
		if p.status != http.StatusBadRequest {
			t.Fatalf("account with invalid UTF-8 in its name: %d\n%s", p.status, p.body)
		}
		for _, u := range []string{"nul", "bad"} {
			if _, err := store.AccountByUsername(context.Background(), u); err == nil {
				t.Fatalf("a refused form created account %s", u)
			}
		}
	})
}

// TestConsoleAnswersAreNotStored: every /admin answer, error pages included, says
// no-store.
func TestConsoleAnswersAreNotStored(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		b := e.browser()
		check := func(name string, p page) {
			t.Helper()
			if p.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("%s (%d): Cache-Control %q", name, p.status, p.header.Get("Cache-Control"))
			}
		}
		check("sign-in page", b.get("/admin/login"))
		check("signed-out page", b.get("/admin/users"))
		check("csrf refusal", b.do(http.MethodPost, "/admin/login", url.Values{"username": {"admin"}}))
		b.signIn("admin")
		check("users", b.get("/admin/users"))
		check("unknown page", b.get("/admin/nowhere"))
		check("missing user", b.get("/admin/users/999999"))
	})
}
