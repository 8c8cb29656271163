package db

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Session is one login: a row of sessions. Its tokens are known only by their hashes.
type Session struct {
	ID, WxUserID    int64
	AccountID       int64 // 0: not bound to a platform account
	AppID           string
	IP, UserAgent   string
	CreatedAt       time.Time
	LastSeenAt      time.Time
	AccessExpiresAt time.Time // the access token's end
	IdleExpiresAt   time.Time // the session's end unless refreshed before
	MaxExpiresAt    time.Time // the session's absolute end
	RevokedAt       time.Time // zero: not revoked
	RevokedBy       string
	At              time.Time // when the command that returned it ran (store clock, whole ms); not stored
}

// aliveAt tells whether the session's access token is accepted at now.
func (s *Session) aliveAt(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.AccessExpiresAt) &&
		now.Before(s.IdleExpiresAt) && now.Before(s.MaxExpiresAt)
}

// accessExpiredAt tells whether, at now, the session's access token has expired while the
// session itself lives: the caller should refresh rather than log in again.
func (s *Session) accessExpiredAt(now time.Time) bool {
	return s.RevokedAt.IsZero() && !now.Before(s.AccessExpiresAt) &&
		now.Before(s.IdleExpiresAt) && now.Before(s.MaxExpiresAt)
}

// NewSession is what a login or refresh stores: the token hashes (SHA-256) and lifetimes.
// The store turns the lifetimes into ends at its own clock: the access token's end and the
// idle end are capped at the session's absolute end, and the access token's at the idle end.
type NewSession struct {
	TokenHash, RefreshHash []byte
	AccountID              int64 // 0: the account bound to the user, if any (Login only)
	IP, UserAgent          string
	AccessTTL              time.Duration // the access token's life
	IdleTTL                time.Duration // the session's life without a refresh
	MaxTTL                 time.Duration // the session's absolute life; ignored by RotateRefresh: a refresh never extends it
}

// ends returns the access token's end and the idle end of a session (re)issued at now
// whose absolute end is maxAt, both capped as NewSession says.
func (ns NewSession) ends(now, maxAt time.Time) (access, idle time.Time) {
	idle = earliestTime(now.Add(ns.IdleTTL), maxAt)
	return earliestTime(now.Add(ns.AccessTTL), idle), idle
}

// earliestTime returns the earlier of a and b.
func earliestTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// sessionColumns is the column list scanSession reads, in order.
const sessionColumns = `id, wx_user_id, COALESCE(account_id, 0), appid, ip, user_agent, created_at,
	last_seen_at, access_expires_at, idle_expires_at, max_expires_at, revoked_at, revoked_by`

// scanSession reads sessionColumns, then into extra any columns the query adds after them.
func scanSession(r scanner, extra ...any) (Session, error) {
	var s Session
	err := r.Scan(append([]any{&s.ID, &s.WxUserID, &s.AccountID, &s.AppID, &s.IP, &s.UserAgent,
		msTime{&s.CreatedAt}, msTime{&s.LastSeenAt}, msTime{&s.AccessExpiresAt},
		msTime{&s.IdleExpiresAt}, msTime{&s.MaxExpiresAt}, msTime{&s.RevokedAt}, &s.RevokedBy}, extra...)...)
	return s, err
}

// sessionByTokenHash returns the session whose current access token has this hash, alive
// or not; ErrNotFound if none. It is what CheckToken loads on a cache miss.
func (s *Store) sessionByTokenHash(ctx context.Context, hash []byte) (Session, error) {
	sess, err := scanSession(s.row(ctx, s.r, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, hash))
	if err != nil {
		return Session{}, wrap("session by token", err)
	}
	return sess, nil
}

// RefreshGrace is how long after a rotation the rotated refresh token still answers with
// the pair it was rotated to: a mini-program retrying a refresh on a flaky network, or
// several pages refreshing at once, possibly through different instances, all get the same
// new pair. Presented later, the rotated token is reuse and ends the session.
const RefreshGrace = 10 * time.Second

// RotateRefresh renews the session whose current refresh token hashes to oldRefreshHash:
// next's token and refresh hashes, new access and idle expiries (the maximum stays). The
// old refresh hash is kept for reuse detection and the session goes on the revocations
// feed so that every instance forgets the old access token. Access and idle ends are
// capped at the session's maximum.
//
// next's hashes must be a function of the old refresh token (the API derives the new pair
// from it under a secret key), so that any instance computes the same pair for it. A
// refresh token presented again within RefreshGrace of its rotation, while the session
// still holds exactly next's pair, shares that rotation: the session is returned and
// nothing changes. Any other presentation of a rotated refresh token revokes its session
// and returns ErrRefreshReused with a Session holding only the ID (for the log). An
// unknown hash, or one of a revoked or expired session, returns ErrNotFound.
//
// Rotations of one session are serialized: on PostgreSQL by a row lock on the session, on
// SQLite by the immediate transaction.
func (s *Store) RotateRefresh(ctx context.Context, oldRefreshHash []byte, next NewSession) (Session, error) {
	now := time.UnixMilli(s.now().UnixMilli())
	nowMS := now.UnixMilli()
	var sess Session
	var reusedID int64
	reused := false
	err := s.tx(ctx, "rotate refresh", func(tx *sqlx.Tx) error {
		var id int64
		err := s.row(ctx, tx, pick(s, lockByRefreshPostgres, lockByRefreshSQLite), oldRefreshHash).Scan(&id)
		if err == nil {
			sess, err = s.rotateLocked(ctx, tx, id, oldRefreshHash, next, nowMS)
			return err
		}
		if mapErr(err) != ErrNotFound {
			return err
		}
		// Not a current refresh token: a rotated one, or unknown.
		var usedAt int64
		err = s.row(ctx, tx, `SELECT session_id, used_at FROM refresh_tokens WHERE hash = ?`, oldRefreshHash).Scan(&reusedID, &usedAt)
		if err != nil {
			return err // ErrNotFound: unknown, or a dead session's current token
		}
		var tokenHash, refreshHash []byte
		cur, err := scanSession(s.row(ctx, tx, pick(s, lockByIDPostgres, lockByIDSQLite), reusedID),
			&tokenHash, &refreshHash)
		if err != nil {
			return err
		}
		if nowMS-usedAt <= RefreshGrace.Milliseconds() && cur.RevokedAt.IsZero() &&
			now.Before(cur.IdleExpiresAt) && now.Before(cur.MaxExpiresAt) &&
			bytes.Equal(tokenHash, next.TokenHash) && bytes.Equal(refreshHash, next.RefreshHash) {
			sess = cur // a concurrent or retried refresh: it shares the rotation
			return nil
		}
		// Two parties hold the session's tokens, and the safe answer is to end it.
		ids, err := s.revokeWhere(ctx, tx, now, "refresh_reuse", `id = ?`, reusedID)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			if err := s.addAudit(ctx, tx, IPActor(next.IP).event(now, "session.refresh_reuse", wxUserTarget(cur.WxUserID),
				fmt.Sprintf("session %d ended: a rotated refresh token was presented again", reusedID))); err != nil {
				return err
			}
		}
		reused = true // committed, not rolled back: the revocation must stick
		return nil
	})
	if err != nil {
		return Session{}, err
	}
	if reused {
		s.cache.dropSessions([]int64{reusedID})
		return Session{ID: reusedID}, ErrRefreshReused
	}
	s.cache.dropSessions([]int64{sess.ID})
	sess.At = now
	return sess, nil
}

// The session a refresh token belongs to, locked until the transaction ends. SQLite has
// no row locks: its immediate transaction holds the whole database's write lock.
const (
	lockByRefreshPostgres = `SELECT id FROM sessions WHERE refresh_hash = ? FOR UPDATE`
	lockByRefreshSQLite   = `SELECT id FROM sessions WHERE refresh_hash = ?`
	lockByIDPostgres      = `SELECT ` + sessionColumns + `, token_hash, refresh_hash FROM sessions WHERE id = ? FOR UPDATE`
	lockByIDSQLite        = `SELECT ` + sessionColumns + `, token_hash, refresh_hash FROM sessions WHERE id = ?`
)

// pick returns the query of the store's dialect.
func pick(s *Store, postgres, sqlite string) string {
	if s.dialect == DialectPostgres {
		return postgres
	}
	return sqlite
}

// rotateLocked moves the locked session id from oldRefreshHash to next's pair, inside tx.
func (s *Store) rotateLocked(ctx context.Context, tx *sqlx.Tx, id int64, oldRefreshHash []byte, next NewSession, nowMS int64) (Session, error) {
	a, i := next.ends(time.UnixMilli(nowMS), time.UnixMilli(nowMS).Add(next.IdleTTL))
	access, idle := a.UnixMilli(), i.UnixMilli()
	// Both ends are capped at the session's absolute end, which only the row knows.
	sess, err := scanSession(s.row(ctx, tx, `UPDATE sessions SET token_hash = ?, refresh_hash = ?,
		access_expires_at = CASE WHEN ? < max_expires_at THEN ? ELSE max_expires_at END,
		idle_expires_at = CASE WHEN ? < max_expires_at THEN ? ELSE max_expires_at END,
		last_seen_at = ?
		WHERE id = ? AND revoked_at IS NULL AND idle_expires_at > ? AND max_expires_at > ?
		RETURNING `+sessionColumns,
		next.TokenHash, next.RefreshHash, access, access, idle, idle,
		nowMS, id, nowMS, nowMS))
	if err != nil {
		return Session{}, err // ErrNotFound: revoked or expired
	}
	if _, err := s.exec(ctx, tx, `INSERT INTO refresh_tokens (hash, session_id, used_at) VALUES (?, ?, ?)`,
		oldRefreshHash, sess.ID, nowMS); err != nil {
		return Session{}, err
	}
	return sess, s.appendRevocations(ctx, tx, time.UnixMilli(nowMS), sess.ID)
}

// RevokeSession ends a session now, in one transaction with a "session.revoke" audit
// event by actor: revoked_at and revoked_by are set, the revocations feed tells other
// instances, and this instance forgets its tokens at once. It reports false, writing
// nothing, when the session had already been revoked; ErrNotFound if there is no such
// session.
func (s *Store) RevokeSession(ctx context.Context, id int64, actor AuditActor) (bool, error) {
	now := s.now()
	var ids []int64
	err := s.tx(ctx, fmt.Sprintf("revoke session %d", id), func(tx *sqlx.Tx) error {
		ids = nil
		var wxUserID int64
		if err := s.row(ctx, tx, `SELECT wx_user_id FROM sessions WHERE id = ?`, id).Scan(&wxUserID); err != nil {
			return err
		}
		var err error
		if ids, err = s.revokeWhere(ctx, tx, now, actor.by(), `id = ?`, id); err != nil || len(ids) == 0 {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "session.revoke", wxUserTarget(wxUserID), fmt.Sprintf("session %d", id)))
	})
	if err != nil {
		return false, err
	}
	s.cache.dropSessions(ids)
	return len(ids) > 0, nil
}

// RevokeWxUserSessions ends every live session of a WeChat user and returns how many, in
// one transaction with a "session.revoke_all" audit event by actor.
func (s *Store) RevokeWxUserSessions(ctx context.Context, wxUserID int64, actor AuditActor) (int, error) {
	now := s.now()
	var ids []int64
	err := s.tx(ctx, fmt.Sprintf("revoke sessions of wx user %d", wxUserID), func(tx *sqlx.Tx) error {
		var err error
		if ids, err = s.revokeWhere(ctx, tx, now, actor.by(), `wx_user_id = ?`, wxUserID); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "session.revoke_all", wxUserTarget(wxUserID),
			fmt.Sprintf("sessions revoked: %d", len(ids))))
	})
	if err != nil {
		return 0, err
	}
	s.cache.dropSessions(ids)
	return len(ids), nil
}

// revokeWhere revokes the unrevoked sessions matching cond (SQL with ?, args) inside tx,
// appends them to the revocations feed and returns their ids. The caller drops them from
// the cache after commit.
func (s *Store) revokeWhere(ctx context.Context, tx *sqlx.Tx, now time.Time, by, cond string, args ...any) ([]int64, error) {
	rows, err := s.rows(ctx, tx, `UPDATE sessions SET revoked_at = ?, revoked_by = ?
		WHERE revoked_at IS NULL AND `+cond+` RETURNING id`,
		append([]any{now.UnixMilli(), by}, args...)...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ids, s.appendRevocations(ctx, tx, now, ids...)
}

// appendRevocations adds sessions to the revocations feed inside tx. On PostgreSQL a
// statement trigger notifies the listeners of every instance when tx commits.
func (s *Store) appendRevocations(ctx context.Context, tx *sqlx.Tx, now time.Time, ids ...int64) error {
	for _, id := range ids {
		if _, err := s.exec(ctx, tx, `INSERT INTO revocations (session_id, at) VALUES (?, ?)`, id, now.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}
