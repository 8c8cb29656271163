package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// Writer exposes the writer pool to the package's external tests (schema checks, fixtures).
func (s *Store) Writer() *sqlx.DB { return s.w }

// Rebind exposes the dialect's rebinding to the external tests.
func (s *Store) Rebind(q string) string { return s.q(q) }

// CacheLen exposes the token cache's size to the external tests.
func (s *Store) CacheLen() int { return s.cache.len() }

// Follower exposes the revocation follower's state to the external tests.
type Follower = feedFollower

// NewFollower returns a follower that has read the feed up to last.
func NewFollower(last int64) *Follower {
	return &feedFollower{last: last, gaps: map[int64]time.Time{}}
}

// PollRevocations runs one round of the follower.
func (s *Store) PollRevocations(ctx context.Context, f *Follower) error {
	return s.pollRevocations(ctx, f)
}

// Gaps returns how many skipped feed ids the follower still looks for.
func (f *Follower) Gaps() int { return len(f.gaps) }

// UserCacheLen exposes the profile cache's size to the external tests.
func (s *Store) UserCacheLen() int { return s.users.len() }

// SetMatchCap lowers the console's count caps (MatchCap and SearchMatchCap) to n until
// the test ends.
func SetMatchCap(t interface{ Cleanup(func()) }, n int) {
	oldMatch, oldSearch := matchCap, searchCap
	matchCap, searchCap = n, n
	t.Cleanup(func() { matchCap, searchCap = oldMatch, oldSearch })
}

// LargestGroup is the most commands one SQLite group commit has carried so far.
func (s *Store) LargestGroup() int {
	if s.group == nil {
		return 0
	}
	return int(s.group.largest.Load())
}

// GroupTx exposes groupTx (a command that may share its commit) to the external tests.
func (s *Store) GroupTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	return s.groupTx(ctx, "test command", fn)
}

// LargestLoginBatch is the most logins one PostgreSQL batch has carried so far.
func (s *Store) LargestLoginBatch() int {
	if s.logins == nil {
		return 0
	}
	return int(s.logins.largest.Load())
}
