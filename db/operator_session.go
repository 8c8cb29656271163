package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// OperatorSession is the server-side record behind a console cookie, found by the SHA-256
// of the random token the cookie carries.
type OperatorSession struct {
	Operator   Operator
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end
	Stage      int       // StageSignedIn, StageCodeDue or StageMustEnrol
}

// Stages of an operator session: only StageSignedIn opens the console; the other two
// open only the second-factor page or the enrolment on the settings page.
const (
	StageSignedIn  = 0
	StageCodeDue   = 1 // password accepted, a TOTP or recovery code is due
	StageMustEnrol = 2 // two-factor sign-in is required and the operator has none yet
)

// OperatorSignedIn records a successful console sign-in of op from ip in one transaction:
// the session row (found later by hash, the SHA-256 of the cookie's token; it ends after
// lifetime at the latest), the operator's last login, forgetting the failed sign-in tries
// of its username from ip (the reserved try of this sign-in among them) and an
// "operator.login" audit event.
func (s *Store) OperatorSignedIn(ctx context.Context, hash []byte, op Operator, ip, userAgent string, lifetime time.Duration) error {
	return s.OperatorPasswordAccepted(ctx, hash, op, ip, userAgent, lifetime, StageSignedIn)
}

// OperatorPasswordAccepted is OperatorSignedIn for a session that starts at stage: at
// StageCodeDue the sign-in tries are kept (only the second factor forgets them, so a
// known password does not reopen the code guessing) and the audit event is
// "operator.password_ok"; StageMustEnrol records "operator.login" noting the enrolment due.
func (s *Store) OperatorPasswordAccepted(ctx context.Context, hash []byte, op Operator, ip, userAgent string, lifetime time.Duration, stage int) error {
	now := s.now()
	expires := now.Add(lifetime)
	return s.tx(ctx, "operator signed in", func(tx *sqlx.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO operator_sessions (hash, operator_id, ip, user_agent, created_at, last_seen_at, expires_at, stage)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, op.ID, ip, userAgent, now.UnixMilli(), now.UnixMilli(), expires.UnixMilli(), stage); err != nil {
			return err
		}
		action, detail := "operator.login", ""
		switch stage {
		case StageCodeDue:
			return s.addAudit(ctx, tx, OperatorActor(op, ip).event(now, "operator.password_ok", operatorTarget(op.Username), "two-factor code due"))
		case StageMustEnrol:
			detail = "two-factor sign-in required: enrolment due"
		}
		if _, err := s.exec(ctx, tx, `UPDATE operators SET last_login_at = ? WHERE id = ?`, now.UnixMilli(), op.ID); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM operator_signin_attempts WHERE username = ? AND ip = ?`, signInKey(op.Username), ip); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, OperatorActor(op, ip).event(now, action, operatorTarget(op.Username), detail))
	})
}

// OperatorSessionByHash returns a live operator session with its operator: not past its
// absolute end, not idle for longer than idle, the operator not disabled. ErrNotFound
// otherwise.
func (s *Store) OperatorSessionByHash(ctx context.Context, hash []byte, idle time.Duration) (OperatorSession, error) {
	now := s.now()
	var os OperatorSession
	o := &os.Operator
	err := s.row(ctx, s.r, `SELECT o.id, o.username, o.password_hash, o.role, o.disabled, o.created_at, o.last_login_at,
		o.totp_secret IS NOT NULL, s.created_at, s.last_seen_at, s.expires_at, s.stage
		FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
		WHERE s.hash = ? AND s.expires_at > ? AND s.last_seen_at > ? AND NOT o.disabled`,
		hash, now.UnixMilli(), now.Add(-idle).UnixMilli()).Scan(&o.ID, &o.Username, &o.PasswordHash, &o.Role, &o.Disabled,
		msTime{&o.CreatedAt}, msTime{&o.LastLoginAt}, &o.HasTOTP, msTime{&os.CreatedAt}, msTime{&os.LastSeenAt}, msTime{&os.ExpiresAt}, &os.Stage)
	if err != nil {
		return OperatorSession{}, wrap("operator session", err)
	}
	return os, nil
}

// TouchOperatorSession moves an operator session's last activity to now.
func (s *Store) TouchOperatorSession(ctx context.Context, hash []byte) error {
	now := s.now()
	_, err := s.exec(ctx, s.w, `UPDATE operator_sessions SET last_seen_at = ? WHERE hash = ?`, now.UnixMilli(), hash)
	return wrap("touch operator session", err)
}

// SignOutOperator ends the operator session whose token hashes to hash, in one
// transaction with an "operator.logout" audit event by actor; a session already gone
// writes nothing.
func (s *Store) SignOutOperator(ctx context.Context, hash []byte, actor AuditActor) error {
	now := s.now()
	return s.tx(ctx, "sign out operator", func(tx *sqlx.Tx) error {
		var id int64
		err := s.row(ctx, tx, `DELETE FROM operator_sessions WHERE hash = ? RETURNING operator_id`, hash).Scan(&id)
		if mapErr(err) == ErrNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		var username string
		if err := s.row(ctx, tx, `SELECT username FROM operators WHERE id = ?`, id).Scan(&username); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "operator.logout", operatorTarget(username), ""))
	})
}
