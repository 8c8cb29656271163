package db

import (
	"context"
	"time"
)

// CleanupReport counts the rows a Cleanup removed.
type CleanupReport struct {
	Sessions, RefreshTokens, Revocations, Tickets, Attempts, OperatorSessions, Audit int64
}

// revocationKeep is how long revoked sessions and feed entries are kept: long enough for
// any follower that was down a while to catch up, and for the console to show them.
const revocationKeep = 24 * time.Hour

// attemptKeep is how long failed password attempts are kept; the longest throttling
// window is an hour.
const attemptKeep = 24 * time.Hour

// cleanupBatch is how many rows one cleanup statement deletes.
const cleanupBatch = 5000

// Cleanup purges what can no longer matter now (the store's clock): sessions that ended
// (past their idle or maximum end, or revoked) more than SessionHistoryKeep ago, or a day
// ago for an erased user; rotated refresh hashes of ended sessions; feed entries
// older than a day, expired bind tickets, old failed password attempts and per-IP login
// counts (windows over an hour old), expired operator sessions, and audit events
// older than auditRetention (0 keeps them all).
func (s *Store) Cleanup(ctx context.Context, auditRetention time.Duration) (CleanupReport, error) {
	now := s.now()
	var r CleanupReport
	nowMS, dayAgo := now.UnixMilli(), now.Add(-revocationKeep).UnixMilli()
	historyAgo := now.Add(-SessionHistoryKeep).UnixMilli()
	type step struct {
		n     *int64
		what  string
		query string // deletes at most cleanupBatch rows
		args  []any
	}
	steps := []step{
		// Rotated refresh hashes before their sessions, to count them (the foreign key
		// would cascade anyway).
		{&r.RefreshTokens, "refresh tokens", `DELETE FROM refresh_tokens WHERE hash IN (SELECT t.hash
			FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
			WHERE s.idle_expires_at <= ? OR s.max_expires_at <= ? OR s.revoked_at <= ? LIMIT ?)`,
			[]any{nowMS, nowMS, dayAgo}},
		// Ended sessions stay for the user's session history (SessionHistoryKeep), those
		// of an erased user only a day.
		{&r.Sessions, "sessions", `DELETE FROM sessions WHERE id IN (SELECT id FROM sessions
			WHERE idle_expires_at <= ? OR max_expires_at <= ? OR revoked_at <= ?
				OR (revoked_by = 'user.delete' AND revoked_at <= ?) LIMIT ?)`,
			[]any{historyAgo, historyAgo, historyAgo, dayAgo}},
		{&r.Revocations, "revocations", `DELETE FROM revocations WHERE id IN (SELECT id FROM revocations
			WHERE at <= ? LIMIT ?)`, []any{dayAgo}},
		{&r.Tickets, "bind tickets", `DELETE FROM bind_tickets WHERE hash IN (SELECT hash FROM bind_tickets
			WHERE expires_at <= ? LIMIT ?)`, []any{nowMS}},
		{&r.Attempts, "login attempts", `DELETE FROM login_attempts WHERE id IN (SELECT id FROM login_attempts
			WHERE at <= ? LIMIT ?)`, []any{now.Add(-attemptKeep).UnixMilli()}},
		{&r.Attempts, "console sign-in attempts", `DELETE FROM operator_signin_attempts WHERE id IN (SELECT id
			FROM operator_signin_attempts WHERE at <= ? LIMIT ?)`, []any{now.Add(-attemptKeep).UnixMilli()}},
		{&r.Attempts, "login rate windows", `DELETE FROM login_rate WHERE (window_start, ip) IN (SELECT window_start, ip
			FROM login_rate WHERE window_start <= ? LIMIT ?)`, []any{now.Add(-time.Hour).UnixMilli()}},
		{&r.OperatorSessions, "operator sessions", `DELETE FROM operator_sessions WHERE hash IN (SELECT hash
			FROM operator_sessions WHERE expires_at <= ? LIMIT ?)`, []any{nowMS}},
	}
	if auditRetention > 0 {
		steps = append(steps, step{&r.Audit, "audit events", `DELETE FROM audit_events WHERE id IN (SELECT id
			FROM audit_events WHERE at <= ? LIMIT ?)`, []any{now.Add(-auditRetention).UnixMilli()}})
	}
	// Small batches, each its own transaction: SQLite has one writer, and logins must not
	// wait behind a purge of a million rows.
	for _, st := range steps {
		for {
			res, err := s.exec(ctx, s.w, st.query, append(st.args, cleanupBatch)...)
			if err != nil {
				return r, wrap("cleanup "+st.what, err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return r, wrap("cleanup "+st.what, err)
			}
			*st.n += n
			if n < cleanupBatch {
				break
			}
		}
	}
	return r, nil
}
