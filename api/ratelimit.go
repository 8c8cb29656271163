package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"miniauth/db"
)

// loginWindow is the fixed window of the per-IP login limit: whole minutes of the clock,
// the same on every instance.
const loginWindow = time.Minute

// loginSyncEvery is how long an instance keeps new admissions to itself before adding
// them to the shared counts and reading back the other instances'.
const loginSyncEvery = time.Second

// loginStaleAfter is the age of the last read of the shared counts past which a request
// waits for a fresh one (an instance that was idle, or the first request of a window).
const loginStaleAfter = 2 * loginSyncEvery

// loginHotShare: a sync also reads back every address that has used this share of the
// limit (1/10) across the cluster, so an instance knows it before serving it.
const loginHotShare = 10

// loginSyncTimeout bounds one sync, so a stalled database does not pile them up.
const loginSyncTimeout = 5 * time.Second

// ipLimit is the per-IP limit on code exchanges, shared by every instance on the database.
//
// Each instance decides alone, in memory, under one lock: a request from an address is
// admitted when what the other instances had admitted from it in this window (as of the
// last sync) plus what this instance admitted is under the limit, and it is counted in
// the same step, so a burst on one instance gets exactly the limit through. A busy
// instance's logins never wait for the database: loginSyncEvery after an admission it
// adds its new admissions to the shared table login_rate, reading back the cluster's
// totals of those addresses and of every address at a tenth of the limit or more, in one
// sync (db.Store.SyncLoginCounts). Only a request that finds the last sync older than
// loginStaleAfter, or of an earlier window, runs one first (concurrent ones share it).
// docs/architecture.md gives the bound on what the instances admit together. When the
// database cannot be reached the instance keeps its own count (the limit is then per
// instance) and tries again loginStaleAfter later.
type ipLimit struct {
	store *db.Store
	max   int64
	hot   int64         // read back addresses with this many logins or more
	every time.Duration // 0: no scheduled syncs, only Sync calls and stale reads (tests)
	now   func() time.Time
	log   *slog.Logger

	mu         sync.Mutex
	window     time.Time // start of the window the counts are for
	ips        map[string]*ipCount
	scheduled  bool      // a sync is due and will pick up new admissions
	readAt     time.Time // when the last sync began
	readWindow time.Time // and the window it read

	syncing sync.Mutex // one sync at a time: each reads back totals of its own pushes
}

// ipCount is one address's count in the current window.
type ipCount struct {
	local  int64 // admitted by this instance
	pushed int64 // the part of local added to the shared count
	others int64 // admitted by the other instances, as of the last sync
}

func newIPLimit(store *db.Store, limit int, now func() time.Time, log *slog.Logger) *ipLimit {
	return &ipLimit{store: store, max: int64(limit), hot: max(1, int64(limit)/loginHotShare),
		every: loginSyncEvery, now: now, log: log, ips: map[string]*ipCount{}}
}

// take counts a request from ip at now and returns 0, or, when the address has had its
// logins for this window, how long until the next window begins.
func (l *ipLimit) take(ctx context.Context, ip string, now time.Time) time.Duration {
	if l.stale(now) {
		l.refresh(ctx, now)
	}
	l.mu.Lock()
	l.roll(now)
	c := l.count(ip)
	if c.others+c.local >= l.max {
		wait := l.window.Add(loginWindow).Sub(now)
		l.mu.Unlock()
		return wait
	}
	c.local++
	schedule := l.every > 0 && !l.scheduled
	l.scheduled = l.scheduled || schedule
	l.mu.Unlock()
	if schedule {
		time.AfterFunc(l.every, l.scheduledSync)
	}
	return 0
}

// roll starts a new window when now is past the current one: every address starts afresh
// (and the old map is dropped). l.mu is held.
func (l *ipLimit) roll(now time.Time) {
	if w := now.Truncate(loginWindow); w.After(l.window) {
		l.window, l.ips = w, map[string]*ipCount{}
	}
}

// count is ip's entry in the current window. l.mu is held.
func (l *ipLimit) count(ip string) *ipCount {
	c := l.ips[ip]
	if c == nil {
		c = &ipCount{}
		l.ips[ip] = c
	}
	return c
}

// stale says whether a decision at now needs a fresher read of the shared counts.
func (l *ipLimit) stale(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.readWindow.Equal(now.Truncate(loginWindow)) || now.Sub(l.readAt) > loginStaleAfter
}

// refresh syncs before a decision, unless a concurrent request's sync already did.
func (l *ipLimit) refresh(ctx context.Context, now time.Time) {
	l.syncing.Lock()
	defer l.syncing.Unlock()
	if !l.stale(now) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, loginSyncTimeout)
	defer cancel()
	if err := l.syncLocked(ctx, now); err != nil {
		l.log.Warn("per-IP login counts not shared with the other instances; counting locally for now", "err", err)
	}
}

// scheduledSync is the sync take schedules; admissions from here on schedule the next.
func (l *ipLimit) scheduledSync() {
	l.mu.Lock()
	l.scheduled = false
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), loginSyncTimeout)
	defer cancel()
	if err := l.Sync(ctx); err != nil {
		l.log.Warn("per-IP login counts not shared with the other instances; counting locally for now", "err", err)
	}
}

// Sync adds this instance's admissions since the last sync to the shared counts and takes
// the other instances' totals for those addresses and for the addresses near the limit.
// The server runs it about once a second while logins come in; tests call it to choose
// when instances meet.
func (l *ipLimit) Sync(ctx context.Context) error {
	l.syncing.Lock()
	defer l.syncing.Unlock()
	return l.syncLocked(ctx, l.now())
}

// syncLocked is Sync; l.syncing is held.
func (l *ipLimit) syncLocked(ctx context.Context, now time.Time) error {
	l.mu.Lock()
	l.roll(now)
	window := l.window
	added := map[string]int64{}
	for ip, c := range l.ips {
		if d := c.local - c.pushed; d > 0 {
			added[ip] = d
			c.pushed = c.local
		}
	}
	l.mu.Unlock()
	totals, err := l.store.SyncLoginCounts(ctx, db.LoginCounts{Window: window, Added: added, Hot: l.hot})
	l.mu.Lock()
	defer l.mu.Unlock()
	// Even a failed read counts as one: the next try is loginStaleAfter later, not at
	// every request.
	l.readAt, l.readWindow = now, window
	if !l.window.Equal(window) {
		return err // that window is over; its counts no longer decide anything
	}
	if err != nil {
		for ip, d := range added {
			l.ips[ip].pushed -= d // sent again next time (counted twice at worst: stricter)
		}
		return err
	}
	for ip, total := range totals {
		// Syncs run one at a time, so the total holds exactly c.pushed of ours.
		c := l.count(ip)
		c.others = max(c.others, total-c.pushed)
	}
	return nil
}

// loginRateLimited is the answer to a login, checkBind or bind refused by the per-IP
// limit; wait is the time until the address's next window.
func (h *Handler) loginRateLimited(wait time.Duration) error {
	h.metrics.Throttled(ThrottleLoginIP)
	return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many logins from this address, retry in a minute", RetryAfter: retryAfter(wait)}
}
