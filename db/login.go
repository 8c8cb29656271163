package db

import (
	"context"
	"database/sql"
	"fmt"
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

// statDay is the key of a day in daily_stats: the date in the store's day zone
// (Options.DayZone), which every instance sharing the database is configured with.
func (s *Store) statDay(t time.Time) string { return t.In(s.dayZone).Format(time.DateOnly) }

// Login records a login in one write transaction: the WeChat user is created or updated
// (unionid when given, last login time, session_key — the previous one is kept with its
// rotation time), a user erased earlier comes back with an empty profile, a new session is
// inserted carrying in.Session.AccountID or else the account the user is bound to, and
// the day's counters are bumped. A disabled user gets ErrUserDisabled, a user bound to a
// disabled account ErrAccountDisabled, and nothing is written.
func (s *Store) Login(ctx context.Context, in LoginInput) (WxUser, Session, error) {
	res, err := s.codeLogin(ctx, "login", in, nil)
	return res.User, res.Session, err
}

// codeLogin is the store side of every code exchange, Login's and CheckBind's, in one
// write transaction at one time, the store clock's: the user is
// upserted (upsertWxUser: the disabled-user and disabled-account checks), then a session
// starts — always when ticketHash is nil (Login), only for a bound user otherwise — and is
// counted as a login; an unbound user of CheckBind gets the bind ticket ticketHash instead.
func (s *Store) codeLogin(ctx context.Context, op string, in LoginInput, ticketHash []byte) (CheckBindResult, error) {
	now := time.UnixMilli(s.now().UnixMilli())
	sealed, err := s.sealKey(in.SessionKey)
	if err != nil {
		return CheckBindResult{}, wrap(op, err)
	}
	if s.logins != nil && ticketHash == nil && in.Session.AccountID == 0 {
		// Most logins on PostgreSQL run in a batch, one statement for all of it
		// (loginBatcher); the rest, and CheckBind's, are the transaction below.
		res, ok, err := s.loginBatched(ctx, in, sealed, now)
		if err != nil {
			return CheckBindResult{}, wrap(op, err)
		}
		if ok {
			return res, nil
		}
	}
	var res CheckBindResult
	shownChanged := false
	err = s.groupTx(ctx, op, func(tx *sqlx.Tx) error {
		shownChanged = false
		var (
			u              WxUser
			bound          int64
			newUser, quick bool
			err            error
		)
		if s.dialect == DialectSQLite {
			if u, bound, newUser, quick, err = s.quickUpsertSQLite(ctx, tx, in, sealed, now); err != nil {
				return err
			}
		}
		if !quick {
			if u, bound, newUser, err = s.upsertWxUser(ctx, tx, in, sealed, now, &shownChanged); err != nil {
				return err
			}
			if bound == 0 && u.UnionID != "" {
				if bound, err = s.linkByUnionID(ctx, tx, u, in, now); err != nil {
					return err
				}
			}
		}
		res = CheckBindResult{User: u, AccountID: bound}
		if ticketHash == nil || bound != 0 {
			ns := in.Session
			if ns.AccountID == 0 || ticketHash != nil {
				ns.AccountID = bound
			}
			if res.Session, err = s.insertCountedSession(ctx, tx, u.ID, in.AppID, ns, now, b2i(newUser)); err != nil {
				return err
			}
			res.AccountID = ns.AccountID
			return nil
		}
		res.TicketExpiresAt = time.UnixMilli(now.Add(TicketTTL).UnixMilli())
		if _, err := s.exec(ctx, tx, `INSERT INTO bind_tickets (hash, wx_user_id, appid, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, ticketHash, u.ID, in.AppID, now.UnixMilli(), res.TicketExpiresAt.UnixMilli()); err != nil {
			return err
		}
		// The funnel's middle step: checkBind answered "not bound" (301).
		return s.bumpStats(ctx, tx, now, in.AppID, 0, 0, b2i(newUser), 1)
	})
	if err != nil {
		return CheckBindResult{}, err
	}
	if shownChanged {
		s.dropChanged(res.User.ID, 0)
	}
	return res, nil
}

// upsertWxUser creates or updates the WeChat user of a code exchange inside tx (see
// Login) and returns it with the account it is bound to (0: none) and whether it is new.
// sealed is in.SessionKey sealed for storage. A disabled user is ErrUserDisabled; a user
// bound to a disabled account is ErrAccountDisabled. When what the profile cache shows of
// an existing user changes (a unionid learnt, a deleted user back), the change goes on the
// revocations feed and *shownChanged is set.
func (s *Store) upsertWxUser(ctx context.Context, tx *sqlx.Tx, in LoginInput, sealed string, now time.Time, shownChanged *bool) (u WxUser, bound int64, newUser bool, err error) {
	nowMS := now.UnixMilli()
	var (
		id       int64
		oldKey   string
		disabled bool
		account  sql.NullInt64
		accOff   bool
		oldUnion string
		deleted  bool
	)
	err = s.row(ctx, tx, `SELECT u.id, u.session_key, u.disabled, b.account_id, COALESCE(a.disabled, FALSE),
		COALESCE(u.unionid, ''), u.deleted_at IS NOT NULL
		FROM wx_users u LEFT JOIN bindings b ON b.wx_user_id = u.id
		LEFT JOIN accounts a ON a.id = b.account_id
		WHERE u.appid = ? AND u.openid = ?`, in.AppID, in.OpenID).Scan(&id, &oldKey, &disabled, &account, &accOff, &oldUnion, &deleted)
	switch {
	case err == nil && disabled:
		return WxUser{}, 0, false, ErrUserDisabled
	case err == nil && accOff:
		// The account this user is bound to was disabled: no session may carry it, and
		// the user does not silently lose the binding either.
		return WxUser{}, 0, false, ErrAccountDisabled
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
			session_key_mac = COALESCE(?, session_key_mac),
			deleted_at = NULL
			WHERE id = ? AND NOT disabled
			RETURNING `+wxUserColumns,
			nullString(in.UnionID), nowMS, keyChanged, keyChanged, nowMS, keyChanged, sealed, s.keyFingerprint(in.SessionKey), id))
		if mapErr(err) == ErrNotFound {
			return WxUser{}, 0, false, ErrUserDisabled // disabled between the two statements
		}
		if err == nil && (deleted || in.UnionID != "" && in.UnionID != oldUnion) {
			*shownChanged = true
			err = s.appendChanged(ctx, tx, now, id, 0)
		}
	case mapErr(err) == ErrNotFound:
		newUser = true
		// ON CONFLICT: a concurrent first login of the same user (PostgreSQL) won.
		u, err = s.scanWxUser(s.row(ctx, tx, `INSERT INTO wx_users
			(appid, openid, unionid, session_key, session_key_mac, created_at, last_login_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (appid, openid) DO UPDATE SET last_login_at = excluded.last_login_at
			RETURNING `+wxUserColumns,
			in.AppID, in.OpenID, nullString(in.UnionID), sealed, s.keyFingerprint(in.SessionKey), nowMS, nowMS))
	}
	if err != nil {
		return WxUser{}, 0, false, err
	}
	return u, account.Int64, newUser, nil
}

// insertSession inserts a new session of WeChat user wxUserID inside tx, carrying
// ns.AccountID (0: none), and returns it.
func (s *Store) insertSession(ctx context.Context, tx *sqlx.Tx, wxUserID int64, appID string, ns NewSession, now time.Time) (Session, error) {
	return s.insertSessionWith(ctx, tx, "", nil, wxUserID, appID, ns, now)
}

// insertSessionWith is insertSession with a WITH clause put before the INSERT (prefix, its
// arguments first).
func (s *Store) insertSessionWith(ctx context.Context, tx *sqlx.Tx, prefix string, prefixArgs []any, wxUserID int64, appID string, ns NewSession, now time.Time) (Session, error) {
	now = time.UnixMilli(now.UnixMilli())
	nowMS := now.UnixMilli()
	maxAt := now.Add(ns.MaxTTL)
	access, idle := ns.ends(now, maxAt)
	sess := Session{WxUserID: wxUserID, AccountID: ns.AccountID, AppID: appID, IP: ns.IP,
		UserAgent: ns.UserAgent, CreatedAt: now, LastSeenAt: now, At: now,
		AccessExpiresAt: time.UnixMilli(access.UnixMilli()),
		IdleExpiresAt:   time.UnixMilli(idle.UnixMilli()),
		MaxExpiresAt:    time.UnixMilli(maxAt.UnixMilli())}
	var account any
	if ns.AccountID != 0 {
		account = ns.AccountID
	}
	args := append(prefixArgs, ns.TokenHash, ns.RefreshHash, wxUserID, account, appID, ns.IP, ns.UserAgent, nowMS, nowMS,
		sess.AccessExpiresAt.UnixMilli(), sess.IdleExpiresAt.UnixMilli(), sess.MaxExpiresAt.UnixMilli())
	err := s.row(ctx, tx, prefix+`INSERT INTO sessions (token_hash, refresh_hash, wx_user_id, account_id,
		appid, ip, user_agent, created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, args...).Scan(&sess.ID)
	return sess, err
}

// insertCountedSession is insertSession followed by bumpStats for one login (newUsers:
// 1 when the user was created by it). On PostgreSQL the two are one statement, the
// counter upsert a data-modifying CTE (which runs to completion whether or not the outer
// statement reads it), so a login costs one round trip less; SQLite runs them in turn.
func (s *Store) insertCountedSession(ctx context.Context, tx *sqlx.Tx, wxUserID int64, appID string, ns NewSession, now time.Time, newUsers int) (Session, error) {
	if s.dialect != DialectPostgres {
		sess, err := s.insertSession(ctx, tx, wxUserID, appID, ns, now)
		if err != nil {
			return Session{}, err
		}
		return sess, s.bumpStats(ctx, tx, now, appID, 1, 0, newUsers, 0)
	}
	statArgs := []any{s.statDay(now), appID, rand.IntN(statShardsPostgres), 1, 0, newUsers, 0}
	return s.insertSessionWith(ctx, tx, `WITH counted AS (`+bumpStatsSQL+` RETURNING 1) `, statArgs, wxUserID, appID, ns, now)
}

// bumpStatsSQL adds to one row of the day's counters: day, app, shard, logins, binds, new
// users, checkBind exchanges answered "not bound".
const bumpStatsSQL = `INSERT INTO daily_stats (day, appid, shard, logins, binds, new_users, checkbind_unbound) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (day, appid, shard) DO UPDATE SET logins = daily_stats.logins + excluded.logins,
		binds = daily_stats.binds + excluded.binds,
		new_users = daily_stats.new_users + excluded.new_users,
		checkbind_unbound = daily_stats.checkbind_unbound + excluded.checkbind_unbound`

// bumpStats adds to the day's counters of app appID inside tx: logins, binds, new users and
// checkBind exchanges answered "not bound".
func (s *Store) bumpStats(ctx context.Context, tx *sqlx.Tx, now time.Time, appID string, logins, binds, newUsers, unbound int) error {
	shard := 0
	if s.dialect == DialectPostgres {
		shard = rand.IntN(statShardsPostgres)
	}
	_, err := s.exec(ctx, tx, bumpStatsSQL, s.statDay(now), appID, shard, logins, binds, newUsers, unbound)
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// linkByUnionID gives an unbound WeChat user of app in.AppID the account the same person
// (same unionid) bound in another app of the deployment, inside the login's transaction,
// unless the app's link_unionid setting is off (an app without a row links) or the user's
// own binding was removed before (unlinked_at: unbinding in one app is not undone by the
// next login). The binding
// is audited as "bind.unionid" and counted as a bind. It returns the account now bound
// (0: none). When several are possible the oldest binding wins; an account disabled, or
// already bound to someone else in this app, is passed over. A concurrent login of the
// same person may have linked first: its binding is found and used (ON CONFLICT DO NOTHING
// waits for it), so N logins at once make one binding and never fail for it.
func (s *Store) linkByUnionID(ctx context.Context, tx *sqlx.Tx, u WxUser, in LoginInput, now time.Time) (int64, error) {
	var on, unlinked bool
	var have sql.NullInt64
	if err := s.row(ctx, tx, `SELECT COALESCE((SELECT link_unionid FROM apps WHERE appid = ?), TRUE),
		(SELECT account_id FROM bindings WHERE wx_user_id = ?),
		(SELECT unlinked_at IS NOT NULL FROM wx_users WHERE id = ?)`, in.AppID, u.ID, u.ID).Scan(&on, &have, &unlinked); err != nil {
		return 0, err
	}
	if have.Valid { // bound since the user row was read (a concurrent first login)
		return have.Int64, nil
	}
	if !on || unlinked {
		return 0, nil
	}
	var (
		account, fromUser int64
		fromApp           string
	)
	err := s.row(ctx, tx, `SELECT b.account_id, b.wx_user_id, b.appid FROM wx_users o
		JOIN bindings b ON b.wx_user_id = o.id
		JOIN accounts a ON a.id = b.account_id
		WHERE o.unionid = ? AND o.unionid IS NOT NULL AND o.appid <> ? AND o.deleted_at IS NULL AND NOT o.disabled AND NOT a.disabled
		AND NOT EXISTS (SELECT 1 FROM bindings x WHERE x.appid = ? AND x.account_id = b.account_id)
		ORDER BY b.created_at, b.wx_user_id LIMIT 1`, u.UnionID, in.AppID, in.AppID).Scan(&account, &fromUser, &fromApp)
	if mapErr(err) == ErrNotFound {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	res, err := s.exec(ctx, tx, `INSERT INTO bindings (wx_user_id, appid, account_id, created_at, created_by)
		VALUES (?, ?, ?, ?, 'unionid') ON CONFLICT DO NOTHING`, u.ID, in.AppID, account, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// A concurrent login linked this user first, or bound the account here to someone
		// else: whatever is committed now decides.
		err := s.row(ctx, tx, `SELECT account_id FROM bindings WHERE wx_user_id = ?`, u.ID).Scan(&have)
		if mapErr(err) == ErrNotFound {
			return 0, nil
		}
		return have.Int64, err
	}
	actor := UserActor(u.ID, in.Session.IP)
	if err := s.addAudit(ctx, tx, actor.event(now, "bind.unionid", wxUserTarget(u.ID),
		fmt.Sprintf("bound to account %d, linked by unionid from app %s (wx_user:%d)", account, fromApp, fromUser))); err != nil {
		return 0, err
	}
	return account, s.bumpStats(ctx, tx, now, u.AppID, 0, 1, 0, 0)
}
