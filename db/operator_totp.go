package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Two-factor sign-in for operators: TOTP (RFC 6238; 30-second steps, 6 digits, SHA-1, as
// authenticator apps expect) through github.com/pquerna/otp, with single-use recovery
// codes. The secret is sealed with the key ring and never read back to a page once the
// enrolment is confirmed. A code is accepted for the step before, at and after now, once:
// operators.totp_last_step moves forward in the transaction that accepts it, with a
// conditional UPDATE, so the same code sent twice at once is accepted once.

// TOTPPeriod and TOTPIssuer describe the codes and the label authenticator apps show.
const (
	TOTPPeriod = 30 * time.Second
	TOTPIssuer = "miniauth"
	// RecoveryCodeCount is how many recovery codes an enrolment gives.
	RecoveryCodeCount = 10
)

var totpOpts = totp.ValidateOpts{Period: uint(TOTPPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// ErrCodeInvalid means a TOTP or recovery code was wrong, already used, or out of its
// window; nothing but the caller's failure record changes.
var ErrCodeInvalid = errors.New("db: two-factor code invalid or already used")

// ErrTOTPEnrolled means the operator already has two-factor sign-in: an admin resets it
// before a new enrolment.
var ErrTOTPEnrolled = errors.New("db: two-factor sign-in already set up")

// TOTPKey is the otpauth key of base32 secret for username: the QR code and the text an
// authenticator app takes.
func TOTPKey(username, secret string) (*otp.Key, error) {
	return otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&period=%d&digits=6&algorithm=SHA1",
		TOTPIssuer, urlPathEscape(username), secret, TOTPIssuer, int(TOTPPeriod/time.Second)))
}

func urlPathEscape(s string) string {
	var b strings.Builder
	for _, r := range []byte(s) {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' {
			b.WriteByte(r)
		} else {
			fmt.Fprintf(&b, "%%%02X", r)
		}
	}
	return b.String()
}

// totpStep finds the step of code for secret around now (one step either side) later
// than last; 0 when none matches.
func totpStep(secret, code string, now time.Time, last int64) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0
	}
	cur := now.Unix() / int64(TOTPPeriod/time.Second)
	var found int64
	for step := cur - 1; step <= cur+1; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*int64(TOTPPeriod/time.Second), 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > last && found == 0 {
			found = step
		}
	}
	return found
}

// recoveryAlphabet has no look-alikes (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCode is 10 random characters (about 49 bits) shown as xxxxx-xxxxx.
func newRecoveryCode() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = recoveryAlphabet[int(b[i])%len(recoveryAlphabet)]
	}
	return string(b[:5]) + "-" + string(b[5:])
}

// recoveryHash is the stored form of a recovery code: SHA-256 of the code without spaces
// and dashes, lower-cased. The codes are random and long, and tries are throttled, so a
// fast hash is enough.
func recoveryHash(code string) []byte {
	c := strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte(c))
	return h[:]
}

// GenerateTOTPSecret makes a new base32 secret (160 bits, as RFC 4226 recommends).
func GenerateTOTPSecret(username string) (string, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: username, Period: uint(TOTPPeriod / time.Second)})
	if err != nil {
		return "", fmt.Errorf("db: totp secret: %w", err)
	}
	return k.Secret(), nil
}

// BeginOperatorTOTP starts an enrolment: secret (base32) is sealed and kept as the
// operator's pending secret until ConfirmOperatorTOTP, in one transaction with an
// "operator.totp_begin" audit event. ErrTOTPEnrolled if the operator has one already.
func (s *Store) BeginOperatorTOTP(ctx context.Context, id int64, secret string, actor AuditActor) error {
	sealed, err := s.keys.Seal([]byte(secret))
	if err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, "begin operator totp", func(tx *sqlx.Tx) error {
		var username string
		var has bool
		if err := s.row(ctx, tx, `SELECT username, totp_secret IS NOT NULL FROM operators WHERE id = ?`, id).Scan(&username, &has); err != nil {
			return err
		}
		if has {
			return ErrTOTPEnrolled
		}
		if _, err := s.exec(ctx, tx, `UPDATE operators SET totp_pending = ?, updated_at = ? WHERE id = ?`, sealed, now.UnixMilli(), id); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "operator.totp_begin", operatorTarget(username), ""))
	})
}

// PendingOperatorTOTP returns the secret of an enrolment not yet confirmed; ErrNotFound
// when there is none (never the confirmed secret).
func (s *Store) PendingOperatorTOTP(ctx context.Context, id int64) (string, error) {
	var sealed sql.NullString
	if err := s.row(ctx, s.r, `SELECT totp_pending FROM operators WHERE id = ?`, id).Scan(&sealed); err != nil {
		return "", wrap("pending totp", err)
	}
	if !sealed.Valid {
		return "", ErrNotFound
	}
	pt, err := s.keys.Open(sealed.String)
	return string(pt), err
}

// ConfirmOperatorTOTP finishes an enrolment when code is right for the pending secret:
// the secret becomes the operator's, RecoveryCodeCount new recovery codes replace any old
// ones (stored hashed; returned here, the only time they are shown), a console session of
// theirs that had to enrol (sessionHash) is signed in, and "operator.totp_enable" is
// recorded, in one transaction. ErrCodeInvalid for a wrong code, ErrNotFound without a
// pending enrolment.
func (s *Store) ConfirmOperatorTOTP(ctx context.Context, id int64, code string, sessionHash []byte, actor AuditActor) ([]string, error) {
	now := s.now()
	var codes []string
	err := s.tx(ctx, "confirm operator totp", func(tx *sqlx.Tx) error {
		codes = nil
		var username string
		var pending sql.NullString
		var last int64
		if err := s.row(ctx, tx, `SELECT username, totp_pending, totp_last_step FROM operators WHERE id = ?`, id).Scan(&username, &pending, &last); err != nil {
			return err
		}
		if !pending.Valid {
			return ErrNotFound
		}
		secret, err := s.keys.Open(pending.String)
		if err != nil {
			return err
		}
		step := totpStep(string(secret), code, now, last)
		if step == 0 {
			return ErrCodeInvalid
		}
		res, err := s.exec(ctx, tx, `UPDATE operators SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?, updated_at = ?
			WHERE id = ? AND totp_pending = ? AND totp_last_step < ?`, step, now.UnixMilli(), id, pending.String, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrCodeInvalid
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM operator_recovery_codes WHERE operator_id = ?`, id); err != nil {
			return err
		}
		for range RecoveryCodeCount {
			c := newRecoveryCode()
			if _, err := s.exec(ctx, tx, `INSERT INTO operator_recovery_codes (operator_id, hash) VALUES (?, ?)`, id, recoveryHash(c)); err != nil {
				return err
			}
			codes = append(codes, c)
		}
		if _, err := s.exec(ctx, tx, `UPDATE operator_sessions SET stage = ? WHERE hash = ? AND stage = ?`, StageSignedIn, sessionHash, StageMustEnrol); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "operator.totp_enable", operatorTarget(username),
			fmt.Sprintf("recovery codes: %d", RecoveryCodeCount)))
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// OperatorSecondFactor completes a sign-in whose password was accepted (the session
// hashed to pendingHash is at StageCodeDue): a right TOTP code of a step not used before,
// or an unused recovery code, ends the pending session and starts a signed-in one under
// newHash, forgets the sign-in tries of the username from ip, and records
// "operator.login", in one transaction. Concurrent submissions of one code: one wins.
// ErrCodeInvalid for a wrong, used or stale code; ErrNotFound when the pending session
// is gone.
func (s *Store) OperatorSecondFactor(ctx context.Context, pendingHash, newHash []byte, code, ip, userAgent string, lifetime time.Duration) error {
	now := s.now()
	expires := now.Add(lifetime)
	return s.tx(ctx, "operator second factor", func(tx *sqlx.Tx) error {
		var op Operator
		var sealed sql.NullString
		var last int64
		err := s.row(ctx, tx, `SELECT o.id, o.username, o.role, o.totp_secret, o.totp_last_step
			FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
			WHERE s.hash = ? AND s.stage = ? AND s.expires_at > ? AND NOT o.disabled`,
			pendingHash, StageCodeDue, now.UnixMilli()).Scan(&op.ID, &op.Username, &op.Role, &sealed, &last)
		if err != nil {
			return err
		}
		if !sealed.Valid {
			return ErrNotFound // reset by an admin meanwhile: sign in again
		}
		secret, err := s.keys.Open(sealed.String)
		if err != nil {
			return err
		}
		how := "with a TOTP code"
		if step := totpStep(string(secret), code, now, last); step != 0 {
			res, err := s.exec(ctx, tx, `UPDATE operators SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, op.ID, step)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return ErrCodeInvalid
			}
		} else {
			res, err := s.exec(ctx, tx, `UPDATE operator_recovery_codes SET used_at = ? WHERE operator_id = ? AND hash = ? AND used_at IS NULL`,
				now.UnixMilli(), op.ID, recoveryHash(code))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return ErrCodeInvalid
			}
			var left int
			if err := s.row(ctx, tx, `SELECT COUNT(*) FROM operator_recovery_codes WHERE operator_id = ? AND used_at IS NULL`, op.ID).Scan(&left); err != nil {
				return err
			}
			how = fmt.Sprintf("with a recovery code (%d left)", left)
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM operator_sessions WHERE hash = ?`, pendingHash); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `INSERT INTO operator_sessions (hash, operator_id, ip, user_agent, created_at, last_seen_at, expires_at, stage)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, newHash, op.ID, ip, userAgent, now.UnixMilli(), now.UnixMilli(), expires.UnixMilli(), StageSignedIn); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `UPDATE operators SET last_login_at = ? WHERE id = ?`, now.UnixMilli(), op.ID); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM operator_signin_attempts WHERE username = ? AND ip = ?`, signInKey(op.Username), ip); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, OperatorActor(op, ip).event(now, "operator.login", operatorTarget(op.Username), how))
	})
}

// ResetOperatorTOTP takes an operator's two-factor sign-in away (secret, pending
// enrolment, recovery codes) and signs them out everywhere, in one transaction with an
// "operator.totp_reset" audit event by actor. ErrNotFound if there is no such operator.
func (s *Store) ResetOperatorTOTP(ctx context.Context, id int64, actor AuditActor) error {
	now := s.now()
	return s.tx(ctx, "reset operator totp", func(tx *sqlx.Tx) error {
		var username string
		if err := s.row(ctx, tx, `UPDATE operators SET totp_secret = NULL, totp_pending = NULL, updated_at = ? WHERE id = ? RETURNING username`,
			now.UnixMilli(), id).Scan(&username); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM operator_recovery_codes WHERE operator_id = ?`, id); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, `DELETE FROM operator_sessions WHERE operator_id = ?`, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		return s.addAudit(ctx, tx, actor.event(now, "operator.totp_reset", operatorTarget(username), fmt.Sprintf("console sessions ended: %d", n)))
	})
}

// settingRequireTOTP is the console_settings row of "every operator signs in with two
// factors".
const settingRequireTOTP = "require_totp"

// SetRequireTOTP turns the requirement of two-factor sign-in for every operator on or
// off, in one transaction with a "console.require_totp" audit event. Operators without it
// must enrol at their next sign-in.
func (s *Store) SetRequireTOTP(ctx context.Context, on bool, actor AuditActor) error {
	now := s.now()
	v := "off"
	if on {
		v = "on"
	}
	return s.tx(ctx, "set require totp", func(tx *sqlx.Tx) error {
		if _, err := s.exec(ctx, tx, `INSERT INTO console_settings (name, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, settingRequireTOTP, v, now.UnixMilli()); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "console.require_totp", "console", v))
	})
}

// RequireTOTP reports whether every operator must sign in with two factors.
func (s *Store) RequireTOTP(ctx context.Context) (bool, error) {
	var v string
	err := s.row(ctx, s.r, `SELECT value FROM console_settings WHERE name = ?`, settingRequireTOTP).Scan(&v)
	if mapErr(err) == ErrNotFound {
		return false, nil
	}
	return v == "on", wrap("require totp", err)
}

// ChangeOwnOperatorPassword sets the password of operator id to passwordHash after the
// caller checked the old one (its reserved sign-in try attemptID is given back), and ends
// every other console session of theirs (keepHash stays), in one transaction with an
// "operator.passwd" audit event.
func (s *Store) ChangeOwnOperatorPassword(ctx context.Context, id int64, passwordHash string, keepHash []byte, attemptID int64, actor AuditActor) error {
	now := s.now()
	return s.tx(ctx, "change own operator password", func(tx *sqlx.Tx) error {
		var username string
		if err := s.row(ctx, tx, `UPDATE operators SET password_hash = ?, updated_at = ? WHERE id = ? RETURNING username`,
			passwordHash, now.UnixMilli(), id).Scan(&username); err != nil {
			return err
		}
		res, err := s.exec(ctx, tx, `DELETE FROM operator_sessions WHERE operator_id = ? AND hash <> ?`, id, keepHash)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if _, err := s.exec(ctx, tx, `DELETE FROM operator_signin_attempts WHERE id = ?`, attemptID); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "operator.passwd", operatorTarget(username),
			fmt.Sprintf("own password; other console sessions ended: %d", n)))
	})
}
