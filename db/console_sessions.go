package db

import (
	"context"
	"strconv"
	"time"
)

// SessionFilter narrows the console's list of active sessions.
type SessionFilter struct {
	WxUserID int64  // 0: any
	Username string // a bound account's username; "": any
	IP       string // "": any
}

// SessionListRow is one active session as the console lists it (no token hashes).
type SessionListRow struct {
	ID, WxUserID int64
	Nickname     string
	AccountID    int64
	Username     string
	IP           string
	UserAgent    string
	CreatedAt    time.Time
	LastSeenAt   time.Time
	ExpiresAt    time.Time // the earlier of the idle and absolute end
}

// ListActiveSessions returns one page of the sessions alive now (not revoked, before
// their idle and absolute ends) matching f, newest first, and whether there are more.
func (s *Store) ListActiveSessions(ctx context.Context, f SessionFilter, k Keyset) ([]SessionListRow, bool, error) {
	w := s.sessionWhere(f)
	order, limit := k.where(&w, "s.id")
	rows, err := s.adhocRows(ctx, s.r, `SELECT s.id, s.wx_user_id, u.nickname, COALESCE(s.account_id, 0),
		COALESCE(a.username, ''), s.ip, s.user_agent, s.created_at, s.last_seen_at, s.idle_expires_at, s.max_expires_at
		FROM sessions s JOIN wx_users u ON u.id = s.wx_user_id LEFT JOIN accounts a ON a.id = s.account_id`+
		w.sql()+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit), w.args...)
	if err != nil {
		return nil, false, wrap("list sessions", err)
	}
	defer rows.Close()
	var out []SessionListRow
	for rows.Next() {
		var r SessionListRow
		var idle, max time.Time
		if err := rows.Scan(&r.ID, &r.WxUserID, &r.Nickname, &r.AccountID, &r.Username, &r.IP, &r.UserAgent,
			msTime{&r.CreatedAt}, msTime{&r.LastSeenAt}, msTime{&idle}, msTime{&max}); err != nil {
			return nil, false, wrap("list sessions", err)
		}
		r.ExpiresAt = idle
		if max.Before(idle) {
			r.ExpiresAt = max
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrap("list sessions", err)
	}
	page, more := pageOf(k, out)
	return page, more, nil
}

// sessionWhere is the condition of the sessions alive now matching f (table alias s).
func (s *Store) sessionWhere(f SessionFilter) where {
	now := s.now()
	var w where
	w.add("s.revoked_at IS NULL AND s.idle_expires_at > ? AND s.max_expires_at > ?", now.UnixMilli(), now.UnixMilli())
	if f.WxUserID != 0 {
		w.add("s.wx_user_id = ?", f.WxUserID)
	}
	if f.Username != "" {
		w.add("s.account_id = (SELECT id FROM accounts WHERE username = ?)", f.Username)
	}
	if f.IP != "" {
		w.add("s.ip = ?", f.IP)
	}
	return w
}

// CountActiveSessions counts the sessions alive now matching f, up to MatchCap.
func (s *Store) CountActiveSessions(ctx context.Context, f SessionFilter) (MatchCount, error) {
	return s.countCapped(ctx, "count sessions", `sessions s`, s.sessionWhere(f), matchCap)
}
