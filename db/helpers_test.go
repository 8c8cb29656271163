package db_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

const testAppID = "wx0123456789abcdef"

// t0 is the tests' "now": a fixed instant, whole milliseconds.
var t0 = time.UnixMilli(1_750_000_000_000)

// tokenHash returns a fresh random token's SHA-256.
func tokenHash() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	h := sha256.Sum256(b)
	return h[:]
}

// lifetimes are the default session lifetimes.
const (
	accessTTL = 2 * time.Hour
	idleTTL   = 720 * time.Hour
	maxTTL    = 4320 * time.Hour
)

// newSession builds the stored form of a session with fresh tokens and default lifetimes.
func newSession() db.NewSession {
	return db.NewSession{TokenHash: tokenHash(), RefreshHash: tokenHash(), IP: "203.0.113.7",
		UserAgent: "test agent", AccessTTL: accessTTL, IdleTTL: idleTTL, MaxTTL: maxTTL}
}

// at moves store s's clock (it must come from dbtest) to now and returns s, so that a
// command runs at now: at(t, s, now).CheckToken(ctx, hash).
func at(t testing.TB, s *db.Store, now time.Time) *db.Store {
	t.Helper()
	dbtest.SetNow(t, s, now)
	return s
}

// login logs openid in with session key key at now.
func login(t testing.TB, s *db.Store, openid, key string, now time.Time) (db.WxUser, db.Session, db.NewSession) {
	t.Helper()
	ns := newSession()
	u, sess, err := at(t, s, now).Login(context.Background(), db.LoginInput{AppID: testAppID, OpenID: openid,
		SessionKey: key, Session: ns})
	if err != nil {
		t.Fatalf("login %s: %v", openid, err)
	}
	return u, sess, ns
}

// execSQL runs a fixture statement written with ? on the store's writer.
func execSQL(t testing.TB, s *db.Store, q string, args ...any) {
	t.Helper()
	if _, err := s.Writer().Exec(s.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// queryInt returns a single integer from the database.
func queryInt(t testing.TB, s *db.Store, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.Writer().QueryRow(s.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// createAccount inserts a platform account and returns its id.
func createAccount(t testing.TB, s *db.Store, username string) int64 {
	t.Helper()
	var id int64
	err := s.Writer().QueryRow(s.Rebind(`INSERT INTO accounts (username, name, password_hash, created_at, updated_at)
		VALUES (?, ?, 'x', ?, ?) RETURNING id`), username, "Name of "+username, t0.UnixMilli(), t0.UnixMilli()).Scan(&id)
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	return id
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func openid(i int) string { return fmt.Sprintf("o_%06d", i) }

// bindWait is how long key k must wait before a bind try at now, as a bind finds out:
// ReserveBind, then the reserved try given back unchecked (ReleaseBindAttempt).
func bindWait(t testing.TB, s *db.Store, k db.ThrottleKey, now time.Time) time.Duration {
	t.Helper()
	ctx := context.Background()
	c, err := at(t, s, now).ReserveBind(ctx, db.ReserveBindInput{WxUserID: k.WxUserID, Username: k.Username, IP: k.IP})
	if err != nil {
		t.Fatal(err)
	}
	if c.AttemptID != 0 {
		must(t, s.ReleaseBindAttempt(ctx, c.AttemptID, nil))
	}
	return c.Wait
}

// bindTicket is the ticket a bind with this ticket hash finds at now (WxUserID 0: none
// usable), read as a bind reads it: ReserveBind by a username with no failures, then the
// try given back unchecked.
func bindTicket(t testing.TB, s *db.Store, ticket []byte, now time.Time) db.BindTicket {
	t.Helper()
	ctx := context.Background()
	c, err := at(t, s, now).ReserveBind(ctx, db.ReserveBindInput{TicketHash: ticket, Username: "ticket-probe", IP: "192.0.2.250"})
	if err != nil {
		t.Fatal(err)
	}
	if c.AttemptID != 0 {
		must(t, s.ReleaseBindAttempt(ctx, c.AttemptID, ticket))
		c.Ticket.Failures-- // the probe's own try, given back
	}
	return c.Ticket
}

// storedSession reads the sessions row whose current access token hashes to hash, alive
// or not, straight from the table; the zero Session if there is none.
func storedSession(t testing.TB, s *db.Store, hash []byte) db.Session {
	t.Helper()
	var r db.Session
	var created, seen, access, idle, maxAt int64
	var revoked sql.NullInt64
	err := s.Writer().QueryRow(s.Rebind(`SELECT id, wx_user_id, COALESCE(account_id, 0), appid, ip, user_agent,
		created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at, revoked_at, revoked_by
		FROM sessions WHERE token_hash = ?`), hash).Scan(&r.ID, &r.WxUserID, &r.AccountID, &r.AppID, &r.IP,
		&r.UserAgent, &created, &seen, &access, &idle, &maxAt, &revoked, &r.RevokedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return db.Session{}
	}
	if err != nil {
		t.Fatalf("stored session: %v", err)
	}
	r.CreatedAt, r.LastSeenAt = time.UnixMilli(created), time.UnixMilli(seen)
	r.AccessExpiresAt, r.IdleExpiresAt, r.MaxExpiresAt = time.UnixMilli(access), time.UnixMilli(idle), time.UnixMilli(maxAt)
	if revoked.Valid {
		r.RevokedAt = time.UnixMilli(revoked.Int64)
	}
	return r
}
