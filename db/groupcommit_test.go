package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestGroupCommitKeepsEachLoginWhole: many first logins at once, on both databases (on
// SQLite they share commits); every tenth reuses the token hash of a session that exists,
// so it fails at its last statement, after its user was inserted. Each failed login
// leaves nothing behind (no user, no counter), each other one is whole (user, session,
// counted), whichever group it was committed in.
func TestGroupCommitKeepsEachLoginWhole(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		_, taken := loginIn(t, s, testAppID, "o_first", "")
		takenHash := mustSessionHash(t, s, taken.ID)
		const n = 400
		var wg sync.WaitGroup
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ns := newSession()
				if i%10 == 0 {
					ns.TokenHash = takenHash
				}
				<-start
				_, _, errs[i] = s.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: fmt.Sprintf("o_group_%03d", i),
					SessionKey: "k", Session: ns})
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			switch {
			case i%10 == 0 && err == nil:
				t.Errorf("login %d with a taken token hash succeeded", i)
			case i%10 == 0 && errors.Is(err, db.ErrUserDisabled):
				t.Errorf("login %d: %v", i, err)
			case i%10 != 0 && err != nil:
				t.Errorf("login %d: %v", i, err)
			}
		}
		wantOK := int64(n - n/10)
		if got := queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE openid LIKE 'o_group_%'`); got != wantOK {
			t.Errorf("%d users of the group logins, want %d (the failed ones leave none)", got, wantOK)
		}
		if got := queryInt(t, s, `SELECT COUNT(*) FROM sessions s JOIN wx_users u ON u.id = s.wx_user_id WHERE u.openid LIKE 'o_group_%'`); got != wantOK {
			t.Errorf("%d sessions of the group logins, want %d", got, wantOK)
		}
		if got := queryInt(t, s, `SELECT COALESCE(SUM(logins), 0) FROM daily_stats`); got != wantOK+1 {
			t.Errorf("%d logins counted, want %d", got, wantOK+1)
		}
		if got := queryInt(t, s, `SELECT COALESCE(SUM(new_users), 0) FROM daily_stats`); got != wantOK+1 {
			t.Errorf("%d new users counted, want %d", got, wantOK+1)
		}
		if s.Dialect() == db.DialectSQLite && s.LargestGroup() < 2 {
			t.Errorf("no two logins shared a commit (largest group %d): the test did not exercise group commit", s.LargestGroup())
		}
	})
}

// TestGroupCommitSurvivesAPanic: a command that panics inside a shared commit panics in
// its caller's goroutine, as it would alone; what it wrote is rolled back, the logins
// grouped with it commit, and the store keeps writing afterwards, whether the command was
// alone in its commit or not (SQLite, where commits are shared).
func TestGroupCommitSurvivesAPanic(t *testing.T) {
	s := dbtest.Open(t, db.DialectSQLite)
	ctx := context.Background()
	panicking := func() (recovered any) {
		defer func() { recovered = recover() }()
		_ = s.GroupTx(ctx, func(tx *sqlx.Tx) error {
			if _, err := tx.Exec(`INSERT INTO apps (appid, name, secret, enabled, link_unionid, created_at, updated_at)
				VALUES ('wxpanic', 'p', 's', TRUE, TRUE, 0, 0)`); err != nil {
				return err
			}
			panic("boom")
		})
		return nil
	}
	// Alone in its commit.
	if r := panicking(); r != "boom" {
		t.Fatalf("the caller recovered %v, want the command's panic", r)
	}
	loginIn(t, s, testAppID, "o_after_lone_panic", "")
	// Among 99 logins.
	const n = 100
	var wg sync.WaitGroup
	errs := make([]error, n)
	var recovered any
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i == n/2 {
				recovered = panicking()
				return
			}
			_, _, errs[i] = s.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: fmt.Sprintf("o_beside_panic_%02d", i),
				SessionKey: "k", Session: newSession()})
		}()
	}
	close(start)
	wg.Wait()
	if recovered != "boom" {
		t.Errorf("the grouped caller recovered %v, want the command's panic", recovered)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("login %d beside the panic: %v", i, err)
		}
	}
	if got := queryInt(t, s, `SELECT COUNT(*) FROM apps WHERE appid = 'wxpanic'`); got != 0 {
		t.Errorf("the panicking command's insert was kept (%d rows)", got)
	}
	if got := queryInt(t, s, `SELECT COUNT(*) FROM wx_users WHERE openid LIKE 'o_beside_panic_%'`); got != n-1 {
		t.Errorf("%d users of the logins beside the panic, want %d", got, n-1)
	}
	loginIn(t, s, testAppID, "o_after_grouped_panic", "") // the loop still writes
}
