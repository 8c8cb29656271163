package db_test

import (
	"context"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestDailyStatsPerApp: logins, new users and binds are counted per app, and the whole
// deployment's day is their sum.
func TestDailyStatsPerApp(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		const appA, appB = "wxa0000000000000a1", "wxb0000000000000b2"
		loginIn(t, s, appA, "oa_1", "")
		loginIn(t, s, appA, "oa_1", "")
		ub, _ := loginIn(t, s, appB, "ob_1", "")
		acc, err := s.CreateAccount(ctx, "statsy", "", "$argon2id$x", cli)
		must(t, err)
		must(t, s.OperatorBind(ctx, ub.ID, acc.ID, "", cli))
		for _, c := range []struct {
			app                     string
			logins, binds, newUsers int64
		}{{appA, 2, 0, 1}, {appB, 1, 1, 1}, {"", 3, 1, 2}} {
			st, err := s.DailyStats(ctx, t0, t0, c.app)
			must(t, err)
			if len(st) != 1 || st[0].Logins != c.logins || st[0].Binds != c.binds || st[0].NewUsers != c.newUsers {
				t.Errorf("app %q: %+v, want %d logins, %d binds, %d new users", c.app, st, c.logins, c.binds, c.newUsers)
			}
		}
	})
}
