package main

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"miniauth/db/dbtest"
)

// TestInstancesThroughTransactionPooler runs two instances on one PostgreSQL database,
// each through pgbouncer in transaction pooling mode, as docs/scaling.md describes: they
// migrate together, a user logs in and binds an account, a logout on either instance is
// refused by the other within the feed's second, and the console answers. Only instance a
// has a direct URL for LISTEN; b follows the feed by polling.
func TestInstancesThroughTransactionPooler(t *testing.T) {
	direct := dbtest.PostgresURL(t)
	pooled := dbtest.Pgbouncer(t, direct, 8)
	env := map[string]string{
		"MINIAUTH_DATABASE_URL":    pooled,
		"MINIAUTH_DATABASE_POOLER": "transaction",
		"MINIAUTH_SECRET_KEYS":     "c2hhcmVkIGJ5IGV2ZXJ5IGluc3RhbmNlIG9mIHRoaXMgdGVzdCE=",
		"MINIAUTH_ADMIN_PASSWORD":  "admin-password-1",
		"MINIAUTH_LOG_LEVEL":       "warn",
	}
	getenv := func(k string) string { return env[k] }

	// Three migrators at once through the pooler: the lock lets one migrate, the others
	// find the schema current.
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- run(context.Background(), []string{"migrate"}, getenv, strings.NewReader(""), &syncBuffer{}, &syncBuffer{})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate through the pooler: %v", err)
		}
	}

	// An account to bind to, created with the CLI through the pooler.
	var out syncBuffer
	if err := run(context.Background(), []string{"account", "create", "carol", "--name", "Carol", "--password-stdin"},
		getenv, strings.NewReader("carol's password\n"), &out, &out); err != nil {
		t.Fatalf("account create: %v\n%s", err, out.String())
	}

	envA := map[string]string{"MINIAUTH_DATABASE_DIRECT_URL": direct}
	for k, v := range env {
		envA[k] = v
	}
	a := startInstance(t, envA)
	b := startInstance(t, env)

	// a's feed listens on the direct URL: PostgreSQL shows a session whose last statement
	// is the LISTEN.
	admin, err := sql.Open("postgres", direct)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	for i := 0; ; i++ {
		var n int
		if err := admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= 1 {
			break
		}
		if i == 250 {
			t.Fatal("no LISTEN session on the database: the direct URL is not used")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Login on a, known on b; many requests on both to use many pooled connections.
	tok := a.login(t, "pat").body["token"].(string)
	for range 20 {
		for _, in := range []*instance{a, b} {
			if r := in.do(t, "GET", "/api/user/info", tok, nil); r.status != 200 {
				t.Fatalf("user/info: %d %s", r.status, r.raw)
			}
		}
	}

	// checkBind then bind, on different instances.
	code := a.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": "carol-wx"}).body["code"].(string)
	cb := a.do(t, "GET", "/api/user/checkBind?code="+url.QueryEscape(code), "", nil)
	if cb.body["code"] != float64(301) {
		t.Fatalf("checkBind of an unbound user: %d %s", cb.status, cb.raw)
	}
	bd := b.do(t, "POST", "/api/user/bind", "", map[string]any{"bindTicket": cb.body["bindTicket"], "username": "carol", "password": "carol's password"})
	if bd.status != 200 || bd.body["code"] != float64(1) {
		t.Fatalf("bind: %d %s", bd.status, bd.raw)
	}
	bound := bd.body["token"].(string)
	if r := a.do(t, "GET", "/api/user/info", bound, nil); r.status != 200 || !strings.Contains(r.raw, "carol") {
		t.Fatalf("the bound session on a: %d %s", r.status, r.raw)
	}

	// A logout on one instance is refused by the other, which had the token cached.
	refusedOn := func(in *instance, tok string) {
		t.Helper()
		// The feed polls every second; the half second more is the poll's own time.
		deadline := time.Now().Add(1500 * time.Millisecond)
		for {
			r := in.do(t, "GET", "/api/checklogin", tok, nil)
			if r.body["is_login"] == false {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still accepts a token logged out on the other instance: %s", in.base, r.raw)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if r := a.do(t, "POST", "/api/logout", tok, nil); r.status != 200 {
		t.Fatalf("logout on a: %s", r.raw)
	}
	refusedOn(b, tok) // b polls
	if r := b.do(t, "GET", "/api/checklogin", bound, nil); r.body["is_login"] != true {
		t.Fatalf("checklogin on b: %s", r.raw)
	}
	if r := b.do(t, "POST", "/api/logout", bound, nil); r.status != 200 {
		t.Fatalf("logout on b: %s", r.raw)
	}
	refusedOn(a, bound) // a listens on the direct URL

	// The console: sign in as admin on a, list the users on b (the cookie is sealed with
	// keys derived from the shared MINIAUTH_SECRET_KEYS; cookies ignore the port).
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := func(path string) string {
		resp, err := hc.Get(a.base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		doc, err := goquery.NewDocumentFromReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := doc.Find(`input[name="csrf"]`).First().Attr("value")
		return v
	}
	resp, err := hc.PostForm(a.base+"/admin/login", url.Values{"csrf": {csrf("/admin/login")}, "username": {"admin"}, "password": {"admin-password-1"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console sign-in: status %d", resp.StatusCode)
	}
	resp, err = hc.Get(b.base + "/admin/users")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || doc.Find(`[data-testid="operator"]`).Length() == 0 {
		t.Fatalf("console users page: status %d, %v", resp.StatusCode, err)
	}

	// Nothing went wrong behind the scenes: no "prepared statement" or feed errors.
	for _, in := range []*instance{a, b} {
		if logs := in.logs.String(); strings.Contains(logs, `"level":"ERROR"`) {
			t.Fatalf("errors in the logs of %s:\n%s", in.base, logs)
		}
	}
}
