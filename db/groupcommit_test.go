package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

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
