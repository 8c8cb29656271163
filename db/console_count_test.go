package db_test

import (
	"context"
	"fmt"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestConsoleMatchCounts: every console list can say how many rows its filter matches,
// exactly up to the cap and "more than the cap" past it, with a search's nickname walk
// counted whole rather than stopping after a page.
func TestConsoleMatchCounts(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		var users []db.WxUser
		for i := range 5 {
			u, _ := loginIn(t, s, testAppID, fmt.Sprintf("o_count_%d", i), "")
			_, err := s.UpdateProfile(ctx, u.ID, db.Profile{NickName: fmt.Sprintf("小明%d", i)}, cli)
			must(t, err)
			users = append(users, u)
		}
		loginIn(t, s, testAppID, "o_count_0", "") // a second session of the first user
		for i, u := range users[:2] {
			acc, err := s.CreateAccount(ctx, fmt.Sprintf("counted%d", i), "", "$argon2id$x", cli)
			must(t, err)
			must(t, s.OperatorBind(ctx, u.ID, acc.ID, "", cli))
		}
		check := func(what string, got db.MatchCount, err error, want int64, more bool) {
			t.Helper()
			must(t, err)
			if got.N != want || got.More != more {
				t.Errorf("%s: %+v, want %d (more %v)", what, got, want, more)
			}
		}
		n, err := s.CountActiveSessions(ctx, db.SessionFilter{})
		check("sessions", n, err, 6, false)
		n, err = s.CountActiveSessions(ctx, db.SessionFilter{WxUserID: users[0].ID})
		check("sessions of one user", n, err, 2, false)
		n, err = s.CountBindings(ctx, "")
		check("bindings", n, err, 2, false)
		n, err = s.CountBindings(ctx, "小明1")
		check("bindings found by nickname", n, err, 1, false)
		n, err = s.CountWxUsers(ctx, db.UserFilter{Q: "小明"})
		check("users by nickname", n, err, 5, false)
		n, err = s.CountWxUsers(ctx, db.UserFilter{Q: "明", Bound: "no"})
		check("unbound users by a one-character nickname", n, err, 3, false)
		n, err = s.CountWxUsers(ctx, db.UserFilter{Q: "o_count_3"})
		check("users by openid", n, err, 1, false)
		n, err = s.CountAudit(ctx, db.AuditFilter{Action: "bind"})
		check("audit by action", n, err, 2, false)
		all, _, err := s.ListAudit(ctx, db.AuditFilter{}, db.Keyset{Limit: 500})
		must(t, err)
		n, err = s.CountAudit(ctx, db.AuditFilter{})
		check("audit", n, err, int64(len(all)), false)

		// Past the cap a count stops and says so; a search walks past a page to get there.
		db.SetMatchCap(t, 3)
		n, err = s.CountWxUsers(ctx, db.UserFilter{Q: "小明"})
		check("users by nickname past the cap", n, err, 3, true)
		n, err = s.CountWxUsers(ctx, db.UserFilter{Q: "明", Bound: "no"})
		check("exactly the cap", n, err, 3, false)
		n, err = s.CountAudit(ctx, db.AuditFilter{})
		check("audit past the cap", n, err, 3, true)
		n, err = s.CountActiveSessions(ctx, db.SessionFilter{})
		check("sessions past the cap", n, err, 3, true)

		// A term of three characters or more is found through the trigram index
		// (PostgreSQL) or FTS5 (SQLite); its count walks in no particular order.
		for i := range 5 {
			u, _ := loginIn(t, s, testAppID, fmt.Sprintf("o_count_latin_%d", i), "")
			_, err := s.UpdateProfile(ctx, u.ID, db.Profile{NickName: fmt.Sprintf("Jackson%d", i)}, cli)
			must(t, err)
			_, err = s.CreateAccount(ctx, fmt.Sprintf("jackie%d", i), fmt.Sprintf("Jackie Chan %d", i), "$argon2id$x", cli)
			must(t, err)
		}
		n, err = s.CountWxUsers(ctx, db.UserFilter{Q: "ackson"})
		check("users by a long nickname term past the cap", n, err, 3, true)
		n, err = s.CountWxUsers(ctx, db.UserFilter{Q: "ackson3"})
		check("users by a long nickname term", n, err, 1, false)
		n, err = s.CountAccounts(ctx, "Chan")
		check("accounts by a long name term past the cap", n, err, 3, true)
		n, err = s.CountAccounts(ctx, "Chan 4")
		check("accounts by a long name term", n, err, 1, false)
	})
}
