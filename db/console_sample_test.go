package db_test

import (
	"context"
	"fmt"
	"testing"
	"unicode/utf8"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestSampleIsConsistent checks that the sample data set looks like what the real commands
// write: its shares (bound, phones, live sessions), a binding and a bind event for every
// bound user, sessions that carry only their user's account, a logout event for every
// logged-out session, daily counters that add up to the rows, and nicknames that the
// console's searches find, short ones included.
func TestSampleIsConsistent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		const n = 2000
		must(t, s.InsertSample(ctx, db.SampleOptions{AppID: "wx-sample", Users: n, Sessions: n, Days: 120}))

		share := func(what string, got, lo, hi int64) {
			t.Helper()
			if got < lo || got > hi {
				t.Errorf("%s: %d, want %d..%d", what, got, lo, hi)
			}
		}
		users := queryInt(t, s, `SELECT COUNT(*) FROM wx_users`)
		if users != n {
			t.Fatalf("users: %d, want %d", users, n)
		}
		bound := queryInt(t, s, `SELECT COUNT(*) FROM bindings`)
		share("bound users", bound, n*25/100, n*35/100)
		share("users with a phone", queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE phone <> ''`), n*35/100, n*55/100)
		share("accounts bound to nobody", queryInt(t, s, `SELECT COUNT(*) FROM accounts a WHERE NOT EXISTS
			(SELECT 1 FROM bindings b WHERE b.account_id = a.id)`), 1, n/10)
		share("disabled accounts", queryInt(t, s, `SELECT COUNT(*) FROM accounts WHERE disabled`), 1, n/20)
		share("disabled users", queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE disabled`), 1, n/50)
		share("erased users", queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE deleted_at IS NOT NULL`), 0, n/50)

		// Every binding: its account exists, its user is not erased, and a bind event names it.
		if c := queryInt(t, s, `SELECT COUNT(*) FROM bindings b LEFT JOIN accounts a ON a.id = b.account_id
			JOIN wx_users u ON u.id = b.wx_user_id WHERE a.id IS NULL OR u.deleted_at IS NOT NULL`); c != 0 {
			t.Errorf("%d bindings without their account or of an erased user", c)
		}
		if c := queryInt(t, s, `SELECT COUNT(*) FROM bindings b WHERE NOT EXISTS (SELECT 1 FROM audit_events e
			WHERE e.action = 'bind' AND e.target = 'wx_user:' || b.wx_user_id)`); c != 0 {
			t.Errorf("%d bindings without a bind event", c)
		}
		// A session carries only its own user's bound account, and only once bound.
		if c := queryInt(t, s, `SELECT COUNT(*) FROM sessions s LEFT JOIN bindings b ON b.wx_user_id = s.wx_user_id
			WHERE s.account_id IS NOT NULL AND (b.account_id IS NULL OR b.account_id <> s.account_id OR s.created_at < b.created_at)`); c != 0 {
			t.Errorf("%d sessions carry an account their user is not bound to", c)
		}
		// Erased and disabled users have no live session.
		now := s.Now().UnixMilli()
		if c := queryInt(t, s, `SELECT COUNT(*) FROM sessions s JOIN wx_users u ON u.id = s.wx_user_id
			WHERE s.revoked_at IS NULL AND (u.disabled OR u.deleted_at IS NOT NULL)`); c != 0 {
			t.Errorf("%d unrevoked sessions of disabled or erased users", c)
		}
		live := queryInt(t, s, `SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND idle_expires_at > ? AND max_expires_at > ?`, now, now)
		share("live sessions", live, n*45/100, n*80/100)
		// A quarter of the sessions of users older than the idle window (about half of them,
		// the service grows) ran out long ago: about 11% in all, so 10% was too tight a floor.
		share("expired sessions", queryInt(t, s, `SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND idle_expires_at <= ?`, now), n/20, n*40/100)
		logouts := queryInt(t, s, `SELECT COUNT(*) FROM sessions s JOIN wx_users u ON u.id = s.wx_user_id
			WHERE s.revoked_by = 'user:' || s.wx_user_id AND u.deleted_at IS NULL`)
		share("logged-out sessions", logouts, n/20, n/5)
		if c := queryInt(t, s, `SELECT COUNT(*) FROM sessions s JOIN wx_users u ON u.id = s.wx_user_id
			WHERE s.revoked_by = 'user:' || s.wx_user_id AND u.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM audit_events e
			WHERE e.action = 'session.revoke' AND e.detail = 'session ' || s.id)`); c != 0 {
			t.Errorf("%d logged-out sessions without their session.revoke event", c)
		}
		// The audit log is in time order, as commands write it.
		if c := queryInt(t, s, `SELECT COUNT(*) FROM audit_events a JOIN audit_events b ON b.id = a.id + 1 WHERE b.at < a.at`); c != 0 {
			t.Errorf("%d audit events older than the one before", c)
		}

		// The daily history adds up to the rows and spans the months asked for.
		if got := queryInt(t, s, `SELECT SUM(new_users) FROM daily_stats`); got != n {
			t.Errorf("daily new users add up to %d, want %d", got, n)
		}
		if got := queryInt(t, s, `SELECT SUM(logins) FROM daily_stats`); got != n {
			t.Errorf("daily logins add up to %d, want %d sessions", got, n)
		}
		if got := queryInt(t, s, `SELECT SUM(binds) FROM daily_stats`); got != bound {
			t.Errorf("daily binds add up to %d, want %d bindings", got, bound)
		}
		share("days of history", queryInt(t, s, `SELECT COUNT(DISTINCT day) FROM daily_stats`), 100, 122)

		// Nicknames: one to eight characters (Chinese), and every user is found by a search
		// of one, two and three characters of it, the oldest too.
		byLen := map[int]int{}
		var checked int
		for after := int64(0); ; {
			rows, more, err := s.ListWxUsers(ctx, db.UserFilter{}, db.Keyset{After: after, Limit: 500})
			must(t, err)
			for i, u := range rows {
				l := utf8.RuneCountInString(u.Nickname)
				byLen[l]++
				if l > 16 {
					t.Errorf("nickname %q longer than 16 characters", u.Nickname)
				}
				if i%25 != 0 || l == 0 {
					continue
				}
				r := []rune(u.Nickname)
				for _, q := range []string{string(r[:1]), string(r[:min(2, l)]), string(r[max(0, l-3):])} {
					if _, err := fmt.Sscan(q, new(int64)); err == nil {
						continue // a number is also a user id
					}
					found, _, err := s.ListWxUsers(ctx, db.UserFilter{Q: q}, db.Keyset{After: u.ID + 1, Limit: 1})
					must(t, err)
					if len(found) != 1 || found[0].ID != u.ID {
						t.Errorf("search %q does not find user %d (%q)", q, u.ID, u.Nickname)
					}
				}
				checked++
			}
			if !more {
				break
			}
			after = rows[len(rows)-1].ID
		}
		if checked < 40 {
			t.Errorf("checked %d nicknames", checked)
		}
		for _, l := range []int{0, 1, 2, 3, 4} {
			if byLen[l] == 0 {
				t.Errorf("no nickname of %d characters: %v", l, byLen)
			}
		}
		if byLen[2] < n/10 {
			t.Errorf("two-character nicknames: %d of %d, want many", byLen[2], n)
		}
	})
}
