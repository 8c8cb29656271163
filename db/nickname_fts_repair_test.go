package db_test

import (
	"context"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestNicknameIndexRepairedByMigration: a SQLite database whose nickname index the old
// update triggers broke (a profile update keeping the nickname) finds the user again
// once migration 00003 (nickname_fts_update) has run.
func TestNicknameIndexRepairedByMigration(t *testing.T) {
	ctx := context.Background()
	s := dbtest.OpenWith(t, dbtest.SQLiteURL(t), db.Options{})
	must(t, s.MigrateTo(ctx, 2))
	// The user's first login as the code of that schema wrote it (today's Login also
	// bumps a daily counter a later migration adds).
	execSQL(t, s, `INSERT INTO wx_users (appid, openid, session_key, created_at, last_login_at)
		VALUES (?, 'o_repair', '', ?, ?)`, testAppID, t0.UnixMilli(), t0.UnixMilli())
	u := struct{ ID int64 }{queryInt(t, s, `SELECT id FROM wx_users WHERE openid = 'o_repair'`)}
	search := func() int {
		rows, _, err := s.ListWxUsers(ctx, db.UserFilter{Q: "Katherine"}, db.Keyset{})
		must(t, err)
		return len(rows)
	}
	// The profile updates as the code of that schema wrote them (today's UpdateProfile
	// also writes to columns a later migration adds).
	execSQL(t, s, `UPDATE wx_users SET nickname = ? WHERE id = ?`, "Katherine", u.ID)
	execSQL(t, s, `UPDATE wx_users SET nickname = ?, city = ? WHERE id = ?`, "Katherine", "Hangzhou", u.ID)
	if n := search(); n != 0 {
		t.Skipf("the old triggers kept the row here (%d): nothing to repair", n)
	}
	must(t, s.Migrate(ctx))
	if n := search(); n != 1 {
		t.Fatalf("after the repair the user is found %d times, want 1", n)
	}
	_, err := s.UpdateProfile(ctx, u.ID, db.Profile{NickName: "Katherine", City: "Suzhou"}, db.UserActor(u.ID, ""))
	must(t, err)
	if n := search(); n != 1 {
		t.Fatalf("an update keeping the nickname dropped the user: found %d times", n)
	}
}
