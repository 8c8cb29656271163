package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// Limits under concurrency: every request of a burst arrives before any has finished, and
// each limit must still count every try and refuse those past it, whatever their password.

// trustAll makes every peer a trusted proxy, so a test can choose each request's client IP
// with X-Real-IP.
func trustAll(c *Config) {
	c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
}

// bindFrom is bind from the client address ip (the env must trust all proxies).
func (e *env) bindFrom(ip, ticket, username, pw string) result {
	e.t.Helper()
	body := fmt.Sprintf(`{"bindTicket":%q,"username":%q,"password":%q}`, ticket, username, pw)
	req := httptest.NewRequest("POST", "/api/user/bind", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Real-IP", ip)
	return e.send(req)
}

// burst runs n calls of fn at once and tallies the answers by status and error code.
func burst(n int, fn func(i int) result) map[string]int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	out := map[string]int{}
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := fn(i)
			mu.Lock()
			out[fmt.Sprintf("%d %s", r.status, r.str("error"))]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// count runs a COUNT query on the store's database behind the API.
func countRows(t *testing.T, u, query string, args ...any) int64 {
	t.Helper()
	raw := rawDB(t, u)
	var n int64
	if err := raw.QueryRow(rebindFor(u, query), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func rebindFor(u, q string) string {
	if bindType(u) == 1 { // sqlx.QUESTION
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestConcurrentWrongBindsOnOneTicket: 50 wrong passwords at once on one ticket count as
// exactly 5 failures against it (5 hashed, 45 refused before any hash), the ticket dies,
// and then the right password is refused too: on that ticket, and on a fresh one from the
// same address, since the (account, IP) key now waits.
func TestConcurrentWrongBindsOnOneTicket(t *testing.T) {
	forEachURL(t, func(t *testing.T, u string) {
		e := newEnv(t, dbtest.OpenURL(t, u))
		e.setNow(time.Now())
		e.account("olga", "Olga", "olga-right-pw")
		tk := e.ticket("olga")
		got := burst(50, func(i int) result { return e.bind(tk, "", "olga", fmt.Sprintf("guess-%d", i)) })
		if got["401 invalid_credentials"] != db.TicketMaxFailures || got["401 invalid_ticket"] != 50-db.TicketMaxFailures {
			t.Fatalf("answers %v: want %d invalid_credentials (each one hash) and the rest invalid_ticket",
				got, db.TicketMaxFailures)
		}
		if n := countRows(t, u, `SELECT COUNT(*) FROM audit_events WHERE action = 'bind.fail'`); n != db.TicketMaxFailures {
			t.Fatalf("bind.fail events: %d, want %d", n, db.TicketMaxFailures)
		}
		if n := countRows(t, u, `SELECT MAX(failures) FROM bind_tickets`); n != db.TicketMaxFailures {
			t.Fatalf("ticket failures: %d, want %d", n, db.TicketMaxFailures)
		}
		if n := countRows(t, u, `SELECT COUNT(*) FROM login_attempts WHERE username = 'olga'`); n != db.TicketMaxFailures {
			t.Fatalf("attempts counted: %d, want %d", n, db.TicketMaxFailures)
		}
		wantFailure(t, e.bind(tk, "", "olga", "olga-right-pw"), 401, "invalid_ticket")
		wantFailure(t, e.bind(e.ticket("olga"), "", "olga", "olga-right-pw"), 429, "rate_limited")
		if n := countRows(t, u, `SELECT COUNT(*) FROM bindings`); n != 0 {
			t.Fatalf("a binding was made past the limit: %d", n)
		}
	})
}

// TestConcurrentWrongBindsOneAccountIP: 50 wrong passwords at once for one account from one
// address, each on its own ticket (50 WeChat users), are 5 checked failures and 45
// refusals before any hash; then the right password from that address gets 429 too, until
// the wait passes.
func TestConcurrentWrongBindsOneAccountIP(t *testing.T) {
	forEachURL(t, func(t *testing.T, u string) {
		e := newEnv(t, dbtest.OpenURL(t, u), trustAll)
		e.setNow(time.Now())
		e.account("pavel", "Pavel", "pavel-right-pw")
		const n = 50
		tickets := make([]string, n+1)
		for i := range tickets {
			tickets[i] = e.ticket(fmt.Sprintf("pavel-%d", i))
		}
		got := burst(n, func(i int) result { return e.bindFrom("198.51.100.7", tickets[i], "pavel", fmt.Sprintf("guess-%d", i)) })
		if got["401 invalid_credentials"] != db.ThrottleFree || got["429 rate_limited"] != n-db.ThrottleFree {
			t.Fatalf("answers %v: want %d invalid_credentials and the rest rate_limited", got, db.ThrottleFree)
		}
		if c := countRows(t, u, `SELECT COUNT(*) FROM login_attempts WHERE username = 'pavel'`); c != db.ThrottleFree {
			t.Fatalf("attempts counted: %d, want %d", c, db.ThrottleFree)
		}
		r := e.bindFrom("198.51.100.7", tickets[n], "pavel", "pavel-right-pw")
		wantFailure(t, r, 429, "rate_limited")
		if r.header.Get("Retry-After") == "" {
			t.Fatalf("429 without Retry-After: %v", r.header)
		}
		// Once the wait has passed, the right password binds.
		e.setNow(e.store.Now().Add(2 * time.Second))
		if r := e.bindFrom("198.51.100.7", tickets[n], "pavel", "pavel-right-pw"); r.status != 200 || r.num("code") != 1 {
			t.Fatalf("after the wait: %d %s", r.status, r.raw)
		}
	})
}

// TestConcurrentPhoneCalls: 20 getPhoneNumber calls at once by one user: exactly the
// limit (5 a minute) reach WeChat and succeed; the others get 429.
func TestConcurrentPhoneCalls(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		e.setNow(time.Now())
		tok := e.login("quinn").str("token")
		const n = 20
		codes := make([]string, n)
		for i := range codes {
			codes[i] = e.simCall("/sim/phonecode", map[string]any{"user": "quinn", "phoneNumber": fmt.Sprintf("138000000%02d", i)})["code"].(string)
		}
		got := burst(n, func(i int) result {
			return e.call("POST", "/api/user/phone", tok, map[string]any{"code": codes[i]})
		})
		if got["200 "] != 5 || got["429 rate_limited"] != n-5 {
			t.Fatalf("answers %v: want 5 successes and %d rate_limited", got, n-5)
		}
	})
}

// TestConcurrentLoginsFromOneIP: the per-IP limit on code exchanges admits exactly its
// number of requests when they all arrive at once.
func TestConcurrentLoginsFromOneIP(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		const limit, n = 10, 50
		e := newEnv(t, store, func(c *Config) { c.LoginRatePerIP = limit })
		codes := make([]string, n)
		for i := range codes {
			codes[i] = e.code(fmt.Sprintf("rosa-%d", i))
		}
		got := burst(n, func(i int) result {
			return e.call("POST", "/api/login", "", map[string]any{"code": codes[i]})
		})
		if got["200 "] != limit || got["429 rate_limited"] != n-limit {
			t.Fatalf("answers %v: want %d logins and %d rate_limited", got, limit, n-limit)
		}
	})
}

// TestBindReleasesUncheckedTry: a try whose password never got checked (the request was
// cancelled while waiting for the hasher) is given back: it is not a failure.
func TestBindReleasesUncheckedTry(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		ctx := context.Background()
		c, err := store.ReserveBind(ctx, db.ReserveBindInput{WxUserID: 7, Username: "sam", IP: "192.0.2.9"})
		if err != nil || c.AttemptID == 0 {
			t.Fatalf("reserve: %+v %v", c, err)
		}
		if err := store.ReleaseBindAttempt(ctx, c.AttemptID, nil); err != nil {
			t.Fatal(err)
		}
		// The given-back try does not count: ThrottleFree more tries are all admitted.
		for i := 0; i < db.ThrottleFree; i++ {
			c, err := store.ReserveBind(ctx, db.ReserveBindInput{WxUserID: 7, Username: "sam", IP: "192.0.2.9"})
			if err != nil || c.AttemptID == 0 {
				t.Fatalf("try %d after a release: %+v %v", i+1, c, err)
			}
		}
	})
}
