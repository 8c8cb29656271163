package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Revocation is one entry of the revocations feed: the session's tokens stopped working
// at At (revoked, refreshed, user deleted, ...). An entry with SessionID 0 says instead
// that what is shown of WeChat user WxUserID, or of account AccountID, changed.
type Revocation struct {
	ID, SessionID int64
	WxUserID      int64  // 0: none
	AccountID     int64  // 0: none
	AppID         string // "": none; else the apps changed
	At            time.Time
}

// revocationPoll is how often followers read the feed without being woken.
const revocationPoll = time.Second

// revocationGapWait is how long a follower keeps looking for a feed id it skipped: on
// PostgreSQL ids are taken at insert but become visible at commit, so a later id can
// show up first. A gap still open after this is a rolled-back insert.
const revocationGapWait = 10 * time.Second

// revocationBatch is how many feed rows a follower reads per query.
const revocationBatch = 1000

// notifyChannel is the PostgreSQL channel a trigger on revocations notifies.
const notifyChannel = "miniauth_revocations"

// RevocationsAfter returns up to limit feed entries with an id above afterID, oldest first.
func (s *Store) RevocationsAfter(ctx context.Context, afterID int64, limit int) ([]Revocation, error) {
	rows, err := s.rows(ctx, s.r, `SELECT `+revocationColumns+` FROM revocations WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, wrap("revocations after", err)
	}
	return scanRevocations(rows)
}

func scanRevocations(rows interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}) ([]Revocation, error) {
	defer rows.Close()
	var out []Revocation
	for rows.Next() {
		var r Revocation
		if err := rows.Scan(&r.ID, &r.SessionID, &r.WxUserID, &r.AccountID, &r.AppID, msTime{&r.At}); err != nil {
			return nil, wrap("scan revocations", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("revocations", err)
	}
	return out, nil
}

// revocationsIn returns the feed entries among ids (skipped ids being looked for again).
// The id list travels as one parameter, so the statement has one shape and stays prepared.
func (s *Store) revocationsIn(ctx context.Context, ids []int64) ([]Revocation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows *sqlx.Rows
	var err error
	if s.dialect == DialectPostgres {
		rows, err = s.rows(ctx, s.r, revocationsInPostgres, pq.Array(ids))
	} else {
		list, _ := json.Marshal(ids)
		rows, err = s.rows(ctx, s.r, revocationsInSQLite, string(list))
	}
	if err != nil {
		return nil, wrap("revocations in", err)
	}
	return scanRevocations(rows)
}

const (
	revocationColumns     = `id, session_id, COALESCE(wx_user_id, 0), COALESCE(account_id, 0), COALESCE(appid, ''), at`
	revocationsInPostgres = `SELECT ` + revocationColumns + ` FROM revocations WHERE id = ANY(?::bigint[])`
	revocationsInSQLite   = `SELECT ` + revocationColumns + ` FROM revocations WHERE id IN (SELECT value FROM json_each(?))`
)

// applyFeed forgets what feed entries name: sessions from the token cache, users and
// accounts from the profile cache; an app change reloads the apps.
func (s *Store) applyFeed(ctx context.Context, batch []Revocation) {
	appsChanged := false
	ids := make([]int64, 0, len(batch))
	var keys []userKey
	for _, r := range batch {
		if r.SessionID != 0 {
			ids = append(ids, r.SessionID)
		}
		if r.WxUserID != 0 {
			keys = append(keys, userKey{id: r.WxUserID})
		}
		if r.AccountID != 0 {
			keys = append(keys, userKey{account: true, id: r.AccountID})
		}
		appsChanged = appsChanged || r.AppID != ""
	}
	s.cache.dropSessions(ids)
	s.users.drop(keys...)
	if appsChanged {
		s.reloadAppsOrForget(ctx)
	}
}

// flushCaches forgets every cached session, user and account, and reloads the apps.
func (s *Store) flushCaches(ctx context.Context) {
	s.cache.flush()
	s.users.flush()
	s.reloadAppsOrForget(ctx)
}

// reloadAppsOrForget reloads the apps; when it cannot, it forgets them so the next use
// reads them again.
func (s *Store) reloadAppsOrForget(ctx context.Context) {
	if s.apps.cur.Load() == nil && len(s.appHooks()) == 0 {
		return // never used here: loaded at first use
	}
	if err := s.ReloadApps(ctx); err != nil {
		s.apps.cur.Store(nil)
		if ctx.Err() == nil {
			s.log.Warn("apps changed but could not be reloaded; reading them at next use", "err", err)
		}
	}
}

// feedFollower is the state of FollowRevocations: the newest id seen and the ids skipped
// below it that may still appear.
type feedFollower struct {
	last int64
	gaps map[int64]time.Time // id -> when first missed
}

// FollowRevocations keeps this process's token cache in line with revocations made by any
// instance or process: it reads the revocations feed every second (starting from its
// current end) and forgets the sessions it names, and the users and accounts whose shown
// data it says changed (the profile cache). On PostgreSQL a LISTEN connection (on
// Options.DirectURL; none behind a transaction pooler without one) wakes it at once when a
// revocation commits, and the whole cache is dropped whenever that
// connection (re)connects, since notifications may have been missed. Errors are logged and
// retried. It returns ctx.Err() when ctx is done.
func (s *Store) FollowRevocations(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	if s.listenURL != "" {
		stop := s.listen(signal)
		defer stop()
	} else if s.pooled {
		s.log.Info("revocations feed: behind a transaction pooler without a direct URL; polling every second")
	}
	f := &feedFollower{last: -1, gaps: map[int64]time.Time{}}
	tick := time.NewTicker(revocationPoll)
	defer tick.Stop()
	failing := false
	for {
		err := s.pollRevocations(ctx, f)
		s.cache.feedRead(err, f.last, s.now())
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			s.log.Error("revocations feed: cannot read; cached tokens may outlive revocations until it recovers", "err", err)
			failing = true
		case err == nil && failing:
			s.log.Info("revocations feed: reading again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		case <-wake:
		}
	}
}

// pollRevocations reads what is new on the feed and drops those sessions from the cache.
func (s *Store) pollRevocations(ctx context.Context, f *feedFollower) error {
	if f.last < 0 {
		// Start at the end: the cache is empty of anything revoked before now, except
		// what was cached while this read failed, hence the flush.
		var end int64
		if err := s.row(ctx, s.r, `SELECT COALESCE(MAX(id), 0) FROM revocations`).Scan(&end); err != nil {
			return wrap("revocations end", err)
		}
		s.flushCaches(ctx)
		f.last = end
		return nil
	}
	for {
		batch, err := s.RevocationsAfter(ctx, f.last, revocationBatch)
		if err != nil {
			return err
		}
		now := s.now()
		for _, r := range batch {
			for g := f.last + 1; g < r.ID && len(f.gaps) < revocationBatch; g++ {
				f.gaps[g] = now
			}
			f.last = r.ID
		}
		s.applyFeed(ctx, batch)
		if len(batch) < revocationBatch {
			break
		}
	}
	if len(f.gaps) == 0 {
		return nil
	}
	gaps := make([]int64, 0, len(f.gaps))
	now := s.now()
	for id, since := range f.gaps {
		if now.Sub(since) > revocationGapWait {
			delete(f.gaps, id)
			continue
		}
		gaps = append(gaps, id)
	}
	slices.Sort(gaps)
	found, err := s.revocationsIn(ctx, gaps)
	if err != nil {
		return err
	}
	for _, r := range found {
		delete(f.gaps, r.ID)
	}
	s.applyFeed(ctx, found)
	return nil
}

// listen runs a PostgreSQL LISTEN connection that calls wake on every notification and
// flushes the cache on every (re)connection. stop ends it.
func (s *Store) listen(wake func()) (stop func()) {
	l := pq.NewListener(s.listenURL, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnected, pq.ListenerEventReconnected:
			s.cache.flush()
			s.users.flush()
			go s.reloadAppsOrForget(context.Background())
			wake()
		case pq.ListenerEventDisconnected:
			s.log.Warn("revocations listener disconnected; polling until it reconnects", "err", err)
		case pq.ListenerEventConnectionAttemptFailed:
			s.log.Debug("revocations listener cannot connect", "err", err)
		}
	})
	go func() {
		// Listen waits for the first connection; the poller must not.
		if err := l.Listen(notifyChannel); err != nil && !errors.Is(err, net.ErrClosed) {
			s.log.Warn("revocations listener: LISTEN failed; polling only", "err", err)
		}
	}()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-l.Notify:
				wake()
			case <-time.After(90 * time.Second):
				go l.Ping() // lets the listener notice a dead connection
			}
		}
	}()
	return func() {
		close(done)
		l.Close()
	}
}

// FlushLastSeen writes the last-seen times token checks collected in memory, in one batch.
// Serve calls it about once a minute and at shutdown.
func (s *Store) FlushLastSeen(ctx context.Context) error {
	type seen struct {
		e      *cacheEntry
		id, at int64
	}
	var batch []seen
	for i := range s.cache.shards {
		sh := &s.cache.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			if e.sess == nil {
				continue
			}
			if at := e.seen.Load(); at > e.flushed.Load() {
				batch = append(batch, seen{e, e.sess.ID, at})
			}
		}
		sh.mu.RUnlock()
	}
	for len(batch) > 0 {
		n := min(len(batch), 1000)
		ids, ats := make([]int64, n), make([]int64, n)
		for i, b := range batch[:n] {
			ids[i], ats[i] = b.id, b.at
		}
		if err := s.flushLastSeenBatch(ctx, ids, ats); err != nil {
			return fmt.Errorf("db: flush last seen: %w", err)
		}
		for _, b := range batch[:n] {
			b.e.flushed.Store(b.at)
		}
		batch = batch[n:]
	}
	return nil
}

// The last-seen flush is one statement on either dialect: pairs of (session id, time) in,
// each row moved forward only. PostgreSQL takes them as two arrays, SQLite as two JSON arrays.
const (
	flushLastSeenPostgres = `UPDATE sessions SET last_seen_at = v.at
		FROM unnest(?::bigint[], ?::bigint[]) AS v(id, at)
		WHERE sessions.id = v.id AND sessions.last_seen_at < v.at`
	flushLastSeenSQLite = `UPDATE sessions SET last_seen_at = v.at
		FROM (SELECT i.value AS id, a.value AS at FROM json_each(?) AS i JOIN json_each(?) AS a ON a.key = i.key) AS v
		WHERE sessions.id = v.id AND sessions.last_seen_at < v.at`
)

func (s *Store) flushLastSeenBatch(ctx context.Context, ids, ats []int64) error {
	query, idArg, atArg := flushLastSeenPostgres, any(pq.Array(ids)), any(pq.Array(ats))
	if s.dialect == DialectSQLite {
		query, idArg, atArg = flushLastSeenSQLite, jsonInts(ids), jsonInts(ats)
	}
	_, err := s.exec(ctx, s.w, query, idArg, atArg)
	return err
}

// jsonInts writes a JSON array of integers.
func jsonInts(v []int64) string {
	b := make([]byte, 0, 2+len(v)*14)
	b = append(b, '[')
	for i, n := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, n, 10)
	}
	return string(append(b, ']'))
}

// RunBackground follows the revocations feed and writes last-seen times every minute
// until ctx is done. The caller should FlushLastSeen once more at shutdown.
func (s *Store) RunBackground(ctx context.Context) {
	go func() { _ = s.FollowRevocations(ctx) }()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.FlushLastSeen(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("last-seen flush failed; will retry", "err", err)
			}
		}
	}
}
