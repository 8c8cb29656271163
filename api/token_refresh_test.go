package api

import (
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestConcurrentRefreshSharesOneRotation: a mini-program firing 50 refreshes with one
// refresh token, through two instances on one database, is never logged out: every call
// gets the same new pair and the session lives. After the grace period the old refresh
// token is reuse and ends the session.
func TestConcurrentRefreshSharesOneRotation(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			u := dbtest.SQLiteURL(t)
			if dialect == db.DialectPostgres {
				u = dbtest.PostgresURL(t)
			}
			start := time.Now()
			a := newEnv(t, dbtest.OpenURL(t, u))
			b := newEnv(t, dbtest.OpenURL(t, u))
			a.setNow(start)
			b.setNow(start)
			first := a.login("nina")
			old := first.str("refresh_token")

			const callers = 50
			res := make([]result, callers)
			var wg sync.WaitGroup
			for i := range res {
				wg.Add(1)
				go func() {
					defer wg.Done()
					e := a
					if i%2 == 1 {
						e = b
					}
					res[i] = e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": old})
				}()
			}
			wg.Wait()
			tok, ref := res[0].str("token"), res[0].str("refresh_token")
			for i, r := range res {
				if r.status != 200 {
					t.Fatalf("caller %d logged out: %d %s", i, r.status, r.raw)
				}
				if r.str("token") != tok || r.str("refresh_token") != ref {
					t.Fatalf("caller %d got another pair", i)
				}
			}
			if tok == first.str("token") || ref == old || len(tok) != 43 || len(ref) != 43 {
				t.Fatalf("not a new pair: %s", res[0].raw)
			}
			for _, e := range []*env{a, b} {
				if c := e.call("GET", "/api/checklogin", tok, nil); c.body["is_login"] != true {
					t.Fatalf("the shared pair must be alive: %s", c.raw)
				}
				if c := e.call("GET", "/api/checklogin", first.str("token"), nil); c.body["is_login"] != false {
					t.Fatalf("the old access token must die: %s", c.raw)
				}
			}

			// After the grace period the old refresh token is reuse: 401, session ended.
			late := start.Add(db.RefreshGrace + time.Second)
			a.setNow(late)
			b.setNow(late)
			wantError(t, b.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": old}), 401, "unauthorized")
			if c := b.call("GET", "/api/checklogin", tok, nil); c.body["is_login"] != false {
				t.Fatalf("reuse must end the session: %s", c.raw)
			}
			wantError(t, a.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": ref}), 401, "unauthorized")
		})
	}
}
