package api

import (
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestStoreDown: when the database cannot answer, token checks are 503 — never a 401 or
// is_login:false that would make the mini-program throw its user out.
func TestStoreDown(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		tok := e.login("quinn").str("token")
		if r := e.call("GET", "/api/checklogin", tok, nil); r.body["is_login"] != true {
			t.Fatalf("checklogin: %s", r.raw)
		}
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
		unknown := strings.Repeat("B", 43) // well-formed, never cached: must ask the database
		wantError(t, e.call("GET", "/api/checklogin", unknown, nil), 503, "store_unavailable")
		wantError(t, e.call("GET", "/api/user/info", unknown, nil), 503, "store_unavailable")
		wantError(t, e.call("POST", "/api/login", "", map[string]any{"code": e.code("quinn")}), 503, "store_unavailable")
		if r := e.call("GET", "/readyz", "", nil); r.status != 503 {
			t.Fatalf("readyz with the database down: %d", r.status)
		}
		// A token checked before the outage is still known to the cache.
		if r := e.call("GET", "/api/checklogin", tok, nil); r.status != 200 {
			t.Fatalf("cached token during an outage: %d %s", r.status, r.raw)
		}
	})
}
