package db

import (
	"context"
	"time"
)

// OperatorSession is the server-side record behind a console cookie, found by the SHA-256
// of the random token the cookie carries.
type OperatorSession struct {
	Operator   Operator
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end
}

// CreateOperatorSession records a sign-in: the session row, and the operator's last login.
func (s *Store) CreateOperatorSession(ctx context.Context, hash []byte, operatorID int64, ip, userAgent string, now, expires time.Time) error {
	_, err := s.exec(ctx, s.w, `INSERT INTO operator_sessions (hash, operator_id, ip, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, hash, operatorID, ip, userAgent, now.UnixMilli(), now.UnixMilli(), expires.UnixMilli())
	if err != nil {
		return wrap("create operator session", err)
	}
	_, err = s.exec(ctx, s.w, `UPDATE operators SET last_login_at = ? WHERE id = ?`, now.UnixMilli(), operatorID)
	return wrap("create operator session", err)
}

// OperatorSessionByHash returns a live operator session with its operator: not past its
// absolute end, not idle for longer than idle, the operator not disabled. ErrNotFound
// otherwise.
func (s *Store) OperatorSessionByHash(ctx context.Context, hash []byte, now time.Time, idle time.Duration) (OperatorSession, error) {
	var os OperatorSession
	o := &os.Operator
	err := s.row(ctx, s.r, `SELECT o.id, o.username, o.password_hash, o.role, o.disabled, o.created_at, o.last_login_at,
		s.created_at, s.last_seen_at, s.expires_at
		FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
		WHERE s.hash = ? AND s.expires_at > ? AND s.last_seen_at > ? AND NOT o.disabled`,
		hash, now.UnixMilli(), now.Add(-idle).UnixMilli()).Scan(&o.ID, &o.Username, &o.PasswordHash, &o.Role, &o.Disabled,
		msTime{&o.CreatedAt}, msTime{&o.LastLoginAt}, msTime{&os.CreatedAt}, msTime{&os.LastSeenAt}, msTime{&os.ExpiresAt})
	if err != nil {
		return OperatorSession{}, wrap("operator session", err)
	}
	return os, nil
}

// TouchOperatorSession moves an operator session's last activity to now.
func (s *Store) TouchOperatorSession(ctx context.Context, hash []byte, now time.Time) error {
	_, err := s.exec(ctx, s.w, `UPDATE operator_sessions SET last_seen_at = ? WHERE hash = ?`, now.UnixMilli(), hash)
	return wrap("touch operator session", err)
}

// DeleteOperatorSession ends an operator session (sign-out).
func (s *Store) DeleteOperatorSession(ctx context.Context, hash []byte) error {
	_, err := s.exec(ctx, s.w, `DELETE FROM operator_sessions WHERE hash = ?`, hash)
	return wrap("delete operator session", err)
}
