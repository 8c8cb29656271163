package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestSessionHistory: a user's ended sessions are listed newest first with how each ended —
// logout, an operator's revocation (naming them), refresh token reuse (a security event),
// expiry, a block — with the device; a live session is not history.
func TestSessionHistory(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		u, expired, _ := login(t, s, "o_hist", "k", t0)
		_, loggedOut, _ := login(t, s, "o_hist", "k", t0.Add(idleTTL))
		_, revoked, _ := login(t, s, "o_hist", "k", t0.Add(idleTTL))
		_, reused, rns := login(t, s, "o_hist", "k", t0.Add(idleTTL))
		_, live, _ := login(t, s, "o_hist", "k", t0.Add(idleTTL))
		now := t0.Add(idleTTL + time.Hour)
		if _, err := at(t, s, now).RevokeSession(ctx, loggedOut.ID, db.UserActor(u.ID, "203.0.113.7")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevokeSession(ctx, revoked.ID, db.OperatorActor(db.Operator{Username: "olga"}, "198.51.100.1")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefresh(ctx, rns.RefreshHash, newSession()); err != nil {
			t.Fatal(err)
		}
		if _, err := at(t, s, now.Add(time.Minute)).RotateRefresh(ctx, rns.RefreshHash, newSession()); !errors.Is(err, db.ErrRefreshReused) {
			t.Fatalf("reuse: %v", err)
		}

		got, err := s.SessionHistory(ctx, u.ID, 0)
		must(t, err)
		want := []struct {
			id       int64
			end, by  string
			security bool
		}{
			{reused.ID, db.EndRefreshReuse, "", true},
			{revoked.ID, db.EndOperator, "olga", false},
			{loggedOut.ID, db.EndLogout, "", false},
			{expired.ID, db.EndExpired, "", false},
		}
		if len(got) != len(want) {
			t.Fatalf("history: %+v, want %d rows", got, len(want))
		}
		for i, w := range want {
			r := got[i]
			if r.ID != w.id || r.End != w.end || r.By != w.by || r.Security() != w.security || r.UserAgent != "test agent" || r.IP != "203.0.113.7" {
				t.Errorf("row %d: %+v, want %+v", i, r, w)
			}
		}
		if !got[3].EndedAt.Equal(t0.Add(idleTTL)) || !got[2].EndedAt.Equal(now) {
			t.Errorf("ended at: expired %v, logged out %v", got[3].EndedAt, got[2].EndedAt)
		}
		for _, r := range got {
			if r.ID == live.ID {
				t.Errorf("a live session is in the history")
			}
		}

		if _, err := s.BlockWxUser(ctx, u.ID, "abuse", db.OperatorActor(db.Operator{Username: "olga"}, "")); err != nil {
			t.Fatal(err)
		}
		got, err = s.SessionHistory(ctx, u.ID, 0)
		must(t, err)
		if len(got) != 5 || got[0].ID != live.ID || got[0].End != db.EndBlock {
			t.Fatalf("after the block: %+v", got[0])
		}
	})
}
