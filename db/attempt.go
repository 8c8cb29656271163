package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Password throttling. Only wrong passwords and unknown usernames count, as rows of
// login_attempts, so every instance sharing the database sees the same counts. Two keys
// per username: (username, IP) and (username, WeChat user). A key is free for
// ThrottleFree failures; after n failures the next try must wait 2^(n-ThrottleFree)
// seconds after the last one, at most ThrottleMaxWait. Failures count for attemptKeep (a
// day) or until a success from the same key, or an unlock. Whatever the key, a username
// with ThrottleBackstop failures in the last hour is refused until that hour has passed.
const (
	ThrottleFree     = 5
	ThrottleMaxWait  = 15 * time.Minute
	ThrottleBackstop = 100
	backstopWindow   = time.Hour
)

// ThrottleKey names whose failures count: the username tried (normalized), the client's
// IP and the WeChat user trying.
type ThrottleKey struct {
	Username string
	IP       string
	WxUserID int64
}

// throttleWait is how long a key with n failures, the last at last, must still wait at now.
func throttleWait(n int64, last, now time.Time) time.Duration {
	if n < ThrottleFree {
		return 0
	}
	wait := ThrottleMaxWait
	if shift := n - ThrottleFree; shift < 20 {
		wait = min(ThrottleMaxWait, time.Duration(1<<shift)*time.Second)
	}
	return max(0, last.Add(wait).Sub(now))
}

// throttleState is what login_attempts says about a key.
type throttleState struct {
	ipN, wxN, hourN       int64
	ipLast, wxLast, hour0 time.Time // last failure per key; oldest failure in the hour
}

// wait is how long the key must still wait at now (0: it may try).
func (st throttleState) wait(now time.Time) time.Duration {
	w := max(throttleWait(st.ipN, st.ipLast, now), throttleWait(st.wxN, st.wxLast, now))
	if st.hourN >= ThrottleBackstop {
		w = max(w, st.hour0.Add(backstopWindow).Sub(now))
	}
	return w
}

// throttleState reads the state of key k at now; upTo > 0 counts only the attempts up to
// that one (attempt ids grow in the order the per-username reservations ran).
func (s *Store) throttleState(ctx context.Context, r runner, k ThrottleKey, now time.Time, upTo int64) (throttleState, error) {
	var st throttleState
	var ipLast, wxLast, hour0 sql.NullInt64
	hourAgo := now.Add(-backstopWindow).UnixMilli()
	err := s.row(ctx, r, `SELECT
		COUNT(CASE WHEN ip = ? THEN 1 END), MAX(CASE WHEN ip = ? THEN at END),
		COUNT(CASE WHEN wx_user_id = ? THEN 1 END), MAX(CASE WHEN wx_user_id = ? THEN at END),
		COUNT(CASE WHEN at > ? THEN 1 END), MIN(CASE WHEN at > ? THEN at END)
		FROM login_attempts WHERE username = ? AND at > ? AND (CAST(? AS BIGINT) = 0 OR id <= ?)`,
		k.IP, k.IP, k.WxUserID, k.WxUserID, hourAgo, hourAgo, k.Username, now.Add(-attemptKeep).UnixMilli(), upTo, upTo).
		Scan(&st.ipN, &ipLast, &st.wxN, &wxLast, &st.hourN, &hour0)
	st.ipLast, st.wxLast, st.hour0 = time.UnixMilli(ipLast.Int64), time.UnixMilli(wxLast.Int64), time.UnixMilli(hour0.Int64)
	return st, err
}

// BindFailure is a wrong password or unknown username on bind.
type BindFailure struct {
	ThrottleKey
	AccountID int64 // 0: unknown username
	// AttemptID is the try ReserveBind recorded (and counted on its ticket); 0 records a
	// new failure here, with one more failure on TicketHash.
	AttemptID  int64
	TicketHash []byte // the ticket used, if any
	Actor      AuditActor
}

// RecordBindFailure settles a failed password check in one transaction: the login_attempts
// row (reserved by ReserveBind, or inserted now with one more failure on the ticket), a
// "bind.fail" audit event, and an "account.lockout" event when this failure starts a wait
// for one of the keys or reaches the hourly backstop, counting the failures up to this one.
// It returns how long the key must now wait (0: none yet).
func (s *Store) RecordBindFailure(ctx context.Context, f BindFailure) (time.Duration, error) {
	now := s.now()
	var wait time.Duration
	err := s.tx(ctx, "record bind failure", func(tx *sqlx.Tx) error {
		var wx any
		if f.WxUserID != 0 {
			wx = f.WxUserID
		}
		id := f.AttemptID
		if id == 0 {
			if err := s.row(ctx, tx, `INSERT INTO login_attempts (at, username, ip, wx_user_id) VALUES (?, ?, ?, ?) RETURNING id`,
				now.UnixMilli(), f.Username, f.IP, wx).Scan(&id); err != nil {
				return err
			}
			if f.TicketHash != nil {
				if _, err := s.exec(ctx, tx, `UPDATE bind_tickets SET failures = failures + 1 WHERE hash = ?`, f.TicketHash); err != nil {
					return err
				}
			}
		}
		target := "username:" + f.Username
		reason := "unknown username " + f.Username
		if f.AccountID != 0 {
			target, reason = accountTarget(f.AccountID), "wrong password for "+f.Username
		}
		if err := s.addAudit(ctx, tx, f.Actor.event(now, "bind.fail", target,
			fmt.Sprintf("%s; wx_user %d", reason, f.WxUserID))); err != nil {
			return err
		}
		st, err := s.throttleState(ctx, tx, f.ThrottleKey, now, id)
		if err != nil {
			return err
		}
		wait = st.wait(now)
		var why string
		switch {
		case st.hourN == ThrottleBackstop:
			why = fmt.Sprintf("%d failures in an hour: every try refused for up to an hour", st.hourN)
		case st.ipN == ThrottleFree:
			why = fmt.Sprintf("%d failures from IP %s", st.ipN, f.IP)
		case st.wxN == ThrottleFree:
			why = fmt.Sprintf("%d failures from wx_user %d", st.wxN, f.WxUserID)
		default:
			return nil
		}
		return s.addAudit(ctx, tx, f.Actor.event(now, "account.lockout", target, why))
	})
	return wait, err
}
