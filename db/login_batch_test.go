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

// TestLoginsAtOnceKeepEachLoginWhole fires several hundred logins at one store at once —
// new users, one user many times over, a blocked user, a user bound to a disabled account,
// a bound user, an erased user coming back, a user whose unionid links them to an account,
// and logins whose user agent the database may refuse — and checks every record: each
// login that succeeded has exactly its session, carrying the right account; each refused
// one left nothing behind; the day's counters agree with the sessions. On PostgreSQL the
// logins run in batches (one statement each), on SQLite in group commits: either way each
// login is whole or absent, and one bad login takes no other down with it.
func TestLoginsAtOnceKeepEachLoginWhole(t *testing.T) {
	dbtest.ForEach(t, loginsAtOnce)
	t.Run("postgres through pgbouncer", func(t *testing.T) {
		// Through a transaction pooler nothing is prepared: the batch's arrays travel
		// as parameters of an unnamed statement.
		s := dbtest.OpenWith(t, dbtest.Pgbouncer(t, dbtest.PostgresURL(t), 8), db.Options{Pooled: true})
		must(t, s.Migrate(context.Background()))
		loginsAtOnce(t, s)
	})
}

// loginsAtOnce is TestLoginsAtOnceKeepEachLoginWhole on store s.
func loginsAtOnce(t *testing.T, s *db.Store) {
	ctx := context.Background()
	sys := db.SystemActor("test")
	const otherApp = "wx00000000000other"
	// Setup, each through Login: 7 logins, 7 new users.
	again, _, _ := login(t, s, "o_again", "k-again-0", t0)
	blocked, _, _ := login(t, s, "o_blocked", "kb", t0)
	bound, _, _ := login(t, s, "o_bound", "kbound", t0)
	offAcct, _, _ := login(t, s, "o_offacct", "koff", t0)
	erased, _, _ := login(t, s, "o_erased", "ke", t0)
	linkFrom, _, err := at(t, s, t0).Login(ctx, db.LoginInput{AppID: otherApp, OpenID: "o_link_there",
		UnionID: "u_link", SessionKey: "kl", Session: newSession()})
	must(t, err)
	plain, _, _ := login(t, s, "o_plain", "kp", t0)
	acct, off, linkAcct := createAccount(t, s, "bound"), createAccount(t, s, "off"), createAccount(t, s, "linked")
	must(t, s.OperatorBind(ctx, bound.ID, acct, "", sys))
	must(t, s.OperatorBind(ctx, offAcct.ID, off, "", sys))
	must(t, s.OperatorBind(ctx, linkFrom.ID, linkAcct, "", sys))
	must(t, s.SetAccountDisabled(ctx, off, true, sys))
	if _, err := s.BlockWxUser(ctx, blocked.ID, "test", sys); err != nil {
		t.Fatal(err)
	}
	must(t, s.DeleteWxUser(ctx, erased.ID, sys))
	setupLogins, setupUsers := int64(7), int64(7)

	type try struct {
		openid, union, key, agent string
		want                      error // nil: must succeed; errAny: may fail
		account                   int64
	}
	errAny := errors.New("either")
	var tries []try
	for i := range 200 {
		tries = append(tries, try{openid: fmt.Sprintf("o_new_%03d", i), key: fmt.Sprintf("kn%d", i)})
	}
	for i := range 20 {
		tries = append(tries, try{openid: "o_again", key: fmt.Sprintf("k-again-%d", i+1)})
	}
	for range 10 {
		tries = append(tries, try{openid: "o_blocked", key: "kb", want: db.ErrUserDisabled})
		tries = append(tries, try{openid: "o_offacct", key: "koff", want: db.ErrAccountDisabled})
	}
	for range 5 {
		tries = append(tries, try{openid: "o_bound", key: "kbound", account: acct})
		tries = append(tries, try{openid: "o_erased", key: "ke2"})
		tries = append(tries, try{openid: "o_plain", key: "kp"})
	}
	tries = append(tries, try{openid: "o_link_here", union: "u_link", key: "kl2", account: linkAcct})
	for i := range 5 {
		// PostgreSQL refuses a NUL in text, SQLite stores it.
		tries = append(tries, try{openid: fmt.Sprintf("o_nul_%d", i), key: "kz", agent: "bad\x00agent", want: errAny})
	}

	type result struct {
		sess db.Session
		err  error
	}
	results := make([]result, len(tries))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, tr := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns := newSession()
			if tr.agent != "" {
				ns.UserAgent = tr.agent
			}
			<-start
			_, sess, err := s.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: tr.openid, UnionID: tr.union,
				SessionKey: tr.key, Session: ns})
			results[i] = result{sess, err}
		}()
	}
	close(start)
	wg.Wait()

	var ok, newUsers int64
	sessionsOf := map[string]int64{}
	for i, tr := range tries {
		r := results[i]
		switch {
		case tr.want == errAny:
		case tr.want != nil:
			if !errors.Is(r.err, tr.want) {
				t.Fatalf("login %s: err %v, want %v", tr.openid, r.err, tr.want)
			}
		case r.err != nil:
			t.Fatalf("login %s: %v", tr.openid, r.err)
		}
		if r.err != nil {
			continue
		}
		ok++
		sessionsOf[tr.openid]++
		if r.sess.AccountID != tr.account {
			t.Fatalf("login %s: session carries account %d, want %d", tr.openid, r.sess.AccountID, tr.account)
		}
		stored := queryInt(t, s, `SELECT COALESCE(account_id, 0) FROM sessions WHERE id = ? AND wx_user_id =
			(SELECT id FROM wx_users WHERE appid = ? AND openid = ?)`, r.sess.ID, testAppID, tr.openid)
		if stored != tr.account {
			t.Fatalf("login %s: stored session carries account %d, want %d", tr.openid, stored, tr.account)
		}
	}
	for i := range 200 {
		if sessionsOf[fmt.Sprintf("o_new_%03d", i)] != 1 {
			t.Fatalf("new user %d: %d sessions", i, sessionsOf[fmt.Sprintf("o_new_%03d", i)])
		}
	}
	newUsers = 201 // o_new_*, o_link_here
	for i := range 5 {
		newUsers += sessionsOf[fmt.Sprintf("o_nul_%d", i)]
	}

	// Every success is exactly one stored session, every refusal none.
	for _, u := range []struct {
		id   int64
		want int64
	}{{again.ID, 1 + 20}, {blocked.ID, 0}, {offAcct.ID, 1}, {bound.ID, 1 + 5}, {erased.ID, 5}, {plain.ID, 1 + 5}} {
		// blocked and erased: their sessions of the setup ended, and stay ended.
		n := queryInt(t, s, `SELECT count(*) FROM sessions WHERE wx_user_id = ? AND revoked_at IS NULL`, u.id)
		if n != u.want {
			t.Fatalf("wx user %d: %d live sessions, want %d", u.id, n, u.want)
		}
	}
	if n := queryInt(t, s, `SELECT count(*) FROM sessions`); n != setupLogins+ok {
		t.Fatalf("%d sessions stored, want %d", n, setupLogins+ok)
	}
	// The user who came back after erasure is a live user again; the linked one is bound.
	if n := queryInt(t, s, `SELECT count(*) FROM wx_users WHERE id = ? AND deleted_at IS NULL`, erased.ID); n != 1 {
		t.Fatal("erased user did not come back")
	}
	if n := queryInt(t, s, `SELECT count(*) FROM bindings b JOIN wx_users u ON u.id = b.wx_user_id
		WHERE u.openid = 'o_link_here' AND b.account_id = ?`, linkAcct); n != 1 {
		t.Fatal("the user with a linkable unionid was not linked")
	}
	// The user logged in 21 times holds one of its keys, and the one before it.
	var cur, prev string
	u, err := s.WxUserByID(ctx, again.ID)
	must(t, err)
	cur, prev = u.SessionKey, u.PrevSessionKey
	if cur == prev || len(cur) < len("k-again-0") || len(prev) < len("k-again-0") || cur[:8] != "k-again-" || prev[:8] != "k-again-" {
		t.Fatalf("after 21 logins: key %q, previous %q", cur, prev)
	}

	// The counters: every login, every new user (setup included), one bind of the link
	// plus the three operator binds.
	st, err := s.DailyStats(ctx, t0, t0, "")
	must(t, err)
	var logins, created, binds int64
	for _, d := range st {
		logins, created, binds = logins+d.Logins, created+d.NewUsers, binds+d.Binds
	}
	if logins != setupLogins+ok || created != setupUsers+newUsers || binds != 4 {
		t.Fatalf("counters: %d logins, %d new users, %d binds; want %d, %d, 4",
			logins, created, binds, setupLogins+ok, setupUsers+newUsers)
	}
	if s.Dialect() == db.DialectPostgres {
		if s.LargestLoginBatch() < 2 {
			t.Fatalf("no two of %d logins at once shared a batch", len(tries))
		}
		// The blocked user's, the disabled account's and the link's logins were declined;
		// the NUL ones' batches refused, and their logins run again alone.
		st := s.LoginBatchStats()
		if st.Batches < 1 || st.Done < 200 || st.Declined < 21 || st.Rerun < 5 {
			t.Fatalf("batch counters: %+v", st)
		}
	}
}

// TestSessionKeyRotatesOnlyWhenItChanges logs one user in with the same WeChat session_key
// and with new ones, across a change of the key ring: the previous key is replaced only
// when WeChat gave a new one. On PostgreSQL the batch statement decides this from the
// fingerprints stored beside the sealed keys; a fingerprint made under a key the ring no
// longer seals with cannot be compared, and such a login still decides right.
func TestSessionKeyRotatesOnlyWhenItChanges(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			u := dbtest.URL(t, dialect)
			oldKey, newKey := newSecret(), newSecret()
			open := func(list string) *db.Store {
				ring, err := db.ParseKeyring(list)
				must(t, err)
				s, err := db.Open(context.Background(), u, db.Options{Keys: ring})
				must(t, err)
				must(t, s.Migrate(context.Background()))
				return s
			}
			check := func(s *db.Store, key, wantKey, wantPrev string) {
				t.Helper()
				u, _, err := s.Login(context.Background(), db.LoginInput{AppID: testAppID, OpenID: "o_rot",
					SessionKey: key, Session: newSession()})
				must(t, err)
				if u.SessionKey != wantKey || u.PrevSessionKey != wantPrev {
					t.Fatalf("login with %q: key %q, previous %q; want %q, %q", key, u.SessionKey, u.PrevSessionKey, wantKey, wantPrev)
				}
				back, err := s.WxUserByID(context.Background(), u.ID)
				must(t, err)
				if back.SessionKey != wantKey || back.PrevSessionKey != wantPrev {
					t.Fatalf("stored after %q: key %q, previous %q", key, back.SessionKey, back.PrevSessionKey)
				}
			}
			s := open(oldKey)
			check(s, "s1", "s1", "")
			check(s, "s1", "s1", "")
			check(s, "s2", "s2", "s1")
			check(s, "s2", "s2", "s1")
			s.Close()

			s = open(newKey + "," + oldKey) // a new key in front
			defer s.Close()
			check(s, "s2", "s2", "s1") // the stored fingerprint is the old key's
			check(s, "s2", "s2", "s1")
			check(s, "s3", "s3", "s2")
			var fp string
			must(t, s.Writer().QueryRow(s.Rebind(`SELECT session_key_mac FROM wx_users WHERE openid = 'o_rot'`)).Scan(&fp))
			ring, _ := db.ParseKeyring(newKey)
			if fp != ring.Fingerprint([]byte("s3")) {
				t.Fatalf("stored fingerprint %q, want the newest key's of s3", fp)
			}
		})
	}
}

// TestBlockDuringLoginsLeavesNoLiveSession blocks a user while sixty of their logins are
// under way, five times over: whatever the interleaving, no session of theirs is live
// afterwards. A login that got in before the block has its session ended by it; one after
// is refused with ErrUserDisabled. On PostgreSQL the logins run in batches whose upsert
// waits for the block's row lock and then sees the user blocked.
func TestBlockDuringLoginsLeavesNoLiveSession(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		sys := db.SystemActor("test")
		u, _, _ := login(t, s, "o_raced", "k0", t0)
		for round := range 5 {
			start := make(chan struct{})
			var wg sync.WaitGroup
			sessions := make([]int64, 60)
			for i := range sessions {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, sess, err := s.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: "o_raced",
						SessionKey: fmt.Sprintf("k%d-%d", round, i), Session: newSession()})
					switch {
					case err == nil:
						sessions[i] = sess.ID
					case !errors.Is(err, db.ErrUserDisabled):
						t.Errorf("login: %v", err)
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := s.BlockWxUser(ctx, u.ID, "raced", sys); err != nil {
					t.Errorf("block: %v", err)
				}
			}()
			close(start)
			wg.Wait()
			if n := queryInt(t, s, `SELECT count(*) FROM sessions WHERE wx_user_id = ? AND revoked_at IS NULL`, u.ID); n != 0 {
				t.Fatalf("round %d: %d sessions live after the block", round, n)
			}
			for _, id := range sessions {
				if id != 0 && queryInt(t, s, `SELECT count(*) FROM sessions WHERE id = ? AND revoked_at IS NOT NULL`, id) != 1 {
					t.Fatalf("round %d: session %d of a login that succeeded is missing or live", round, id)
				}
			}
			if _, err := s.UnblockWxUser(ctx, u.ID, sys); err != nil {
				t.Fatal(err)
			}
		}
	})
}
