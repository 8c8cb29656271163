package db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// UserFilter is the console's users search: Q matches a nickname substring, a phone
// number (exact), a bound account's username (exact), an openid (exact) or a user id.
type UserFilter struct {
	Q        string
	Bound    string // "yes", "no" or "" for both
	Disabled bool   // only disabled users
	HasPhone bool   // only users with a phone number
	AppID    string // only users of this app; "" for all
}

// UserListRow is one WeChat user in a console list, with the account it is bound to.
type UserListRow struct {
	ID                    int64
	Nickname, AvatarURL   string
	Phone                 string // unmasked: the web layer masks it
	AccountID             int64  // 0: not bound
	Username, AccountName string
	Disabled              bool
	CreatedAt             time.Time
	LastLoginAt           time.Time
}

// trigramMin is the shortest substring a trigram index can look up.
const trigramMin = 3

// ListWxUsers returns one page of live (not erased) WeChat users matching f, newest first,
// and whether there are more in the direction of k.
func (s *Store) ListWxUsers(ctx context.Context, f UserFilter, k Keyset) ([]UserListRow, bool, error) {
	var w where
	w.add("u.deleted_at IS NULL")
	switch f.Bound {
	case "yes":
		w.add("b.wx_user_id IS NOT NULL")
	case "no":
		w.add("b.wx_user_id IS NULL")
	}
	if f.Disabled {
		w.add("u.disabled")
	}
	if f.HasPhone {
		w.add("u.phone <> ''")
	}
	if f.AppID != "" {
		w.add("u.appid = ?", f.AppID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		s.userSearch(&w, q, k)
	}
	order, limit := k.where(&w, "u.id")
	rows, err := s.rows(ctx, s.r, `SELECT u.id, u.nickname, u.avatar_url, u.phone, COALESCE(b.account_id, 0),
		COALESCE(a.username, ''), COALESCE(a.name, ''), u.disabled, u.created_at, u.last_login_at
		FROM wx_users u LEFT JOIN bindings b ON b.wx_user_id = u.id LEFT JOIN accounts a ON a.id = b.account_id`+
		w.sql()+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit), w.args...)
	if err != nil {
		return nil, false, wrap("list wx users", err)
	}
	defer rows.Close()
	var out []UserListRow
	for rows.Next() {
		var u UserListRow
		if err := rows.Scan(&u.ID, &u.Nickname, &u.AvatarURL, &u.Phone, &u.AccountID, &u.Username,
			&u.AccountName, &u.Disabled, msTime{&u.CreatedAt}, msTime{&u.LastLoginAt}); err != nil {
			return nil, false, wrap("list wx users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrap("list wx users", err)
	}
	page, more := pageOf(k, out)
	return page, more, nil
}

// userSearch adds the condition for a search term: the exact matches (openid, phone,
// username, id) through their indexes, and the nickname substring through the trigram
// index when the term is long enough, or else through nickname_grams, which holds every
// 1- and 2-character substring of every nickname. A short term is often common ("a", a
// surname), so its matches are not collected whole: the gram's primary-key range is
// walked in page order, joined to wx_users under w's filters (the conditions added so
// far), and stops after one page plus one; the page of a union lies within the pages of
// its parts. lower() folds the term as the grams' triggers folded the nicknames.
func (s *Store) userSearch(w *where, q string, k Keyset) {
	ids := []string{
		`SELECT id FROM wx_users WHERE openid = ?`,
		`SELECT id FROM wx_users WHERE phone = ?`,
		`SELECT b2.wx_user_id FROM bindings b2 JOIN accounts a2 ON a2.id = b2.account_id WHERE a2.username = ?`,
	}
	args := []any{q, q, q}
	if id, err := strconv.ParseInt(q, 10, 64); err == nil && id > 0 {
		ids = append(ids, `SELECT id FROM wx_users WHERE id = ?`)
		args = append(args, id)
	}
	like := "%" + likeEscape(q) + "%"
	if utf8.RuneCountInString(q) < trigramMin {
		g := where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
		g.add("g.gram = lower(?)", q)
		k.where(&g, "u.id") // the same bound on both sides, for a merge join's sake
		order, limit := k.where(&g, "g.wx_user_id")
		ids = append(ids, `SELECT id FROM (SELECT u.id FROM nickname_grams g JOIN wx_users u ON u.id = g.wx_user_id
			LEFT JOIN bindings b ON b.wx_user_id = u.id`+g.sql()+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit)+`) gi`)
		args = append(args, g.args...)
	} else if s.dialect == DialectPostgres {
		ids = append(ids, nicknameSearchPostgres)
		args = append(args, like)
	} else {
		ids = append(ids, nicknameSearchSQLite)
		args = append(args, fts5Phrase(q))
	}
	w.add(`u.id IN (`+strings.Join(ids, " UNION ALL ")+`)`, args...)
}

// The nickname substring search, the one query written per dialect: pg_trgm serves ILIKE
// from its GIN index; SQLite's FTS5 trigram table serves a phrase query. Terms shorter
// than trigramMin are one gram of nickname_grams on both (userSearch).
const (
	nicknameSearchPostgres = `SELECT id FROM wx_users WHERE nickname ILIKE ? ESCAPE '\'`
	nicknameSearchSQLite   = `SELECT rowid FROM wx_users_fts WHERE wx_users_fts MATCH ?`
)

// fts5Phrase quotes s as one FTS5 phrase, so that its characters are matched literally.
func fts5Phrase(s string) string {
	return `nickname:"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// ConsoleUser is a WeChat user as the console shows it: everything but the session keys.
type ConsoleUser struct {
	ID                     int64
	AppID, OpenID, UnionID string
	Profile
	Phone                  string // unmasked: the web layer masks it
	CreatedAt, LastLoginAt time.Time
	Disabled               bool   // blocked by an operator
	BlockedReason          string // why, when Disabled
	BlockedAt              time.Time
	DeletedAt              time.Time
}

// ConsoleUserByID returns one WeChat user, erased ones included; ErrNotFound if none.
func (s *Store) ConsoleUserByID(ctx context.Context, id int64) (ConsoleUser, error) {
	var u ConsoleUser
	err := s.row(ctx, s.r, `SELECT id, appid, openid, COALESCE(unionid, ''), nickname, avatar_url, gender,
		province, city, country, language, phone, created_at, last_login_at, disabled, blocked_reason, blocked_at, deleted_at
		FROM wx_users WHERE id = ?`, id).Scan(&u.ID, &u.AppID, &u.OpenID, &u.UnionID, &u.NickName,
		&u.AvatarURL, &u.Gender, &u.Province, &u.City, &u.Country, &u.Language, &u.Phone,
		msTime{&u.CreatedAt}, msTime{&u.LastLoginAt}, &u.Disabled, &u.BlockedReason, msTime{&u.BlockedAt}, msTime{&u.DeletedAt})
	if err != nil {
		return ConsoleUser{}, wrap(fmt.Sprintf("console user %d", id), err)
	}
	return u, nil
}

// ConsoleBinding is the account a WeChat user is bound to.
type ConsoleBinding struct {
	WxUserID              int64
	Nickname, Phone       string
	AccountID             int64
	Username, AccountName string
	CreatedAt             time.Time
	CreatedBy             string
}

// BindingOfWxUser returns the binding of a WeChat user with its account; ErrNotFound when
// not bound.
func (s *Store) BindingOfWxUser(ctx context.Context, wxUserID int64) (ConsoleBinding, error) {
	var b ConsoleBinding
	err := s.row(ctx, s.r, `SELECT b.wx_user_id, u.nickname, u.phone, b.account_id, a.username, a.name, b.created_at, b.created_by
		FROM bindings b JOIN accounts a ON a.id = b.account_id JOIN wx_users u ON u.id = b.wx_user_id
		WHERE b.wx_user_id = ?`, wxUserID).Scan(&b.WxUserID, &b.Nickname, &b.Phone, &b.AccountID,
		&b.Username, &b.AccountName, msTime{&b.CreatedAt}, &b.CreatedBy)
	if err != nil {
		return ConsoleBinding{}, wrap(fmt.Sprintf("binding of wx user %d", wxUserID), err)
	}
	return b, nil
}

// PersonUser is the same person (same unionid) as a user, in another app: its user, the
// account it is bound to and how many live sessions it has.
type PersonUser struct {
	ID                    int64
	AppID, OpenID         string
	Nickname              string
	AccountID             int64 // 0: not bound
	Username, AccountName string
	LiveSessions          int
}

// SamePerson lists the live users sharing wxUserID's unionid in the deployment's other
// apps (none when it has no unionid), by AppID, at most 50.
func (s *Store) SamePerson(ctx context.Context, wxUserID int64) ([]PersonUser, error) {
	now := s.now()
	rows, err := s.rows(ctx, s.r, `SELECT o.id, o.appid, o.openid, o.nickname, COALESCE(b.account_id, 0),
		COALESCE(a.username, ''), COALESCE(a.name, ''),
		(SELECT COUNT(*) FROM sessions x WHERE x.wx_user_id = o.id AND x.revoked_at IS NULL
			AND x.idle_expires_at > ? AND x.max_expires_at > ?)
		FROM wx_users u JOIN wx_users o ON o.unionid = u.unionid AND o.id <> u.id
		LEFT JOIN bindings b ON b.wx_user_id = o.id LEFT JOIN accounts a ON a.id = b.account_id
		WHERE u.id = ? AND o.deleted_at IS NULL ORDER BY o.appid, o.id LIMIT 50`,
		now.UnixMilli(), now.UnixMilli(), wxUserID)
	if err != nil {
		return nil, wrap("same person", err)
	}
	defer rows.Close()
	var out []PersonUser
	for rows.Next() {
		var p PersonUser
		if err := rows.Scan(&p.ID, &p.AppID, &p.OpenID, &p.Nickname, &p.AccountID, &p.Username, &p.AccountName, &p.LiveSessions); err != nil {
			return nil, wrap("same person", err)
		}
		out = append(out, p)
	}
	return out, wrap("same person", rows.Err())
}
