package db

import (
	"database/sql"
	"time"
)

// What the store tells the metrics: token cache use, the revocations feed's progress and
// its connection pools. Read-only accessors; nothing here changes state.

// CacheStats is the token cache's size and use since the store opened.
type CacheStats struct {
	Entries      int    // cached token hashes, negative entries included
	Hits, Misses uint64 // CheckToken answered from memory / read the database
}

// CacheStats reads the token cache's counters.
func (s *Store) CacheStats() CacheStats {
	return CacheStats{Entries: s.cache.len(), Hits: s.cache.hits.Load(), Misses: s.cache.misses.Load()}
}

// UserCacheStats reads the profile cache's counters (users and accounts shown by token
// checks; a miss is one primary-key read).
func (s *Store) UserCacheStats() CacheStats {
	return CacheStats{Entries: s.users.len(), Hits: s.users.hits.Load(), Misses: s.users.misses.Load()}
}

// LoginBatchStats counts what PostgreSQL's login batches did (loginBatcher); all zero on
// SQLite.
type LoginBatchStats struct {
	Batches  int64 // batch statements that ran (one commit each)
	Done     int64 // logins a batch statement did
	Declined int64 // logins a batch left to the transaction (blocked, erased, unionid to link, …)
	Rerun    int64 // logins of batches the server refused, run again alone
}

// LoginBatchStats reads the login batcher's counters.
func (s *Store) LoginBatchStats() LoginBatchStats {
	if s.logins == nil {
		return LoginBatchStats{}
	}
	b := s.logins
	return LoginBatchStats{Batches: b.batches.Load(), Done: b.carried.Load(), Declined: b.declined.Load(), Rerun: b.rerun.Load()}
}

// FeedStatus is how far this process has followed the revocations feed.
type FeedStatus struct {
	// LastID is the newest feed id applied to the token cache.
	LastID int64
	// ReadAt is when the feed was last read to its end; zero before the first read. A
	// revocation made elsewhere is honoured here at most (now - ReadAt) plus one poll late.
	ReadAt time.Time
}

// FeedStatus reads the follower's progress (FollowRevocations).
func (s *Store) FeedStatus() FeedStatus {
	f := FeedStatus{LastID: s.cache.feedID.Load()}
	if ms := s.cache.feedAt.Load(); ms > 0 {
		f.ReadAt = time.UnixMilli(ms)
	}
	return f
}

// feedRead records a read of the feed: a successful one moves the progress on.
func (c *tokenCache) feedRead(err error, last int64, now time.Time) {
	if err != nil {
		return
	}
	c.feedID.Store(last)
	c.feedAt.Store(now.UnixMilli())
}

// DBs are the store's connection pools by name, for pool statistics: "main" on
// PostgreSQL (one pool), "write" and "read" on SQLite.
func (s *Store) DBs() map[string]*sql.DB {
	if s.r == s.w || s.r == nil {
		return map[string]*sql.DB{"main": s.w.DB}
	}
	return map[string]*sql.DB{"write": s.w.DB, "read": s.r.DB}
}
