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

func TestCheckTokenExpiries(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		u, sess, ns := login(t, s, "o_erin", "k", t0)
		check := func(now time.Time) error {
			_, err := at(t, s, now).CheckToken(ctx, ns.TokenHash)
			return err
		}
		got, err := at(t, s, t0.Add(time.Minute)).CheckToken(ctx, ns.TokenHash)
		if err != nil || got.ID != sess.ID || !got.LastSeenAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("fresh token: %+v %v", got, err)
		}
		if err := check(t0.Add(accessTTL - time.Millisecond)); err != nil {
			t.Fatalf("just before access expiry: %v", err)
		}
		if err := check(t0.Add(accessTTL)); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("at access expiry: %v", err)
		}
		if _, err := at(t, s, t0).CheckToken(ctx, tokenHash()); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}

		// Idle and max expiry, each on its own session (access outlives them here).
		for name, mutate := range map[string]func(*db.NewSession){
			"idle": func(n *db.NewSession) { n.IdleTTL = time.Minute },
			"max":  func(n *db.NewSession) { n.MaxTTL = time.Minute },
		} {
			n := newSession()
			mutate(&n)
			_, _, err := at(t, s, t0).Login(ctx, db.LoginInput{AppID: testAppID, OpenID: "o_erin", SessionKey: "k", Session: n})
			must(t, err)
			if _, err := at(t, s, t0.Add(time.Second)).CheckToken(ctx, n.TokenHash); err != nil {
				t.Fatalf("%s: before: %v", name, err)
			}
			if _, err := at(t, s, t0.Add(time.Minute)).CheckToken(ctx, n.TokenHash); !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("%s: after: %v", name, err)
			}
		}

		// Revocation in this process is seen at once, cached or not.
		if ok, err := s.RevokeSession(ctx, sess.ID, db.UserActor(u.ID, "")); err != nil || !ok {
			t.Fatalf("revoke: %v %v", ok, err)
		}
		if err := check(t0.Add(time.Minute)); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("revoked token accepted: %v", err)
		}
		if ok, err := s.RevokeSession(ctx, sess.ID, db.UserActor(u.ID, "")); err != nil || ok {
			t.Fatalf("second revoke: %v %v", ok, err)
		}
		if _, err := s.RevokeSession(ctx, 424242, db.UserActor(u.ID, "")); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("revoke of no session: %v", err)
		}
		got = storedSession(t, s, ns.TokenHash)
		if got.RevokedAt.IsZero() || got.RevokedBy != fmt.Sprintf("user:%d", u.ID) {
			t.Fatalf("revoked row: %+v", got)
		}
	})
}

func TestLastSeenFlush(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, sess, ns := login(t, s, "o_fay", "k", t0)
		seen := t0.Add(10 * time.Minute)
		if _, err := at(t, s, seen).CheckToken(ctx, ns.TokenHash); err != nil {
			t.Fatal(err)
		}
		// A check writes nothing by itself.
		if got := storedSession(t, s, ns.TokenHash); !got.LastSeenAt.Equal(t0) {
			t.Fatalf("token check wrote last_seen_at: %v", got.LastSeenAt)
		}
		must(t, s.FlushLastSeen(ctx))
		got := storedSession(t, s, ns.TokenHash)
		if !got.LastSeenAt.Equal(seen) {
			t.Fatalf("after flush: %v (session %d)", got.LastSeenAt, sess.ID)
		}
		// Nothing new: nothing to write, and no error.
		must(t, s.FlushLastSeen(ctx))
	})
}

func TestRotateRefresh(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, sess, ns := login(t, s, "o_gus", "k", t0)
		if _, err := at(t, s, t0).CheckToken(ctx, ns.TokenHash); err != nil { // cached
			t.Fatal(err)
		}
		t1 := t0.Add(time.Hour)
		next := newSession()
		next.MaxTTL = time.Minute // ignored: a refresh never moves the absolute end
		got, err := at(t, s, t1).RotateRefresh(ctx, ns.RefreshHash, next)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != sess.ID || !got.AccessExpiresAt.Equal(t1.Add(accessTTL)) ||
			!got.IdleExpiresAt.Equal(t1.Add(idleTTL)) || !got.MaxExpiresAt.Equal(sess.MaxExpiresAt) {
			t.Fatalf("rotated session: %+v", got)
		}
		// The old access token dies with its hash, even though it was cached; the new works.
		if _, err := at(t, s, t1).CheckToken(ctx, ns.TokenHash); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("old access token after refresh: %v", err)
		}
		if _, err := at(t, s, t1).CheckToken(ctx, next.TokenHash); err != nil {
			t.Fatalf("new access token: %v", err)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM revocations WHERE session_id = ?`, sess.ID); n != 1 {
			t.Fatalf("refresh appended %d revocations, want 1", n)
		}

		// The second refresh token rotates again.
		t2 := t1.Add(time.Hour)
		third := newSession()
		if _, err := at(t, s, t2).RotateRefresh(ctx, next.RefreshHash, third); err != nil {
			t.Fatalf("second rotation: %v", err)
		}

		// Reuse of the first (rotated) refresh token: the session is revoked.
		if r, err := at(t, s, t2).RotateRefresh(ctx, ns.RefreshHash, newSession()); !errors.Is(err, db.ErrRefreshReused) || r.ID != sess.ID {
			t.Fatalf("reuse: %v (session %d)", err, r.ID)
		}
		if _, err := at(t, s, t2).CheckToken(ctx, third.TokenHash); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("session survived refresh reuse: %v", err)
		}
		row := storedSession(t, s, third.TokenHash)
		if row.RevokedBy != "refresh_reuse" || row.RevokedAt.IsZero() {
			t.Fatalf("reuse revocation: %+v", row)
		}
		// Its current refresh token is dead too; reuse again is still reuse.
		if _, err := at(t, s, t2).RotateRefresh(ctx, third.RefreshHash, newSession()); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("refresh of revoked session: %v", err)
		}
		if _, err := at(t, s, t2).RotateRefresh(ctx, ns.RefreshHash, newSession()); !errors.Is(err, db.ErrRefreshReused) {
			t.Fatalf("second reuse: %v", err)
		}

		// Near the absolute end, the new ends are capped at it.
		ns3 := newSession()
		ns3.MaxTTL = time.Hour
		_, started, err := at(t, s, t0).Login(ctx, db.LoginInput{AppID: testAppID, OpenID: "o_gus", SessionKey: "k", Session: ns3})
		must(t, err)
		capped, err := at(t, s, t0.Add(59*time.Minute)).RotateRefresh(ctx, ns3.RefreshHash, newSession())
		if err != nil || !capped.AccessExpiresAt.Equal(started.MaxExpiresAt) || !capped.IdleExpiresAt.Equal(started.MaxExpiresAt) {
			t.Fatalf("capped rotation: %+v %v", capped, err)
		}

		// Unknown, and expired.
		if _, err := at(t, s, t2).RotateRefresh(ctx, tokenHash(), newSession()); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown refresh token: %v", err)
		}
		_, _, ns2 := login(t, s, "o_gus", "k", t0)
		if _, err := at(t, s, t0.Add(idleTTL)).RotateRefresh(ctx, ns2.RefreshHash, newSession()); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("idle-expired refresh: %v", err)
		}
	})
}

func TestRevokeWxUserSessions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		u, _, a := login(t, s, "o_hal", "k", t0)
		ops := db.OperatorActor(db.Operator{Username: "ops"}, "198.51.100.1")
		_, _, b := login(t, s, "o_hal", "k", t0)
		_, _, other := login(t, s, "o_ivy", "k", t0)
		for _, h := range [][]byte{a.TokenHash, b.TokenHash, other.TokenHash} {
			if _, err := at(t, s, t0).CheckToken(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.RevokeWxUserSessions(ctx, u.ID, ops)
		if err != nil || n != 2 {
			t.Fatalf("revoked %d: %v", n, err)
		}
		for _, h := range [][]byte{a.TokenHash, b.TokenHash} {
			if _, err := at(t, s, t0).CheckToken(ctx, h); !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("revoked session alive: %v", err)
			}
		}
		if _, err := at(t, s, t0).CheckToken(ctx, other.TokenHash); err != nil {
			t.Fatalf("another user's session was revoked: %v", err)
		}
		if n, err := s.RevokeWxUserSessions(ctx, u.ID, ops); err != nil || n != 0 {
			t.Fatalf("second revoke: %d %v", n, err)
		}
		revs, err := s.RevocationsAfter(ctx, 0, 10)
		if err != nil || len(revs) != 2 || revs[0].ID >= revs[1].ID {
			t.Fatalf("feed: %+v %v", revs, err)
		}
	})
}

// TestRevocationReachesOtherInstance revokes on one store and watches a second store on the
// same database, which had the session cached, refuse the token through the feed.
func TestRevocationReachesOtherInstance(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			u := dbtest.SQLiteURL(t)
			if d == db.DialectPostgres {
				u = dbtest.PostgresURL(t)
			}
			a, b := dbtest.OpenURL(t, u), dbtest.OpenURL(t, u)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			followed := make(chan error, 1)
			go func() { followed <- b.FollowRevocations(ctx) }()

			// Let b's follower start (it flushes the cache when it starts, and on
			// PostgreSQL when its listener connects) before b caches anything.
			time.Sleep(300 * time.Millisecond)
			now := time.Now()
			_, sess, ns := login(t, a, "o_jo", "k", now)
			_, _, refreshed := login(t, a, "o_jo", "k", now)
			for _, h := range [][]byte{ns.TokenHash, refreshed.TokenHash} {
				if _, err := at(t, b, now).CheckToken(ctx, h); err != nil {
					t.Fatalf("instance b: %v", err)
				}
			}
			if n := b.CacheLen(); n != 2 {
				t.Fatalf("instance b caches %d tokens, want 2", n)
			}
			if _, err := a.RevokeSession(ctx, sess.ID, db.SystemActor("test")); err != nil {
				t.Fatal(err)
			}
			if _, err := at(t, a, now).RotateRefresh(ctx, refreshed.RefreshHash, newSession()); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			waitFor(t, 3*time.Second, "instance b refuses the revoked token", func() bool {
				_, err := at(t, b, now).CheckToken(ctx, ns.TokenHash)
				return errors.Is(err, db.ErrNotFound)
			})
			waitFor(t, 3*time.Second, "instance b refuses the refreshed-away token", func() bool {
				_, err := at(t, b, now).CheckToken(ctx, refreshed.TokenHash)
				return errors.Is(err, db.ErrNotFound)
			})
			t.Logf("%s: revocation seen by the other instance after %v", d, time.Since(start))
			cancel()
			if err := <-followed; !errors.Is(err, context.Canceled) {
				t.Fatalf("FollowRevocations returned %v", err)
			}
		})
	}
}

func TestDeleteWxUser(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		u, _, ns := login(t, s, "o_kim", "secret-key", t0)
		_, err := s.UpdateProfile(ctx, u.ID, db.Profile{NickName: "Kim", AvatarURL: "https://wx.qlogo.cn/x",
			Gender: 2, Province: "Zhejiang", City: "Hangzhou", Country: "China", Language: "zh_CN"}, db.UserActor(u.ID, ""))
		must(t, err)
		must(t, s.SetPhone(ctx, u.ID, "13812345678", "86", db.UserActor(u.ID, "")))
		acc := createAccount(t, s, "kim")
		execSQL(t, s, `INSERT INTO bindings (wx_user_id, appid, account_id, created_at) VALUES (?, ?, ?, ?)`,
			u.ID, testAppID, acc, t0.UnixMilli())
		execSQL(t, s, `INSERT INTO bind_tickets (hash, wx_user_id, appid, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			tokenHash(), u.ID, testAppID, t0.UnixMilli(), t0.Add(10*time.Minute).UnixMilli())
		execSQL(t, s, `UPDATE wx_users SET unionid = 'u_kim' WHERE id = ?`, u.ID)
		if _, err := at(t, s, t0).CheckToken(ctx, ns.TokenHash); err != nil {
			t.Fatal(err)
		}

		must(t, s.DeleteWxUser(ctx, u.ID, db.UserActor(u.ID, "198.51.100.1")))

		got, err := s.WxUserByID(ctx, u.ID)
		must(t, err)
		if got.DeletedAt.IsZero() || got.Profile != (db.Profile{}) || got.Phone != "" || got.PhoneCountryCode != "" ||
			got.SessionKey != "" || got.PrevSessionKey != "" || got.UnionID != "" || got.OpenID != "o_kim" {
			t.Fatalf("not erased: %+v", got)
		}
		if _, err := at(t, s, t0).CheckToken(ctx, ns.TokenHash); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("session of deleted user alive: %v", err)
		}
		for q, want := range map[string]int64{
			`SELECT COUNT(*) FROM bindings WHERE wx_user_id = ?`:                                               0,
			`SELECT COUNT(*) FROM bind_tickets WHERE wx_user_id = ?`:                                           0,
			`SELECT COUNT(*) FROM sessions WHERE wx_user_id = ? AND revoked_at IS NULL`:                        0,
			`SELECT COUNT(*) FROM revocations r JOIN sessions s ON s.id = r.session_id WHERE s.wx_user_id = ?`: 1,
		} {
			if n := queryInt(t, s, q, u.ID); n != want {
				t.Errorf("%s: %d, want %d", q, n, want)
			}
		}
		var actorType, actorID, action, target, ip string
		must(t, s.Writer().QueryRow(s.Rebind(`SELECT actor_type, actor_id, action, target, ip FROM audit_events
			WHERE action = 'user.delete'`)).Scan(&actorType, &actorID, &action, &target, &ip))
		if actorType != "user" || target == "" || ip != "198.51.100.1" {
			t.Fatalf("tombstone: %s %s %s %s %s", actorType, actorID, action, target, ip)
		}

		if err := s.DeleteWxUser(ctx, u.ID, db.UserActor(u.ID, "")); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if _, err := s.UpdateProfile(ctx, u.ID, db.Profile{NickName: "x"}, db.UserActor(u.ID, "")); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("profile of deleted user: %v", err)
		}
		if err := s.SetPhone(ctx, u.ID, "1", "86", db.UserActor(u.ID, "")); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("phone of deleted user: %v", err)
		}

		// Logging in again brings the same row back, empty, unbound.
		again, sess, _ := login(t, s, "o_kim", "new-key", t0.Add(time.Hour))
		if again.ID != u.ID || !again.DeletedAt.IsZero() || again.NickName != "" || sess.AccountID != 0 ||
			again.SessionKey != "new-key" {
			t.Fatalf("login after delete: %+v %+v", again, sess)
		}
	})
}

func TestProfilePhoneAvatarAudit(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		u, _, _ := login(t, s, "o_lee", "k", t0)
		p := db.Profile{NickName: "李雷 🙂", AvatarURL: "https://thirdwx.qlogo.cn/a", Gender: 1,
			Province: "Guangdong", City: "Shenzhen", Country: "China", Language: "zh_CN"}
		got, err := s.UpdateProfile(ctx, u.ID, p, db.UserActor(u.ID, ""))
		if err != nil || got.Profile != p || got.SessionKey != "k" {
			t.Fatalf("update profile: %+v %v", got, err)
		}
		must(t, s.SetPhone(ctx, u.ID, "13800000000", "86", db.UserActor(u.ID, "")))
		got, _ = s.WxUserByID(ctx, u.ID)
		if got.Phone != "13800000000" || got.PhoneCountryCode != "86" || got.Profile != p {
			t.Fatalf("read back: %+v", got)
		}
		if _, err := s.UpdateProfile(ctx, 424242, p, db.UserActor(424242, "")); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("profile of unknown user: %v", err)
		}

		img := []byte{0xff, 0xd8, 0xff, 0x00, 0x01}
		for range 2 { // idempotent
			if _, err := s.SetAvatar(ctx, u.ID, "abc123", "image/jpeg", img, db.UserActor(u.ID, "")); err != nil {
				t.Fatal(err)
			}
		}
		ct, data, err := s.Avatar(ctx, "abc123")
		if err != nil || ct != "image/jpeg" || string(data) != string(img) {
			t.Fatalf("avatar: %q %v %v", ct, data, err)
		}
		if _, _, err := s.Avatar(ctx, "nope"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("missing avatar: %v", err)
		}

		if _, err := s.AccountByID(ctx, 1234); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown account: %v", err)
		}
	})
}

func TestConflictIsMapped(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ns := newSession()
		in := db.LoginInput{AppID: testAppID, OpenID: "o_nan", SessionKey: "k", Session: ns}
		_, _, err := s.Login(context.Background(), in)
		must(t, err)
		// The same token hash twice violates sessions.token_hash's unique index.
		_, _, err = s.Login(context.Background(), in)
		if !errors.Is(err, db.ErrConflict) || errors.Is(err, db.ErrNotFound) {
			t.Fatalf("duplicate token hash: %v", err)
		}
	})
}

func TestCleanup(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := t0.Add(2000 * time.Hour)
		old := now.Add(-48 * time.Hour)
		ancient := now.Add(-db.SessionHistoryKeep - time.Hour)

		// live: logged in an hour ago. idle: idle end passed 53 days ago. revokedOld:
		// revoked longer ago than the history keeps. revokedNew: revoked an hour ago.
		// history: revoked 2 days ago, kept for the user's session history. erased:
		// ended 2 days ago by an account cancellation, not kept.
		_, live, _ := login(t, s, "o_m1", "k", now.Add(-time.Hour))
		_, idle, _ := login(t, s, "o_m2", "k", t0) // t0 + 720h idle end
		_, revokedOld, rn := login(t, s, "o_m3", "k", ancient.Add(-72*time.Hour))
		_, revokedNew, _ := login(t, s, "o_m4", "k", now.Add(-2*time.Hour))
		_, history, _ := login(t, s, "o_m6", "k", now.Add(-72*time.Hour))
		_, erased, _ := login(t, s, "o_m7", "k", now.Add(-72*time.Hour))
		if _, err := at(t, s, ancient.Add(-72*time.Hour)).RotateRefresh(ctx, rn.RefreshHash, newSession()); err != nil {
			t.Fatal(err) // leaves one refresh_tokens row for revokedOld
		}
		execSQL(t, s, `UPDATE sessions SET revoked_at = ?, revoked_by = 'user' WHERE id = ?`, ancient.UnixMilli(), revokedOld.ID)
		execSQL(t, s, `UPDATE sessions SET revoked_at = ?, revoked_by = 'user' WHERE id = ?`, now.Add(-time.Hour).UnixMilli(), revokedNew.ID)
		execSQL(t, s, `UPDATE sessions SET revoked_at = ?, revoked_by = 'user:1' WHERE id = ?`, old.UnixMilli(), history.ID)
		execSQL(t, s, `UPDATE sessions SET revoked_at = ?, revoked_by = 'user.delete' WHERE id = ?`, old.UnixMilli(), erased.ID)
		execSQL(t, s, `DELETE FROM revocations`)
		execSQL(t, s, `INSERT INTO revocations (session_id, at) VALUES (?, ?), (?, ?)`,
			revokedOld.ID, old.UnixMilli(), revokedNew.ID, now.Add(-time.Hour).UnixMilli())
		u, _, _ := login(t, s, "o_m5", "k", now)
		execSQL(t, s, `INSERT INTO bind_tickets (hash, wx_user_id, appid, created_at, expires_at) VALUES (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)`,
			tokenHash(), u.ID, testAppID, old.UnixMilli(), old.Add(10*time.Minute).UnixMilli(),
			tokenHash(), u.ID, testAppID, now.UnixMilli(), now.Add(10*time.Minute).UnixMilli())
		execSQL(t, s, `INSERT INTO login_attempts (at, username, ip) VALUES (?, 'a', ''), (?, 'a', '')`,
			old.UnixMilli(), now.Add(-time.Minute).UnixMilli())
		var op int64
		must(t, s.Writer().QueryRow(s.Rebind(`INSERT INTO operators (username, password_hash, role, created_at, updated_at)
			VALUES ('admin', 'x', 'admin', 0, 0) RETURNING id`)).Scan(&op))
		execSQL(t, s, `INSERT INTO operator_sessions (hash, operator_id, created_at, last_seen_at, expires_at)
			VALUES (?, ?, 0, 0, ?), (?, ?, 0, 0, ?)`, tokenHash(), op, old.UnixMilli(), tokenHash(), op, now.Add(time.Hour).UnixMilli())
		execSQL(t, s, `INSERT INTO audit_events (at, actor_type, actor_id, action, target, ip, detail)
			VALUES (?, 'system', '', 'old', '', '', ''), (?, 'system', '', 'new', '', '', '')`,
			now.Add(-400*24*time.Hour).UnixMilli(), now.UnixMilli())

		r, err := at(t, s, now).Cleanup(ctx, 365*24*time.Hour)
		must(t, err)
		want := db.CleanupReport{Sessions: 3, RefreshTokens: 1, Revocations: 1, Tickets: 1, Attempts: 1,
			OperatorSessions: 1, Audit: 1}
		if r != want {
			t.Fatalf("cleanup report %+v, want %+v", r, want)
		}
		for _, id := range []int64{live.ID, revokedNew.ID, history.ID} {
			if queryInt(t, s, `SELECT COUNT(*) FROM sessions WHERE id = ?`, id) != 1 {
				t.Errorf("session %d purged", id)
			}
		}
		for _, id := range []int64{idle.ID, revokedOld.ID, erased.ID} {
			if queryInt(t, s, `SELECT COUNT(*) FROM sessions WHERE id = ?`, id) != 0 {
				t.Errorf("session %d kept", id)
			}
		}
		// Zero retention keeps the audit log; a second run finds nothing.
		r, err = at(t, s, now).Cleanup(ctx, 0)
		if err != nil || r != (db.CleanupReport{}) {
			t.Fatalf("second cleanup: %+v %v", r, err)
		}
	})
}

// TestFeedGapIsRevisited: on PostgreSQL a feed id can become visible after a higher one
// (ids are taken at insert, rows appear at commit). The follower must not skip it.
func TestFeedGapIsRevisited(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, a, na := login(t, s, "o_pat", "k", t0)
		_, b, nb := login(t, s, "o_quin", "k", t0)
		for _, h := range [][]byte{na.TokenHash, nb.TokenHash} {
			if _, err := at(t, s, t0).CheckToken(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		f := db.NewFollower(100)
		execSQL(t, s, `INSERT INTO revocations (id, session_id, at) VALUES (?, ?, ?)`, 102, b.ID, t0.UnixMilli())
		must(t, s.PollRevocations(ctx, f))
		if s.CacheLen() != 1 || f.Gaps() != 1 {
			t.Fatalf("after id 102: cache %d, gaps %d", s.CacheLen(), f.Gaps())
		}
		// id 101 commits late.
		execSQL(t, s, `INSERT INTO revocations (id, session_id, at) VALUES (?, ?, ?)`, 101, a.ID, t0.UnixMilli())
		must(t, s.PollRevocations(ctx, f))
		if s.CacheLen() != 0 || f.Gaps() != 0 {
			t.Fatalf("late id 101 missed: cache %d, gaps %d", s.CacheLen(), f.Gaps())
		}
	})
}

func TestTokenCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	s := dbtest.OpenWith(t, dbtest.SQLiteURL(t), db.Options{CacheSize: 128})
	must(t, s.Migrate(ctx))
	var hashes [][]byte
	for i := range 300 {
		_, _, ns := login(t, s, openid(i), "k", t0)
		hashes = append(hashes, ns.TokenHash)
	}
	for _, h := range hashes {
		if _, err := at(t, s, t0).CheckToken(ctx, h); err != nil {
			t.Fatal(err)
		}
		_, _ = at(t, s, t0).CheckToken(ctx, tokenHash()) // negative entries count too
	}
	if n := s.CacheLen(); n == 0 || n > 128 {
		t.Fatalf("cache holds %d entries, bound 128", n)
	}
	// Evicted entries are read again, not lost.
	for _, h := range hashes {
		if _, err := at(t, s, t0).CheckToken(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLastSeenFlushManySessions: one flush writes each session its own time, and never
// moves a time back.
func TestLastSeenFlushManySessions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		const n = 40
		hashes := make([][]byte, n)
		for i := range hashes {
			_, _, ns := login(t, s, fmt.Sprintf("o_many%d", i), "k", t0)
			hashes[i] = ns.TokenHash
			if _, err := at(t, s, t0.Add(time.Duration(i+1)*time.Minute)).CheckToken(ctx, ns.TokenHash); err != nil {
				t.Fatal(err)
			}
		}
		must(t, s.FlushLastSeen(ctx))
		for i, h := range hashes {
			if got, want := storedSession(t, s, h).LastSeenAt, t0.Add(time.Duration(i+1)*time.Minute); !got.Equal(want) {
				t.Fatalf("session %d: last seen %v, want %v", i, got, want)
			}
		}
		// Another instance already wrote a later time for session 0: an earlier check
		// flushed now leaves it alone.
		later := t0.Add(time.Hour)
		execSQL(t, s, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, later.UnixMilli(), hashes[0])
		if _, err := at(t, s, t0.Add(30*time.Minute)).CheckToken(ctx, hashes[0]); err != nil {
			t.Fatal(err)
		}
		must(t, s.FlushLastSeen(ctx))
		if got := storedSession(t, s, hashes[0]).LastSeenAt; !got.Equal(later) {
			t.Fatalf("an older time moved last_seen_at back: %v, want %v", got, later)
		}
	})
}
