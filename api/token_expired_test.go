package api

import (
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestTokenExpiredTellsRefreshFromLogin: an access token past its own end while its
// session lives answers 401 token_expired on every authenticated route (a refresh will
// work, and does); every other dead token keeps 401 unauthorized (log in again): unknown,
// malformed, missing, rotated away by a refresh, logged out, past the session's idle end.
func TestTokenExpiredTellsRefreshFromLogin(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store, func(c *Config) { c.AccessTTL = time.Minute; c.SessionIdle = time.Hour })
		start := time.Now()
		e.setNow(start)
		first := e.login("tess")
		tok, ref := first.str("token"), first.str("refresh_token")
		if r := e.call("GET", "/api/user/info", tok, nil); r.status != 200 {
			t.Fatalf("fresh token: %d %s", r.status, r.raw)
		}

		e.setNow(start.Add(2 * time.Minute)) // the access token is past its end, the session is not
		for _, rt := range []struct{ method, path string }{
			{"GET", "/api/user/info"}, {"POST", "/api/user/profile"}, {"POST", "/api/user/phone"},
			{"POST", "/api/logout"}, {"POST", "/api/user/delete"}, {"POST", "/api/user/unbind"},
		} {
			wantError(t, e.call(rt.method, rt.path, tok, map[string]any{"nickName": "x", "code": "c"}), 401, "token_expired")
		}
		if r := e.call("GET", "/api/checklogin", tok, nil); r.body["is_login"] != false {
			t.Fatalf("checklogin of an expired token: %s", r.raw)
		}
		if r := e.call("POST", "/internal/introspect", "service-key-0123456789", map[string]any{"token": tok}); r.body["active"] != false {
			t.Fatalf("introspect of an expired token: %s", r.raw)
		}
		// The refresh that token_expired promises works, and the old token is then unknown.
		r := e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": ref})
		if r.status != 200 {
			t.Fatalf("refresh after token_expired: %d %s", r.status, r.raw)
		}
		wantError(t, e.call("GET", "/api/user/info", tok, nil), 401, "unauthorized")
		tok2 := r.str("token")
		if r := e.call("GET", "/api/user/info", tok2, nil); r.status != 200 {
			t.Fatalf("refreshed token: %d %s", r.status, r.raw)
		}

		// Other 401s keep unauthorized.
		wantError(t, e.call("GET", "/api/user/info", "", nil), 401, "unauthorized")
		wantError(t, e.call("GET", "/api/user/info", "short", nil), 401, "unauthorized")
		wantError(t, e.call("GET", "/api/user/info", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil), 401, "unauthorized")

		// A session past its idle end: the access token is expired too, but only a login helps.
		e.setNow(start.Add(2*time.Minute + 2*time.Hour))
		wantError(t, e.call("GET", "/api/user/info", tok2, nil), 401, "unauthorized")

		// A logged-out session whose access token has since expired: unauthorized.
		e.setNow(start)
		other := e.login("tess").str("token")
		if r := e.call("POST", "/api/logout", other, nil); r.status != 200 {
			t.Fatalf("logout: %d %s", r.status, r.raw)
		}
		e.setNow(start.Add(2 * time.Minute))
		wantError(t, e.call("GET", "/api/user/info", other, nil), 401, "unauthorized")
	})
}
