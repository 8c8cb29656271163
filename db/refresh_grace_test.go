package db_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// openTwo opens two migrated stores (two instances) on one fresh database of dialect,
// both on the clock now.
func openTwo(t *testing.T, dialect string, now func() time.Time) (*db.Store, *db.Store) {
	t.Helper()
	u := dbtest.SQLiteURL(t)
	if dialect == db.DialectPostgres {
		u = dbtest.PostgresURL(t)
	}
	open := func() *db.Store {
		s, err := db.Open(context.Background(), u, db.Options{Keys: dbtest.Keys(t), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		must(t, s.Migrate(context.Background()))
		return s
	}
	return open(), open()
}

// TestRefreshSharedAcrossInstances: 50 refreshes with one refresh token, half through
// each of two instances, all succeed with the one rotation; the same token after the
// grace period is reuse and ends the session.
func TestRefreshSharedAcrossInstances(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			var clock atomic.Int64
			clock.Store(t0.UnixMilli())
			now := func() time.Time { return time.UnixMilli(clock.Load()) }
			a, b := openTwo(t, dialect, now)
			_, sess, ns := login(t, a, "o_share", "k", t0)

			t1 := t0.Add(time.Hour)
			clock.Store(t1.UnixMilli())
			// The pair every caller derives from the old refresh token (the API's HMAC).
			next := newSession(t1)
			next.Now = time.Time{} // the store's clock
			const callers = 50
			got := make([]db.Session, callers)
			errs := make([]error, callers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := a
					if i%2 == 1 {
						s = b
					}
					<-start
					got[i], errs[i] = s.RotateRefresh(ctx, ns.RefreshHash, next)
				}()
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil || got[i].ID != sess.ID || !got[i].AccessExpiresAt.Equal(t1.Add(accessTTL)) {
					t.Fatalf("caller %d: %+v %v", i, got[i], err)
				}
			}
			for _, s := range []*db.Store{a, b} {
				if _, err := s.CheckToken(ctx, next.TokenHash, t1); err != nil {
					t.Fatalf("the shared new token must work: %v", err)
				}
				if _, err := s.CheckToken(ctx, ns.TokenHash, t1); !errors.Is(err, db.ErrNotFound) {
					t.Fatalf("the old access token must die: %v", err)
				}
			}
			if n := queryInt(t, a, `SELECT COUNT(*) FROM revocations WHERE session_id = ?`, sess.ID); n != 1 {
				t.Fatalf("%d rotations recorded, want one shared rotation", n)
			}

			// Up to the end of the grace period, the old token still shares the rotation.
			clock.Store(t1.Add(db.RefreshGrace).UnixMilli())
			if _, err := b.RotateRefresh(ctx, ns.RefreshHash, next); err != nil {
				t.Fatalf("at the end of the grace period: %v", err)
			}
			// After it, the old refresh token is reuse: the session ends, on every instance.
			clock.Store(t1.Add(db.RefreshGrace + time.Millisecond).UnixMilli())
			if r, err := b.RotateRefresh(ctx, ns.RefreshHash, next); !errors.Is(err, db.ErrRefreshReused) || r.ID != sess.ID {
				t.Fatalf("after the grace period: %+v %v", r, err)
			}
			row := storedSession(t, a, next.TokenHash)
			if row.RevokedAt.IsZero() || row.RevokedBy != "refresh_reuse" {
				t.Fatalf("reuse must revoke the session: %+v", row)
			}
			if _, err := b.CheckToken(ctx, next.TokenHash, now()); !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("revoked session still answers: %v", err)
			}
			if n := queryInt(t, a, `SELECT COUNT(*) FROM audit_events WHERE action = 'session.refresh_reuse'`); n != 1 {
				t.Fatalf("%d reuse audit rows, want 1", n)
			}
		})
	}
}

// TestRefreshGraceNeedsTheSamePair: within the grace period, the old refresh token only
// shares a rotation whose pair the session still holds; after a further rotation, or with
// another pair, it is reuse.
func TestRefreshGraceNeedsTheSamePair(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		t1 := t0.Add(time.Hour)

		_, sess, ns := login(t, s, "o_moved", "k", t0)
		next := newSession(t1)
		if _, err := s.RotateRefresh(ctx, ns.RefreshHash, next); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefresh(ctx, next.RefreshHash, newSession(t1)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefresh(ctx, ns.RefreshHash, next); !errors.Is(err, db.ErrRefreshReused) {
			t.Fatalf("the session moved on: %v", err)
		}
		if row := storedSession(t, s, next.TokenHash); row.ID == sess.ID {
			t.Fatalf("the session kept a pair it had left")
		}

		_, sess2, ns2 := login(t, s, "o_other", "k", t0)
		next2 := newSession(t1)
		if _, err := s.RotateRefresh(ctx, ns2.RefreshHash, next2); err != nil {
			t.Fatal(err)
		}
		if r, err := s.RotateRefresh(ctx, ns2.RefreshHash, newSession(t1)); !errors.Is(err, db.ErrRefreshReused) || r.ID != sess2.ID {
			t.Fatalf("another pair within the grace period: %v", err)
		}
		if _, err := s.CheckToken(ctx, next2.TokenHash, t1); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("session survived: %v", err)
		}
	})
}
