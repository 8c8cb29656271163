package db

import (
	"context"
	"database/sql"
	"errors"
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
	Bound    string    // "yes", "no" or "" for both
	Disabled bool      // only disabled users
	HasPhone bool      // only users with a phone number
	AppID    string    // only users of this app; "" for all
	From, To time.Time // signed up at or after From and before To; zero: no bound
	// ByLogin orders by last login (newest first) on the (last_login_at, id) index, with
	// the keyset's AfterAt/BeforeAt; otherwise by sign-up (id). A search (Q) is always
	// by sign-up: its nickname part walks ids.
	ByLogin bool
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
	// Bounds on the id go on both sides of the bindings join when only bound users are
	// wanted, so that PostgreSQL's merge join starts at the page, not at the newest binding.
	// (SQLite would then drive the join from bindings and sort: it walks users by id.)
	byLogin := f.ByLogin && strings.TrimSpace(f.Q) == ""
	both := f.Bound == "yes" && s.dialect == DialectPostgres && !byLogin
	idCols := []string{"u.id"}
	if both {
		idCols = append(idCols, "b.wx_user_id")
	}
	w, err := s.userWhere(ctx, f, k, idCols...)
	if err != nil {
		return nil, false, err
	}
	if both {
		k.where(&w, "b.wx_user_id")
	}
	var order string
	var limit int
	if byLogin {
		order, limit = k.whereAt(&w, "u.last_login_at", "u.id")
	} else {
		order, limit = k.where(&w, "u.id")
	}
	rows, err := s.adhocRows(ctx, s.r, `SELECT u.id, u.nickname, u.avatar_url, u.phone, COALESCE(b.account_id, 0),
		COALESCE(a.username, ''), COALESCE(a.name, ''), u.disabled, u.created_at, u.last_login_at
		FROM `+usersFrom+w.sql()+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit), w.args...)
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

// idOrderSlack is how far apart in time two sign-ups may be written in the opposite order
// of their ids (a transaction's duration, clocks of instances a little apart) for a
// sign-up date range to be exact; see signUpRange.
const idOrderSlack = time.Hour

// signUpRange adds the condition "signed up in [from, to)" to w. Users are listed by id,
// and ids are handed out in sign-up order (a user row is inserted, with its created_at
// from the store clock, by the login that creates it), so the range also becomes an id
// range, read from the (created_at, id) index, widened by idOrderSlack on both sides:
// the page then walks only the range's ids, however old the range, and the exact
// created_at condition decides within it. A user written more than idOrderSlack out of
// id order with its sign-up time would be missed at the range's edges.
func (s *Store) signUpRange(ctx context.Context, w *where, from, to time.Time, idCols ...string) error {
	// On SQLite, "+ 0" keeps the planner off the created_at index, which would collect the
	// whole range and sort it. PostgreSQL multiplies the selectivities of the id range and
	// the created_at range, which say the same thing, so it expects a handful of rows and
	// hash-joins everything (230 ms for bound + has phone + last 7 days); with "+ 0" on
	// both bounds it guessed the other way and started parallel workers. One bound plain,
	// the other "+ 0" (a fixed guess of a third) keeps it walking ids: 9–11 ms.
	fromCol, toCol := "u.created_at + 0", "u.created_at + 0"
	if s.dialect == DialectPostgres {
		toCol = "u.created_at"
	}
	firstAt := func(t time.Time) (int64, error) { // the first id signed up at or after t; 0: none
		var id int64
		err := s.row(ctx, s.r, `SELECT id FROM wx_users WHERE created_at >= ? ORDER BY created_at, id LIMIT 1`,
			t.UnixMilli()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return id, wrap("sign-up range", err)
	}
	if !from.IsZero() {
		w.add(fromCol+" >= ?", from.UnixMilli())
		lo, err := firstAt(from.Add(-idOrderSlack))
		if err != nil {
			return err
		}
		if lo == 0 { // nobody signed up since
			w.add("1 = 0")
			return nil
		}
		for _, c := range idCols {
			w.add(c+" >= ?", lo)
		}
	}
	if !to.IsZero() {
		w.add(toCol+" < ?", to.UnixMilli())
		hi, err := firstAt(to.Add(idOrderSlack))
		if err != nil {
			return err
		}
		for _, c := range idCols {
			if hi != 0 {
				w.add(c+" < ?", hi)
			}
		}
	}
	return nil
}

// UserCounts are the live users counted by app, sign-up hour, bound, disabled and
// has-phone: every filter of the users page but the search sums to a count from them
// (Count). Hours, not days, so that a date range in the console's zone (whole hours from
// UTC in all but a few zones) is a sum of groups.
type UserCounts struct {
	At     time.Time // when they were counted
	groups []userGroup
}

type userGroup struct {
	appid                     string
	hour                      int64 // hours since 1970 (UTC)
	bound, disabled, hasPhone bool
	n                         int64
}

// hourMS is an hour in milliseconds, the unit of UserCounts' sign-up times.
const hourMS = int64(time.Hour / time.Millisecond)

// CountUserGroups counts the live users by app, sign-up hour and the users page's
// filters. It reads the whole table (2–3 s at a million users on a loaded 2-core
// machine), so the console runs it at most every ten minutes, off the request path.
func (s *Store) CountUserGroups(ctx context.Context) (UserCounts, error) {
	c := UserCounts{At: s.now()}
	rows, err := s.adhocRows(ctx, s.r, `SELECT u.appid, u.created_at / 3600000, CASE WHEN b.wx_user_id IS NULL THEN 0 ELSE 1 END,
		CASE WHEN u.disabled THEN 1 ELSE 0 END, CASE WHEN u.phone <> '' THEN 1 ELSE 0 END, COUNT(*)
		FROM wx_users u LEFT JOIN bindings b ON b.wx_user_id = u.id WHERE u.deleted_at IS NULL
		GROUP BY 1, 2, 3, 4, 5`)
	if err != nil {
		return c, wrap("count user groups", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g userGroup
		var bound, disabled, phone int
		if err := rows.Scan(&g.appid, &g.hour, &bound, &disabled, &phone, &g.n); err != nil {
			return c, wrap("count user groups", err)
		}
		g.bound, g.disabled, g.hasPhone = bound == 1, disabled == 1, phone == 1
		c.groups = append(c.groups, g)
	}
	return c, wrap("count user groups", rows.Err())
}

// Count is how many users matched f's filters when c was counted; ok is false when f
// searches (Q) or its dates are not whole hours, which the counts cannot answer.
func (c UserCounts) Count(f UserFilter) (n int64, ok bool) {
	whole := func(t time.Time) bool { return t.IsZero() || t.UnixMilli()%hourMS == 0 }
	if strings.TrimSpace(f.Q) != "" || !whole(f.From) || !whole(f.To) {
		return 0, false
	}
	for _, g := range c.groups {
		switch {
		case f.AppID != "" && g.appid != f.AppID,
			f.Bound == "yes" && !g.bound, f.Bound == "no" && g.bound,
			f.Disabled && !g.disabled, f.HasPhone && !g.hasPhone,
			!f.From.IsZero() && g.hour < f.From.UnixMilli()/hourMS,
			!f.To.IsZero() && g.hour >= f.To.UnixMilli()/hourMS:
			continue
		}
		n += g.n
	}
	return n, true
}

// usersFrom is the users list's FROM clause.
const usersFrom = `wx_users u LEFT JOIN bindings b ON b.wx_user_id = u.id LEFT JOIN accounts a ON a.id = b.account_id`

// userWhere is the condition of the users matching f (erased ones never do), with the
// sign-up range bound on idCols; k bounds the search's nickname walk (userSearch).
func (s *Store) userWhere(ctx context.Context, f UserFilter, k Keyset, idCols ...string) (where, error) {
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
	if err := s.signUpRange(ctx, &w, f.From, f.To, idCols...); err != nil {
		return where{}, err
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		s.userSearch(&w, q, k)
	}
	return w, nil
}

// CountWxUsers counts the users matching f, for the filters the grouped estimate
// (UserCounts) cannot answer: up to SearchMatchCap for a search, else up to MatchCap.
func (s *Store) CountWxUsers(ctx context.Context, f UserFilter) (MatchCount, error) {
	limit := matchCap
	if strings.TrimSpace(f.Q) != "" {
		limit = searchCap
	}
	w, err := s.userWhere(ctx, f, countKeyset(limit), "u.id")
	if err != nil {
		return MatchCount{}, err
	}
	return s.countCapped(ctx, "count wx users", usersFrom, w, limit)
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
		`SELECT id FROM wx_users WHERE phone = ? AND phone <> ''`, // the partial index wx_users_phone (00016)
		`SELECT b2.wx_user_id FROM bindings b2 JOIN accounts a2 ON a2.id = b2.account_id WHERE a2.username = ?`,
	}
	args := []any{q, q, q}
	if id, err := strconv.ParseInt(q, 10, 64); err == nil && id > 0 {
		ids = append(ids, `SELECT id FROM wx_users WHERE id = ?`)
		args = append(args, id)
	}
	// The nickname part walks its index in page order under the page's filters and stops
	// after a page plus one, so a common term ("微信用户", a surname) costs a page.
	g := where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
	k.where(&g, "u.id") // the same bound on both sides, for a merge join's sake
	var from, key string
	switch {
	case utf8.RuneCountInString(q) < trigramMin:
		from, key = `nickname_grams g JOIN wx_users u ON u.id = g.wx_user_id`, "g.wx_user_id"
		g.add("g.gram = lower(?)", q)
	case s.dialect == DialectPostgres:
		// pg_trgm's GIN index finds a rare term; a common one is cheaper by walking ids
		// with the condition: the planner weighs the two from the column's statistics.
		from, key = `wx_users u`, "u.id"
		g.add(`u.nickname ILIKE ? ESCAPE '\'`, "%"+likeEscape(q)+"%")
	default:
		// FTS5 yields a phrase's rows in rowid order, newest first when asked.
		from, key = `wx_users_fts JOIN wx_users u ON u.id = wx_users_fts.rowid`, "wx_users_fts.rowid"
		g.add(`wx_users_fts MATCH ?`, fts5Phrase(q))
	}
	tail := k.walk(&g, key)
	ids = append(ids, `SELECT id FROM (SELECT u.id FROM `+from+` LEFT JOIN bindings b ON b.wx_user_id = u.id`+
		g.sql()+tail+`) gi`)
	args = append(args, g.args...)
	w.add(`u.id IN (`+strings.Join(ids, " UNION ALL ")+`)`, args...)
}

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
		FROM wx_users u JOIN wx_users o ON o.unionid = u.unionid AND o.unionid IS NOT NULL AND o.id <> u.id
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
