package db_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

func TestLoginUpsertAndSessionKeyRotation(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		u, sess, ns := login(t, s, "o_alice", "key-one", t0)
		if u.ID == 0 || u.AppID != testAppID || u.OpenID != "o_alice" || u.SessionKey != "key-one" ||
			u.PrevSessionKey != "" || !u.CreatedAt.Equal(t0) || !u.LastLoginAt.Equal(t0) || u.Disabled {
			t.Fatalf("new user: %+v", u)
		}
		if sess.ID == 0 || sess.WxUserID != u.ID || sess.AccountID != 0 || sess.AppID != testAppID ||
			sess.IP != "203.0.113.7" || !sess.AccessExpiresAt.Equal(t0.Add(accessTTL)) ||
			!sess.MaxExpiresAt.Equal(t0.Add(maxTTL)) {
			t.Fatalf("session: %+v", sess)
		}
		if !sess.At.Equal(t0) {
			t.Fatalf("session's command time %v, want %v", sess.At, t0)
		}
		sess.At = time.Time{} // the command's time, not stored
		got := storedSession(t, s, ns.TokenHash)
		if got != sess {
			t.Fatalf("stored session differs:\n%+v\n%+v", got, sess)
		}

		// The stored key is sealed, not the plaintext.
		var stored string
		must(t, s.Writer().QueryRow(s.Rebind(`SELECT session_key FROM wx_users WHERE id = ?`), u.ID).Scan(&stored))
		if stored == "key-one" || strings.Contains(stored, "key-one") || !strings.Contains(stored, ".") {
			t.Fatalf("session_key stored as %q", stored)
		}

		// Same key again: no rotation; unionid arrives later and is kept.
		t1 := t0.Add(time.Minute)
		ns1 := newSession()
		u1, _, err := at(t, s, t1).Login(ctx, db.LoginInput{AppID: testAppID, OpenID: "o_alice", UnionID: "u_alice",
			SessionKey: "key-one", Session: ns1})
		must(t, err)
		if u1.ID != u.ID || u1.SessionKey != "key-one" || u1.PrevSessionKey != "" ||
			!u1.SessionKeyRotatedAt.IsZero() || u1.UnionID != "u_alice" || !u1.LastLoginAt.Equal(t1) {
			t.Fatalf("second login: %+v", u1)
		}

		// New key: the previous one is kept with the rotation time; empty unionid keeps it.
		t2 := t0.Add(2 * time.Minute)
		u2, _, _ := login(t, s, "o_alice", "key-two", t2)
		if u2.SessionKey != "key-two" || u2.PrevSessionKey != "key-one" || !u2.SessionKeyRotatedAt.Equal(t2) ||
			u2.UnionID != "u_alice" || !u2.CreatedAt.Equal(t0) {
			t.Fatalf("rotated: %+v", u2)
		}
		back, err := s.WxUserByID(ctx, u.ID)
		if err != nil || back.SessionKey != "key-two" || back.PrevSessionKey != "key-one" {
			t.Fatalf("read back: %+v %v", back, err)
		}

		// Another user of the same appid is another row.
		other, _, _ := login(t, s, "o_bob", "kb", t2)
		if other.ID == u.ID {
			t.Fatal("two openids share a row")
		}

		// Rollups: 4 logins, 2 new users today.
		st, err := s.DailyStats(ctx, t0, t0, "")
		if err != nil || len(st) != 1 || st[0].Logins != 4 || st[0].NewUsers != 2 {
			t.Fatalf("daily stats: %+v %v", st, err)
		}

		if _, err := s.WxUserByID(ctx, 999999); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func TestLoginCarriesBinding(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		u, sess, _ := login(t, s, "o_carol", "k", t0)
		if sess.AccountID != 0 {
			t.Fatalf("unbound session carries account %d", sess.AccountID)
		}
		acc := createAccount(t, s, "carol")
		execSQL(t, s, `INSERT INTO bindings (wx_user_id, appid, account_id, created_at, created_by)
			VALUES (?, ?, ?, ?, 'user')`, u.ID, testAppID, acc, t0.UnixMilli())
		_, sess, ns := login(t, s, "o_carol", "k", t0.Add(time.Second))
		if sess.AccountID != acc {
			t.Fatalf("bound login carries account %d, want %d", sess.AccountID, acc)
		}
		got := storedSession(t, s, ns.TokenHash)
		if got.AccountID != acc {
			t.Fatalf("stored account: %+v", got)
		}
		a, err := s.AccountByID(context.Background(), acc)
		if err != nil || a.Username != "carol" || a.Name != "Name of carol" {
			t.Fatalf("account: %+v %v", a, err)
		}

		// An explicit account wins (the bind flow starts the session it just bound).
		acc2 := createAccount(t, s, "carol2")
		ns2 := newSession()
		ns2.AccountID = acc2
		_, sess2, err := at(t, s, t0.Add(2*time.Second)).Login(context.Background(), db.LoginInput{AppID: testAppID, OpenID: "o_carol", SessionKey: "k", Session: ns2})
		if err != nil || sess2.AccountID != acc2 {
			t.Fatalf("explicit account: %+v %v", sess2, err)
		}
	})
}

func TestLoginDisabledUser(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		u, _, _ := login(t, s, "o_dan", "k1", t0)
		execSQL(t, s, `UPDATE wx_users SET disabled = ? WHERE id = ?`, true, u.ID)
		before := queryInt(t, s, `SELECT COUNT(*) FROM sessions`)
		_, _, err := at(t, s, t0.Add(time.Hour)).Login(context.Background(), db.LoginInput{AppID: testAppID, OpenID: "o_dan",
			SessionKey: "k2", Session: newSession()})
		if !errors.Is(err, db.ErrUserDisabled) {
			t.Fatalf("disabled user logged in: %v", err)
		}
		after, err := s.WxUserByID(context.Background(), u.ID)
		must(t, err)
		if !after.Disabled || after.SessionKey != "k1" || !after.LastLoginAt.Equal(t0) {
			t.Fatalf("disabled login wrote to the user: %+v", after)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM sessions`); n != before {
			t.Fatalf("disabled login wrote a session: %d -> %d", before, n)
		}
	})
}

// TestConcurrentLogins hammers the single SQLite writer (and PostgreSQL's row locks) from
// many goroutines: every login must succeed, with no "database is locked".
func TestConcurrentLogins(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		const workers, each = 8, 200
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					// Half new users, half returning ones shared between workers.
					id := openid(w*each + i)
					if i%2 == 1 {
						id = openid(i)
					}
					_, _, err := s.Login(context.Background(), db.LoginInput{AppID: testAppID, OpenID: id,
						SessionKey: "k", Session: newSession()})
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent login: %v", err)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM sessions`); n != workers*each {
			t.Fatalf("%d sessions, want %d", n, workers*each)
		}
		st, err := s.DailyStats(context.Background(), time.Now().Add(-24*time.Hour), time.Now(), "")
		must(t, err)
		var logins int64
		for _, d := range st {
			logins += d.Logins
		}
		if logins != workers*each {
			t.Fatalf("rollup counted %d logins, want %d", logins, workers*each)
		}
	})
}
