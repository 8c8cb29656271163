package api

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/password"
)

// account creates a platform account with password pw (hashed by the env's hasher).
func (e *env) account(username, name, pw string) db.Account {
	e.t.Helper()
	enc, err := e.h.hasher.Hash(context.Background(), pw)
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.store.CreateAccount(context.Background(), username, name, enc, db.SystemActor("test"))
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// ticket runs checkBind for an unbound user and returns the bind ticket.
func (e *env) ticket(user string) string {
	e.t.Helper()
	r := e.call("GET", "/api/user/checkBind?code="+e.code(user), "", nil)
	if r.status != 200 || r.num("code") != 301 || len(r.str("bindTicket")) != 43 {
		e.t.Fatalf("checkBind %s: want 301 with a ticket, got %d %s", user, r.status, r.raw)
	}
	return r.str("bindTicket")
}

func (e *env) bind(ticket, token, username, pw string) result {
	e.t.Helper()
	body := map[string]any{"username": username, "password": pw}
	if ticket != "" {
		body["bindTicket"] = ticket
	}
	return e.call("POST", "/api/user/bind", token, body)
}

// wantFailure checks the code-0 envelope of checkBind, bind and unbind.
func wantFailure(t *testing.T, r result, status int, code string) {
	t.Helper()
	wantError(t, r, status, code)
	if _, has := r.body["code"]; !has || r.num("code") != 0 || r.str("msg") != r.str("message") {
		t.Fatalf("want the code-0 envelope, got %s", r.raw)
	}
}

func wantBound(t *testing.T, r result, acc db.Account) {
	t.Helper()
	ui := r.obj("userInfo")
	if r.status != 200 || r.num("code") != 1 || r.str("msg") == "" || len(r.str("token")) != 43 ||
		len(r.str("refresh_token")) != 43 || r.num("expires_in") != 7200 || r.num("refresh_expires_in") <= 0 ||
		ui == nil || ui["id"] != float64(acc.ID) || ui["username"] != acc.Username || ui["name"] != acc.Name {
		t.Fatalf("want code 1 with tokens and userInfo of %s, got %d %s", acc.Username, r.status, r.raw)
	}
	for _, k := range []string{"nickName", "avatarUrl"} {
		if _, ok := ui[k]; !ok {
			t.Fatalf("userInfo lacks %s: %s", k, r.raw)
		}
	}
}

func TestCheckBindFlow(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		acc := e.account("Alice", "Alice Liddell", "correct horse 密码")

		ticket := e.ticket("alice")
		wx := e.simUser("alice")
		r := e.call("GET", "/api/user/checkBind?code="+e.code("alice"), "", nil)
		if r.num("expires_in") != 600 || strings.Contains(r.raw, wx["openid"].(string)) || r.str("token") != "" {
			t.Fatalf("unbound checkBind: %s", r.raw)
		}

		wrong := e.bind(ticket, "", "alice", "wrong")
		wantFailure(t, wrong, 401, "invalid_credentials")
		unknown := e.bind(ticket, "", "nobody", "wrong")
		wantFailure(t, unknown, 401, "invalid_credentials")
		// Alike but for the request id, which each answer has its own.
		noID := regexp.MustCompile(`,"request_id":"[0-9a-f]{32}"`)
		if noID.ReplaceAllString(wrong.raw, "") != noID.ReplaceAllString(unknown.raw, "") || wrong.raw == unknown.raw {
			t.Fatalf("unknown user and wrong password must answer alike:\n%s\n%s", wrong.raw, unknown.raw)
		}

		b := e.bind(ticket, "", "ALICE", "correct horse 密码")
		wantBound(t, b, acc)
		if strings.Contains(b.raw, wx["openid"].(string)) {
			t.Fatal("bind answer leaks the openid")
		}
		wantFailure(t, e.bind(ticket, "", "alice", "correct horse 密码"), 401, "invalid_ticket")

		// From now on checkBind logs straight in (JSON body, form body), and so does login.
		cb := e.call("POST", "/api/user/checkBind", "", map[string]any{"code": e.code("alice")})
		wantBound(t, cb, acc)
		req := httptest.NewRequest("POST", "/api/user/checkBind", strings.NewReader(url.Values{"code": {e.code("alice")}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantBound(t, e.send(req), acc)
		info := e.call("GET", "/api/user/info", cb.str("token"), nil)
		if info.status != 200 || info.obj("account")["username"] != "alice" {
			t.Fatalf("info after bind: %s", info.raw)
		}
		l := e.login("alice")
		if l.body["bound"] != true || l.obj("account")["id"] != float64(acc.ID) || l.obj("account")["name"] != "Alice Liddell" {
			t.Fatalf("login after bind: %s", l.raw)
		}

		// Unbind: every session carrying the account ends; a fresh unbound one comes back.
		u := e.call("POST", "/api/user/unbind", cb.str("token"), nil)
		if u.status != 200 || u.num("code") != 1 || len(u.str("token")) != 43 || u.obj("user") == nil {
			t.Fatalf("unbind: %d %s", u.status, u.raw)
		}
		for _, tok := range []string{b.str("token"), cb.str("token"), l.str("token")} {
			if c := e.call("GET", "/api/checklogin", tok, nil); c.body["is_login"] != false {
				t.Fatalf("a session carrying the account survived unbind: %s", c.raw)
			}
		}
		if info := e.call("GET", "/api/user/info", u.str("token"), nil); info.status != 200 || info.body["account"] != nil {
			t.Fatalf("fresh session after unbind: %s", info.raw)
		}
		wantFailure(t, e.call("POST", "/api/user/unbind", u.str("token"), nil), 409, "conflict")
		wantFailure(t, e.call("POST", "/api/user/unbind", "", nil), 401, "unauthorized")
		e.ticket("alice") // unbound again

		// Bind with a Bearer session instead of a ticket: that session ends.
		bb := e.bind("", u.str("token"), "alice", "correct horse 密码")
		wantBound(t, bb, acc)
		if c := e.call("GET", "/api/checklogin", u.str("token"), nil); c.body["is_login"] != false {
			t.Fatal("the Bearer session used to bind must end")
		}
		wantFailure(t, e.bind("", "", "alice", "x"), 401, "invalid_ticket")
		wantFailure(t, e.bind("", strings.Repeat("A", 43), "alice", "x"), 401, "unauthorized")
		wantFailure(t, e.call("POST", "/api/user/bind", "", `{"bindTicket":1}`), 400, "invalid_request")
		wantFailure(t, e.call("GET", "/api/user/checkBind", "", nil), 400, "invalid_request")
		r = e.call("GET", "/api/user/checkBind?code=0123456789abcdef0123456789abcdef", "", nil)
		wantFailure(t, r, 401, "invalid_code")
		if r.num("wx_errcode") != 40029 {
			t.Fatalf("WeChat's errcode: %s", r.raw)
		}

		n, _ := store.DailyStats(context.Background(), e.h.now(), e.h.now(), "")
		if len(n) != 1 || n[0].Binds != 2 {
			t.Fatalf("daily binds: %+v", n)
		}
	})
}

func TestBindRulesOrder(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		ctx := context.Background()
		acc := e.account("bob", "Bob", "bob-pw")
		other := e.account("carol", "Carol", "carol-pw")
		wantBound(t, e.bind(e.ticket("bob"), "", "bob", "bob-pw"), acc)

		// Account already bound to another WeChat user: 409, never a silent move.
		tk := e.ticket("mallory")
		r := e.bind(tk, "", "bob", "bob-pw")
		wantFailure(t, r, 409, "conflict")
		if !strings.Contains(r.str("message"), "another WeChat user") {
			t.Fatalf("message should say the account is taken: %s", r.raw)
		}
		// The wrong password is still checked first.
		wantFailure(t, e.bind(tk, "", "bob", "guess"), 401, "invalid_credentials")

		// This WeChat user already bound: 409 with its own message.
		l := e.login("bob")
		r = e.bind("", l.str("token"), "carol", "carol-pw")
		wantFailure(t, r, 409, "conflict")
		if !strings.Contains(r.str("message"), "already bound") || strings.Contains(r.str("message"), "another WeChat user") {
			t.Fatalf("message should say this user is bound: %s", r.raw)
		}
		if c := e.call("GET", "/api/checklogin", l.str("token"), nil); c.body["is_login"] != true {
			t.Fatal("a refused bind must not end the Bearer session")
		}

		// Disabled account: 403 after the password, 401 before.
		if err := store.SetAccountDisabled(ctx, other.ID, true, db.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
		tk = e.ticket("dave")
		wantFailure(t, e.bind(tk, "", "carol", "nope"), 401, "invalid_credentials")
		wantFailure(t, e.bind(tk, "", "carol", "carol-pw"), 403, "account_disabled")

		// Disabling a bound account ends its sessions.
		bobSession := e.login("bob").str("token")
		if err := store.SetAccountDisabled(ctx, acc.ID, true, db.OperatorActor(db.Operator{Username: "1"}, "")); err != nil {
			t.Fatal(err)
		}
		if c := e.call("GET", "/api/checklogin", bobSession, nil); c.body["is_login"] != false {
			t.Fatal("session survived the account's disabling")
		}
	})
}

func TestBindImportedBcryptIsRehashed(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		ctx := context.Background()
		long := strings.Repeat("пароль", 10) // 120 bytes: past bcrypt's limit would fail, so stay under
		bc, _ := bcrypt.GenerateFromPassword([]byte(long[:60]), bcrypt.MinCost)
		rows, err := db.ReadAccountCSV(ctx, strings.NewReader("username,name,password\nerin,Erin,"+string(bc)+"\n"), e.h.hasher)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.ImportAccounts(ctx, rows, db.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
		acc, _ := store.AccountByUsername(ctx, "erin")
		wantBound(t, e.bind(e.ticket("erin"), "", "erin", long[:60]), acc)
		after, _ := store.AccountByUsername(ctx, "erin")
		if !strings.HasPrefix(after.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Fatalf("bcrypt hash not replaced after the first success: %s", after.PasswordHash)
		}
		if ok, rehash, _ := e.h.hasher.Verify(ctx, after.PasswordHash, long[:60]); !ok || rehash {
			t.Fatal("rehashed password does not verify")
		}
	})
}

// TestConcurrentBindsOfOneAccount: 50 WeChat users bind one account at once; exactly one
// wins, 49 get 409, and no half rows are left.
func TestConcurrentBindsOfOneAccount(t *testing.T) {
	forEachURL(t, func(t *testing.T, u string) {
		store := dbtest.OpenURL(t, u)
		raw := rawDB(t, u)
		e := newEnv(t, store, trustAll) // each user binds from its own address
		acc := e.account("shared", "Shared", "pw-shared")
		const n = 50
		tickets := make([]string, n)
		for i := range tickets {
			tickets[i] = e.ticket(fmt.Sprintf("user-%d", i))
		}
		res := make([]result, n)
		var wg sync.WaitGroup
		for i := range tickets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = e.bindFrom(fmt.Sprintf("192.0.2.%d", i+1), tickets[i], "shared", "pw-shared")
			}()
		}
		wg.Wait()
		won, lost := 0, 0
		for _, r := range res {
			switch {
			case r.status == 200 && r.num("code") == 1:
				won++
			case r.status == 409 && r.str("error") == "conflict" && r.num("code") == 0:
				lost++
			default:
				t.Fatalf("unexpected answer %d %s", r.status, r.raw)
			}
		}
		if won != 1 || lost != n-1 {
			t.Fatalf("won %d, lost %d; want 1 and %d", won, lost, n-1)
		}
		q := func(sql string, args ...any) int64 {
			var v int64
			if err := raw.QueryRow(sqlx.Rebind(bindType(u), sql), args...).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		for what, got := range map[string]int64{
			"bindings":             q(`SELECT COUNT(*) FROM bindings`),
			"sessions":             q(`SELECT COUNT(*) FROM sessions`),
			"sessions of account":  q(`SELECT COUNT(*) FROM sessions WHERE account_id = ?`, acc.ID),
			"used tickets":         q(`SELECT COUNT(*) FROM bind_tickets WHERE used_at IS NOT NULL`),
			"bind audit events":    q(`SELECT COUNT(*) FROM audit_events WHERE action = 'bind'`),
			"daily binds":          q(`SELECT COALESCE(SUM(binds), 0) FROM daily_stats`),
			"failed attempts kept": q(`SELECT COUNT(*) FROM login_attempts`) + 1,
		} {
			if got != 1 {
				t.Errorf("%s: %d, want 1", what, got)
			}
		}
		if q(`SELECT COUNT(*) FROM bind_tickets WHERE used_at IS NULL`) != n-1 {
			t.Error("the losers' tickets must stay unused")
		}
	})
}

// TestBindThrottleAcrossInstances: wrong passwords on one instance make the other answer
// 429 with Retry-After, before any password is checked; an unlock lifts it.
func TestBindThrottleAcrossInstances(t *testing.T) {
	forEachURL(t, func(t *testing.T, u string) {
		{
			a := newEnv(t, dbtest.OpenURL(t, u))
			b := newEnv(t, dbtest.OpenURL(t, u))
			a.account("frank", "Frank", "frank-pw")
			tk := a.ticket("frank")
			for i := 0; i < 5; i++ {
				wantFailure(t, a.bind(tk, "", "frank", fmt.Sprintf("guess-%d", i)), 401, "invalid_credentials")
			}
			// The ticket died with its fifth failure.
			wantFailure(t, a.bind(tk, "", "frank", "frank-pw"), 401, "invalid_ticket")
			// The other instance refuses even the right password, with Retry-After.
			r := b.bind(b.ticket("frank"), "", "frank", "frank-pw")
			wantFailure(t, r, 429, "rate_limited")
			if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
				t.Fatalf("Retry-After missing: %v", r.header)
			}
			if _, err := b.store.UnlockAccount(context.Background(), "frank", db.SystemActor("test")); err != nil {
				t.Fatal(err)
			}
			if r := b.bind(b.ticket("frank"), "", "frank", "frank-pw"); r.status != 200 || r.num("code") != 1 {
				t.Fatalf("after unlock: %d %s", r.status, r.raw)
			}
		}
	})
}

// forEachURL runs fn as the subtests "sqlite" and "postgres" with the URL of a fresh
// database, for tests that open it more than once (two instances, a raw connection).
func forEachURL(t *testing.T, fn func(t *testing.T, u string)) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			if d == db.DialectSQLite {
				fn(t, dbtest.SQLiteURL(t))
			} else {
				fn(t, dbtest.PostgresURL(t))
			}
		})
	}
}

// rawDB opens a plain connection to a test database, to count rows behind the API's back.
func rawDB(t *testing.T, u string) *sql.DB {
	t.Helper()
	driver, dsn := "postgres", u
	if bindType(u) == sqlx.QUESTION {
		driver, dsn = "sqlite", strings.TrimPrefix(u, "sqlite:")
	}
	c, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func bindType(u string) int {
	if strings.HasPrefix(u, "postgres") {
		return sqlx.DOLLAR
	}
	return sqlx.QUESTION
}

func TestBindHasherBusyAndIPLimit(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		slow := password.New(password.Params{Memory: 16 * 1024, Time: 4, Threads: 1, KeyLen: 32, SaltLen: 16}, 1, 0)
		e := newEnv(t, store, func(c *Config) { c.Hasher = slow })
		const n = 8
		tickets := make([]string, n)
		for i := range tickets {
			tickets[i] = e.ticket(fmt.Sprintf("flood-%d", i))
		}
		res := make([]result, n)
		var wg sync.WaitGroup
		for i := range tickets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = e.bind(tickets[i], "", fmt.Sprintf("nobody-%d", i), "pw")
			}()
		}
		wg.Wait()
		busy := 0
		for _, r := range res {
			if r.status == 503 {
				wantFailure(t, r, 503, "server_busy")
				if r.header.Get("Retry-After") == "" {
					t.Fatal("503 without Retry-After")
				}
				busy++
			} else {
				wantFailure(t, r, 401, "invalid_credentials")
			}
		}
		if busy == 0 || busy == n {
			t.Fatalf("a flood must be partly refused, partly served: %d busy of %d", busy, n)
		}

		limited := newEnv(t, store, func(c *Config) { c.LoginRatePerIP = 1 })
		limited.ticket("gary")
		r := limited.call("GET", "/api/user/checkBind?code="+limited.code("gary"), "", nil)
		wantFailure(t, r, 429, "rate_limited")
	})
}
