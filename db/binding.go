package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
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
	now := s.now()
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
		res, err = s.bindWrite(ctx, tx, in, now)
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

// bindWrite is the rest of Bind, after the Bearer session (if any) ended: the ticket is
// used, the account and user read, and, only if the ticket (or the ended Bearer session)
// and both rows allow it, the binding, the session, the attempts, the audit event and the
// counter written. The dialect's statements (bindStatementsPostgres or
// bindStatementsSQLite) return one row, read here the same way for both: the refusals are
// checked in a fixed order, and any of them rolls the whole transaction back. When the
// binding insert did nothing, one more statement (a new snapshot, after ON CONFLICT DO
// NOTHING waited for the concurrent winner) says which side is bound.
func (s *Store) bindWrite(ctx context.Context, tx *sqlx.Tx, in BindInput, now time.Time) (BindResult, error) {
	var res BindResult
	var ticketUsed int
	var sessionID sql.NullInt64
	ns := in.Session
	now = time.UnixMilli(now.UnixMilli())
	nowMS := now.UnixMilli()
	maxAt := now.Add(ns.MaxTTL)
	access, idle := ns.ends(now, maxAt)
	before, after := bindAudit(in)
	var ticket any
	if in.TicketHash != nil {
		ticket = in.TicketHash
	}
	args := map[string]any{
		"now": nowMS, "ticket": ticket, "limit": in.ticketLimit(), "bearer": in.TicketHash == nil,
		"wx": in.WxUserID, "appid": in.AppID, "account": in.AccountID, "by": in.Actor.by(),
		"token": ns.TokenHash, "refresh": ns.RefreshHash, "ip": ns.IP, "user_agent": ns.UserAgent,
		"access_expires": access.UnixMilli(), "idle_expires": idle.UnixMilli(),
		"max_expires": maxAt.UnixMilli(), "username": in.Username,
		"actor_type": in.Actor.Type, "actor_id": in.Actor.ID, "actor_ip": in.Actor.IP,
		"target": fmt.Sprintf("wx_user:%d", in.WxUserID), "before": before, "after": after,
		"day": s.statDay(now), "shard": rand.IntN(statShardsPostgres), // SQLite keeps one shard
	}
	var key, prev string
	dest := append([]any{&ticketUsed, &sessionID}, orZero(accountDest(&res.Account)...)...)
	dest = append(dest, orZero(wxUserDest(&res.User, &key, &prev)...)...)
	err := s.chain(ctx, tx, pickList(s, bindStatementsPostgres, bindStatementsSQLite), args, dest...)
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
		IP: ns.IP, UserAgent: ns.UserAgent, CreatedAt: now, LastSeenAt: now, At: now,
		AccessExpiresAt: time.UnixMilli(access.UnixMilli()),
		IdleExpiresAt:   time.UnixMilli(idle.UnixMilli()),
		MaxExpiresAt:    time.UnixMilli(maxAt.UnixMilli())}
	return res, nil
}

// The statements of bindWrite, with :name arguments (see chain). Both end in the same row:
// ticket used (0 or 1), the new session's id (NULL when nothing was written), the account
// (accountColumnsA) and the user (wxUserColumnsU), NULL where missing.
//
// PostgreSQL runs the bind as one statement of data-modifying CTEs, one round trip. SQLite
// cannot write inside WITH, so it runs the same steps as statements in the same order
// (in-process calls, no round trips), each step's RETURNING passed on by name to the
// steps after it (:ticket_used, :bound, :session_id); its last statement reads the
// account and the user and repeats those results, making the row PostgreSQL's.
var (
	bindStatementsPostgres = []string{`WITH tk AS (UPDATE bind_tickets SET used_at = :now
			WHERE hash = :ticket AND used_at IS NULL AND expires_at > :now AND failures < :limit AND wx_user_id = :wx
			RETURNING 1),
		a AS (SELECT * FROM accounts WHERE id = :account),
		u AS (SELECT * FROM wx_users WHERE id = :wx),
		b AS (INSERT INTO bindings (wx_user_id, appid, account_id, created_at, created_by)
			SELECT :wx::bigint, :appid::text, :account::bigint, :now::bigint, :by::text FROM a, u
			WHERE (:bearer::boolean OR EXISTS (SELECT 1 FROM tk))
				AND NOT a.disabled AND u.deleted_at IS NULL AND NOT u.disabled
			ON CONFLICT DO NOTHING RETURNING 1),
		s AS (INSERT INTO sessions (token_hash, refresh_hash, wx_user_id, account_id,
				appid, ip, user_agent, created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at)
			SELECT :token::bytea, :refresh::bytea, :wx::bigint, :account::bigint, :appid::text, :ip::text,
				:user_agent::text, :now::bigint, :now::bigint,
				:access_expires::bigint, :idle_expires::bigint, :max_expires::bigint FROM b RETURNING id),
		d AS (DELETE FROM login_attempts WHERE username = :username AND (ip = :ip OR wx_user_id = :wx)
			AND EXISTS (SELECT 1 FROM b)),
		e AS (INSERT INTO audit_events (at, actor_type, actor_id, action, target, ip, detail)
			SELECT :now::bigint, :actor_type::text, :actor_id::text, 'bind', :target::text, :actor_ip::text,
				:before::text || a.username || :after::text FROM b, a),
		st AS (INSERT INTO daily_stats (day, appid, shard, logins, binds, new_users) SELECT :day::text, :appid::text, :shard::integer, 0, 1, 0 FROM b
			ON CONFLICT (day, appid, shard) DO UPDATE SET logins = daily_stats.logins + excluded.logins,
			binds = daily_stats.binds + excluded.binds,
			new_users = daily_stats.new_users + excluded.new_users)
		SELECT (SELECT COUNT(*) FROM tk), (SELECT id FROM s), ` + accountColumnsA + `, ` + wxUserColumnsU + `
		FROM (SELECT 1) one LEFT JOIN a ON TRUE LEFT JOIN u ON TRUE`}

	bindStatementsSQLite = []string{
		`UPDATE bind_tickets SET used_at = :now
			WHERE hash = :ticket AND used_at IS NULL AND expires_at > :now AND failures < :limit AND wx_user_id = :wx
			RETURNING 1 AS ticket_used`,
		`INSERT INTO bindings (wx_user_id, appid, account_id, created_at, created_by)
			SELECT :wx, :appid, :account, :now, :by FROM accounts a, wx_users u
			WHERE a.id = :account AND u.id = :wx AND (:bearer OR :ticket_used)
				AND NOT a.disabled AND u.deleted_at IS NULL AND NOT u.disabled
			ON CONFLICT DO NOTHING RETURNING 1 AS bound`,
		`INSERT INTO sessions (token_hash, refresh_hash, wx_user_id, account_id,
				appid, ip, user_agent, created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at)
			SELECT :token, :refresh, :wx, :account, :appid, :ip, :user_agent, :now, :now,
				:access_expires, :idle_expires, :max_expires WHERE :bound RETURNING id AS session_id`,
		`DELETE FROM login_attempts WHERE :bound AND username = :username AND (ip = :ip OR wx_user_id = :wx)`,
		`INSERT INTO audit_events (at, actor_type, actor_id, action, target, ip, detail)
			SELECT :now, :actor_type, :actor_id, 'bind', :target, :actor_ip, :before || a.username || :after
			FROM accounts a WHERE a.id = :account AND :bound`,
		`INSERT INTO daily_stats (day, appid, shard, logins, binds, new_users) SELECT :day, :appid, 0, 0, 1, 0 WHERE :bound
			ON CONFLICT (day, appid, shard) DO UPDATE SET logins = daily_stats.logins + excluded.logins,
			binds = daily_stats.binds + excluded.binds,
			new_users = daily_stats.new_users + excluded.new_users`,
		`SELECT COALESCE(:ticket_used, 0), :session_id, ` + accountColumnsA + `, ` + wxUserColumnsU + `
			FROM (SELECT 1) one LEFT JOIN accounts a ON a.id = :account LEFT JOIN wx_users u ON u.id = :wx`,
	}
)

// pickList returns the statements of the store's dialect.
func pickList(s *Store, postgres, sqlite []string) []string {
	if s.dialect == DialectPostgres {
		return postgres
	}
	return sqlite
}

// chain runs the statements of one step of a command, in order, inside tx, and scans the
// single row of the last one into dest. Each statement is written with :name arguments
// (PostgreSQL casts, ::type, stay as they are), taken from args; the columns of an
// earlier statement's row are added to args under their names (NULL when it returned no
// row), so the statements after it can use them. This is how one Go function runs a step
// that PostgreSQL does in one statement of data-modifying CTEs and SQLite, which cannot
// write inside WITH, does in several.
func (s *Store) chain(ctx context.Context, tx *sqlx.Tx, stmts []string, args map[string]any, dest ...any) error {
	for i, raw := range stmts {
		q := compileNamed(raw)
		vals := make([]any, len(q.names))
		for k, name := range q.names {
			v, ok := args[name]
			if !ok {
				return fmt.Errorf("db: statement argument :%s not given", name)
			}
			vals[k] = v
		}
		if i == len(stmts)-1 {
			return s.row(ctx, tx, q.text, vals...).Scan(dest...)
		}
		if err := s.carry(ctx, tx, q.text, vals, args); err != nil {
			return err
		}
	}
	return errors.New("db: chain: no statement")
}

// carry runs one statement of a chain and adds the columns of its row (at most one is
// read) to args, NULL when it returned none.
func (s *Store) carry(ctx context.Context, tx *sqlx.Tx, query string, vals []any, args map[string]any) error {
	rows, err := s.rows(ctx, tx, query, vals...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	got := make([]any, len(cols))
	if rows.Next() {
		ptrs := make([]any, len(cols))
		for i := range got {
			ptrs[i] = &got[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	for i, c := range cols {
		args[c] = got[i]
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

// namedQuery is a query written with :name arguments, turned into ? placeholders.
type namedQuery struct {
	text  string   // the query with ? for each argument
	names []string // the argument of each ?, in order
}

// namedQueries caches compileNamed: query with :name -> namedQuery.
var namedQueries sync.Map

// compileNamed replaces each :name (lower case letters, digits, _) of query by ?, leaving
// PostgreSQL casts (::type) alone. The queries are this package's constants: no string
// literal in them holds a colon.
func compileNamed(query string) namedQuery {
	if v, ok := namedQueries.Load(query); ok {
		return v.(namedQuery)
	}
	var b strings.Builder
	var q namedQuery
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c != ':' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(query) && query[i+1] == ':' {
			b.WriteString("::")
			i++
			continue
		}
		j := i + 1
		for j < len(query) && (query[j] == '_' || 'a' <= query[j] && query[j] <= 'z' || '0' <= query[j] && query[j] <= '9') {
			j++
		}
		if j == i+1 {
			b.WriteByte(c)
			continue
		}
		q.names = append(q.names, query[i+1:j])
		b.WriteByte('?')
		i = j - 1
	}
	q.text = b.String()
	namedQueries.Store(query, q)
	return q
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
	var sess Session
	var ended []int64
	err := s.tx(ctx, fmt.Sprintf("unbind wx user %d", in.WxUserID), func(tx *sqlx.Tx) error {
		var account int64
		var appID string
		err := s.row(ctx, tx, `DELETE FROM bindings WHERE wx_user_id = ? RETURNING account_id, appid`, in.WxUserID).Scan(&account, &appID)
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE wx_users SET unlinked_at = ? WHERE id = ?`, now.UnixMilli(), in.WxUserID); err != nil {
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
		return s.bumpStats(ctx, tx, now, u.AppID, 0, 1, 0, 0)
	})
}

// OperatorUnbind removes a WeChat user's binding on an operator's word, with a reason for
// the audit log; the sessions carrying it end. ErrNotFound if the user is not bound.
func (s *Store) OperatorUnbind(ctx context.Context, wxUserID int64, reason string, actor AuditActor) error {
	_, err := s.Unbind(ctx, UnbindInput{WxUserID: wxUserID, Reason: reason, Actor: actor})
	return err
}
