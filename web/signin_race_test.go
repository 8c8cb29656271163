package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// openClocked opens a fresh store of the dialect whose clock the test moves.
func openClocked(t *testing.T, dialect string, now *atomic.Int64) *db.Store {
	t.Helper()
	u := dbtest.SQLiteURL(t)
	if dialect == db.DialectPostgres {
		u = dbtest.PostgresURL(t)
	}
	ctx := context.Background()
	s, err := db.Open(ctx, u, db.Options{Keys: dbtest.Keys(t), Now: func() time.Time { return time.UnixMilli(now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConcurrentWrongSignIns: eleven wrong console passwords sent together count as ten
// failures and one refusal (the limit per username), each failure an audit event by the
// client's address, with one lockout event; the right password is then refused with 429
// until the window has passed. Another operator can read it all on the audit page.
func TestConcurrentWrongSignIns(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			var clock atomic.Int64
			clock.Store(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).UnixMilli())
			e := newEnv(t, openClocked(t, d, &clock))
			const n = db.OperatorSignInPerUser + 1
			browsers := make([]*browser, n)
			for i := range browsers {
				browsers[i] = e.browser()
				browsers[i].get("/admin/login")
			}
			status := make([]int, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, b := range browsers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status[i] = b.post("/admin/login", url.Values{"username": {"admin"}, "password": {"wrong wrong"}}).status
				}()
			}
			close(start)
			wg.Wait()
			got := map[int]int{}
			for _, s := range status {
				got[s]++
			}
			if got[http.StatusUnauthorized] != db.OperatorSignInPerUser || got[http.StatusTooManyRequests] != 1 {
				t.Fatalf("answers %v: want %d x 401 and 1 x 429", got, db.OperatorSignInPerUser)
			}
			b := e.browser()
			b.get("/admin/login")
			p := b.post("/admin/login", url.Values{"username": {"admin"}, "password": {"adminadmin"}})
			if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
				t.Fatalf("right password past the limit: %d (Retry-After %q), want 429", p.status, p.header.Get("Retry-After"))
			}
			// Case variants share the username's count.
			if p := b.post("/admin/login", url.Values{"username": {"ADMIN"}, "password": {"adminadmin"}}); p.status != http.StatusTooManyRequests {
				t.Fatalf("ADMIN past the limit: %d, want 429", p.status)
			}

			// The audit page shows the failures and the lockout, by the client's address.
			v := e.browser()
			v.signIn("viewer")
			page := v.get("/admin/audit")
			if page.status != http.StatusOK {
				t.Fatalf("audit page: %d", page.status)
			}
			if c := strings.Count(page.body, "operator.signin_fail"); c < db.OperatorSignInPerUser {
				t.Fatalf("audit page shows %d operator.signin_fail, want %d", c, db.OperatorSignInPerUser)
			}
			if !strings.Contains(page.body, "operator.lockout") {
				t.Fatal("audit page lacks operator.lockout")
			}
			rows, _, err := e.store.ListAudit(context.Background(), db.AuditFilter{}, db.Keyset{Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			fails, lockouts := 0, 0
			for _, r := range rows {
				switch r.Action {
				case "operator.signin_fail":
					fails++
					if r.ActorType != "ip" || r.ActorID == "" || r.Target != "operator:admin" {
						t.Fatalf("failure event: %+v", r)
					}
				case "operator.lockout":
					lockouts++
				}
			}
			if fails != db.OperatorSignInPerUser || lockouts != 1 {
				t.Fatalf("events: %d signin_fail, %d lockout; want %d and 1", fails, lockouts, db.OperatorSignInPerUser)
			}

			// Once the window has passed, the right password signs in.
			clock.Add((db.OperatorSignInWindow + time.Second).Milliseconds())
			b.signIn("admin")
		})
	}
}
