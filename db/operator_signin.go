package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Console sign-in throttling, in operator_signin_attempts so every instance sees the same
// counts: within OperatorSignInWindow, at most OperatorSignInPerUser failed tries per
// username (from any address) and OperatorSignInPerIP per client IP. A try is reserved
// (counted as a failure) before its password hash runs; a success forgets the tries of
// its (username, IP).
const (
	OperatorSignInPerUser = 10
	OperatorSignInPerIP   = 30
	OperatorSignInWindow  = 15 * time.Minute
)

// OperatorSignIn is a reserved console sign-in try, or its refusal.
type OperatorSignIn struct {
	// AttemptID is the reserved try; 0 when a limit refused it (Wait > 0).
	AttemptID int64
	// Wait is how long until a limit lets this username and IP try again (0: allowed).
	Wait time.Duration
	// ByIP tells that the IP's limit, not the username's, set Wait (metrics).
	ByIP bool
	// Operator is the operator with this username (disabled ones included); ID 0: none.
	Operator Operator
}

// signInKey is the username as the sign-in throttle counts it: trimmed and lower-cased,
// so case variants share one count.
func signInKey(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// signInCounts reads, for the key and IP, the failures within the window at now and the
// oldest of each; upTo > 0 counts only the tries up to that one (ids grow in the order the
// serialized reservations ran).
func (s *Store) signInCounts(ctx context.Context, tx *sqlx.Tx, key, ip string, now time.Time, upTo int64) (userN, ipN int64, user0, ip0 time.Time, err error) {
	var u0, i0 sql.NullInt64
	err = s.row(ctx, tx, `SELECT COUNT(CASE WHEN username = ? THEN 1 END), MIN(CASE WHEN username = ? THEN at END),
		COUNT(CASE WHEN ip = ? THEN 1 END), MIN(CASE WHEN ip = ? THEN at END)
		FROM operator_signin_attempts WHERE at > ? AND (username = ? OR ip = ?) AND (CAST(? AS BIGINT) = 0 OR id <= ?)`,
		key, key, ip, ip, now.Add(-OperatorSignInWindow).UnixMilli(), key, ip, upTo, upTo).Scan(&userN, &u0, &ipN, &i0)
	return userN, ipN, time.UnixMilli(u0.Int64), time.UnixMilli(i0.Int64), err
}

// signInWait is how long a key with n failures in the window, the oldest at oldest, must
// wait at now: until the oldest leaves the window once n reaches limit. Refused tries are
// not recorded, so n never passes limit and that one departure is enough.
func signInWait(n, limit int64, oldest, now time.Time) time.Duration {
	if n < limit {
		return 0
	}
	return max(time.Millisecond, oldest.Add(OperatorSignInWindow).Sub(now))
}

// ReserveOperatorSignIn checks the console sign-in limits of username from ip and, when
// they allow it, records the try as a failure and reads the operator, in one write
// transaction serialized across instances (SQLite: the single writer; PostgreSQL: one
// advisory lock for all console sign-ins, which are few). The caller checks the password
// only for a reserved try; N concurrent tries are N counted failures and those past a
// limit are refused before any hash, whatever their password.
func (s *Store) ReserveOperatorSignIn(ctx context.Context, username, ip string) (OperatorSignIn, error) {
	now := s.now()
	key := signInKey(username)
	var r OperatorSignIn
	err := s.tx(ctx, "reserve operator sign-in", func(tx *sqlx.Tx) error {
		r = OperatorSignIn{}
		if s.dialect == DialectPostgres {
			if _, err := s.exec(ctx, tx, `SELECT pg_advisory_xact_lock(hashtext('miniauth.operator_signin'))`); err != nil {
				return err
			}
		}
		userN, ipN, user0, ip0, err := s.signInCounts(ctx, tx, key, ip, now, 0)
		if err != nil {
			return err
		}
		userWait, ipWait := signInWait(userN, OperatorSignInPerUser, user0, now), signInWait(ipN, OperatorSignInPerIP, ip0, now)
		if r.Wait, r.ByIP = max(userWait, ipWait), ipWait > userWait; r.Wait > 0 {
			return errRefused
		}
		if err := s.row(ctx, tx, `INSERT INTO operator_signin_attempts (at, username, ip) VALUES (?, ?, ?) RETURNING id`,
			now.UnixMilli(), key, ip).Scan(&r.AttemptID); err != nil {
			return err
		}
		r.Operator, err = scanOperator(s.row(ctx, tx, `SELECT `+operatorColumns+` FROM operators WHERE username = ?`, username))
		if mapErr(err) == ErrNotFound {
			r.Operator, err = Operator{}, nil
		}
		return err
	})
	if errors.Is(err, errRefused) {
		return r, nil
	}
	if err != nil {
		return OperatorSignIn{}, err
	}
	return r, nil
}

// OperatorSignInFailed settles a reserved console sign-in whose password was wrong (or
// whose operator is unknown or disabled), in one transaction: the try stays counted, an
// "operator.signin_fail" audit event by the client IP names the username tried, and an
// "operator.lockout" event follows when this failure is the one that reaches a limit.
func (s *Store) OperatorSignInFailed(ctx context.Context, attemptID int64, username, ip string) error {
	return s.signInFailed(ctx, attemptID, username, ip, "operator.signin_fail", fmt.Sprintf("wrong password or unknown operator %q", username))
}

// OperatorCodeFailed is OperatorSignInFailed for a wrong, used or stale two-factor code
// (the password was right): "operator.totp_fail", and "operator.lockout" at a limit.
// Code tries count against the same limits as passwords.
func (s *Store) OperatorCodeFailed(ctx context.Context, attemptID int64, username, ip string) error {
	return s.signInFailed(ctx, attemptID, username, ip, "operator.totp_fail", "wrong, used or stale two-factor code")
}

func (s *Store) signInFailed(ctx context.Context, attemptID int64, username, ip, action, detail string) error {
	now := s.now()
	key := signInKey(username)
	actor := IPActor(ip)
	target := operatorTarget(key)
	return s.tx(ctx, "operator sign-in failed", func(tx *sqlx.Tx) error {
		if err := s.addAudit(ctx, tx, actor.event(now, action, target, detail)); err != nil {
			return err
		}
		userN, ipN, _, _, err := s.signInCounts(ctx, tx, key, ip, now, attemptID)
		if err != nil {
			return err
		}
		var why string
		switch {
		case userN == OperatorSignInPerUser:
			why = fmt.Sprintf("%d failed sign-ins for %q within %v: refused until they age out", userN, key, OperatorSignInWindow)
		case ipN == OperatorSignInPerIP:
			why = fmt.Sprintf("%d failed sign-ins from %s within %v: refused until they age out", ipN, ip, OperatorSignInWindow)
		default:
			return nil
		}
		return s.addAudit(ctx, tx, actor.event(now, "operator.lockout", target, why))
	})
}

// ReleaseOperatorSignIn gives back a reserved try whose password was never checked (the
// hasher was busy or the request ended first).
func (s *Store) ReleaseOperatorSignIn(ctx context.Context, attemptID int64) error {
	_, err := s.exec(ctx, s.w, `DELETE FROM operator_signin_attempts WHERE id = ?`, attemptID)
	return wrap("release operator sign-in", err)
}
