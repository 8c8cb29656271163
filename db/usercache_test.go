package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// sharedStores opens two stores (instances) on one fresh database of the dialect.
func sharedStores(t *testing.T, dialect string) (a, b *db.Store) {
	t.Helper()
	u := dbtest.SQLiteURL(t)
	if dialect == db.DialectPostgres {
		u = dbtest.PostgresURL(t)
	}
	return dbtest.OpenURL(t, u), dbtest.OpenURL(t, u)
}

// TestProfileChangeReachesOtherInstanceCache changes a user and an account on store A
// while store B has them cached: B keeps showing the old data until its feed follower
// reads the feed once, and then shows the new data, for every kind of change.
func TestProfileChangeReachesOtherInstanceCache(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			a, b := sharedStores(t, d)
			f := db.NewFollower(0)
			must(t, b.PollRevocations(ctx, f))
			now := time.Now()
			u, _, _ := login(t, a, "o_mia", "k", now)
			accID := createAccount(t, a, "mia")
			ops := db.SystemActor("test")

			shown := func() db.WxUser {
				t.Helper()
				got, err := b.CachedWxUser(ctx, u.ID)
				must(t, err)
				return got
			}
			// Each change, what B shows before its follower reads the feed, and after.
			steps := []struct {
				name   string
				change func()
				seen   func(db.WxUser) bool
			}{
				{"nickname", func() {
					_, err := a.UpdateProfile(ctx, u.ID, db.Profile{NickName: "Mia"}, ops)
					must(t, err)
				}, func(w db.WxUser) bool { return w.NickName == "Mia" }},
				{"phone", func() { must(t, a.SetPhone(ctx, u.ID, "13800000000", "86", ops)) },
					func(w db.WxUser) bool { return w.Phone == "13800000000" }},
				{"avatar", func() {
					_, err := a.SetAvatar(ctx, u.ID, "abc123", "image/png", []byte("png"), ops)
					must(t, err)
				}, func(w db.WxUser) bool { return w.AvatarURL == db.AvatarPath+"abc123" }},
				{"delete", func() { must(t, a.DeleteWxUser(ctx, u.ID, ops)) },
					func(w db.WxUser) bool { return !w.DeletedAt.IsZero() }},
			}
			for _, st := range steps {
				if st.seen(shown()) {
					t.Fatalf("%s: seen before the change", st.name)
				}
				st.change()
				if st.seen(shown()) {
					t.Fatalf("%s: B read the database instead of its cache", st.name)
				}
				must(t, b.PollRevocations(ctx, f))
				if !st.seen(shown()) {
					t.Fatalf("%s: B still shows the old user after reading the feed: %+v", st.name, shown())
				}
			}

			acc, err := b.CachedAccount(ctx, accID)
			must(t, err)
			if acc.Disabled || acc.PasswordHash != "" {
				t.Fatalf("cached account: %+v", acc)
			}
			must(t, a.SetAccountDisabled(ctx, accID, true, ops))
			must(t, b.PollRevocations(ctx, f))
			if acc, err = b.CachedAccount(ctx, accID); err != nil || !acc.Disabled {
				t.Fatalf("B still shows the account enabled: %+v %v", acc, err)
			}
		})
	}
}

// TestProfileChangeSeenLocallyAtOnce: the instance that makes a change shows it at once,
// without its follower, and a login that teaches a cached user its unionid is announced.
func TestProfileChangeSeenLocallyAtOnce(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		u, _, _ := login(t, s, "o_ned", "k", time.Now())
		if _, err := s.CachedWxUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.UpdateProfile(ctx, u.ID, db.Profile{NickName: "Ned"}, db.SystemActor("test"))
		must(t, err)
		if got, _ := s.CachedWxUser(ctx, u.ID); got.NickName != "Ned" {
			t.Fatalf("the changing instance still shows %q", got.NickName)
		}
		_, _, err = s.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: "o_ned", UnionID: "u_ned", SessionKey: "k",
			Session: newSession()})
		must(t, err)
		if got, _ := s.CachedWxUser(ctx, u.ID); got.UnionID != "u_ned" || got.SessionKey != "" {
			t.Fatalf("after a login with a unionid the cache shows %+v", got)
		}
	})
}

// TestUserCacheIsBounded shows more users than the cache holds, from many goroutines at
// once: the cache stays at its size and every answer is the right user.
func TestUserCacheIsBounded(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			u := dbtest.SQLiteURL(t)
			if d == db.DialectPostgres {
				u = dbtest.PostgresURL(t)
			}
			dbtest.OpenURL(t, u) // migrates
			ctx := context.Background()
			s := dbtest.OpenWith(t, u, db.Options{UserCacheSize: 20})
			const users = 100
			ids := make([]int64, users)
			for i := range ids {
				w, _, _ := login(t, s, openid(i), "k", time.Now())
				ids[i] = w.ID
			}
			var wg sync.WaitGroup
			errs := make(chan error, 50*users)
			for g := 0; g < 50; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := range ids {
						j := (i + g) % users
						w, err := s.CachedWxUser(ctx, ids[j])
						if err == nil && w.OpenID != openid(j) {
							err = fmt.Errorf("user %d answered as %s", ids[j], w.OpenID)
						}
						if err != nil {
							errs <- err
						}
					}
				}(g)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if n := s.UserCacheLen(); n != 20 {
				t.Fatalf("cache holds %d entries, want its size 20", n)
			}
		})
	}
}
