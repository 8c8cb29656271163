package api

import (
	"net/http/httptest"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/httperr"
)

// TestBlockedUserIsRefused: once an operator blocks a WeChat user, their token stops at
// once, and login and checkBind answer 403 user_blocked with a message the mini-program can
// show as it is, in the language asked for; an unblock lets them in again.
func TestBlockedUserIsRefused(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		first := e.login("mallory")
		tok := first.str("token")
		uid := int64(first.body["user"].(map[string]any)["id"].(float64))
		ops := db.OperatorActor(db.Operator{Username: "ops"}, "198.51.100.1")
		if _, err := store.BlockWxUser(t.Context(), uid, "abuse", ops); err != nil {
			t.Fatal(err)
		}
		wantError(t, e.call("GET", "/api/user/info", tok, nil), 401, "unauthorized")
		r := e.call("POST", "/api/login", "", map[string]any{"code": e.code("mallory")})
		wantError(t, r, 403, "user_blocked")
		if r.body["message"] != httperr.UserBlockedMessage {
			t.Fatalf("message: %v", r.body["message"])
		}
		wantError(t, e.call("POST", "/api/user/checkBind", "", map[string]any{"code": e.code("mallory")}), 403, "user_blocked")
		req := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"code":"`+e.code("mallory")+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
		zh := e.send(req)
		if zh.status != 403 || zh.body["error"] != "user_blocked" || !hasHan(zh.body["message"].(string)) || strings.Contains(zh.raw, "abuse") {
			t.Fatalf("Chinese answer: %d %s", zh.status, zh.raw)
		}
		if _, err := store.UnblockWxUser(t.Context(), uid, ops); err != nil {
			t.Fatal(err)
		}
		e.login("mallory")
	})
}
