package db_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

const (
	appA = "wxaaaaaaaaaaaaaaaa"
	appB = "wxbbbbbbbbbbbbbbbb"
	appC = "wxcccccccccccccccc"
)

// loginIn logs openid (with unionid) into app at t0 and returns the user and session.
func loginIn(t testing.TB, s *db.Store, app, openid, unionid string) (db.WxUser, db.Session) {
	t.Helper()
	u, sess, err := at(t, s, t0).Login(context.Background(), db.LoginInput{AppID: app, OpenID: openid, UnionID: unionid,
		SessionKey: "k", Session: newSession()})
	if err != nil {
		t.Fatalf("login %s in %s: %v", openid, app, err)
	}
	return u, sess
}

func TestAppCommands(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		const secret = "s3cr3t-app-secret-0123456789abcdef"
		a, err := s.CreateApp(ctx, db.AppInput{AppID: appA, Name: "Shop", Secret: secret}, cli)
		must(t, err)
		if !a.Enabled || !a.LinkUnionID || a.Name != "Shop" || a.Secret() != "" {
			t.Fatalf("created app %+v (a created app answers without its secret)", a)
		}
		if _, err := s.CreateApp(ctx, db.AppInput{AppID: appA, Name: "again", Secret: "x"}, cli); !errors.Is(err, db.ErrConflict) {
			t.Fatalf("second create: %v, want conflict", err)
		}
		for _, bad := range []db.AppInput{{AppID: "", Secret: "x"}, {AppID: "wx a", Secret: "x"},
			{AppID: strings.Repeat("w", 33), Secret: "x"}, {AppID: appB, Secret: ""}, {AppID: appB, Secret: "has space"},
			{AppID: appB, Secret: "x", Name: "bad\x00name"}} {
			if _, err := s.CreateApp(ctx, bad, cli); err == nil {
				t.Errorf("create %+v accepted", bad)
			}
		}
		got, err := s.AppByID(ctx, appA)
		must(t, err)
		if got.Secret() != secret {
			t.Fatal("the store does not open the secret it sealed")
		}
		// Sealed at rest, and never in the audit log.
		if n := queryInt(t, s, `SELECT COUNT(*) FROM apps WHERE secret LIKE ?`, "%"+secret+"%"); n != 0 {
			t.Fatal("the secret is stored in the clear")
		}
		must(t, s.SetAppEnabled(ctx, appA, false, cli))
		if got, _ := s.AppByID(ctx, appA); got.Enabled {
			t.Fatal("disabled app still enabled")
		}
		must(t, s.SetAppEnabled(ctx, appA, true, cli))
		must(t, s.SetAppLinkUnionID(ctx, appA, false, cli))
		must(t, s.SetAppSecret(ctx, appA, "rotated-secret", cli))
		if got, _ := s.AppByID(ctx, appA); !got.Enabled || got.LinkUnionID || got.Secret() != "rotated-secret" {
			t.Fatalf("after enable, link off, rotation: %+v", got)
		}
		if err := s.SetAppEnabled(ctx, appC, false, cli); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("disable unknown app: %v", err)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE detail LIKE ? OR detail LIKE ?`, "%"+secret+"%", "%rotated-secret%"); n != 0 {
			t.Fatal("a secret reached the audit log")
		}
		want := []string{"app.create", "app.disable", "app.enable", "app.link_unionid", "app.secret"}
		for _, action := range want {
			if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = ? AND target = ?`, action, "app:"+appA); n != 1 {
				t.Errorf("%s audit rows: %d", action, n)
			}
		}
		// EnsureApp (start-up settings): no write when nothing changed, rotation when it did.
		before := count(t, s, "audit_events")
		_, err = s.EnsureApp(ctx, appA, "rotated-secret", false, cli)
		must(t, err)
		if count(t, s, "audit_events") != before {
			t.Fatal("EnsureApp wrote although nothing changed")
		}
		a, err = s.EnsureApp(ctx, appA, "from-env", true, cli)
		must(t, err)
		if a.Secret() != "rotated-secret" {
			t.Fatal("EnsureApp keepSecret replaced the secret")
		}
		a, err = s.EnsureApp(ctx, appB, "env-secret", false, cli)
		must(t, err)
		if a.Secret() != "env-secret" || !a.Enabled {
			t.Fatalf("EnsureApp create: %+v", a)
		}
	})
}

// TestAppChangeReachesOtherInstance: an app created, disabled or rotated on one instance
// (the CLI, say) shows on another once its follower reads the feed, and the hooks hear it.
func TestAppChangeReachesOtherInstance(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			a, b := sharedStores(t, d)
			var mu sync.Mutex
			var heard []db.App
			b.OnAppsLoaded(func(apps []db.App) { mu.Lock(); heard = apps; mu.Unlock() })
			f := db.NewFollower(0)
			must(t, b.PollRevocations(ctx, f))
			if _, err := b.AppByID(ctx, appA); !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("app before creation: %v", err)
			}
			_, err := a.CreateApp(ctx, db.AppInput{AppID: appA, Name: "Shop", Secret: "one"}, cli)
			must(t, err)
			if _, err := b.AppByID(ctx, appA); !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("B read the database instead of its memory: %v", err)
			}
			must(t, b.PollRevocations(ctx, f))
			got, err := b.AppByID(ctx, appA)
			must(t, err)
			if got.Secret() != "one" || !got.Enabled {
				t.Fatalf("B's app: %+v", got)
			}
			mu.Lock()
			if len(heard) != 1 || heard[0].AppID != appA || heard[0].Secret() != "one" {
				t.Fatalf("hook heard %+v", heard)
			}
			mu.Unlock()
			must(t, a.SetAppEnabled(ctx, appA, false, cli))
			must(t, a.SetAppSecret(ctx, appA, "two", cli))
			must(t, b.PollRevocations(ctx, f))
			if got, _ := b.AppByID(ctx, appA); got.Enabled || got.Secret() != "two" {
				t.Fatalf("B after disable and rotation: enabled %v", got.Enabled)
			}
		})
	}
}

// TestBindingFollowsUnionID: one person (one unionid) in three apps: the binding made in A
// answers in B at login and in C at checkBind, each creating that app's own binding,
// audited as linked by unionid; an app with the link off, a person without unionid and
// another person stay unbound; unbinding in B leaves A and C and is not undone by B's
// next login.
func TestBindingFollowsUnionID(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		for _, id := range []string{appA, appB, appC} {
			_, err := s.CreateApp(ctx, db.AppInput{AppID: id, Secret: "x"}, cli)
			must(t, err)
		}
		const off = "wxdddddddddddddddd"
		_, err := s.CreateApp(ctx, db.AppInput{AppID: off, Secret: "x", NoUnionIDLink: true}, cli)
		must(t, err)
		acc := createAccount(t, s, "ann")
		ua, _ := loginIn(t, s, appA, "oa_ann", "u_ann")
		must(t, s.OperatorBind(ctx, ua.ID, acc, "fixture", cli))

		ub, sess := loginIn(t, s, appB, "ob_ann", "u_ann")
		if sess.AccountID != acc || ub.ID == ua.ID {
			t.Fatalf("login in B: session account %d, want %d (user %d vs %d)", sess.AccountID, acc, ub.ID, ua.ID)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM bindings WHERE wx_user_id = ? AND appid = ? AND account_id = ?`, ub.ID, appB, acc); n != 1 {
			t.Fatal("no binding in B")
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'bind.unionid' AND target = ? AND detail LIKE ?`,
			"wx_user:"+itoa(ub.ID), "%linked by unionid from app "+appA+"%"); n != 1 {
			t.Fatalf("bind.unionid audit rows: %d", n)
		}

		res, err := at(t, s, t0).CheckBind(ctx, db.CheckBindInput{LoginInput: db.LoginInput{AppID: appC, OpenID: "oc_ann",
			UnionID: "u_ann", SessionKey: "k", Session: newSession()}, TicketHash: tokenHash()})
		must(t, err)
		if res.AccountID != acc || res.Session.ID == 0 || res.Session.AccountID != acc {
			t.Fatalf("checkBind in C: %+v", res)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM bind_tickets`); n != 0 {
			t.Fatal("a linked checkBind stored a bind ticket")
		}

		// The link off, no unionid, someone else: not bound.
		if _, sess := loginIn(t, s, off, "od_ann", "u_ann"); sess.AccountID != 0 {
			t.Fatal("an app with the unionid link off took the binding")
		}
		if _, sess := loginIn(t, s, appB, "ob_nou", ""); sess.AccountID != 0 {
			t.Fatal("a user without unionid was bound")
		}
		if _, sess := loginIn(t, s, appB, "ob_bob", "u_bob"); sess.AccountID != 0 {
			t.Fatal("another person was bound")
		}

		// Unbinding in B leaves A and C, and B's next login does not link again.
		must(t, s.OperatorUnbind(ctx, ub.ID, "test", cli))
		for _, id := range []int64{ua.ID} {
			if n := queryInt(t, s, `SELECT COUNT(*) FROM bindings WHERE wx_user_id = ?`, id); n != 1 {
				t.Fatal("unbinding in B removed A's binding")
			}
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM bindings WHERE appid = ?`, appC); n != 1 {
			t.Fatal("unbinding in B removed C's binding")
		}
		if _, sess := loginIn(t, s, appB, "ob_ann", "u_ann"); sess.AccountID != 0 {
			t.Fatal("the next login in B undid the unbind")
		}
	})
}

// TestConcurrentUnionIDLink: many first logins (and checkBinds) of the same person at once
// in a new app: every one succeeds carrying the account, and exactly one binding and one
// audit event are made.
func TestConcurrentUnionIDLink(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		acc := createAccount(t, s, "cat")
		ua, _ := loginIn(t, s, appA, "oa_cat", "u_cat")
		must(t, s.OperatorBind(ctx, ua.ID, acc, "fixture", cli))

		const n = 24
		var wg sync.WaitGroup
		// Warm the pool so the logins below meet in the database, not in connecting.
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := at(t, s, t0).Login(ctx, db.LoginInput{AppID: appC, OpenID: "warm" + itoa(int64(i)), SessionKey: "k", Session: newSession()})
				must(t, err)
			}()
		}
		wg.Wait()
		accounts := make([]int64, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				in := db.LoginInput{AppID: appB, OpenID: "ob_cat", UnionID: "u_cat", SessionKey: "k", Session: newSession()}
				if i%2 == 0 {
					_, sess, err := s.Login(ctx, in)
					accounts[i], errs[i] = sess.AccountID, err
					return
				}
				res, err := s.CheckBind(ctx, db.CheckBindInput{LoginInput: in, TicketHash: tokenHash()})
				accounts[i], errs[i] = res.Session.AccountID, err
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil || accounts[i] != acc {
				t.Errorf("login %d: account %d, err %v", i, accounts[i], errs[i])
			}
		}
		if got := queryInt(t, s, `SELECT COUNT(*) FROM bindings WHERE appid = ?`, appB); got != 1 {
			t.Fatalf("bindings in B: %d, want 1", got)
		}
		if got := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'bind.unionid'`); got != 1 {
			t.Fatalf("bind.unionid events: %d, want 1", got)
		}
		if got := queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE appid = ?`, appB); got != 1 {
			t.Fatalf("users in B: %d", got)
		}
	})
}
