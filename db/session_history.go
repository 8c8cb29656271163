package db

import (
	"context"
	"strings"
	"time"
)

// SessionHistoryKeep is how long an ended session (logged out, revoked, expired) stays in
// the user's session history before Cleanup removes it. Sessions of an erased user go a
// day after the erasure, as before: their history is not kept.
const SessionHistoryKeep = 30 * 24 * time.Hour

// How a session ended, as the console's session history says it.
const (
	EndLogout       = "logout"        // the user logged out
	EndExpired      = "expired"       // idle or absolute end passed
	EndRefreshReuse = "refresh_reuse" // a rotated refresh token came back: a security event
	EndOperator     = "operator"      // an operator revoked it (By names them)
	EndBind         = "bind"          // replaced by the session of a bind
	EndUnbind       = "unbind"        // the binding it carried was removed
	EndBlock        = "block"         // an operator blocked the user
	EndDelete       = "delete"        // the account was cancelled
	EndPassword     = "password"      // the account's password changed
	EndOther        = "other"         // any other actor (By names it)
)

// SessionHistoryRow is one ended session of a user: when and how it ended, and the device.
type SessionHistoryRow struct {
	ID         int64
	AppID      string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	EndedAt    time.Time
	End        string // one of the End… kinds
	By         string // the operator (EndOperator) or other actor (EndOther); "" otherwise
}

// Security reports whether the session's end is a security event (refresh token reuse).
func (r SessionHistoryRow) Security() bool { return r.End == EndRefreshReuse }

// SessionHistory returns the ended sessions of WeChat user wxUserID still kept (see
// SessionHistoryKeep), newest first, at most limit (1 to 200; 50 when out of range).
func (s *Store) SessionHistory(ctx context.Context, wxUserID int64, limit int) ([]SessionHistoryRow, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	nowMS := s.now().UnixMilli()
	rows, err := s.rows(ctx, s.r, `SELECT id, appid, ip, user_agent, created_at, last_seen_at,
		COALESCE(revoked_at, CASE WHEN idle_expires_at < max_expires_at THEN idle_expires_at ELSE max_expires_at END),
		COALESCE(revoked_by, '')
		FROM sessions WHERE wx_user_id = ? AND (revoked_at IS NOT NULL OR idle_expires_at <= ? OR max_expires_at <= ?)
		ORDER BY id DESC LIMIT ?`, wxUserID, nowMS, nowMS, limit)
	if err != nil {
		return nil, wrap("session history", err)
	}
	defer rows.Close()
	var out []SessionHistoryRow
	for rows.Next() {
		var r SessionHistoryRow
		var by string
		if err := rows.Scan(&r.ID, &r.AppID, &r.IP, &r.UserAgent, msTime{&r.CreatedAt}, msTime{&r.LastSeenAt},
			msTime{&r.EndedAt}, &by); err != nil {
			return nil, wrap("session history", err)
		}
		r.End, r.By = sessionEnd(by)
		out = append(out, r)
	}
	return out, wrap("session history", rows.Err())
}

// sessionEnd reads sessions.revoked_by ("" for a session that expired).
func sessionEnd(by string) (end, who string) {
	switch {
	case by == "":
		return EndExpired, ""
	case strings.HasPrefix(by, ActorUser+":") || by == ActorUser:
		return EndLogout, ""
	case strings.HasPrefix(by, ActorOperator+":"):
		return EndOperator, strings.TrimPrefix(by, ActorOperator+":")
	}
	switch by {
	case "refresh_reuse":
		return EndRefreshReuse, ""
	case "bind":
		return EndBind, ""
	case "unbind":
		return EndUnbind, ""
	case "user.block":
		return EndBlock, ""
	case "user.delete":
		return EndDelete, ""
	case "account.passwd":
		return EndPassword, ""
	}
	return EndOther, by
}
