package db

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AccountListRow is one platform account as the console lists it, with the WeChat user
// bound to it (no password hash).
type AccountListRow struct {
	ID             int64
	Username, Name string
	Disabled       bool
	BoundUserID    int64 // 0: no WeChat user bound
	BoundNickname  string
	CreatedAt      time.Time
	// FailedAttempts counts the wrong passwords still held against the username (they are
	// kept a day, or until a success from the same key or an unlock).
	FailedAttempts int64
}

// Locked tells whether bind attempts for this account are being throttled, so an operator
// may want to unlock it.
func (a AccountListRow) Locked() bool { return a.FailedAttempts >= ThrottleFree }

// ListAccounts returns one page of platform accounts, newest first; q matches a username
// exactly or by prefix (in its stored, lower-case form), or a name by substring (letters
// of either case).
func (s *Store) ListAccounts(ctx context.Context, q string, k Keyset) ([]AccountListRow, bool, error) {
	var w where
	if q = strings.TrimSpace(q); q != "" {
		s.accountSearch(&w, q, k)
	}
	order, limit := k.where(&w, "a.id")
	rows, err := s.adhocRows(ctx, s.r, `SELECT a.id, a.username, a.name, a.disabled, COALESCE(b.wx_user_id, 0),
		COALESCE(u.nickname, ''), a.created_at,
		(SELECT COUNT(*) FROM login_attempts l WHERE l.username = a.username)
		FROM accounts a LEFT JOIN bindings b ON b.account_id = a.id LEFT JOIN wx_users u ON u.id = b.wx_user_id`+
		w.sql()+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit), w.args...)
	if err != nil {
		return nil, false, wrap("list accounts", err)
	}
	defer rows.Close()
	var out []AccountListRow
	for rows.Next() {
		var a AccountListRow
		if err := rows.Scan(&a.ID, &a.Username, &a.Name, &a.Disabled, &a.BoundUserID, &a.BoundNickname,
			msTime{&a.CreatedAt}, &a.FailedAttempts); err != nil {
			return nil, false, wrap("list accounts", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrap("list accounts", err)
	}
	page, more := pageOf(k, out)
	return page, more, nil
}

// CountAccounts counts the accounts the search q matches, up to SearchMatchCap, or all
// of them when q is empty, up to MatchCap.
func (s *Store) CountAccounts(ctx context.Context, q string) (MatchCount, error) {
	var w where
	limit := matchCap
	if q = strings.TrimSpace(q); q != "" {
		limit = searchCap
		s.accountSearch(&w, q, countKeyset(limit))
	}
	return s.countCapped(ctx, "count accounts", `accounts a`, w, limit)
}

// accountSearch adds the condition for an accounts search: the ids of a page plus one
// from each of two index walks, newest first under the page's keyset, so a search costs
// about a page whatever the table's size. The username part is a range on a username
// index in byte order (every string with the prefix, and only those, lies in
// [prefix, prefixEnd)); the name part walks the name grams (one or two characters) or
// the trigram index, as the users' nickname search does.
func (s *Store) accountSearch(w *where, q string, k Keyset) {
	var parts []string
	var args []any

	u := where{}
	prefix := strings.ToLower(q)
	col := "username"
	if s.dialect == DialectPostgres {
		col = `username COLLATE "C"` // byte order, whatever the database's collation
	}
	u.add(col+" >= ?", prefix)
	if end, ok := prefixEnd(prefix); ok {
		u.add(col+" < ?", end)
	}
	tail := k.walk(&u, "id")
	parts = append(parts, `SELECT id FROM (SELECT id FROM accounts`+u.sql()+tail+`) au`)
	args = append(args, u.args...)

	n := where{}
	var from, key string
	switch {
	case utf8.RuneCountInString(q) < trigramMin:
		from, key = "account_name_grams", "account_id"
		n.add("gram = lower(?)", q)
	case s.dialect == DialectPostgres:
		// pg_trgm's GIN index finds a rare term; a common one is cheaper by walking ids
		// with the condition: the planner weighs the two from the column's statistics.
		from, key = "accounts", "id"
		n.add(`name ILIKE ? ESCAPE '\'`, "%"+likeEscape(q)+"%")
	default:
		// FTS5 yields a phrase's rows in rowid order, newest first when asked.
		from, key = "accounts_fts", "rowid"
		n.add("accounts_fts MATCH ?", `name:"`+strings.ReplaceAll(q, `"`, `""`)+`"`)
	}
	tail = k.walk(&n, key)
	parts = append(parts, `SELECT id FROM (SELECT `+key+` AS id FROM `+from+n.sql()+tail+`) an`)
	args = append(args, n.args...)
	w.add(`a.id IN (`+strings.Join(parts, " UNION ALL ")+`)`, args...)
}

// prefixEnd returns the least string above every string that starts with prefix: prefix
// with its last character replaced by the next one (UTF-8's byte order is code point
// order). ok is false when there is none (prefix is all U+10FFFF).
func prefixEnd(prefix string) (string, bool) {
	r := []rune(prefix)
	for i := len(r) - 1; i >= 0; i-- {
		switch {
		case r[i] == utf8.MaxRune:
			continue
		case r[i] == 0xD7FF: // the surrogates are not characters
			r[i] = 0xE000
		default:
			r[i]++
		}
		return string(r[:i+1]), true
	}
	return "", false
}

// ListBindings returns one page of bindings, newest WeChat user first; q searches as the
// users page does (a username, phone or openid exactly, a WeChat user id, or a nickname
// by substring), among bound users.
func (s *Store) ListBindings(ctx context.Context, q string, k Keyset) ([]ConsoleBinding, bool, error) {
	w := s.bindingWhere(q, k)
	k.where(&w, "u.id") // the bound on both sides, for a merge join's sake
	order, limit := k.where(&w, "b.wx_user_id")
	rows, err := s.adhocRows(ctx, s.r, `SELECT b.wx_user_id, u.nickname, u.phone, b.account_id, a.username, a.name,
		b.created_at, b.created_by
		FROM `+bindingsFrom+w.sql()+` ORDER BY `+order+` LIMIT `+strconv.Itoa(limit), w.args...)
	if err != nil {
		return nil, false, wrap("list bindings", err)
	}
	defer rows.Close()
	var out []ConsoleBinding
	for rows.Next() {
		var b ConsoleBinding
		if err := rows.Scan(&b.WxUserID, &b.Nickname, &b.Phone, &b.AccountID, &b.Username, &b.AccountName,
			msTime{&b.CreatedAt}, &b.CreatedBy); err != nil {
			return nil, false, wrap("list bindings", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrap("list bindings", err)
	}
	page, more := pageOf(k, out)
	return page, more, nil
}

// bindingsFrom is the bindings list's FROM clause.
const bindingsFrom = `bindings b JOIN accounts a ON a.id = b.account_id JOIN wx_users u ON u.id = b.wx_user_id`

// bindingWhere is the condition of the bindings whose user matches the search q (any
// when empty); k bounds the search's nickname walk (userSearch).
func (s *Store) bindingWhere(q string, k Keyset) where {
	var w where
	if q = strings.TrimSpace(q); q != "" {
		// The users page's search (userSearch), walked among bound users only.
		w.add("b.wx_user_id IS NOT NULL")
		s.userSearch(&w, q, k)
	}
	return w
}

// CountBindings counts the bindings whose user matches the search q, up to
// SearchMatchCap, or all of them when q is empty, up to MatchCap.
func (s *Store) CountBindings(ctx context.Context, q string) (MatchCount, error) {
	limit := matchCap
	if strings.TrimSpace(q) != "" {
		limit = searchCap
	}
	return s.countCapped(ctx, "count bindings", bindingsFrom, s.bindingWhere(q, countKeyset(limit)), limit)
}

// ConsoleTotals are the overview's counts.
type ConsoleTotals struct {
	Users, BoundUsers, Accounts, ActiveSessions int64
}

// CountTotals counts the overview's totals. It reads whole tables, so the console calls
// it at most once a minute, in the background, never per page view.
func (s *Store) CountTotals(ctx context.Context) (ConsoleTotals, error) {
	return s.CountAppTotals(ctx, "")
}

// CountAppTotals counts the overview's totals of one app (users, bindings and live
// sessions of that app; accounts are the deployment's), or of all when appid is "".
func (s *Store) CountAppTotals(ctx context.Context, appid string) (ConsoleTotals, error) {
	now := s.now()
	var t ConsoleTotals
	if appid != "" {
		err := s.row(ctx, s.r, `SELECT
		(SELECT COUNT(*) FROM wx_users WHERE appid = ? AND deleted_at IS NULL),
		(SELECT COUNT(*) FROM bindings WHERE appid = ?),
		(SELECT COUNT(*) FROM accounts),
		(SELECT COUNT(*) FROM sessions WHERE appid = ? AND revoked_at IS NULL AND idle_expires_at > ? AND max_expires_at > ?)`,
			appid, appid, appid, now.UnixMilli(), now.UnixMilli()).Scan(&t.Users, &t.BoundUsers, &t.Accounts, &t.ActiveSessions)
		return t, wrap("count app totals", err)
	}
	err := s.row(ctx, s.r, `SELECT
		(SELECT COUNT(*) FROM wx_users WHERE deleted_at IS NULL),
		(SELECT COUNT(*) FROM bindings),
		(SELECT COUNT(*) FROM accounts),
		(SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND idle_expires_at > ? AND max_expires_at > ?)`,
		now.UnixMilli(), now.UnixMilli()).Scan(&t.Users, &t.BoundUsers, &t.Accounts, &t.ActiveSessions)
	return t, wrap("count totals", err)
}
