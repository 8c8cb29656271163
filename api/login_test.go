package api

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

func TestLoginFlow(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		r := e.login("alice")
		tok, ref := r.str("token"), r.str("refresh_token")
		if len(tok) != 43 || len(ref) != 43 || tok == ref {
			t.Fatalf("tokens must be two distinct 43-char strings: %s", r.raw)
		}
		if r.num("expires_in") != 7200 || r.num("refresh_expires_in") != 720*3600 {
			t.Fatalf("lifetimes: %s", r.raw)
		}
		if r.body["bound"] != false || r.body["account"] != nil {
			t.Fatalf("a fresh user is not bound: %s", r.raw)
		}
		user := r.obj("user")
		if user["id"].(float64) <= 0 || user["nickName"] != "" {
			t.Fatalf("user: %s", r.raw)
		}
		wx := e.simUser("alice")
		for _, secret := range []string{wx["openid"].(string), wx["session_key"].(string)} {
			if strings.Contains(r.raw, secret) {
				t.Fatalf("login answer leaks an openid or session_key: %s", r.raw)
			}
		}

		c := e.call("GET", "/api/checklogin", tok, nil)
		if c.status != 200 || c.body["is_login"] != true || c.num("expires_in") <= 7000 {
			t.Fatalf("checklogin: %d %s", c.status, c.raw)
		}
		c = e.call("POST", "/api/checklogin", tok, nil)
		if c.body["is_login"] != true {
			t.Fatalf("POST checklogin: %s", c.raw)
		}
		info := e.call("GET", "/api/user/info", tok, nil)
		if info.status != 200 || info.obj("user")["id"] != user["id"] || info.body["account"] != nil {
			t.Fatalf("info: %d %s", info.status, info.raw)
		}

		// The same person logging in again is the same user, with a second session.
		r2 := e.login("alice")
		if r2.obj("user")["id"] != user["id"] || r2.str("token") == tok {
			t.Fatalf("second login: %s", r2.raw)
		}
		if e.call("GET", "/api/checklogin", tok, nil).body["is_login"] != true {
			t.Fatal("a second login must not end the first session")
		}
		if other := e.login("bob"); other.obj("user")["id"] == user["id"] {
			t.Fatal("two people got one user")
		}

		out := e.call("POST", "/api/logout", tok, nil)
		if out.status != 200 || out.body["ok"] != true {
			t.Fatalf("logout: %d %s", out.status, out.raw)
		}
		if c := e.call("GET", "/api/checklogin", tok, nil); c.status != 200 || c.body["is_login"] != false {
			t.Fatalf("checklogin after logout: %s", c.raw)
		}
		wantError(t, e.call("GET", "/api/user/info", tok, nil), 401, "unauthorized")
		wantError(t, e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": ref}), 401, "unauthorized")
	})
}

func TestLoginCodes(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		code := e.code("carol")
		if r := e.call("POST", "/api/login", "", map[string]any{"code": code}); r.status != 200 {
			t.Fatalf("first use: %d %s", r.status, r.raw)
		}
		r := e.call("POST", "/api/login", "", map[string]any{"code": code})
		wantError(t, r, 401, "invalid_code")
		if r.num("wx_errcode") != 40163 {
			t.Fatalf("reused code should carry WeChat's 40163: %s", r.raw)
		}
		r = e.call("POST", "/api/login", "", map[string]any{"code": "0123456789abcdef0123456789abcdef"})
		wantError(t, r, 401, "invalid_code")
		if r.num("wx_errcode") != 40029 {
			t.Fatalf("unknown code should carry 40029: %s", r.raw)
		}
		wantError(t, e.call("POST", "/api/login", "", map[string]any{"code": "the code is a mock one"}), 401, "invalid_code")
	})
}

func TestLoginSameCodeConcurrently(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		e.simCall("/sim/faults", map[string]any{"api": "jscode2session", "delay_ms": 200, "times": 1})
		code := e.code("dave")
		var wg sync.WaitGroup
		res := make([]result, 4)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = e.call("POST", "/api/login", "", map[string]any{"code": code})
			}()
		}
		wg.Wait()
		tokens := map[string]bool{}
		for _, r := range res {
			if r.status != 200 {
				t.Fatalf("a double-submitted code must log in every caller: %d %s", r.status, r.raw)
			}
			tokens[r.str("token")] = true
		}
		if len(tokens) != len(res) {
			t.Fatalf("each caller gets its own session, got %d distinct tokens", len(tokens))
		}
		wantError(t, e.call("POST", "/api/login", "", map[string]any{"code": code}), 401, "invalid_code")
	})
}

func TestLoginWeChatFaults(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		cases := []struct {
			fault  map[string]any
			status int
			code   string
			errc   float64
		}{
			{map[string]any{"errcode": 40226, "times": 1}, 403, "user_blocked", 40226},
			{map[string]any{"errcode": 45011, "times": 1}, 429, "rate_limited", 45011},
			{map[string]any{"errcode": -1, "times": 10}, 503, "upstream_unavailable", 0},
			{map[string]any{"mode": "garbage", "times": 10}, 503, "upstream_unavailable", 0},
			{map[string]any{"mode": "drop", "times": 10}, 503, "upstream_unavailable", 0},
		}
		for _, tc := range cases {
			e.simCall("/sim/reset", map[string]any{})
			tc.fault["api"] = "jscode2session"
			e.simCall("/sim/faults", tc.fault)
			r := e.call("POST", "/api/login", "", map[string]any{"code": e.code("erin")})
			wantError(t, r, tc.status, tc.code)
			if tc.errc != 0 && r.num("wx_errcode") != tc.errc {
				t.Fatalf("%v: wx_errcode: %s", tc.fault, r.raw)
			}
			if tc.status == 429 && r.header.Get("Retry-After") == "" {
				t.Fatalf("429 without Retry-After")
			}
		}
		// One transient -1 is retried away.
		e.simCall("/sim/reset", map[string]any{})
		e.simCall("/sim/faults", map[string]any{"api": "jscode2session", "errcode": -1, "times": 1})
		if r := e.call("POST", "/api/login", "", map[string]any{"code": e.code("erin")}); r.status != 200 {
			t.Fatalf("a single -1 should be retried: %d %s", r.status, r.raw)
		}
	})
}

func TestLoginRatePerIP(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store, func(c *Config) { c.LoginRatePerIP = 2 })
		e.login("f1")
		e.login("f2")
		r := e.call("POST", "/api/login", "", map[string]any{"code": e.code("f3")})
		wantError(t, r, http.StatusTooManyRequests, "rate_limited")
		if r.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	})
}
