package api

import (
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestWarmChecksReadNoDatabase caches a bound user's session, user and account through
// introspect and user/info, then closes the store's connection pools: the same calls still
// answer in full from memory, while a token not yet cached cannot be answered (503), which
// shows the pools are really gone.
func TestWarmChecksReadNoDatabase(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		acc := e.account("petra", "Petra P.", "pw-0123456789")
		r := e.bind(e.ticket("petra"), "", "petra", "pw-0123456789")
		tok := r.str("token")
		if r.status != 200 || tok == "" {
			t.Fatalf("bind: %d %s", r.status, r.raw)
		}
		if r := e.call("POST", "/api/user/profile", tok, map[string]any{"nickName": "Petra"}); r.status != 200 {
			t.Fatalf("profile: %d %s", r.status, r.raw)
		}
		cold := e.login("quinn").str("token")
		introspect := func(tok string) result {
			return e.call("POST", "/internal/introspect", "service-key-0123456789", map[string]any{"token": tok})
		}
		check := func(when string) {
			t.Helper()
			i := introspect(tok)
			if i.status != 200 || i.body["active"] != true || i.str("openid") != e.simUser("petra")["openid"] ||
				i.obj("account") == nil || i.obj("account")["name"] != acc.Name {
				t.Fatalf("introspect %s: %d %s", when, i.status, i.raw)
			}
			u := e.call("GET", "/api/user/info", tok, nil)
			if u.status != 200 || u.obj("user")["nickName"] != "Petra" || u.obj("account") == nil ||
				u.obj("account")["username"] != "petra" {
				t.Fatalf("user/info %s: %d %s", when, u.status, u.raw)
			}
		}
		check("warming")
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
		check("with the database closed")
		if r := introspect(cold); r.status != 503 {
			t.Fatalf("an uncached token with the database closed: want 503, got %d %s", r.status, r.raw)
		}
	})
}
