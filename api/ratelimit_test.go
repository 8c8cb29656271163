package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"miniauth/db/dbtest"
)

// The per-IP login limit is shared by the instances on one database: what one admitted
// from an address counts on the others once they have synced.

// instances builds n API handlers (n instances) on the database at u, each with the
// per-IP limit at limit, trusting X-Real-IP, at one fixed time in the middle of a minute.
// Their syncs run only when the test calls them (or when a request finds the shared
// counts stale: never read, or read in an earlier window).
func instances(t *testing.T, u string, n, limit int) []*env {
	t.Helper()
	at := time.Date(2026, 3, 1, 10, 4, 30, 0, time.UTC)
	var out []*env
	for i := 0; i < n; i++ {
		e := newEnv(t, dbtest.OpenURL(t, u), trustAll, func(c *Config) { c.LoginRatePerIP = limit })
		e.setNow(at)
		e.h.logins.every = 0
		out = append(out, e)
	}
	return out
}

// loginsFrom sends n logins at once, each with a fresh code, from the client address ip.
func (e *env) loginsFrom(ip string, n int) map[string]int {
	e.t.Helper()
	codes := make([]string, n)
	for i := range codes {
		codes[i] = e.code(fmt.Sprintf("user-%s-%d-%d", ip, time.Now().UnixNano(), i))
	}
	return burst(n, func(i int) result { return e.loginFrom(ip, codes[i]) })
}

// loginFrom is one login with code from the client address ip.
func (e *env) loginFrom(ip, code string) result {
	req := httptest.NewRequest("POST", "/api/login", strings.NewReader(fmt.Sprintf(`{"code":%q}`, code)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Real-IP", ip)
	return e.send(req)
}

// sync runs the instance's sync of the shared login counts.
func (e *env) sync() {
	e.t.Helper()
	if err := e.h.logins.Sync(context.Background()); err != nil {
		e.t.Fatalf("sync: %v", err)
	}
}

func wantAnswers(t *testing.T, what string, got map[string]int, ok, limited int) {
	t.Helper()
	if got["200 "] != ok || got["429 rate_limited"] != limited || len(got) > 2 {
		t.Fatalf("%s: answers %v, want %d logins and %d rate_limited", what, got, ok, limited)
	}
}

// TestLoginLimitSharedByInstances: with a limit of 10 a minute, 6 logins on one instance
// leave 4 for the other once they have synced, then neither admits more from that
// address; a third instance that never synced refuses it at its first request; another
// address is not affected, and the next minute the address starts afresh.
func TestLoginLimitSharedByInstances(t *testing.T) {
	forEachURL(t, func(t *testing.T, u string) {
		const limit, ip = 10, "203.0.113.20"
		in := instances(t, u, 3, limit)
		a, b, c := in[0], in[1], in[2]
		wantAnswers(t, "6 on A", a.loginsFrom(ip, 6), 6, 0)
		a.sync()
		b.sync()
		wantAnswers(t, "10 on B after A used 6", b.loginsFrom(ip, 10), 4, 6)
		b.sync()
		a.sync()
		wantAnswers(t, "5 more on A", a.loginsFrom(ip, 5), 0, 5)
		r := c.loginFrom(ip, c.code("carl"))
		if r.status != 429 || r.str("error") != "rate_limited" {
			t.Fatalf("C's first login: %d %s, want 429 rate_limited", r.status, r.raw)
		}
		if r.header.Get("Retry-After") != "30" {
			t.Fatalf("Retry-After %q, want 30 (the rest of the minute)", r.header.Get("Retry-After"))
		}
		if got := countRows(t, u, `SELECT SUM(count) FROM login_rate`); got != limit {
			t.Fatalf("shared count %d, want %d", got, limit)
		}
		wantAnswers(t, "another address on B", b.loginsFrom("203.0.113.21", 3), 3, 0)
		for _, e := range in {
			e.setNow(e.store.Now().Add(time.Minute))
		}
		wantAnswers(t, "next minute on C", c.loginsFrom(ip, 3), 3, 0)
		wantAnswers(t, "next minute on A", a.loginsFrom(ip, 3), 3, 0)
	})
}

// TestLoginLimitRoundsOnTwoInstances: bursts from one address hit two instances at once,
// 3 on each per round, and the instances sync between rounds. Together they admit the
// limit, and past it at most what the other instance admitted since the last sync (one
// round: 3); each alone would have admitted the whole limit.
func TestLoginLimitRoundsOnTwoInstances(t *testing.T) {
	forEachURL(t, func(t *testing.T, u string) {
		const limit, perRound, ip = 10, 3, "198.51.100.30"
		in := instances(t, u, 2, limit)
		total := 0
		for round := 0; round < 6; round++ {
			codes := [2][]string{}
			for i, e := range in {
				for j := 0; j < perRound; j++ {
					codes[i] = append(codes[i], e.code(fmt.Sprintf("round-%d-%d-%d", round, i, j)))
				}
			}
			got := burst(2*perRound, func(k int) result {
				return in[k%2].loginFrom(ip, codes[k%2][k/2])
			})
			total += got["200 "]
			in[0].sync()
			in[1].sync()
			in[0].sync()
		}
		if total < limit || total > limit+perRound {
			t.Fatalf("admitted %d in all, want between %d and %d", total, limit, limit+perRound)
		}
	})
}

// BenchmarkLoginLimitTake is the limit's cost on a login: the in-memory check and count,
// with the scheduled syncs (one statement a second) running as in production.
func BenchmarkLoginLimitTake(b *testing.B) {
	store := dbtest.Open(b, "sqlite")
	l := newIPLimit(store, 1<<40, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if l.take(ctx, fmt.Sprintf("198.51.100.%d", i%200), time.Now()) != 0 {
				b.Fatal("refused")
			}
		}
	})
}
