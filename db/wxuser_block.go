package db

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// MaxBlockReasonLen is the longest block reason, in characters.
const MaxBlockReasonLen = 200

// ErrBlockReason means a block came without a reason, or with one that is too long.
var ErrBlockReason = fmt.Errorf("db: a block needs a reason of 1 to %d characters", MaxBlockReasonLen)

// BlockWxUser blocks WeChat user id on an operator's decision, in one transaction: the user
// is marked blocked with reason, every live session of theirs ends (revoked by
// "user.block", through the revocations feed), their open bind tickets go, the caches of
// every instance drop them, and a "user.block" audit event records the reason. Login,
// checkBind and bind then refuse the user (ErrUserDisabled) until UnblockWxUser. It
// reports false, writing nothing, when the user was already blocked; ErrNotFound for an
// unknown or erased user; ErrBlockReason for an empty or over-long reason.
func (s *Store) BlockWxUser(ctx context.Context, id int64, reason string, actor AuditActor) (bool, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > MaxBlockReasonLen {
		return false, ErrBlockReason
	}
	now := s.now()
	var ids []int64
	changed := false
	err := s.tx(ctx, fmt.Sprintf("block wx user %d", id), func(tx *sqlx.Tx) error {
		ids, changed = nil, false
		res, err := s.exec(ctx, tx, `UPDATE wx_users SET disabled = ?, blocked_reason = ?, blocked_at = ?
			WHERE id = ? AND deleted_at IS NULL AND NOT disabled`, true, reason, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.userExists(ctx, tx, id)
		}
		changed = true
		if ids, err = s.revokeWhere(ctx, tx, now, "user.block", `wx_user_id = ?`, id); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM bind_tickets WHERE wx_user_id = ?`, id); err != nil {
			return err
		}
		if err := s.appendChanged(ctx, tx, now, id, 0); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "user.block", wxUserTarget(id),
			fmt.Sprintf("reason: %s; sessions revoked: %d", reason, len(ids))))
	})
	if err != nil {
		return false, err
	}
	s.cache.dropSessions(ids)
	s.dropChanged(id, 0)
	return changed, nil
}

// UnblockWxUser lifts a block in one transaction with a "user.unblock" audit event: the
// user may log in again (their ended sessions stay ended). It reports false, writing
// nothing, when the user was not blocked; ErrNotFound for an unknown or erased user.
func (s *Store) UnblockWxUser(ctx context.Context, id int64, actor AuditActor) (bool, error) {
	now := s.now()
	changed := false
	err := s.tx(ctx, fmt.Sprintf("unblock wx user %d", id), func(tx *sqlx.Tx) error {
		changed = false
		res, err := s.exec(ctx, tx, `UPDATE wx_users SET disabled = ?, blocked_reason = '', blocked_at = NULL
			WHERE id = ? AND deleted_at IS NULL AND disabled`, false, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return s.userExists(ctx, tx, id)
		}
		changed = true
		if err := s.appendChanged(ctx, tx, now, id, 0); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, actor.event(now, "user.unblock", wxUserTarget(id), ""))
	})
	if err != nil {
		return false, err
	}
	s.dropChanged(id, 0)
	return changed, nil
}

// userExists is nil when WeChat user id exists and is not erased, ErrNotFound otherwise.
func (s *Store) userExists(ctx context.Context, tx *sqlx.Tx, id int64) error {
	var one int
	return s.row(ctx, tx, `SELECT 1 FROM wx_users WHERE id = ? AND deleted_at IS NULL`, id).Scan(&one)
}
