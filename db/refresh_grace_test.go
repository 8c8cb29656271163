package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// openTwo opens two migrated stores (two instances) on one fresh database of dialect.
func openTwo(t *testing.T, dialect string) (*db.Store, *db.Store) {
	t.Helper()
	u := dbtest.SQLiteURL(t)
	if dialect == db.DialectPostgres {
		u = dbtest.PostgresURL(t)
	}
	return dbtest.OpenURL(t, u), dbtest.OpenURL(t, u)
}

// TestRefreshSharedAcrossInstances: 50 refreshes with one refresh token, half through
// each of two instances, all succeed with the one rotation; the same token after the
// grace period is reuse and ends the session.
func TestRefreshSharedAcrossInstances(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			a, b := openTwo(t, dialect)
			setNow := func(now time.Time) { dbtest.SetNow(t, a, now); dbtest.SetNow(t, b, now) }
			setNow(t0)
			_, sess, ns := login(t, a, "o_share", "k", t0)

			t1 := t0.Add(time.Hour)
			setNow(t1)
			// The pair every caller derives from the old refresh token (the API's HMAC).
			next := newSession()
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
				if _, err := at(t, s, t1).CheckToken(ctx, next.TokenHash); err != nil {
					t.Fatalf("the shared new token must work: %v", err)
				}
				if _, err := at(t, s, t1).CheckToken(ctx, ns.TokenHash); !errors.Is(err, db.ErrNotFound) {
					t.Fatalf("the old access token must die: %v", err)
				}
			}
			if n := queryInt(t, a, `SELECT COUNT(*) FROM revocations WHERE session_id = ?`, sess.ID); n != 1 {
				t.Fatalf("%d rotations recorded, want one shared rotation", n)
			}

			// Up to the end of the grace period, the old token still shares the rotation.
			setNow(t1.Add(db.RefreshGrace))
			if _, err := b.RotateRefresh(ctx, ns.RefreshHash, next); err != nil {
				t.Fatalf("at the end of the grace period: %v", err)
			}
			// After it, the old refresh token is reuse: the session ends, on every instance.
			setNow(t1.Add(db.RefreshGrace + time.Millisecond))
			if r, err := b.RotateRefresh(ctx, ns.RefreshHash, next); !errors.Is(err, db.ErrRefreshReused) || r.ID != sess.ID {
				t.Fatalf("after the grace period: %+v %v", r, err)
			}
			row := storedSession(t, a, next.TokenHash)
			if row.RevokedAt.IsZero() || row.RevokedBy != "refresh_reuse" {
				t.Fatalf("reuse must revoke the session: %+v", row)
			}
			if _, err := b.CheckToken(ctx, next.TokenHash); !errors.Is(err, db.ErrNotFound) {
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
		next := newSession()
		if _, err := at(t, s, t1).RotateRefresh(ctx, ns.RefreshHash, next); err != nil {
			t.Fatal(err)
		}
		if _, err := at(t, s, t1).RotateRefresh(ctx, next.RefreshHash, newSession()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefresh(ctx, ns.RefreshHash, next); !errors.Is(err, db.ErrRefreshReused) {
			t.Fatalf("the session moved on: %v", err)
		}
		if row := storedSession(t, s, next.TokenHash); row.ID == sess.ID {
			t.Fatalf("the session kept a pair it had left")
		}

		_, sess2, ns2 := login(t, s, "o_other", "k", t0)
		next2 := newSession()
		if _, err := at(t, s, t1).RotateRefresh(ctx, ns2.RefreshHash, next2); err != nil {
			t.Fatal(err)
		}
		if r, err := at(t, s, t1).RotateRefresh(ctx, ns2.RefreshHash, newSession()); !errors.Is(err, db.ErrRefreshReused) || r.ID != sess2.ID {
			t.Fatalf("another pair within the grace period: %v", err)
		}
		if _, err := at(t, s, t1).CheckToken(ctx, next2.TokenHash); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("session survived: %v", err)
		}
	})
}
