package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// avatarName is a content-hash style name for test image n.
func avatarName(n string) string {
	return fmt.Sprintf("%064x.jpg", []byte(n))[:64] + ".jpg"
}

func hasAvatar(t *testing.T, s *db.Store, name string) bool {
	t.Helper()
	_, _, err := s.Avatar(context.Background(), name)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func setAvatar(t *testing.T, s *db.Store, id int64, name string) db.WxUser {
	t.Helper()
	u, err := s.SetAvatar(context.Background(), id, name, "image/jpeg", []byte("img "+name), db.UserActor(id, ""))
	if err != nil {
		t.Fatalf("set avatar %s of %d: %v", name, id, err)
	}
	return u
}

func TestAvatarLifecycle(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a, _, _ := login(t, s, "o_ava", "k", t0)
		b, _, _ := login(t, s, "o_bob", "k", t0)
		c, _, _ := login(t, s, "o_cyd", "k", t0)
		one, two, shared := avatarName("one"), avatarName("two"), avatarName("shared")

		// What is stored is the path, never a host.
		if u := setAvatar(t, s, a.ID, one); u.AvatarURL != db.AvatarPath+one {
			t.Fatalf("stored %q", u.AvatarURL)
		}
		// Replacing deletes the old image.
		setAvatar(t, s, a.ID, two)
		if hasAvatar(t, s, one) || !hasAvatar(t, s, two) {
			t.Fatal("replaced image should be gone, the new one stored")
		}
		// A profile update keeping the avatar keeps the image.
		u, err := s.UpdateProfile(ctx, a.ID, db.Profile{NickName: "Ava", AvatarURL: db.AvatarPath + two}, db.UserActor(a.ID, ""))
		must(t, err)
		if u.AvatarURL != db.AvatarPath+two || !hasAvatar(t, s, two) {
			t.Fatalf("kept avatar lost: %+v", u.Profile)
		}
		// Switching to a WeChat URL releases it.
		_, err = s.UpdateProfile(ctx, a.ID, db.Profile{NickName: "Ava", AvatarURL: "https://thirdwx.qlogo.cn/x/132"}, db.UserActor(a.ID, ""))
		must(t, err)
		if hasAvatar(t, s, two) {
			t.Fatal("image nobody shows is still stored")
		}
		// A profile cannot point at an image that is not stored.
		if _, err := s.UpdateProfile(ctx, a.ID, db.Profile{AvatarURL: db.AvatarPath + two}, db.UserActor(a.ID, "")); !errors.Is(err, db.ErrNoAvatar) {
			t.Fatalf("missing image accepted: %v", err)
		}

		// Shared by content: one user moving on leaves it to the other.
		setAvatar(t, s, b.ID, shared)
		setAvatar(t, s, c.ID, shared)
		setAvatar(t, s, b.ID, one)
		if !hasAvatar(t, s, shared) {
			t.Fatal("image still shown by another user was deleted")
		}
		// The other user pointing at it by path (the profile call) keeps it alive too.
		_, err = s.UpdateProfile(ctx, b.ID, db.Profile{AvatarURL: db.AvatarPath + shared}, db.UserActor(b.ID, ""))
		must(t, err)
		if hasAvatar(t, s, one) {
			t.Fatal("b's replaced image still stored")
		}
		must(t, s.DeleteWxUser(ctx, c.ID, db.UserActor(c.ID, "")))
		if !hasAvatar(t, s, shared) {
			t.Fatal("deleting one user deleted an image another shows")
		}
		must(t, s.DeleteWxUser(ctx, b.ID, db.OperatorActor(db.Operator{Username: "1"}, "")))
		if hasAvatar(t, s, shared) {
			t.Fatal("image of deleted users still stored")
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM avatars`); n != 0 {
			t.Fatalf("%d images left, none shown", n)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'user.avatar'`); n != 5 {
			t.Fatalf("avatar audit events: %d", n)
		}
		// A deleted user cannot set one.
		if _, err := s.SetAvatar(ctx, c.ID, one, "image/jpeg", []byte("x"), db.UserActor(c.ID, "")); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("avatar of deleted user: %v", err)
		}
		if hasAvatar(t, s, one) {
			t.Fatal("refused upload stored its image")
		}
	})
}

// TestAvatarLifecycleConcurrent has 50 users in pairs: in each round one of a pair takes
// the pair's shared image (upload or, every other time, the profile call naming its path)
// while the other leaves it for an image of its own. Right after a user's change returns,
// the image it now shows must be stored; at the end every shown image is stored and no
// image nobody shows remains.
func TestAvatarLifecycleConcurrent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		const users, rounds = 50, 16
		ids := make([]int64, users)
		for i := range ids {
			u, _, _ := login(t, s, fmt.Sprintf("o_c%d", i), "k", t0)
			ids[i] = u.ID
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failures []string
		fail := func(f string, a ...any) {
			mu.Lock()
			failures = append(failures, fmt.Sprintf(f, a...))
			mu.Unlock()
		}
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				shared := avatarName(fmt.Sprintf("pair%d", i/2))
				for r := range rounds {
					name := shared
					var err error
					switch {
					case (r+i)%2 == 1:
						name = avatarName(fmt.Sprintf("u%d-%d", i, r))
						_, err = s.SetAvatar(ctx, id, name, "image/jpeg", []byte(name), db.UserActor(id, ""))
					case r%4 < 2:
						_, err = s.SetAvatar(ctx, id, name, "image/jpeg", []byte(name), db.UserActor(id, ""))
					default:
						_, err = s.UpdateProfile(ctx, id, db.Profile{AvatarURL: db.AvatarPath + name}, db.UserActor(id, ""))
						if errors.Is(err, db.ErrNoAvatar) {
							continue // released just before: a fair refusal, nothing shown changed
						}
					}
					if err != nil {
						fail("user %d round %d: %v", i, r, err)
						continue
					}
					if _, _, err := s.Avatar(ctx, name); err != nil {
						fail("user %d round %d shows %s, which is not stored: %v", i, r, name[:8], err)
					}
				}
			}()
		}
		wg.Wait()
		if len(failures) > 0 {
			t.Fatalf("%d failures, first: %s", len(failures), failures[0])
		}
		missing := queryInt(t, s, `SELECT COUNT(*) FROM wx_users u WHERE u.avatar_url LIKE '/avatars/%'
			AND NOT EXISTS (SELECT 1 FROM avatars a WHERE '/avatars/' || a.hash = u.avatar_url)`)
		orphans := queryInt(t, s, `SELECT COUNT(*) FROM avatars a
			WHERE NOT EXISTS (SELECT 1 FROM wx_users u WHERE u.avatar_url = '/avatars/' || a.hash)`)
		shown := queryInt(t, s, `SELECT COUNT(DISTINCT avatar_url) FROM wx_users WHERE avatar_url LIKE '/avatars/%'`)
		stored := queryInt(t, s, `SELECT COUNT(*) FROM avatars`)
		if missing != 0 || orphans != 0 || shown != stored || stored == 0 {
			t.Fatalf("users showing a missing image: %d; images nobody shows: %d; shown %d, stored %d",
				missing, orphans, shown, stored)
		}
	})
}

// TestAvatarPathMigration checks that absolute URLs to our own images, whatever host a
// request once gave, become paths, and that images nobody shows are dropped.
func TestAvatarPathMigration(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		must(t, s.MigrateTo(ctx, 2))
		mine, orphan, other := avatarName("mine"), avatarName("orphan"), avatarName("other")
		rows := map[string]string{
			"o_m1": "https://evil.example/avatars/" + mine,
			"o_m2": "http://127.0.0.1:8080/avatars/" + mine,
			"o_m3": "https://thirdwx.qlogo.cn/mmopen/abc/132",
			"o_m4": "https://evil.example/avatars/" + other, // not one of ours: left alone
			"o_m5": "",
		}
		for openid, url := range rows {
			execSQL(t, s, `INSERT INTO wx_users (appid, openid, avatar_url, created_at, last_login_at)
				VALUES (?, ?, ?, ?, ?)`, testAppID, openid, url, t0.UnixMilli(), t0.UnixMilli())
		}
		for _, n := range []string{mine, orphan} {
			execSQL(t, s, `INSERT INTO avatars (hash, content_type, data, created_at) VALUES (?, 'image/jpeg', ?, ?)`,
				n, []byte(n), t0.UnixMilli())
		}
		must(t, s.Migrate(ctx))
		want := map[string]string{"o_m1": "/avatars/" + mine, "o_m2": "/avatars/" + mine,
			"o_m3": rows["o_m3"], "o_m4": rows["o_m4"], "o_m5": ""}
		for openid, w := range want {
			var got string
			must(t, s.Writer().QueryRow(s.Rebind(`SELECT avatar_url FROM wx_users WHERE openid = ?`), openid).Scan(&got))
			if got != w {
				t.Errorf("%s: %q, want %q", openid, got, w)
			}
			if strings.Contains(got, "evil") && strings.HasSuffix(got, mine) {
				t.Errorf("forged host kept: %s", got)
			}
		}
		if !hasAvatar(t, s, mine) || hasAvatar(t, s, orphan) {
			t.Fatal("migration should keep shown images and drop the others")
		}
	})
}

// TestAvatarSwapConcurrent has 50 users flip between two shared images at once, half of
// them each way, so transactions release the image others are taking: none may fail (on
// PostgreSQL, no deadlock), and both images survive as long as someone shows them.
func TestAvatarSwapConcurrent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		const users, rounds = 50, 10
		x, y := avatarName("x"), avatarName("y")
		ids := make([]int64, users)
		for i := range ids {
			u, _, _ := login(t, s, fmt.Sprintf("o_s%d", i), "k", t0)
			ids[i] = u.ID
		}
		var wg sync.WaitGroup
		var failed sync.Map
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					name := x
					if (i+r)%2 == 1 {
						name = y
					}
					var err error
					if r%3 == 2 {
						_, err = s.UpdateProfile(ctx, id, db.Profile{AvatarURL: db.AvatarPath + name}, db.UserActor(id, ""))
						if errors.Is(err, db.ErrNoAvatar) {
							continue
						}
					} else {
						_, err = s.SetAvatar(ctx, id, name, "image/jpeg", []byte(name), db.UserActor(id, ""))
					}
					if err != nil {
						failed.Store(fmt.Sprintf("%d/%d", i, r), err)
					}
				}
			}()
		}
		wg.Wait()
		n := 0
		failed.Range(func(k, v any) bool {
			if n == 0 {
				t.Errorf("%s: %v", k, v)
			}
			n++
			return true
		})
		if n > 0 {
			t.Fatalf("%d of %d changes failed", n, users*rounds)
		}
		shown := queryInt(t, s, `SELECT COUNT(DISTINCT avatar_url) FROM wx_users WHERE avatar_url LIKE '/avatars/%'`)
		stored := queryInt(t, s, `SELECT COUNT(*) FROM avatars a
			WHERE EXISTS (SELECT 1 FROM wx_users u WHERE u.avatar_url = '/avatars/' || a.hash)`)
		if all := queryInt(t, s, `SELECT COUNT(*) FROM avatars`); shown != stored || all != stored {
			t.Fatalf("shown %d, stored and shown %d, stored %d", shown, stored, all)
		}
	})
}
