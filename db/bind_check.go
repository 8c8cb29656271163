package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// BindCheckInput is what a bind reserves before it checks the password.
type BindCheckInput struct {
	TicketHash []byte // the bind ticket; nil when a Bearer session proves who binds
	WxUserID   int64  // who binds, when there is no ticket
	Username   string // normalized
	IP         string
	Now        time.Time
}

// BindCheck is what a bind needs before it checks the password.
type BindCheck struct {
	// Ticket is the bind ticket if it could still be used at Now; its WxUserID is 0 when
	// there is none, or when no ticket was given. Its Failures count this try.
	Ticket BindTicket
	// Wait is how long the throttling key (username, IP, and the ticket's WeChat user or
	// else WxUserID) must wait before a password try.
	Wait time.Duration
	// Account is the account with this username; its ID is 0 when there is none.
	Account Account
	// AttemptID is the login_attempts row reserved for this try, counted as a failure
	// until a bind forgets it; 0 when the try is refused (dead ticket, or Wait > 0).
	AttemptID int64
}

// errRefused rolls back a reservation that the limits refuse.
var errRefused = errors.New("db: refused by a limit")

// ReserveBind checks the limits of a password try and, when they allow it, records the
// try as a failure, all in one write transaction serialized per username (SQLite: its
// single writer; PostgreSQL: a transaction-scoped advisory lock on the username, and the
// ticket's row lock), before the caller computes any hash. The checks come in the fixed
// order: ticket (unknown, used, expired or dead: Ticket.WxUserID is 0), then throttling
// (Wait > 0); a refused try writes nothing. An allowed try gets a login_attempts row
// (AttemptID) and one more failure on its ticket: N concurrent tries are N counted
// failures, and those past a limit never reach the hash. A successful Bind forgets the
// row; a wrong password leaves it (RecordBindFailure audits it).
func (s *Store) ReserveBind(ctx context.Context, in BindCheckInput) (BindCheck, error) {
	now := in.Now
	if now.IsZero() {
		now = s.now()
	}
	var c BindCheck
	err := s.tx(ctx, "reserve bind attempt", func(tx *sqlx.Tx) error {
		c = BindCheck{}
		var err error
		if s.dialect == DialectPostgres {
			err = s.reserveBindPostgres(ctx, tx, in, now, &c)
		} else {
			err = s.reserveBindSQLite(ctx, tx, in, now, &c)
		}
		if err == nil && c.AttemptID == 0 {
			err = errRefused
		}
		return err
	})
	if errors.Is(err, errRefused) {
		return c, nil
	}
	if err != nil {
		return BindCheck{}, err
	}
	return c, nil
}

// attemptCounts is the throttling state of a key in login_attempts, with k.wx the WeChat
// user of the key; the columns are those throttleState scans.
const attemptCounts = `SELECT
	COUNT(CASE WHEN ip = ? THEN 1 END) AS ip_n, MAX(CASE WHEN ip = ? THEN at END) AS ip_last,
	COUNT(CASE WHEN wx_user_id = k.wx THEN 1 END) AS wx_n, MAX(CASE WHEN wx_user_id = k.wx THEN at END) AS wx_last,
	COUNT(CASE WHEN at > ? THEN 1 END) AS hour_n, MIN(CASE WHEN at > ? THEN at END) AS hour0
	FROM login_attempts, k WHERE username = ? AND at > ?`

// reserveBindPostgres is ReserveBind on PostgreSQL: the advisory lock, then one statement
// (its snapshot taken after the lock) that uses the ticket, reads the throttling state and
// the account, and inserts the attempt. ReserveBind rolls it back when a limit refuses.
func (s *Store) reserveBindPostgres(ctx context.Context, tx *sqlx.Tx, in BindCheckInput, now time.Time, c *BindCheck) error {
	if _, err := s.exec(ctx, tx, `SELECT pg_advisory_xact_lock(hashtext(?))`, "miniauth.bind:"+in.Username); err != nil {
		return err
	}
	var ticket any
	if in.TicketHash != nil {
		ticket = in.TicketHash
	}
	var st throttleState
	var tkWx, tkFailures, ipLast, wxLast, hour0, id sql.NullInt64
	var tkApp sql.NullString
	var disabled sql.NullBool
	hourAgo := now.Add(-backstopWindow).UnixMilli()
	err := s.row(ctx, tx, `WITH tk AS (UPDATE bind_tickets SET failures = failures + 1
			WHERE hash = ? AND used_at IS NULL AND expires_at > ? AND failures < ?
			RETURNING wx_user_id, appid, expires_at, failures),
		k AS (SELECT COALESCE((SELECT wx_user_id FROM tk), ?::bigint) AS wx),
		la AS (`+attemptCounts+`),
		ins AS (INSERT INTO login_attempts (at, username, ip, wx_user_id)
			SELECT ?::bigint, ?::text, ?::text, NULLIF(k.wx, 0) FROM k
			WHERE ?::boolean OR EXISTS (SELECT 1 FROM tk) RETURNING id)
		SELECT tk.wx_user_id, tk.appid, tk.expires_at, tk.failures,
			la.ip_n, la.ip_last, la.wx_n, la.wx_last, la.hour_n, la.hour0, (SELECT id FROM ins),
			COALESCE(a.id, 0), COALESCE(a.username, ''), COALESCE(a.name, ''), COALESCE(a.password_hash, ''),
			a.disabled, a.created_at, a.updated_at
		FROM la LEFT JOIN tk ON TRUE LEFT JOIN accounts a ON a.username = ?`,
		ticket, now.UnixMilli(), TicketMaxFailures,
		in.WxUserID,
		in.IP, in.IP, hourAgo, hourAgo, in.Username, now.Add(-attemptKeep).UnixMilli(),
		now.UnixMilli(), in.Username, in.IP, in.TicketHash == nil,
		in.Username).
		Scan(&tkWx, &tkApp, msTime{&c.Ticket.ExpiresAt}, &tkFailures,
			&st.ipN, &ipLast, &st.wxN, &wxLast, &st.hourN, &hour0, &id,
			&c.Account.ID, &c.Account.Username, &c.Account.Name, &c.Account.PasswordHash,
			&disabled, msTime{&c.Account.CreatedAt}, msTime{&c.Account.UpdatedAt})
	if err != nil {
		return err
	}
	c.Ticket.WxUserID, c.Ticket.AppID, c.Ticket.Failures = tkWx.Int64, tkApp.String, int(tkFailures.Int64)
	c.Account.Disabled = disabled.Bool
	st.ipLast, st.wxLast, st.hour0 = time.UnixMilli(ipLast.Int64), time.UnixMilli(wxLast.Int64), time.UnixMilli(hour0.Int64)
	c.Wait = st.wait(now)
	if c.Wait == 0 {
		c.AttemptID = id.Int64 // 0 when the ticket refused
	}
	return nil
}

// reserveBindSQLite is ReserveBind on SQLite, statement by statement inside the single
// writer's immediate transaction: the ticket, the throttling state and the account, the
// attempt.
func (s *Store) reserveBindSQLite(ctx context.Context, tx *sqlx.Tx, in BindCheckInput, now time.Time, c *BindCheck) error {
	wx := in.WxUserID
	if in.TicketHash != nil {
		err := s.row(ctx, tx, `UPDATE bind_tickets SET failures = failures + 1
			WHERE hash = ? AND used_at IS NULL AND expires_at > ? AND failures < ?
			RETURNING wx_user_id, appid, expires_at, failures`, in.TicketHash, now.UnixMilli(), TicketMaxFailures).
			Scan(&c.Ticket.WxUserID, &c.Ticket.AppID, msTime{&c.Ticket.ExpiresAt}, &c.Ticket.Failures)
		if mapErr(err) == ErrNotFound {
			return nil // a dead ticket: refused
		}
		if err != nil {
			return err
		}
		wx = c.Ticket.WxUserID
	}
	var st throttleState
	var ipLast, wxLast, hour0 sql.NullInt64
	var disabled sql.NullBool
	hourAgo := now.Add(-backstopWindow).UnixMilli()
	err := s.row(ctx, tx, `WITH k AS (SELECT ? AS wx), la AS (`+attemptCounts+`)
		SELECT la.ip_n, la.ip_last, la.wx_n, la.wx_last, la.hour_n, la.hour0,
			COALESCE(a.id, 0), COALESCE(a.username, ''), COALESCE(a.name, ''), COALESCE(a.password_hash, ''),
			a.disabled, a.created_at, a.updated_at
		FROM la LEFT JOIN accounts a ON a.username = ?`,
		wx, in.IP, in.IP, hourAgo, hourAgo, in.Username, now.Add(-attemptKeep).UnixMilli(), in.Username).
		Scan(&st.ipN, &ipLast, &st.wxN, &wxLast, &st.hourN, &hour0,
			&c.Account.ID, &c.Account.Username, &c.Account.Name, &c.Account.PasswordHash,
			&disabled, msTime{&c.Account.CreatedAt}, msTime{&c.Account.UpdatedAt})
	if err != nil {
		return err
	}
	c.Account.Disabled = disabled.Bool
	st.ipLast, st.wxLast, st.hour0 = time.UnixMilli(ipLast.Int64), time.UnixMilli(wxLast.Int64), time.UnixMilli(hour0.Int64)
	if c.Wait = st.wait(now); c.Wait > 0 {
		return nil
	}
	var wxArg any
	if wx != 0 {
		wxArg = wx
	}
	return s.row(ctx, tx, `INSERT INTO login_attempts (at, username, ip, wx_user_id) VALUES (?, ?, ?, ?) RETURNING id`,
		now.UnixMilli(), in.Username, in.IP, wxArg).Scan(&c.AttemptID)
}

// ReleaseBindAttempt gives back a reserved try whose password was never checked (the
// hasher was busy or the request ended first): its login_attempts row and its ticket
// failure are removed, in one transaction.
func (s *Store) ReleaseBindAttempt(ctx context.Context, attemptID int64, ticketHash []byte) error {
	return s.tx(ctx, "release bind attempt", func(tx *sqlx.Tx) error {
		r, err := s.exec(ctx, tx, `DELETE FROM login_attempts WHERE id = ?`, attemptID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 1 && ticketHash != nil {
			_, err = s.exec(ctx, tx, `UPDATE bind_tickets SET failures = failures - 1
				WHERE hash = ? AND used_at IS NULL AND failures > 0`, ticketHash)
		}
		return err
	})
}
