package db

import (
	"slices"
	"strconv"
	"strings"
)

// Keyset selects one page of a console list ordered by id, newest first: rows with an id
// below After (the next page), or above Before (the previous page), or the first page.
// Deep pages cost what the first does: no OFFSET.
type Keyset struct {
	After, Before int64
	Limit         int // 0 means 50
	// AfterAt and BeforeAt are the time half (Unix ms) of a cursor on (time, id), for
	// lists ordered by a time column (the users list by last login).
	AfterAt, BeforeAt int64

	count int // a count's keyset (countKeyset): the limit of its walks; 0 for a page
}

// limit is the page size.
func (k Keyset) limit() int {
	if k.count > 0 {
		return k.count
	}
	if k.Limit <= 0 {
		return 50
	}
	return min(k.Limit, 500)
}

// where adds the cursor condition on col to w and returns the ORDER BY direction and
// the LIMIT (one more than the page, to learn whether there is more).
func (k Keyset) where(w *where, col string) (order string, limit int) {
	switch {
	case k.Before > 0:
		w.add(col+" > ?", k.Before)
		return col + " ASC", k.limit() + 1
	case k.After > 0:
		w.add(col+" < ?", k.After)
	}
	return col + " DESC", k.limit() + 1
}

// walk is where for a search's index walk, as the end of its subquery: " ORDER BY …
// LIMIT n". A count's walk (countKeyset) has no order: it needs any n matches, not the
// first n, so the planner may take them from whichever index finds them cheapest —
// PostgreSQL's trigram index for a common term, where walking ids in order with the
// condition read 40,000 users to find 201 of "ack".
func (k Keyset) walk(w *where, col string) string {
	order, limit := k.where(w, col)
	if k.count > 0 {
		return ` LIMIT ` + strconv.Itoa(limit)
	}
	return ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(limit)
}

// whereAt is where for a list ordered by (col, id), newest first: the cursor is the pair
// (AfterAt, After) or (BeforeAt, Before), compared as a row value so an index on (col,
// id) serves it.
func (k Keyset) whereAt(w *where, col, idCol string) (order string, limit int) {
	switch {
	case k.Before > 0:
		w.add("("+col+", "+idCol+") > (?, ?)", k.BeforeAt, k.Before)
		return col + " ASC, " + idCol + " ASC", k.limit() + 1
	case k.After > 0:
		w.add("("+col+", "+idCol+") < (?, ?)", k.AfterAt, k.After)
	}
	return col + " DESC, " + idCol + " DESC", k.limit() + 1
}

// pageOf trims rows fetched by Keyset.where to one page in newest-first order and
// reports whether rows lie beyond it in the direction of travel.
func pageOf[T any](k Keyset, rows []T) (page []T, more bool) {
	if more = len(rows) > k.limit(); more {
		rows = rows[:k.limit()]
	}
	if k.Before > 0 {
		slices.Reverse(rows)
	}
	return rows, more
}

// where collects AND-ed SQL conditions written with ? and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// sql is the WHERE clause, or "" when there is no condition.
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likeEscape escapes LIKE's wildcards in s (escape character '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Keys returns the key ring the store seals with; the console derives its cookie keys
// from it.
func (s *Store) Keys() *Keyring { return s.keys }
