package api

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"miniauth/caller"
	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestHostileUserAgentNeverBurnsACode: a User-Agent with bytes PostgreSQL text refuses
// (0xff, NUL) must not make a login fail after its code was spent with WeChat. The login
// succeeds and the session keeps a cleaned User-Agent.
func TestHostileUserAgentNeverBurnsACode(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		ua := "Mozilla/5.0 \xff\xfe evil\x00agent " + strings.Repeat("x", 400)
		for _, path := range []string{"/api/login", "/api/user/checkBind"} {
			req := httptest.NewRequest("POST", path, strings.NewReader(`{"code":"`+e.code("ua")+`"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header["User-Agent"] = []string{ua}
			r := e.send(req)
			if r.status != 200 {
				t.Fatalf("%s with a hostile User-Agent: %d %s", path, r.status, r.raw)
			}
		}
		rows, _, err := store.ListActiveSessions(context.Background(), db.SessionFilter{}, db.Keyset{})
		if err != nil || len(rows) != 1 { // the login; the unbound checkBind gave a ticket
			t.Fatalf("sessions: %v %+v", err, rows)
		}
		for _, row := range rows {
			got := row.UserAgent
			if !utf8.ValidString(got) || strings.ContainsRune(got, 0) || len(got) > caller.MaxUserAgent || !strings.HasPrefix(got, "Mozilla/5.0 ") {
				t.Fatalf("stored User-Agent %q", got)
			}
		}
	})
}

// TestNULInJSONRefusedBeforeWeChat: a NUL in any JSON string is a 400 naming the field,
// answered before the code reaches WeChat.
func TestNULInJSONRefusedBeforeWeChat(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		tok := e.login("nul").str("token")
		before := e.sim.Calls("jscode2session")
		code := e.code("nul")
		r := e.call("POST", "/api/login", "", `{"code":"`+code+`","extra":{"note":["a\u0000b"]}}`)
		wantError(t, r, 400, "invalid_request")
		if !strings.Contains(r.str("message"), `"note"`) {
			t.Fatalf("the message must name the field: %s", r.raw)
		}
		if n := e.sim.Calls("jscode2session"); n != before {
			t.Fatalf("a refused login reached WeChat (%d calls, want %d)", n, before)
		}
		e.call("POST", "/api/login", "", map[string]any{"code": code}) // the code still works
		if l := e.call("POST", "/api/login", "", map[string]any{"code": code}); l.status == 200 {
			t.Fatal("a code must log in once")
		}
		wantFailure(t, e.call("POST", "/api/user/bind", tok, `{"username":"a\u0000","password":"x"}`), 400, "invalid_request")
		r = e.call("POST", "/api/user/profile", tok, `{"city":"x\u0000y"}`)
		wantError(t, r, 400, "invalid_request")
		if info := e.call("GET", "/api/user/info", tok, nil); info.obj("user")["city"] != "" {
			t.Fatalf("a refused profile changed the user: %s", info.raw)
		}
	})
}

// TestTokenAnswersAreNotCached: every answer that carries a token, a ticket or personal
// data (and every /api error) says no-store.
func TestTokenAnswersAreNotCached(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		want := func(name string, r result) {
			t.Helper()
			if r.header.Get(fiber.HeaderCacheControl) != "no-store" || r.header.Get(fiber.HeaderPragma) != "no-cache" {
				t.Fatalf("%s (%d) may be cached: Cache-Control %q, Pragma %q", name, r.status,
					r.header.Get(fiber.HeaderCacheControl), r.header.Get(fiber.HeaderPragma))
			}
		}
		e.account("nc", "No Cache", "pw-nc-123")
		l := e.login("nc")
		want("login", l)
		rf := e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": l.str("refresh_token")})
		if rf.status != 200 {
			t.Fatalf("refresh: %s", rf.raw)
		}
		want("refresh", rf)
		nb := e.call("GET", "/api/user/checkBind?code="+e.code("nc"), "", nil)
		if nb.num("code") != 301 {
			t.Fatalf("checkBind: %s", nb.raw)
		}
		want("checkBind 301", nb)
		b := e.bind(nb.str("bindTicket"), "", "nc", "pw-nc-123")
		if b.num("code") != 1 {
			t.Fatalf("bind: %s", b.raw)
		}
		want("bind", b)
		cb := e.call("POST", "/api/user/checkBind", "", map[string]any{"code": e.code("nc")})
		if cb.num("code") != 1 {
			t.Fatalf("bound checkBind: %s", cb.raw)
		}
		want("checkBind bound", cb)
		ub := e.call("POST", "/api/user/unbind", cb.str("token"), nil)
		if ub.status != 200 {
			t.Fatalf("unbind: %s", ub.raw)
		}
		want("unbind", ub)
		want("info", e.call("GET", "/api/user/info", ub.str("token"), nil))
		want("login error", e.call("POST", "/api/login", "", `{`))
		want("unknown path", e.call("GET", "/api/nowhere", "", nil))
	})
}
