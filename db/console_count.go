package db

import (
	"context"
	"strconv"
)

// MatchCap is how far the console counts a filtered list's matches: beyond it a list
// says "more than 1,000" (or, unfiltered, shows the overview's total). Counting stops
// there, so a count costs at most as much as reading that many rows of the index the
// list's filter uses, whatever the table's size: a few milliseconds at a million users.
const MatchCap = 1000

// SearchMatchCap is MatchCap for a search (users, bindings, accounts): its matches are
// gathered from several index walks and each is looked up, so it stops sooner.
const SearchMatchCap = 200

// matchCap and searchCap are the caps in force, lowered by tests.
var matchCap, searchCap = MatchCap, SearchMatchCap

// MatchCount is how many rows a console filter matches.
type MatchCount struct {
	N    int64 // the matches, at most the cap (MatchCap or SearchMatchCap)
	More bool  // there are more than N, the cap: counting stopped there
}

// countKeyset is the keyset a count of up to limit rows builds its filter with: no
// cursor, and a search's index walks (userSearch, accountSearch) long enough to reach
// past the cap.
func countKeyset(limit int) Keyset { return Keyset{count: limit} }

// countCapped counts the rows of from matching w, up to limit. Like the lists it is not
// prepared (adhocRows), so each count is planned with its own arguments.
func (s *Store) countCapped(ctx context.Context, what, from string, w where, limit int) (MatchCount, error) {
	var n int64
	err := s.r.QueryRowxContext(ctx, s.q(`SELECT COUNT(*) FROM (SELECT 1 FROM `+from+w.sql()+
		` LIMIT `+strconv.Itoa(limit+1)+`) c`), w.args...).Scan(&n)
	if err != nil {
		return MatchCount{}, wrap(what, err)
	}
	if n > int64(limit) {
		return MatchCount{N: int64(limit), More: true}, nil
	}
	return MatchCount{N: n}, nil
}
