package db

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"
)

// LoginInput is one completed code exchange: who WeChat says the user is, and the session
// to start for them.
type LoginInput struct {
	AppID, OpenID, UnionID string
	SessionKey             string // plaintext; sealed before it is stored
	Session                NewSession
}

// statShardsPostgres spreads each day's counters over this many rows on PostgreSQL, so
// concurrent logins do not queue behind one row lock until commit. SQLite has one writer
// and uses one row.
const statShardsPostgres = 16

// statDay is the key of a day in daily_stats: the UTC date, so every instance agrees.
func statDay(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Login records a login in one write transaction: the WeChat user is created or updated
// (unionid when given, last login time, session_key — the previous one is kept with its
// rotation time), a user erased earlier comes back with an empty profile, a new session is
// inserted carrying in.Session.AccountID or else the account the user is bound to, and
// the day's counters are bumped. A disabled user gets ErrUserDisabled and nothing is
// written.
func (s *Store) Login(ctx context.Context, in LoginInput) (WxUser, Session, error) {
	now := in.Session.Now
	if now.IsZero() {
		now = time.Now()
	}
	nowMS := now.UnixMilli()
	sealed, err := s.sealKey(in.SessionKey)
	if err != nil {
		return WxUser{}, Session{}, wrap("login", err)
	}
	var u WxUser
	var sess Session
	err = s.tx(ctx, "login", func(tx *sqlx.Tx) error {
		var (
			id       int64
			oldKey   string
			disabled bool
			bound    sql.NullInt64
		)
		err := s.row(ctx, tx, `SELECT u.id, u.session_key, u.disabled, b.account_id
			FROM wx_users u LEFT JOIN bindings b ON b.wx_user_id = u.id
			WHERE u.appid = ? AND u.openid = ?`, in.AppID, in.OpenID).Scan(&id, &oldKey, &disabled, &bound)
		newUser := false
		switch {
		case err == nil && disabled:
			return ErrUserDisabled
		case err == nil:
			keyChanged := false
			if in.SessionKey != "" {
				old, _ := s.openKey(oldKey) // unreadable (key removed): treat as changed
				keyChanged = old != in.SessionKey
			}
			u, err = s.scanWxUser(s.row(ctx, tx, `UPDATE wx_users SET
				unionid = COALESCE(?, unionid),
				last_login_at = ?,
				prev_session_key = CASE WHEN ? THEN session_key ELSE prev_session_key END,
				session_key_rotated_at = CASE WHEN ? THEN ? ELSE session_key_rotated_at END,
				session_key = CASE WHEN ? THEN ? ELSE session_key END,
				deleted_at = NULL
				WHERE id = ? AND NOT disabled
				RETURNING `+wxUserColumns,
				nullString(in.UnionID), nowMS, keyChanged, keyChanged, nowMS, keyChanged, sealed, id))
			if mapErr(err) == ErrNotFound {
				return ErrUserDisabled // disabled between the two statements
			}
		case mapErr(err) == ErrNotFound:
			newUser = true
			// ON CONFLICT: a concurrent first login of the same user (PostgreSQL) won.
			u, err = s.scanWxUser(s.row(ctx, tx, `INSERT INTO wx_users
				(appid, openid, unionid, session_key, created_at, last_login_at)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (appid, openid) DO UPDATE SET last_login_at = excluded.last_login_at
				RETURNING `+wxUserColumns,
				in.AppID, in.OpenID, nullString(in.UnionID), sealed, nowMS, nowMS))
		}
		if err != nil {
			return err
		}

		ns := in.Session
		sess = Session{WxUserID: u.ID, AccountID: ns.AccountID, AppID: in.AppID, IP: ns.IP,
			UserAgent: ns.UserAgent, CreatedAt: time.UnixMilli(nowMS), LastSeenAt: time.UnixMilli(nowMS),
			AccessExpiresAt: time.UnixMilli(ns.AccessExpiresAt.UnixMilli()),
			IdleExpiresAt:   time.UnixMilli(ns.IdleExpiresAt.UnixMilli()),
			MaxExpiresAt:    time.UnixMilli(ns.MaxExpiresAt.UnixMilli())}
		if sess.AccountID == 0 && bound.Valid {
			sess.AccountID = bound.Int64
		}
		var account any
		if sess.AccountID != 0 {
			account = sess.AccountID
		}
		err = s.row(ctx, tx, `INSERT INTO sessions (token_hash, refresh_hash, wx_user_id, account_id,
			appid, ip, user_agent, created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			ns.TokenHash, ns.RefreshHash, u.ID, account, in.AppID, ns.IP, ns.UserAgent, nowMS, nowMS,
			ns.AccessExpiresAt.UnixMilli(), ns.IdleExpiresAt.UnixMilli(), ns.MaxExpiresAt.UnixMilli()).Scan(&sess.ID)
		if err != nil {
			return err
		}

		newUsers := 0
		if newUser {
			newUsers = 1
		}
		shard := 0
		if s.dialect == DialectPostgres {
			shard = rand.IntN(statShardsPostgres)
		}
		_, err = s.exec(ctx, tx, `INSERT INTO daily_stats (day, shard, logins, new_users) VALUES (?, ?, 1, ?)
			ON CONFLICT (day, shard) DO UPDATE SET logins = daily_stats.logins + 1,
			new_users = daily_stats.new_users + excluded.new_users`, statDay(now), shard, newUsers)
		return err
	})
	if err != nil {
		return WxUser{}, Session{}, err
	}
	return u, sess, nil
}
