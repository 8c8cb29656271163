package db

import (
	"context"
	"strconv"
)

// MatchCap is how far the console counts a list's matches: beyond it a list says "more
// than 10,000". Counting stops there, so a count costs at most as much as reading that
// many rows of the index the list's filter uses, whatever the table's size.
const MatchCap = 10000

// matchCap is the cap in force: MatchCap, lowered by tests.
var matchCap = MatchCap

// MatchCount is how many rows a console filter matches.
type MatchCount struct {
	N    int64 // the matches, at most the cap (MatchCap)
	More bool  // there are more than N, the cap: counting stopped there
}

// countKeyset is the keyset a count builds a filter with: no cursor, and a search's
// nickname walk (userSearch) long enough to reach past the cap.
var countKeyset = Keyset{count: true}

// countCapped counts the rows of from matching w, up to MatchCap. Like the lists it is not
// prepared (adhocRows), so each count is planned with its own arguments.
func (s *Store) countCapped(ctx context.Context, what, from string, w where) (MatchCount, error) {
	var n int64
	err := s.r.QueryRowxContext(ctx, s.q(`SELECT COUNT(*) FROM (SELECT 1 FROM `+from+w.sql()+
		` LIMIT `+strconv.Itoa(matchCap+1)+`) c`), w.args...).Scan(&n)
	if err != nil {
		return MatchCount{}, wrap(what, err)
	}
	if n > int64(matchCap) {
		return MatchCount{N: int64(matchCap), More: true}, nil
	}
	return MatchCount{N: n}, nil
}
