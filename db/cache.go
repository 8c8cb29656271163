package db

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// negativeTTL is how long a token hash that matched no session is answered from memory.
// Tokens are random and a session's hashes are committed before its tokens leave the
// server, so a hash unknown now stays unknown; the bound only limits memory.
const negativeTTL = 30 * time.Second

const cacheShards = 64

// tokenCache maps token hashes to sessions for CheckToken. Lookups take one shard's read
// lock. Entries are dropped by session id when the revocations feed (or a local revocation)
// names them; structural changes (insert, drop, flush) are ordered by mu so that a session
// read from the database just before its revocation is never cached after it.
type tokenCache struct {
	seed     maphash.Seed
	perShard int
	shards   [cacheShards]cacheShard

	mu  sync.RWMutex // read: insert; write: drop and flush
	gen atomic.Uint64

	idMu sync.Mutex
	byID map[int64][]string // session id -> token hashes cached for it

	hits, misses atomic.Uint64 // CheckToken answered from memory / read the database (metrics)

	feedID atomic.Int64 // the newest revocations feed id applied (metrics)
	feedAt atomic.Int64 // unix ms of the last complete read of the feed; 0: none yet
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[string]*cacheEntry
}

type cacheEntry struct {
	sess     *Session // nil: negative entry
	negUntil int64    // unix ms, negative entries only
	seen     atomic.Int64
	flushed  atomic.Int64
}

func newTokenCache(size int) *tokenCache {
	c := &tokenCache{seed: maphash.MakeSeed(), perShard: max(1, size/cacheShards), byID: map[int64][]string{}}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cacheEntry)
	}
	return c
}

func (c *tokenCache) shard(key []byte) *cacheShard {
	return &c.shards[maphash.Bytes(c.seed, key)%cacheShards]
}

// get returns the entry for a token hash, or nil.
func (c *tokenCache) get(key []byte) *cacheEntry {
	sh := c.shard(key)
	sh.mu.RLock()
	e := sh.m[string(key)]
	sh.mu.RUnlock()
	return e
}

// put caches e for key unless a drop or flush happened since gen was read (the entry may
// then be stale).
func (c *tokenCache) put(key []byte, e *cacheEntry, gen uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen.Load() != gen {
		return
	}
	k := string(key)
	sh := c.shard(key)
	sh.mu.Lock()
	if old, ok := sh.m[k]; ok {
		c.unindex(k, old)
	} else if len(sh.m) >= c.perShard {
		for vk, v := range sh.m { // map order is random enough for eviction
			delete(sh.m, vk)
			c.unindex(vk, v)
			break
		}
	}
	sh.m[k] = e
	if e.sess != nil {
		c.idMu.Lock()
		c.byID[e.sess.ID] = append(c.byID[e.sess.ID], k)
		c.idMu.Unlock()
	}
	sh.mu.Unlock()
}

// unindex removes key from the session id index; the caller holds the key's shard lock.
func (c *tokenCache) unindex(key string, e *cacheEntry) {
	if e.sess == nil {
		return
	}
	c.idMu.Lock()
	keys := c.byID[e.sess.ID]
	for i, k := range keys {
		if k == key {
			keys = append(keys[:i], keys[i+1:]...)
			break
		}
	}
	if len(keys) == 0 {
		delete(c.byID, e.sess.ID)
	} else {
		c.byID[e.sess.ID] = keys
	}
	c.idMu.Unlock()
}

// dropSessions forgets every token hash cached for these sessions.
func (c *tokenCache) dropSessions(ids []int64) {
	if len(ids) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for _, id := range ids {
		c.idMu.Lock()
		keys := c.byID[id]
		delete(c.byID, id)
		c.idMu.Unlock()
		for _, k := range keys {
			sh := c.shard([]byte(k))
			sh.mu.Lock()
			delete(sh.m, k)
			sh.mu.Unlock()
		}
	}
}

// flush forgets everything (the revocation listener reconnected: it may have missed
// notifications, and the poller alone cannot prove it missed no rows).
func (c *tokenCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.m = make(map[string]*cacheEntry)
		sh.mu.Unlock()
	}
	c.idMu.Lock()
	c.byID = map[int64][]string{}
	c.idMu.Unlock()
}

// len returns the number of cached entries (tests, metrics).
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}

// CheckToken answers whether an access token hash belongs to a live session now and
// returns it: the hot path of every authenticated call. Sessions are cached in memory
// (and unknown hashes briefly too); revocations anywhere reach the cache through the
// revocations feed (FollowRevocations). ErrNotFound covers unknown, revoked and expired
// tokens alike; for an access token past its own end whose session lives it is
// ErrTokenExpired (which wraps ErrNotFound); any other error means the store could not
// answer. The check is recorded as the session's last-seen time in memory; FlushLastSeen
// writes it.
func (s *Store) CheckToken(ctx context.Context, hash []byte) (Session, error) {
	now := s.now()
	nowMS := now.UnixMilli()
	e := s.cache.get(hash)
	if e == nil || (e.sess == nil && nowMS >= e.negUntil) {
		s.cache.misses.Add(1)
		gen := s.cache.gen.Load()
		sess, err := s.sessionByTokenHash(ctx, hash)
		if errors.Is(err, ErrNotFound) {
			s.cache.put(hash, &cacheEntry{negUntil: nowMS + negativeTTL.Milliseconds()}, gen)
			return Session{}, ErrNotFound
		}
		if err != nil {
			return Session{}, err
		}
		e = &cacheEntry{sess: &sess}
		e.flushed.Store(sess.LastSeenAt.UnixMilli())
		s.cache.put(hash, e, gen)
	} else {
		s.cache.hits.Add(1)
	}
	if e.sess != nil && e.sess.accessExpiredAt(now) {
		return Session{}, ErrTokenExpired
	}
	if e.sess == nil || !e.sess.aliveAt(now) {
		return Session{}, ErrNotFound
	}
	if e.seen.Load() < nowMS {
		e.seen.Store(nowMS)
	}
	sess := *e.sess
	if seen := e.seen.Load(); seen > sess.LastSeenAt.UnixMilli() {
		sess.LastSeenAt = time.UnixMilli(seen)
	}
	return sess, nil
}
