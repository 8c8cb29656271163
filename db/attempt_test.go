package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

func fail(t testing.TB, s *db.Store, k db.ThrottleKey, account int64, ticket []byte, now time.Time) time.Duration {
	t.Helper()
	w, err := at(t, s, now).RecordBindFailure(context.Background(), db.BindFailure{ThrottleKey: k, AccountID: account,
		TicketHash: ticket, Actor: db.UserActor(k.WxUserID, k.IP)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestThrottleGrowsAndClears(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		acc, _ := s.CreateAccount(ctx, "erin", "", "h", cli)
		k := db.ThrottleKey{Username: "erin", IP: "203.0.113.9", WxUserID: 42}
		now := t0
		for i := 1; i <= 5; i++ {
			if w := bindWait(t, s, k, now); w != 0 {
				t.Fatalf("try %d must be free, wait %v", i, w)
			}
			fail(t, s, k, acc.ID, nil, now)
			now = now.Add(time.Millisecond)
		}
		// After 5 failures: 1 s after the last, then 2 s, 4 s, ...
		if w := bindWait(t, s, k, now); w <= 0 || w > time.Second {
			t.Fatalf("6th try: wait %v, want (0, 1s]", w)
		}
		now = now.Add(time.Second)
		if w := bindWait(t, s, k, now); w != 0 {
			t.Fatalf("after the wait: %v", w)
		}
		if w := fail(t, s, k, acc.ID, nil, now); w != 2*time.Second {
			t.Fatalf("6th failure: wait %v, want 2s", w)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'account.lockout'`); n != 1 {
			t.Fatalf("lockout events: %d", n)
		}
		// The same username from another IP and WeChat user is not slowed by these keys.
		other := db.ThrottleKey{Username: "erin", IP: "198.51.100.2", WxUserID: 43}
		if w := bindWait(t, s, other, now); w != 0 {
			t.Fatalf("other key: %v", w)
		}
		// Same WeChat user, new IP: still slowed (the (account, WeChat user) key).
		if w := bindWait(t, s, db.ThrottleKey{Username: "erin", IP: "198.51.100.3", WxUserID: 42}, now); w == 0 {
			t.Fatal("changing IP escaped the (account, WeChat user) key")
		}
		// Waits are capped at 15 minutes.
		for i := 0; i < 20; i++ {
			fail(t, s, k, acc.ID, nil, now)
		}
		if w := bindWait(t, s, k, now); w != 15*time.Minute {
			t.Fatalf("cap: %v", w)
		}
		// Unlock forgets everything.
		n, err := s.UnlockAccount(ctx, "ERIN", cli)
		if err != nil || n != 26 {
			t.Fatalf("unlock: %d %v", n, err)
		}
		if w := bindWait(t, s, k, now); w != 0 {
			t.Fatalf("after unlock: %v", w)
		}
		if _, err := s.UnlockAccount(ctx, "nobody", cli); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unlock unknown: %v", err)
		}
	})
}

func TestThrottleBackstopAndSharedAcrossInstances(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			u := dbtest.URL(t, dialect)
			a, b := dbtest.OpenURL(t, u), dbtest.OpenURL(t, u)
			// 100 failures in an hour, each from its own IP and WeChat user, recorded by
			// one instance: every key of the account is refused on the other.
			now := t0
			for i := 0; i < 100; i++ {
				k := db.ThrottleKey{Username: "frank", IP: fmt.Sprintf("10.0.%d.%d", i/250, i%250), WxUserID: int64(1000 + i)}
				fail(t, a, k, 0, nil, now)
				now = now.Add(time.Second)
			}
			fresh := db.ThrottleKey{Username: "frank", IP: "192.0.2.1", WxUserID: 5}
			if w := bindWait(t, b, fresh, now); w <= 0 || w > time.Hour {
				t.Fatalf("backstop on the other instance: %v", w)
			}
			// An hour after the first failure the backstop lifts.
			if w := bindWait(t, b, fresh, t0.Add(time.Hour+time.Second)); w != 0 {
				t.Fatalf("backstop after an hour: %v", w)
			}
			if n := queryInt(t, b, `SELECT COUNT(*) FROM audit_events WHERE action = 'account.lockout'`); n != 1 {
				t.Fatalf("backstop lockout events: %d", n)
			}
		})
	}
}

func TestTicketDiesAfterFiveFailuresAndSuccessClears(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		acc, _ := s.CreateAccount(ctx, "gina", "", "h", cli)
		r, _, ticket := checkBind(t, s, "o_gina", t0)
		k := db.ThrottleKey{Username: "gina", IP: "203.0.113.7", WxUserID: r.User.ID}
		for i := 0; i < 4; i++ {
			fail(t, s, k, acc.ID, ticket, t0)
		}
		if tk := bindTicket(t, s, ticket, t0); tk.WxUserID != r.User.ID || tk.Failures != 4 {
			t.Fatalf("4 failures: ticket still alive: %+v", tk)
		}
		// A success from this key forgets its failures (the ticket's count stays).
		if _, err := at(t, s, t0).Bind(ctx, bindInput(ticket, r.User.ID, acc.ID, "gina")); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "login_attempts"); n != 0 {
			t.Fatalf("success left %d attempts", n)
		}
		r2, _, ticket2 := checkBind(t, s, "o_gina2", t0)
		k2 := db.ThrottleKey{Username: "nobody", IP: "203.0.113.8", WxUserID: r2.User.ID}
		for i := 0; i < 5; i++ {
			fail(t, s, k2, 0, ticket2, t0)
		}
		if tk := bindTicket(t, s, ticket2, t0); tk.WxUserID != 0 {
			t.Fatalf("ticket alive after 5 failures: %+v", tk)
		}
		if _, err := at(t, s, t0).Bind(ctx, bindInput(ticket2, r2.User.ID, acc.ID, "gina")); !errors.Is(err, db.ErrTicketInvalid) {
			t.Fatalf("dead ticket bound: %v", err)
		}
	})
}

// TestReserveBindMatchesSeparateReads: the one pre-hash reservation of a bind says what the
// ticket, throttling and account reads say, for ticket and ticketless binds.
func TestReserveBindMatchesSeparateReads(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		acc, _ := s.CreateAccount(ctx, "hugo", "Hugo", "h", cli)
		r, _, ticket := checkBind(t, s, "o_hugo", t0)
		// Five failures of the ticket's WeChat user from other IPs: its key waits.
		for i := 0; i < 5; i++ {
			fail(t, s, db.ThrottleKey{Username: "hugo", IP: fmt.Sprintf("192.0.2.%d", i), WxUserID: r.User.ID}, acc.ID, nil, t0)
		}
		now := t0.Add(100 * time.Millisecond)
		check := func(in db.ReserveBindInput, now time.Time) db.BindReservation {
			t.Helper()
			c, err := at(t, s, now).ReserveBind(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		c := check(db.ReserveBindInput{TicketHash: ticket, Username: "hugo", IP: "203.0.113.1"}, now)
		// The try is counted on the ticket, then rolled back since the key waits.
		tk := db.BindTicket{WxUserID: r.User.ID, AppID: testAppID, ExpiresAt: t0.Add(db.TicketTTL), Failures: 1}
		if c.Ticket != tk || c.AttemptID != 0 {
			t.Fatalf("ticket: %+v, want %+v", c.Ticket, tk)
		}
		// Five failures, the last at t0: the sixth try waits until t0 + 1 s.
		w := 900 * time.Millisecond
		if c.Wait != w {
			t.Fatalf("wait %v, want %v", c.Wait, w)
		}
		a, _ := s.AccountByUsername(ctx, "hugo")
		if c.Account != a {
			t.Fatalf("account: %+v, want %+v", c.Account, a)
		}
		// No ticket: the WeChat user given is the key's; another one is free.
		if c := check(db.ReserveBindInput{WxUserID: r.User.ID, Username: "hugo", IP: "203.0.113.1"}, now); c.Wait != w || c.Ticket.WxUserID != 0 {
			t.Fatalf("ticketless: %+v", c)
		}
		if c := check(db.ReserveBindInput{WxUserID: r.User.ID + 1, Username: "hugo", IP: "203.0.113.1"}, now); c.Wait != 0 {
			t.Fatalf("other WeChat user waits %v", c.Wait)
		}
		// Unknown username, expired ticket.
		c = check(db.ReserveBindInput{TicketHash: ticket, Username: "nobody", IP: "203.0.113.1"}, t0.Add(db.TicketTTL))
		if c.Ticket.WxUserID != 0 || c.Account.ID != 0 || c.Account.PasswordHash != "" || c.Wait != 0 {
			t.Fatalf("expired ticket, unknown username: %+v", c)
		}
	})
}
