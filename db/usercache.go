package db

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
)

// DefaultUserCacheSize is the number of users and accounts the profile cache holds when
// Options.UserCacheSize is zero.
const DefaultUserCacheSize = 50000

// userKey names one entry of the profile cache: a WeChat user or a platform account.
type userKey struct {
	account bool
	id      int64
}

type userEntry struct {
	key     userKey
	user    WxUser
	account Account
}

// userCache keeps the WeChat users and accounts that token checks show (user/info,
// introspect), least recently used first out. Entries are dropped when the revocations
// feed (or a local change) names them. As in the token cache, a put is refused when a
// drop or flush happened since the caller read gen, so a row read just before its change
// is never cached after the change's drop.
type userCache struct {
	mu   sync.Mutex
	size int
	gen  uint64
	ll   *list.List // front: most recently used
	m    map[userKey]*list.Element

	hits, misses atomic.Uint64
}

func newUserCache(size int) *userCache {
	return &userCache{size: max(1, size), ll: list.New(), m: map[userKey]*list.Element{}}
}

// get returns the entry for k, and the generation a put after a miss must quote.
func (c *userCache) get(k userKey) (*userEntry, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		c.ll.MoveToFront(el)
		c.hits.Add(1)
		return el.Value.(*userEntry), c.gen
	}
	c.misses.Add(1)
	return nil, c.gen
}

// put caches e unless a drop or flush happened since gen; the least recently used entry
// goes when the cache is full.
func (c *userCache) put(e *userEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if el, ok := c.m[e.key]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	for c.ll.Len() >= c.size {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*userEntry).key)
	}
	c.m[e.key] = c.ll.PushFront(e)
}

// drop forgets these users and accounts.
func (c *userCache) drop(keys ...userKey) {
	if len(keys) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, k := range keys {
		if el, ok := c.m[k]; ok {
			c.ll.Remove(el)
			delete(c.m, k)
		}
	}
}

// flush forgets everything (the feed follower may have missed changes).
func (c *userCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.ll.Init()
	c.m = map[userKey]*list.Element{}
}

// len returns the number of cached users and accounts (tests, metrics).
func (c *userCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// CachedWxUser returns WeChat user id as WxUserByID does, from memory when it can: for
// showing a user (user/info, introspect), never for changing one. Its SessionKey and
// PrevSessionKey are empty: the cache does not keep them. Every change of what it returns
// is announced on the revocations feed, so every instance forgets the old row within the
// feed's bound. A miss costs one primary-key read.
func (s *Store) CachedWxUser(ctx context.Context, id int64) (WxUser, error) {
	k := userKey{id: id}
	e, gen := s.users.get(k)
	if e != nil {
		return e.user, nil
	}
	u, err := s.WxUserByID(ctx, id)
	if err != nil {
		return WxUser{}, err
	}
	u.SessionKey, u.PrevSessionKey = "", ""
	s.users.put(&userEntry{key: k, user: u}, gen)
	return u, nil
}

// CachedAccount returns account id as AccountByID does, from memory when it can (see
// CachedWxUser). Its PasswordHash is empty: the cache does not keep it.
func (s *Store) CachedAccount(ctx context.Context, id int64) (Account, error) {
	k := userKey{account: true, id: id}
	e, gen := s.users.get(k)
	if e != nil {
		return e.account, nil
	}
	a, err := s.AccountByID(ctx, id)
	if err != nil {
		return Account{}, err
	}
	a.PasswordHash = ""
	s.users.put(&userEntry{key: k, account: a}, gen)
	return a, nil
}

// appendChanged puts on the revocations feed, inside tx, that what is shown of WeChat user
// wxUserID (or, when accountID is set, of that account) changed. The caller drops its own
// cache entry after commit (dropChanged); other instances drop theirs when they read the row.
func (s *Store) appendChanged(ctx context.Context, tx *sqlx.Tx, now time.Time, wxUserID, accountID int64) error {
	_, err := s.exec(ctx, tx, `INSERT INTO revocations (session_id, wx_user_id, account_id, at) VALUES (0, ?, ?, ?)`,
		nullInt(wxUserID), nullInt(accountID), now.UnixMilli())
	return err
}

// dropChanged forgets a user or account this process changed (see appendChanged).
func (s *Store) dropChanged(wxUserID, accountID int64) {
	if wxUserID != 0 {
		s.users.drop(userKey{id: wxUserID})
	}
	if accountID != 0 {
		s.users.drop(userKey{account: true, id: accountID})
	}
}
