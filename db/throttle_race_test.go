package db_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// race runs fn 50 times at once and returns how many calls it reported as admitted.
func race(t *testing.T, n int, fn func(i int) (bool, error)) int {
	t.Helper()
	var admitted atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ok, err := fn(i)
			if err != nil {
				errs <- err
			}
			if ok {
				admitted.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return int(admitted.Load())
}

// TestReserveBindConcurrentTicket: 50 reservations at once on one ticket admit exactly
// TicketMaxFailures tries, each counted on the ticket and in login_attempts.
func TestReserveBindConcurrentTicket(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		if _, err := s.CreateAccount(ctx, "tess", "", "h", cli); err != nil {
			t.Fatal(err)
		}
		_, _, ticket := checkBind(t, s, "o_tess", t0)
		now := t0.Add(time.Second)
		got := race(t, 50, func(i int) (bool, error) {
			// Each try from its own address: only the ticket limits them.
			c, err := at(t, s, now).ReserveBind(ctx, db.ReserveBindInput{TicketHash: ticket, Username: "tess",
				IP: fmt.Sprintf("192.0.2.%d", i)})
			return c.AttemptID != 0, err
		})
		if got != db.TicketMaxFailures {
			t.Fatalf("admitted %d tries on one ticket, want %d", got, db.TicketMaxFailures)
		}
		if tk := bindTicket(t, s, ticket, now); tk.WxUserID != 0 {
			t.Fatal("the ticket outlived its failures")
		}
		if n := count(t, s, "login_attempts"); n != db.TicketMaxFailures {
			t.Fatalf("attempts: %d, want %d", n, db.TicketMaxFailures)
		}
	})
}

// TestReserveBindConcurrentKey: 50 reservations at once for one (username, IP), each by
// its own WeChat user, admit exactly ThrottleFree tries; 150 at once for one username from
// 150 addresses and users admit exactly the hourly backstop.
func TestReserveBindConcurrentKey(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := t0.Add(time.Second)
		got := race(t, 50, func(i int) (bool, error) {
			c, err := at(t, s, now).ReserveBind(ctx, db.ReserveBindInput{WxUserID: int64(1000 + i), Username: "uma",
				IP: "198.51.100.1"})
			return c.AttemptID != 0, err
		})
		if got != db.ThrottleFree {
			t.Fatalf("admitted %d tries for one (username, IP), want %d", got, db.ThrottleFree)
		}
		got = race(t, 150, func(i int) (bool, error) {
			c, err := at(t, s, now).ReserveBind(ctx, db.ReserveBindInput{WxUserID: int64(2000 + i), Username: "vera",
				IP: fmt.Sprintf("203.0.113.%d/%d", i%250, i)})
			return c.AttemptID != 0, err
		})
		if got != db.ThrottleBackstop {
			t.Fatalf("admitted %d tries for one username, want the backstop %d", got, db.ThrottleBackstop)
		}
	})
}

// TestReserveOperatorSignInConcurrent: 50 console sign-in tries at once for one username
// admit exactly OperatorSignInPerUser; 50 for 50 usernames from one address admit exactly
// OperatorSignInPerIP.
func TestReserveOperatorSignInConcurrent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		got := race(t, 50, func(i int) (bool, error) {
			r, err := s.ReserveOperatorSignIn(ctx, "admin", fmt.Sprintf("192.0.2.%d", i))
			return r.AttemptID != 0, err
		})
		if got != db.OperatorSignInPerUser {
			t.Fatalf("admitted %d tries for one username, want %d", got, db.OperatorSignInPerUser)
		}
		got = race(t, 50, func(i int) (bool, error) {
			r, err := s.ReserveOperatorSignIn(ctx, fmt.Sprintf("name-%d", i), "198.51.100.9")
			return r.AttemptID != 0, err
		})
		if got != db.OperatorSignInPerIP {
			t.Fatalf("admitted %d tries from one address, want %d", got, db.OperatorSignInPerIP)
		}
	})
}
