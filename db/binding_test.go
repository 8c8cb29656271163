package db_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

var cli = db.SystemActor("cli")

// checkBind runs the unbound/bound code exchange for openid at now.
func checkBind(t testing.TB, s *db.Store, openid string, now time.Time) (db.CheckBindResult, db.NewSession, []byte) {
	t.Helper()
	ns := newSession()
	ticket := tokenHash()
	res, err := at(t, s, now).CheckBind(context.Background(), db.CheckBindInput{
		LoginInput: db.LoginInput{AppID: testAppID, OpenID: openid, SessionKey: "k-" + openid, Session: ns},
		TicketHash: ticket})
	if err != nil {
		t.Fatalf("check bind %s: %v", openid, err)
	}
	return res, ns, ticket
}

func bindInput(ticket []byte, wx, account int64, username string) db.BindInput {
	return db.BindInput{TicketHash: ticket, WxUserID: wx, AppID: testAppID, AccountID: account,
		Username: username, Session: newSession(), Actor: db.UserActor(wx, "203.0.113.7")}
}

func count(t testing.TB, s *db.Store, table string) int64 {
	return queryInt(t, s, `SELECT COUNT(*) FROM `+table)
}

func TestCheckBindTicketThenBind(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		acc, err := s.CreateAccount(ctx, "Alice", "Alice A.", "hash", cli)
		must(t, err)

		res, _, ticket := checkBind(t, s, "o_alice", t0)
		if res.AccountID != 0 || res.Session.ID != 0 || !res.TicketExpiresAt.Equal(t0.Add(10*time.Minute)) {
			t.Fatalf("unbound check: %+v", res)
		}
		if n := count(t, s, "sessions"); n != 0 {
			t.Fatalf("an unbound checkBind starts no session, found %d", n)
		}
		// Only the hash is stored, and no openid beside it.
		if n := queryInt(t, s, `SELECT COUNT(*) FROM bind_tickets WHERE hash = ? AND wx_user_id = ?`, ticket, res.User.ID); n != 1 {
			t.Fatal("ticket hash not stored")
		}
		if tk := bindTicket(t, s, ticket, t0.Add(time.Minute)); tk.WxUserID != res.User.ID || tk.Failures != 0 {
			t.Fatalf("ticket: %+v", tk)
		}
		if tk := bindTicket(t, s, ticket, t0.Add(10*time.Minute)); tk.WxUserID != 0 {
			t.Fatalf("a ticket lives 10 minutes: %+v", tk)
		}

		t1 := t0.Add(time.Minute)
		dbtest.SetNow(t, s, t1)
		in := bindInput(ticket, res.User.ID, acc.ID, "alice")
		br, err := s.Bind(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if br.Session.AccountID != acc.ID || br.Account.Username != "alice" || br.User.ID != res.User.ID {
			t.Fatalf("bind result: %+v", br)
		}
		got := storedSession(t, s, in.Session.TokenHash)
		if got.AccountID != acc.ID {
			t.Fatalf("the new session carries the account: %+v", got)
		}
		b, err := s.BindingOfWxUser(ctx, res.User.ID)
		if err != nil || b.AccountID != acc.ID || b.Username != "alice" || b.CreatedBy != "user:"+itoa(res.User.ID) {
			t.Fatalf("binding: %+v %v", b, err)
		}
		// The ticket is consumed.
		if tk := bindTicket(t, s, ticket, t1); tk.WxUserID != 0 {
			t.Fatalf("used ticket still valid: %+v", tk)
		}
		if _, err := at(t, s, t1).Bind(ctx, bindInput(ticket, res.User.ID, acc.ID, "alice")); !errors.Is(err, db.ErrTicketInvalid) {
			t.Fatalf("ticket reused: %v", err)
		}

		// The next checkBind logs straight in; so does a plain login.
		again, _, _ := checkBind(t, s, "o_alice", t1.Add(time.Minute))
		if again.AccountID != acc.ID || again.Session.AccountID != acc.ID {
			t.Fatalf("bound check: %+v", again)
		}
		_, ls, _ := login(t, s, "o_alice", "k", t1.Add(2*time.Minute))
		if ls.AccountID != acc.ID {
			t.Fatalf("login carries the bound account: %+v", ls)
		}
		st, err := s.DailyStats(ctx, t0, t0, "")
		// The funnel: one checkBind answered "not bound", then the bind, then two logins.
		if err != nil || len(st) != 1 || st[0].Binds != 1 || st[0].NewUsers != 1 || st[0].Logins != 2 || st[0].CheckBindUnbound != 1 {
			t.Fatalf("daily stats: %+v %v", st, err)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'bind' AND target = ?`,
			"wx_user:"+itoa(res.User.ID)); n != 1 {
			t.Fatalf("bind audit events: %d", n)
		}
	})
}

func TestBindRules(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a1, _ := s.CreateAccount(ctx, "one", "", "h", cli)
		a2, _ := s.CreateAccount(ctx, "two", "", "h", cli)
		r1, _, t1 := checkBind(t, s, "o_1", t0)
		r2, _, t2 := checkBind(t, s, "o_2", t0)
		if _, err := at(t, s, t0).Bind(ctx, bindInput(t1, r1.User.ID, a1.ID, "one")); err != nil {
			t.Fatal(err)
		}
		rows := func() [3]int64 {
			return [3]int64{count(t, s, "bindings"), count(t, s, "sessions"), count(t, s, "audit_events")}
		}
		before := rows()

		// Another WeChat user may not take a bound account.
		if _, err := at(t, s, t0).Bind(ctx, bindInput(t2, r2.User.ID, a1.ID, "one")); !errors.Is(err, db.ErrAccountBound) || !errors.Is(err, db.ErrConflict) {
			t.Fatalf("account taken: %v", err)
		}
		// A disabled account is refused before the conflict question.
		must(t, s.SetAccountDisabled(ctx, a2.ID, true, cli))
		before = rows()
		if _, err := at(t, s, t0).Bind(ctx, bindInput(t2, r2.User.ID, a2.ID, "two")); !errors.Is(err, db.ErrAccountDisabled) {
			t.Fatalf("disabled: %v", err)
		}
		must(t, s.SetAccountDisabled(ctx, a2.ID, false, cli))
		before = rows()
		// A bound WeChat user may not bind a second account (with a valid session instead of a ticket).
		_, sess, _ := login(t, s, "o_1", "k", t0)
		before = rows()
		dbtest.SetNow(t, s, t0)
		in := bindInput(nil, r1.User.ID, a2.ID, "two")
		in.SessionID = sess.ID
		if _, err := s.Bind(ctx, in); !errors.Is(err, db.ErrWxUserBound) {
			t.Fatalf("user already bound: %v", err)
		}
		if after := rows(); after != before {
			t.Fatalf("a refused bind left rows: %v -> %v", before, after)
		}
		if got := storedSession(t, s, mustSessionHash(t, s, sess.ID)); !got.RevokedAt.IsZero() {
			t.Fatal("a refused bind ended the Bearer session")
		}
		// The ticket of a refused bind is still usable.
		if tk := bindTicket(t, s, t2, t0); tk.WxUserID == 0 {
			t.Fatal("refused bind consumed the ticket")
		}
		if _, err := at(t, s, t0).Bind(ctx, bindInput(t2, r2.User.ID, a2.ID, "two")); err != nil {
			t.Fatal(err)
		}
	})
}

func mustSessionHash(t testing.TB, s *db.Store, id int64) []byte {
	t.Helper()
	var h []byte
	must(t, s.Writer().QueryRow(s.Rebind(`SELECT token_hash FROM sessions WHERE id = ?`), id).Scan(&h))
	return h
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestUnbindAndAccountChangesEndSessions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		acc, _ := s.CreateAccount(ctx, "carol", "Carol", "h", cli)
		now := time.Now()
		r, _, ticket := checkBind(t, s, "o_carol", now)
		dbtest.SetNow(t, s, now)
		in := bindInput(ticket, r.User.ID, acc.ID, "carol")
		br, err := s.Bind(ctx, in)
		must(t, err)
		_, other, _ := login(t, s, "o_carol", "k", now) // carries the account too
		_, plain, _ := login(t, s, "o_dave", "k", now)  // someone else
		feed0 := count(t, s, "revocations")

		// Password change: both sessions carrying the account end, through the feed.
		must(t, s.SetAccountPassword(ctx, acc.ID, "h2", db.OperatorActor(db.Operator{Username: "7"}, "198.51.100.1")))
		for _, h := range [][]byte{in.Session.TokenHash} {
			if _, err := at(t, s, now).CheckToken(ctx, h); !errors.Is(err, db.ErrNotFound) {
				t.Fatalf("session survived a password change: %v", err)
			}
		}
		if _, err := at(t, s, now).CheckToken(ctx, mustSessionHash(t, s, other.ID)); !errors.Is(err, db.ErrNotFound) {
			t.Fatal("second session survived a password change")
		}
		if _, err := at(t, s, now).CheckToken(ctx, mustSessionHash(t, s, plain.ID)); err != nil {
			t.Fatalf("unrelated session ended: %v", err)
		}
		if n := count(t, s, "revocations") - feed0; n != 2 {
			t.Fatalf("feed entries: %d", n)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'account.passwd' AND actor_type = 'operator' AND actor_id = '7' AND ip = '198.51.100.1'`); n != 1 {
			t.Fatal("password change not audited with its actor")
		}

		// Disable: a fresh session carrying the account ends too.
		_, s3, _ := login(t, s, "o_carol", "k", now)
		must(t, s.SetAccountDisabled(ctx, acc.ID, true, cli))
		if _, err := at(t, s, now).CheckToken(ctx, mustSessionHash(t, s, s3.ID)); !errors.Is(err, db.ErrNotFound) {
			t.Fatal("session survived disable")
		}
		must(t, s.SetAccountDisabled(ctx, acc.ID, false, cli))
		if err := s.SetAccountDisabled(ctx, 99999, true, cli); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown account: %v", err)
		}

		// Unbind with a fresh unbound session; every session carrying it ends.
		_, s4, _ := login(t, s, "o_carol", "k", now)
		ns := newSession()
		fresh, err := at(t, s, now).Unbind(ctx, db.UnbindInput{WxUserID: r.User.ID, SessionID: s4.ID, Session: &ns,
			Actor: db.UserActor(r.User.ID, "")})
		must(t, err)
		if fresh.AccountID != 0 || fresh.ID == 0 {
			t.Fatalf("fresh session: %+v", fresh)
		}
		if _, err := at(t, s, now).CheckToken(ctx, mustSessionHash(t, s, s4.ID)); !errors.Is(err, db.ErrNotFound) {
			t.Fatal("session survived unbind")
		}
		if _, err := s.BindingOfWxUser(ctx, r.User.ID); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("binding survived: %v", err)
		}
		if _, err := s.Unbind(ctx, db.UnbindInput{WxUserID: r.User.ID}); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unbind when not bound: %v", err)
		}
		_ = br

		// Operator bind and unbind, with reasons in the audit log.
		op := db.OperatorActor(db.Operator{Username: "3"}, "")
		must(t, s.OperatorBind(ctx, r.User.ID, acc.ID, "asked at the desk", op))
		if err := s.OperatorBind(ctx, plain.WxUserID, acc.ID, "x", op); !errors.Is(err, db.ErrAccountBound) {
			t.Fatalf("operator bind of a taken account: %v", err)
		}
		_, s5, _ := login(t, s, "o_carol", "k", now)
		if s5.AccountID != acc.ID {
			t.Fatal("login after an operator bind carries the account")
		}
		must(t, s.OperatorUnbind(ctx, r.User.ID, "left the company", op))
		if _, err := at(t, s, now).CheckToken(ctx, mustSessionHash(t, s, s5.ID)); !errors.Is(err, db.ErrNotFound) {
			t.Fatal("session survived operator unbind")
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE actor_type = 'operator' AND actor_id = '3'
			AND (detail LIKE '%asked at the desk%' OR detail LIKE '%left the company%')`); n != 2 {
			t.Fatalf("operator bind/unbind audit: %d", n)
		}
	})
}

// TestBindRefusalsAndResult: every refusal of Bind, in order, leaves nothing written and
// the ticket alive; a bind returns the rows as stored and audits with the account's name.
func TestBindRefusalsAndResult(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		acc := createAccount(t, s, "ivy")
		r, _, ticket := checkBind(t, s, "o_ivy", t0)
		state := func() [5]int64 {
			return [5]int64{count(t, s, "bindings"), count(t, s, "sessions"), count(t, s, "audit_events"),
				count(t, s, "daily_stats"), queryInt(t, s, `SELECT COUNT(*) FROM bind_tickets WHERE used_at IS NULL`)}
		}
		before := state()
		refuse := func(in db.BindInput, want error) {
			t.Helper()
			if _, err := s.Bind(ctx, in); !errors.Is(err, want) {
				t.Fatalf("bind: %v, want %v", err, want)
			}
			if after := state(); after != before {
				t.Fatalf("refused bind wrote: %v -> %v", before, after)
			}
		}
		// The ticket comes first: another user's ticket, even with a missing account.
		dbtest.SetNow(t, s, t0)
		refuse(bindInput(ticket, r.User.ID+1000, 99999, "ivy"), db.ErrTicketInvalid)
		dbtest.SetNow(t, s, t0)
		refuse(bindInput(ticket, r.User.ID, 99999, "ivy"), db.ErrNotFound)
		execSQL(t, s, `UPDATE wx_users SET disabled = ? WHERE id = ?`, true, r.User.ID)
		must(t, s.SetAccountDisabled(ctx, acc, true, cli))
		before = state()
		dbtest.SetNow(t, s, t0)
		refuse(bindInput(ticket, r.User.ID, acc, "ivy"), db.ErrAccountDisabled)
		must(t, s.SetAccountDisabled(ctx, acc, false, cli))
		before = state()
		dbtest.SetNow(t, s, t0)
		refuse(bindInput(ticket, r.User.ID, acc, "ivy"), db.ErrUserDisabled)
		execSQL(t, s, `UPDATE wx_users SET disabled = ? WHERE id = ?`, false, r.User.ID)

		dbtest.SetNow(t, s, t0.Add(time.Second))
		in := bindInput(ticket, r.User.ID, acc, "ivy")
		res, err := s.Bind(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		res.Session.At = time.Time{} // the command's time, not stored
		stored := storedSession(t, s, in.Session.TokenHash)
		if res.Session != stored {
			t.Fatalf("session: %+v, stored %+v", res.Session, stored)
		}
		a, _ := s.AccountByID(ctx, acc)
		u, _ := s.WxUserByID(ctx, r.User.ID)
		if res.Account != a || res.User != u || u.SessionKey != "k-o_ivy" {
			t.Fatalf("result: %+v %+v, want %+v %+v", res.Account, res.User, a, u)
		}
		want := fmt.Sprintf("bound to account %d (ivy) with password and ticket", acc)
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'bind' AND detail = ? AND actor_type = 'user' AND ip = ?`,
			want, "203.0.113.7"); n != 1 {
			t.Fatalf("no audit event %q", want)
		}
	})
}

// TestConcurrentBindsToOneAccount: of binds racing for one account, one wins and the
// others are told the account is bound, keeping their tickets.
func TestConcurrentBindsToOneAccount(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		acc := createAccount(t, s, "jay")
		const n = 8
		ins := make([]db.BindInput, n)
		for i := range ins {
			r, _, ticket := checkBind(t, s, fmt.Sprintf("o_jay%d", i), t0)
			dbtest.SetNow(t, s, t0)
			ins[i] = bindInput(ticket, r.User.ID, acc, "jay")
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range ins {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Bind(ctx, ins[i])
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, db.ErrAccountBound):
				t.Fatalf("loser: %v", err)
			}
		}
		if won != 1 || count(t, s, "bindings") != 1 {
			t.Fatalf("%d winners, %d bindings", won, count(t, s, "bindings"))
		}
		if k := queryInt(t, s, `SELECT COUNT(*) FROM bind_tickets WHERE used_at IS NULL`); k != n-1 {
			t.Fatalf("%d tickets alive, want %d", k, n-1)
		}
	})
}
