package db

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// ReserveBindInput is what a bind reserves before it checks the password.
type ReserveBindInput struct {
	TicketHash []byte // the bind ticket; nil when a Bearer session proves who binds
	WxUserID   int64  // who binds, when there is no ticket
	Username   string // normalized
	IP         string
}

// BindReservation is what a bind needs before it checks the password.
type BindReservation struct {
	// Ticket is the bind ticket if it could still be used at the store's clock; its WxUserID is 0 when
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
func (s *Store) ReserveBind(ctx context.Context, in ReserveBindInput) (BindReservation, error) {
	now := s.now()
	var c BindReservation
	err := s.tx(ctx, "reserve bind attempt", func(tx *sqlx.Tx) error {
		c = BindReservation{}
		err := s.reserveBind(ctx, tx, in, now, &c)
		if err == nil && c.AttemptID == 0 {
			err = errRefused
		}
		return err
	})
	if errors.Is(err, errRefused) {
		return c, nil
	}
	if err != nil {
		return BindReservation{}, err
	}
	return c, nil
}

// attemptCounts is the throttling state of a key in login_attempts, with k.wx the WeChat
// user of the key; the columns are those throttleState scans.
const attemptCounts = `SELECT
	COUNT(CASE WHEN ip = :ip THEN 1 END) AS ip_n, MAX(CASE WHEN ip = :ip THEN at END) AS ip_last,
	COUNT(CASE WHEN wx_user_id = k.wx THEN 1 END) AS wx_n, MAX(CASE WHEN wx_user_id = k.wx THEN at END) AS wx_last,
	COUNT(CASE WHEN at > :hour_ago THEN 1 END) AS hour_n, MIN(CASE WHEN at > :hour_ago THEN at END) AS hour0
	FROM login_attempts, k WHERE username = :username AND at > :kept`

// reserveBind is ReserveBind inside its transaction: the dialect's statements
// (reserveStatementsPostgres or reserveStatementsSQLite) use the ticket, read the
// throttling state and the account, and insert the attempt, ending in one row read here
// the same way for both. ReserveBind rolls the attempt back when a limit refuses.
func (s *Store) reserveBind(ctx context.Context, tx *sqlx.Tx, in ReserveBindInput, now time.Time, c *BindReservation) error {
	var ticket any
	if in.TicketHash != nil {
		ticket = in.TicketHash
	}
	args := map[string]any{
		"lock": "miniauth.bind:" + in.Username, "ticket": ticket, "bearer": in.TicketHash == nil,
		"now": now.UnixMilli(), "max": TicketMaxFailures, "wx": in.WxUserID, "username": in.Username, "ip": in.IP,
		"hour_ago": now.Add(-backstopWindow).UnixMilli(), "kept": now.Add(-attemptKeep).UnixMilli(),
	}
	var st throttleState
	var tkWx, tkFailures, ipLast, wxLast, hour0, id sql.NullInt64
	var tkApp sql.NullString
	var disabled sql.NullBool
	err := s.chain(ctx, tx, pickList(s, reserveStatementsPostgres, reserveStatementsSQLite), args,
		&tkWx, &tkApp, msTime{&c.Ticket.ExpiresAt}, &tkFailures,
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

// The statements of reserveBind, with :name arguments (see chain). Both end in the same
// row: the ticket as used (NULL when it refused), the throttling state (attemptCounts, as
// before this try), the attempt's id (NULL when the ticket refused) and the account (NULL
// when there is none).
//
// PostgreSQL takes the username's advisory lock, then runs one statement of
// data-modifying CTEs, its snapshot taken after the lock: BEGIN, two round trips, COMMIT.
// SQLite's immediate transaction already holds the single writer's lock; it cannot write
// inside WITH, so it runs the same steps as statements in the same order (in-process
// calls, no round trips), each step's results passed on by name (:tk_wx, :ip_n, ...,
// :attempt_id), the counts read before the attempt is inserted as PostgreSQL's snapshot
// reads them; its last statement reads the account and repeats those results, making the
// row PostgreSQL's.
var (
	reserveStatementsPostgres = []string{
		`SELECT pg_advisory_xact_lock(hashtext(:lock))`,
		`WITH tk AS (UPDATE bind_tickets SET failures = failures + 1
				WHERE hash = :ticket AND used_at IS NULL AND expires_at > :now AND failures < :max
				RETURNING wx_user_id, appid, expires_at, failures),
			k AS (SELECT COALESCE((SELECT wx_user_id FROM tk), :wx::bigint) AS wx),
			la AS (` + attemptCounts + `),
			ins AS (INSERT INTO login_attempts (at, username, ip, wx_user_id)
				SELECT :now::bigint, :username::text, :ip::text, NULLIF(k.wx, 0) FROM k
				WHERE :bearer::boolean OR EXISTS (SELECT 1 FROM tk) RETURNING id)
			SELECT tk.wx_user_id, tk.appid, tk.expires_at, tk.failures,
				la.ip_n, la.ip_last, la.wx_n, la.wx_last, la.hour_n, la.hour0, (SELECT id FROM ins),
				` + accountColumnsOrZero + `
			FROM la LEFT JOIN tk ON TRUE LEFT JOIN accounts a ON a.username = :username`,
	}

	reserveStatementsSQLite = []string{
		`UPDATE bind_tickets SET failures = failures + 1
			WHERE hash = :ticket AND used_at IS NULL AND expires_at > :now AND failures < :max
			RETURNING wx_user_id AS tk_wx, appid AS tk_app, expires_at AS tk_expires, failures AS tk_failures`,
		`WITH k AS (SELECT COALESCE(:tk_wx, :wx) AS wx) ` + attemptCounts,
		`INSERT INTO login_attempts (at, username, ip, wx_user_id)
			SELECT :now, :username, :ip, NULLIF(COALESCE(:tk_wx, :wx), 0)
			WHERE :bearer OR :tk_wx IS NOT NULL RETURNING id AS attempt_id`,
		`SELECT :tk_wx, :tk_app, :tk_expires, :tk_failures,
				:ip_n, :ip_last, :wx_n, :wx_last, :hour_n, :hour0, :attempt_id,
				` + accountColumnsOrZero + `
			FROM (SELECT 1) one LEFT JOIN accounts a ON a.username = :username`,
	}
)

// accountColumnsOrZero are the columns of the account aliased a, empty values where it is
// missing (disabled and the times stay NULL).
const accountColumnsOrZero = `COALESCE(a.id, 0), COALESCE(a.username, ''), COALESCE(a.name, ''),
	COALESCE(a.password_hash, ''), a.disabled, a.created_at, a.updated_at`

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
