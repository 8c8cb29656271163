package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"
)

var (
	// ErrWxUserBound means the WeChat user is already bound to an account.
	ErrWxUserBound = fmt.Errorf("%w: this WeChat user is already bound to an account", ErrConflict)
	// ErrAccountBound means the account is already bound to another WeChat user of the
	// same mini-program; binding never moves it silently.
	ErrAccountBound = fmt.Errorf("%w: the account is already bound to another WeChat user", ErrConflict)
	// ErrAccountDisabled means the platform account is disabled by an operator.
	ErrAccountDisabled = errors.New("db: account disabled")
	// ErrTicketInvalid means a bind ticket is unknown, used, expired or dead of failures.
	ErrTicketInvalid = errors.New("db: bind ticket invalid")
)

// BindInput is a bind whose password has been checked: who binds to what, with which
// proof, and the session to start.
type BindInput struct {
	TicketHash []byte // the bind ticket, consumed by the bind; or
	SessionID  int64  // the Bearer session used instead, ended by the bind
	WxUserID   int64
	AppID      string
	AccountID  int64
	Username   string     // normalized; its failed attempts from this IP and user are forgotten
	AttemptID  int64      // the try ReserveBind counted (on the ticket too); 0: none
	Session    NewSession // the new session, carrying the account
	Actor      AuditActor
}

// BindResult is a completed bind.
type BindResult struct {
	User    WxUser
	Account Account
	Session Session
}

// Bind binds a WeChat user to an account in one write transaction: the ticket is consumed
// (or the Bearer session ended), the binding inserted, a new session carrying the account
// started, the failed attempts of (username, IP) and (username, WeChat user) forgotten, a
// "bind" audit event written and the day's binds counted. Nothing is written unless all
// of it is. Errors: ErrTicketInvalid (or ErrNotFound for an ended Bearer session),
// ErrAccountDisabled, ErrUserDisabled, ErrWxUserBound, ErrAccountBound. The unique keys
// on bindings decide concurrent binds: one wins, the others get a conflict. When the try was
// reserved (AttemptID), the ticket's failures already count it.
func (s *Store) Bind(ctx context.Context, in BindInput) (BindResult, error) {
	now := in.Session.Now
	if now.IsZero() {
		now = s.now()
	}
	var res BindResult
	var ended []int64
	err := s.tx(ctx, fmt.Sprintf("bind wx user %d to account %d", in.WxUserID, in.AccountID), func(tx *sqlx.Tx) error {
		if in.TicketHash == nil {
			var err error
			ended, err = s.revokeWhere(ctx, tx, now, "bind", `id = ? AND wx_user_id = ?`, in.SessionID, in.WxUserID)
			if err != nil {
				return err
			}
			if len(ended) == 0 {
				return ErrNotFound
			}
		}
		var err error
		if s.dialect == DialectPostgres {
			res, err = s.bindPostgres(ctx, tx, in, now)
		} else {
			res, err = s.bindSQLite(ctx, tx, in, now)
		}
		return err
	})
	if err != nil {
		return BindResult{}, err
	}
	s.cache.dropSessions(ended)
	return res, nil
}

// ticketLimit is the bound on the ticket's failures for this bind: one more when they
// count this reserved try.
func (in BindInput) ticketLimit() int {
	if in.AttemptID != 0 {
		return TicketMaxFailures + 1
	}
	return TicketMaxFailures
}

// bindAudit is the detail of a user's "bind" audit event, around the account's username.
func bindAudit(in BindInput) (before, after string) {
	proof := "ticket"
	if in.TicketHash == nil {
		proof = "session"
	}
	return fmt.Sprintf("bound to account %d (", in.AccountID), ") with password and " + proof
}

// bindSQLite is the rest of Bind on SQLite, statement by statement (no round trips
// in-process): the ticket is used, the account and user read in one query, then the
// binding, the session, the attempts, the audit event and the counter.
func (s *Store) bindSQLite(ctx context.Context, tx *sqlx.Tx, in BindInput, now time.Time) (BindResult, error) {
	var res BindResult
	if in.TicketHash != nil {
		r, err := s.exec(ctx, tx, `UPDATE bind_tickets SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND expires_at > ? AND failures < ? AND wx_user_id = ?`,
			now.UnixMilli(), in.TicketHash, now.UnixMilli(), in.ticketLimit(), in.WxUserID)
		if err != nil {
			return res, err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return res, ErrTicketInvalid
		}
	}
	var err error
	if res.Account, res.User, err = s.bindParties(ctx, tx, in.AccountID, in.WxUserID); err != nil {
		return res, err
	}
	if err := s.insertBinding(ctx, tx, in.WxUserID, in.AppID, in.AccountID, in.Actor, now); err != nil {
		return res, err
	}
	ns := in.Session
	ns.AccountID = in.AccountID
	if res.Session, err = s.insertSession(ctx, tx, in.WxUserID, in.AppID, ns, now); err != nil {
		return res, err
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM login_attempts WHERE username = ? AND (ip = ? OR wx_user_id = ?)`,
		in.Username, in.Session.IP, in.WxUserID); err != nil {
		return res, err
	}
	before, after := bindAudit(in)
	if err := s.addAudit(ctx, tx, in.Actor.event(now, "bind", fmt.Sprintf("wx_user:%d", in.WxUserID),
		before+res.Account.Username+after)); err != nil {
		return res, err
	}
	return res, s.bumpStats(ctx, tx, now, 0, 1, 0)
}

// bindPostgres is the rest of Bind on PostgreSQL in one statement (one round trip instead
// of eight): the ticket is used, the account and user read, and, only if the ticket (or
// the ended Bearer session) and both rows allow it, the binding, the session, the
// attempts, the audit event and the counter written. The answers are then checked in the
// same order as bindSQLite's; any refusal rolls the whole transaction back. When the
// binding insert did nothing, a second statement (a new snapshot, after ON CONFLICT DO
// NOTHING waited for the concurrent winner) says which side is bound.
func (s *Store) bindPostgres(ctx context.Context, tx *sqlx.Tx, in BindInput, now time.Time) (BindResult, error) {
	var res BindResult
	var ticketUsed int
	var sessionID sql.NullInt64
	ns := in.Session
	nowMS := now.UnixMilli()
	before, after := bindAudit(in)
	var ticket any
	if in.TicketHash != nil {
		ticket = in.TicketHash
	}
	var key, prev string
	dest := append([]any{&ticketUsed, &sessionID}, orZero(accountDest(&res.Account)...)...)
	dest = append(dest, orZero(wxUserDest(&res.User, &key, &prev)...)...)
	err := s.row(ctx, tx, `WITH tk AS (UPDATE bind_tickets SET used_at = ?
			WHERE hash = ? AND used_at IS NULL AND expires_at > ? AND failures < ? AND wx_user_id = ? RETURNING 1),
		a AS (SELECT * FROM accounts WHERE id = ?),
		u AS (SELECT * FROM wx_users WHERE id = ?),
		b AS (INSERT INTO bindings (wx_user_id, appid, account_id, created_at, created_by)
			SELECT ?::bigint, ?::text, ?::bigint, ?::bigint, ?::text FROM a, u
			WHERE (?::boolean OR EXISTS (SELECT 1 FROM tk))
				AND NOT a.disabled AND u.deleted_at IS NULL AND NOT u.disabled
			ON CONFLICT DO NOTHING RETURNING 1),
		s AS (INSERT INTO sessions (token_hash, refresh_hash, wx_user_id, account_id,
				appid, ip, user_agent, created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at)
			SELECT ?::bytea, ?::bytea, ?::bigint, ?::bigint, ?::text, ?::text, ?::text, ?::bigint, ?::bigint,
				?::bigint, ?::bigint, ?::bigint FROM b RETURNING id),
		d AS (DELETE FROM login_attempts WHERE username = ? AND (ip = ? OR wx_user_id = ?) AND EXISTS (SELECT 1 FROM b)),
		e AS (INSERT INTO audit_events (at, actor_type, actor_id, action, target, ip, detail)
			SELECT ?::bigint, ?::text, ?::text, 'bind', ?::text, ?::text, ?::text || a.username || ?::text FROM b, a),
		st AS (INSERT INTO daily_stats (day, shard, logins, binds, new_users) SELECT ?::text, ?::integer, 0, 1, 0 FROM b
			ON CONFLICT (day, shard) DO UPDATE SET logins = daily_stats.logins + excluded.logins,
			binds = daily_stats.binds + excluded.binds,
			new_users = daily_stats.new_users + excluded.new_users)
		SELECT (SELECT COUNT(*) FROM tk), (SELECT id FROM s), `+accountColumnsA+`, `+wxUserColumnsU+`
		FROM (SELECT 1) one LEFT JOIN a ON TRUE LEFT JOIN u ON TRUE`,
		nowMS, ticket, nowMS, in.ticketLimit(), in.WxUserID,
		in.AccountID,
		in.WxUserID,
		in.WxUserID, in.AppID, in.AccountID, nowMS, in.Actor.by(),
		in.TicketHash == nil,
		ns.TokenHash, ns.RefreshHash, in.WxUserID, in.AccountID, in.AppID, ns.IP, ns.UserAgent, nowMS, nowMS,
		ns.AccessExpiresAt.UnixMilli(), ns.IdleExpiresAt.UnixMilli(), ns.MaxExpiresAt.UnixMilli(),
		in.Username, ns.IP, in.WxUserID,
		nowMS, in.Actor.Type, in.Actor.ID, fmt.Sprintf("wx_user:%d", in.WxUserID), in.Actor.IP, before, after,
		statDay(now), rand.IntN(statShardsPostgres)).Scan(dest...)
	switch {
	case err != nil:
		return BindResult{}, err
	case in.TicketHash != nil && ticketUsed != 1:
		return BindResult{}, ErrTicketInvalid
	}
	if err := res.checkParties(); err != nil {
		return BindResult{}, err
	}
	if err := s.openWxUserKeys(&res.User, key, prev); err != nil {
		return BindResult{}, err
	}
	if !sessionID.Valid {
		return BindResult{}, s.boundSide(ctx, tx, in.WxUserID)
	}
	res.Session = Session{ID: sessionID.Int64, WxUserID: in.WxUserID, AccountID: in.AccountID, AppID: in.AppID,
		IP: ns.IP, UserAgent: ns.UserAgent, CreatedAt: time.UnixMilli(nowMS), LastSeenAt: time.UnixMilli(nowMS),
		AccessExpiresAt: time.UnixMilli(ns.AccessExpiresAt.UnixMilli()),
		IdleExpiresAt:   time.UnixMilli(ns.IdleExpiresAt.UnixMilli()),
		MaxExpiresAt:    time.UnixMilli(ns.MaxExpiresAt.UnixMilli())}
	return res, nil
}

// accountColumnsA and wxUserColumnsU are accountColumns and wxUserColumns of the tables
// (or CTEs) aliased a and u, for accountDest and wxUserDest.
const (
	accountColumnsA = `a.id, a.username, a.name, a.password_hash, a.disabled, a.created_at, a.updated_at`
	wxUserColumnsU  = `u.id, u.appid, u.openid, COALESCE(u.unionid, ''), u.session_key, u.prev_session_key,
	u.session_key_rotated_at, u.nickname, u.avatar_url, u.gender, u.province, u.city, u.country, u.language,
	u.phone, u.phone_country_code, u.created_at, u.last_login_at, u.disabled, u.deleted_at`
)

// bindParties reads inside tx, in one query, the account and the WeChat user of a bind:
// ErrNotFound if the account is gone, ErrAccountDisabled if it is disabled, ErrNotFound if
// the user is gone or erased, ErrUserDisabled if an operator blocked it; in that order.
func (s *Store) bindParties(ctx context.Context, tx *sqlx.Tx, accountID, wxUserID int64) (Account, WxUser, error) {
	var res BindResult
	var key, prev string
	dest := append(orZero(accountDest(&res.Account)...), orZero(wxUserDest(&res.User, &key, &prev)...)...)
	err := s.row(ctx, tx, `SELECT `+accountColumnsA+`, `+wxUserColumnsU+`
		FROM (SELECT 1) one LEFT JOIN accounts a ON a.id = ? LEFT JOIN wx_users u ON u.id = ?`,
		accountID, wxUserID).Scan(dest...)
	if err == nil {
		err = res.checkParties()
	}
	if err == nil {
		err = s.openWxUserKeys(&res.User, key, prev)
	}
	if err != nil {
		return Account{}, WxUser{}, err
	}
	return res.Account, res.User, nil
}

// checkParties refuses a bind whose account or user was read missing (zero ID), disabled
// or erased, in the order bindParties documents.
func (r *BindResult) checkParties() error {
	switch {
	case r.Account.ID == 0:
		return ErrNotFound
	case r.Account.Disabled:
		return ErrAccountDisabled
	case r.User.ID == 0 || !r.User.DeletedAt.IsZero():
		return ErrNotFound
	case r.User.Disabled:
		return ErrUserDisabled
	}
	return nil
}

// insertBinding inserts a binding, or says which side is already bound. ON CONFLICT DO
// NOTHING waits for a concurrent insert of the same key to commit or roll back, so the
// check after it sees the winner.
func (s *Store) insertBinding(ctx context.Context, tx *sqlx.Tx, wxUserID int64, appID string, accountID int64, actor AuditActor, now time.Time) error {
	res, err := s.exec(ctx, tx, `INSERT INTO bindings (wx_user_id, appid, account_id, created_at, created_by)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, wxUserID, appID, accountID, now.UnixMilli(), actor.by())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	return s.boundSide(ctx, tx, wxUserID)
}

// boundSide says, after an insert into bindings did nothing, which side is already bound.
func (s *Store) boundSide(ctx context.Context, tx *sqlx.Tx, wxUserID int64) error {
	var one int
	err := s.row(ctx, tx, `SELECT 1 FROM bindings WHERE wx_user_id = ?`, wxUserID).Scan(&one)
	switch mapErr(err) {
	case nil:
		return ErrWxUserBound
	case ErrNotFound:
		return ErrAccountBound
	}
	return err
}

// UnbindInput is the removal of a binding.
type UnbindInput struct {
	WxUserID  int64
	SessionID int64       // the session asking (0: none), ended too
	Session   *NewSession // a fresh unbound session to start (nil: none)
	Reason    string      // for the audit log (operators)
	Actor     AuditActor
}

// Unbind removes a WeChat user's binding in one write transaction: every live session
// carrying the account for this user ends (through the revocations feed), as does the
// session asking, a fresh unbound session is started if in.Session is set, and an
// "unbind" audit event is written. ErrNotFound if the user is not bound.
func (s *Store) Unbind(ctx context.Context, in UnbindInput) (Session, error) {
	now := s.now()
	if in.Session != nil && !in.Session.Now.IsZero() {
		now = in.Session.Now
	}
	var sess Session
	var ended []int64
	err := s.tx(ctx, fmt.Sprintf("unbind wx user %d", in.WxUserID), func(tx *sqlx.Tx) error {
		var account int64
		var appID string
		err := s.row(ctx, tx, `DELETE FROM bindings WHERE wx_user_id = ? RETURNING account_id, appid`, in.WxUserID).Scan(&account, &appID)
		if err != nil {
			return err
		}
		if ended, err = s.revokeWhere(ctx, tx, now, "unbind", `wx_user_id = ? AND (account_id = ? OR id = ?)`,
			in.WxUserID, account, in.SessionID); err != nil {
			return err
		}
		if in.Session != nil {
			ns := *in.Session
			ns.AccountID = 0
			if sess, err = s.insertSession(ctx, tx, in.WxUserID, appID, ns, now); err != nil {
				return err
			}
		}
		detail := fmt.Sprintf("binding to account %d removed; sessions revoked: %d", account, len(ended))
		if in.Reason != "" {
			detail += "; reason: " + in.Reason
		}
		return s.addAudit(ctx, tx, in.Actor.event(now, "unbind", fmt.Sprintf("wx_user:%d", in.WxUserID), detail))
	})
	if err != nil {
		return Session{}, err
	}
	s.cache.dropSessions(ended)
	return sess, nil
}

// OperatorBind binds a WeChat user to an account on an operator's word (no password), with
// a reason for the audit log. The same rules hold as for a user's bind: ErrAccountDisabled,
// ErrUserDisabled, ErrWxUserBound, ErrAccountBound; ErrNotFound for an unknown user or
// account. The user's current sessions stay as they are; their next login or checkBind
// carries the account.
func (s *Store) OperatorBind(ctx context.Context, wxUserID, accountID int64, reason string, actor AuditActor) error {
	now := s.now()
	return s.tx(ctx, fmt.Sprintf("operator bind wx user %d to account %d", wxUserID, accountID), func(tx *sqlx.Tx) error {
		a, u, err := s.bindParties(ctx, tx, accountID, wxUserID)
		if err != nil {
			return err
		}
		if err := s.insertBinding(ctx, tx, wxUserID, u.AppID, accountID, actor, now); err != nil {
			return err
		}
		detail := fmt.Sprintf("bound to account %d (%s) by an operator", accountID, a.Username)
		if reason != "" {
			detail += "; reason: " + reason
		}
		if err := s.addAudit(ctx, tx, actor.event(now, "bind", fmt.Sprintf("wx_user:%d", wxUserID), detail)); err != nil {
			return err
		}
		return s.bumpStats(ctx, tx, now, 0, 1, 0)
	})
}

// OperatorUnbind removes a WeChat user's binding on an operator's word, with a reason for
// the audit log; the sessions carrying it end. ErrNotFound if the user is not bound.
func (s *Store) OperatorUnbind(ctx context.Context, wxUserID int64, reason string, actor AuditActor) error {
	_, err := s.Unbind(ctx, UnbindInput{WxUserID: wxUserID, Reason: reason, Actor: actor})
	return err
}
