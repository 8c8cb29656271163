package db

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"
)

// loginsStatementPostgres is the logins of a batch on PostgreSQL in one statement, so
// in one round trip and one implicit transaction (one commit, one WAL flush, for all of
// them): each user is inserted or updated, the day's counters bumped and each login's
// session inserted, as codeLogin does for one login in BEGIN … COMMIT with five to seven
// round trips. It covers what most logins are and nothing else; a login that needs more
// (a linkable unionid, a user blocked, deleted, bound to a disabled account or learning a
// unionid, a session_key fingerprint missing or made under an older key) gets no row
// back, and nothing of it is written: its caller runs it as a transaction. The batch's
// rows, one per (appid, openid), come as parallel arrays (runLogins).
//
// The parts:
//   - i: the batch, one row per login.
//   - u: the users, an upsert on (appid, openid) in (appid, openid) order, so that two
//     batches lock the rows they share in the same order and never deadlock. A new user is
//     only proposed when no one of the same unionid is bound in another app (else
//     linkByUnionID may bind them), or when the user exists already, for the update
//     then decides. The update's WHERE holds the conditions above; it sees the newest
//     committed version of the user row, so a block committed while it waited turns it
//     down. The session_key rotates (the old one kept as the previous key) when the
//     fingerprints differ; both are made under the newest key (the WHERE checks the
//     stored one's key id), so they differ exactly when the keys do.
//   - counted: the day's counters, one row per day and app, on a shard drawn for the
//     batch (so that the batches of several instances seldom wait for each other's
//     counter rows); a new user (inserted, not updated: xmax = 0) counts as one.
//     Grouping reads all of u first, so every user row is locked before a counter row
//     is, and counter rows are locked in (day, appid) order: batches cannot deadlock.
//   - started: the sessions, each carrying the account its user is bound to.
var loginsStatementPostgres = `WITH i AS (
	SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[],
		?::bytea[], ?::bytea[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[])
		AS t(appid, openid, unionid, sealed, mac, at, day, token, refresh, ip, ua, access_at, idle_at, max_at)
), u AS (
	INSERT INTO wx_users AS w (appid, openid, unionid, session_key, session_key_mac, created_at, last_login_at)
	SELECT i.appid, i.openid, NULLIF(i.unionid, ''), i.sealed, NULLIF(i.mac, ''), i.at, i.at FROM i
	WHERE i.unionid = '' OR NOT ` + linkableUnionID("i.unionid", "i.appid") + `
		OR EXISTS (SELECT 1 FROM wx_users x WHERE x.appid = i.appid AND x.openid = i.openid)
	ORDER BY i.appid, i.openid
	ON CONFLICT (appid, openid) DO UPDATE SET ` + quickLoginSet("w", "excluded.session_key", "excluded.session_key_mac", "excluded.last_login_at") + `
	WHERE ` + quickLoginWhere("w", "excluded.unionid", "excluded.session_key_mac") + `
	RETURNING ` + wxUserColumns + `, w.xmax = 0 AS inserted
), counted AS (
	INSERT INTO daily_stats (day, appid, shard, logins, binds, new_users, checkbind_unbound)
	SELECT i.day, i.appid, ?, count(*), 0, count(*) FILTER (WHERE u.inserted), 0
	FROM u JOIN i ON i.appid = u.appid AND i.openid = u.openid
	GROUP BY i.day, i.appid ORDER BY i.day, i.appid
	ON CONFLICT (day, appid, shard) DO UPDATE SET logins = daily_stats.logins + excluded.logins,
		new_users = daily_stats.new_users + excluded.new_users
), started AS (
	INSERT INTO sessions (token_hash, refresh_hash, wx_user_id, account_id, appid, ip, user_agent,
		created_at, last_seen_at, access_expires_at, idle_expires_at, max_expires_at)
	SELECT i.token, i.refresh, u.id, (SELECT b.account_id FROM bindings b WHERE b.wx_user_id = u.id),
		i.appid, i.ip, i.ua, i.at, i.at, i.access_at, i.idle_at, i.max_at
	FROM u JOIN i ON i.appid = u.appid AND i.openid = u.openid
	RETURNING id, wx_user_id, COALESCE(account_id, 0) AS account_id
)
SELECT u.*, started.id, started.account_id FROM u JOIN started ON started.wx_user_id = u.id`

// Batches of logins on PostgreSQL (loginBatcher).
const (
	maxLoginBatch   = 64 // logins in one statement
	loginBatchLoops = 2  // batches in flight at once

	// loginBatchTimeout bounds a batch's statement: a database that stops answering
	// must not hold a loop for good (each caller gives up at its own deadline anyway).
	loginBatchTimeout = 30 * time.Second
)

// pendingLogin is one Login waiting for its batch.
type pendingLogin struct {
	in     LoginInput
	sealed string
	now    time.Time
	sess   Session // filled in by runLogins: everything but the ids
	res    CheckBindResult
	ok     bool  // the statement did this login
	retry  error // the server refused the statement, nothing of the batch was written: run again alone
	fail   error // the statement may have run, but this login's row was not read back
	done   chan struct{}
}

// key is the login's user: one batch holds each user once (the upsert may not touch a
// row twice).
func (p *pendingLogin) key() string { return p.in.AppID + "\x00" + p.in.OpenID }

// loginBatcher runs the Logins that arrive together on PostgreSQL as one statement
// (loginsStatementPostgres). On PostgreSQL a small write's cost is mostly its commit: the
// committing backend waits for its WAL to reach the disk, and on a disk that flushes
// once per millisecond or so that caps a server at about a thousand commits a second
// whatever its cores. A batch is one commit for all its logins, and one round trip.
// Nothing waits for company: each loop takes whatever queued while its previous batch
// ran, from one login up to maxLoginBatch. A batch that fails (a login whose text the
// database refuses, a deadlock) takes no one down with it: its logins each run again
// alone.
type loginBatcher struct {
	queue   chan *pendingLogin
	stop    chan struct{} // closed by Close: take no more logins
	stopped chan struct{} // closed once the loops have ended: no login queued now runs
	done    sync.WaitGroup
	once    sync.Once
	largest atomic.Int64 // the most logins one batch carried (tests read it)

	// What the batches did (LoginBatchStats).
	batches, carried, declined, rerun atomic.Int64
}

// startLoginBatcher starts the loops; Close stops them.
func (s *Store) startLoginBatcher() {
	b := &loginBatcher{queue: make(chan *pendingLogin, 4*maxLoginBatch), stop: make(chan struct{}), stopped: make(chan struct{})}
	s.logins = b
	for range loginBatchLoops {
		b.done.Add(1)
		go func() {
			defer b.done.Done()
			var held []*pendingLogin // met twice in a batch: first in the next one
			for {
				batch := held
				held = nil
				if len(batch) == 0 {
					select {
					case <-b.stop:
						return
					case p := <-b.queue:
						batch = append(batch, p)
					}
				}
				seen := make(map[string]bool, maxLoginBatch)
				for _, p := range batch {
					seen[p.key()] = true
				}
			more:
				for len(batch) < maxLoginBatch {
					select {
					case p := <-b.queue:
						if seen[p.key()] {
							held = append(held, p)
							continue
						}
						seen[p.key()] = true
						batch = append(batch, p)
					default:
						break more
					}
				}
				if n := int64(len(batch)); n > b.largest.Load() {
					b.largest.Store(n)
				}
				ctx, cancel := context.WithTimeout(context.Background(), loginBatchTimeout)
				err := s.runLogins(ctx, batch, rand.IntN(statShardsPostgres))
				cancel()
				var refused *pq.Error
				if errors.As(err, &refused) {
					b.rerun.Add(int64(len(batch)))
				}
				for _, p := range batch {
					if errors.As(err, &refused) {
						p.retry = err
					} else if err != nil {
						// No answer from the server (connection lost, timeout): the
						// batch may have committed, so it must not run again.
						p.ok, p.fail = false, err
					}
					close(p.done)
				}
			}
		}()
	}
}

// stopLoginBatcher stops the loops after the batches they are running; logins still
// queued get errStoreClosed.
func (b *loginBatcher) stopLoginBatcher() {
	b.once.Do(func() {
		close(b.stop)
		b.done.Wait()
		close(b.stopped)
	})
	for {
		select {
		case p := <-b.queue:
			p.retry = errStoreClosed
			close(p.done)
		default:
			return
		}
	}
}

// loginBatched runs a Login on PostgreSQL in a batch (loginBatcher). ok is false when
// the batch left the login to the transaction; nothing of it was written then.
func (s *Store) loginBatched(ctx context.Context, in LoginInput, sealed string, now time.Time) (CheckBindResult, bool, error) {
	p := &pendingLogin{in: in, sealed: sealed, now: now, done: make(chan struct{})}
	select {
	case <-s.logins.stop:
		return CheckBindResult{}, false, errStoreClosed
	default:
	}
	select {
	case s.logins.queue <- p:
	case <-s.logins.stop:
		return CheckBindResult{}, false, errStoreClosed
	case <-ctx.Done():
		return CheckBindResult{}, false, ctx.Err()
	}
	select {
	case <-p.done:
	case <-s.logins.stopped: // queued as the store closed: it may never run
		select {
		case <-p.done:
		default:
			return CheckBindResult{}, false, errStoreClosed
		}
	case <-ctx.Done():
		// The batch may still commit the session; no one gets its tokens.
		return CheckBindResult{}, false, ctx.Err()
	}
	if errors.Is(p.retry, errStoreClosed) {
		return CheckBindResult{}, false, p.retry
	}
	if p.retry != nil {
		// The batch failed as a whole and wrote nothing; alone, this login either works
		// or fails for a reason of its own.
		p = &pendingLogin{in: in, sealed: sealed, now: now}
		if err := s.runLogins(ctx, []*pendingLogin{p}, rand.IntN(statShardsPostgres)); err != nil {
			return CheckBindResult{}, false, err
		}
	}
	if p.fail != nil {
		return CheckBindResult{}, false, p.fail
	}
	return p.res, p.ok, nil
}

// runLogins runs loginsStatementPostgres for batch, counting on shard, and fills in each
// login's result (ok false: left to the transaction). A *pq.Error means the server
// refused the statement and wrote nothing; any other error, or a row that cannot be read
// back, leaves it unknown whether the batch committed, and it is never run again: it
// would log its users in twice.
func (s *Store) runLogins(ctx context.Context, batch []*pendingLogin, shard int) error {
	slices.SortFunc(batch, func(a, b *pendingLogin) int { return strings.Compare(a.key(), b.key()) })
	n := len(batch)
	var (
		appid, openid, unionid, sealed, mac, day, ip, ua = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		at, access, idle, maxAt = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		token, refresh          = make([][]byte, n), make([][]byte, n)
	)
	byKey := make(map[string]*pendingLogin, n)
	for k, p := range batch {
		ns := p.in.Session
		end := p.now.Add(ns.MaxTTL)
		a, id := ns.ends(p.now, end)
		p.sess = Session{AppID: p.in.AppID, IP: ns.IP, UserAgent: ns.UserAgent,
			CreatedAt: p.now, LastSeenAt: p.now, At: p.now,
			AccessExpiresAt: time.UnixMilli(a.UnixMilli()),
			IdleExpiresAt:   time.UnixMilli(id.UnixMilli()),
			MaxExpiresAt:    time.UnixMilli(end.UnixMilli())}
		appid[k], openid[k], unionid[k], sealed[k] = p.in.AppID, p.in.OpenID, p.in.UnionID, p.sealed
		if p.in.SessionKey != "" {
			mac[k] = s.keys.Fingerprint([]byte(p.in.SessionKey))
		}
		at[k], day[k] = p.now.UnixMilli(), s.statDay(p.now)
		token[k], refresh[k], ip[k], ua[k] = ns.TokenHash, ns.RefreshHash, ns.IP, ns.UserAgent
		access[k] = p.sess.AccessExpiresAt.UnixMilli()
		idle[k] = p.sess.IdleExpiresAt.UnixMilli()
		maxAt[k] = p.sess.MaxExpiresAt.UnixMilli()
		byKey[p.key()] = p
	}
	rows, err := s.rows(ctx, s.w, loginsStatementPostgres,
		pq.Array(appid), pq.Array(openid), pq.Array(unionid), pq.Array(sealed), pq.Array(mac),
		pq.Array(at), pq.Array(day), pq.Array(token), pq.Array(refresh), pq.Array(ip), pq.Array(ua),
		pq.Array(access), pq.Array(idle), pq.Array(maxAt),
		len(s.keys.FingerprintPrefix()), s.keys.FingerprintPrefix(), shard)
	if err != nil {
		return err
	}
	defer rows.Close()
	var unread error
	for rows.Next() {
		var (
			u            WxUser
			key, prev    string
			inserted     bool
			sessID, acct int64
		)
		if err := rows.Scan(append(wxUserDest(&u, &key, &prev), &inserted, &sessID, &acct)...); err != nil {
			unread = err
			continue
		}
		p := byKey[u.AppID+"\x00"+u.OpenID]
		if p == nil {
			unread = errors.New("db: a batch of logins returned a user it was not given")
			continue
		}
		if err := s.openWxUserKeys(&u, key, prev); err != nil {
			p.fail = err
			continue
		}
		p.sess.ID, p.sess.WxUserID, p.sess.AccountID = sessID, u.ID, acct
		p.res, p.ok = CheckBindResult{User: u, AccountID: acct, Session: p.sess}, true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.logins.batches.Add(1)
	for _, p := range batch {
		switch {
		case p.ok:
			s.logins.carried.Add(1)
		case p.fail == nil && unread == nil:
			s.logins.declined.Add(1)
		}
	}
	if unread != nil {
		// Which login a row that could not be read belongs to is unknown: none of the
		// batch may run again.
		for _, p := range batch {
			if p.fail == nil {
				p.ok, p.fail = false, unread
			}
		}
	}
	return nil
}
