package web

import (
	"context"
	"sync"
	"time"

	"miniauth/db"
)

// totalsEvery is how old the overview's totals may get.
const totalsEvery = time.Minute

// totalsCache keeps the overview's totals, counted at most once a minute off the request
// path: a page view reads the last count and, when it is stale, starts a recount.
type totalsCache struct {
	app      string // "": every app
	mu       sync.Mutex
	at       time.Time
	totals   db.ConsoleTotals
	counting bool
}

// get returns the last totals; it waits only for the very first count.
func (tc *totalsCache) get(ctx context.Context, store *db.Store, now time.Time) (db.ConsoleTotals, error) {
	tc.mu.Lock()
	if tc.at.IsZero() {
		tc.mu.Unlock()
		t, err := store.CountAppTotals(ctx, tc.app)
		if err != nil {
			return db.ConsoleTotals{}, err
		}
		tc.mu.Lock()
		tc.totals, tc.at = t, now
		tc.mu.Unlock()
		return t, nil
	}
	t := tc.totals
	if now.Sub(tc.at) > totalsEvery && !tc.counting {
		tc.counting = true
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			fresh, err := store.CountAppTotals(ctx, tc.app)
			tc.mu.Lock()
			defer tc.mu.Unlock()
			tc.counting = false
			if err == nil {
				tc.totals, tc.at = fresh, store.Now()
			}
		}()
	}
	tc.mu.Unlock()
	return t, nil
}

// invalidate makes the next page view recount (after a change the operator made).
func (tc *totalsCache) invalidate() {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if !tc.at.IsZero() {
		tc.at = time.Time{}.Add(1)
	}
}

// appTotals keeps one totalsCache per app the overview was asked to show.
type appTotals struct {
	mu sync.Mutex
	m  map[string]*totalsCache
}

// of returns the totals cache of app appid ("" is every app: all).
func (a *appTotals) of(appid string, all *totalsCache) *totalsCache {
	if appid == "" {
		return all
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string]*totalsCache{}
	}
	tc, ok := a.m[appid]
	if !ok {
		tc = &totalsCache{app: appid}
		a.m[appid] = tc
	}
	return tc
}

// userCountsEvery is how old the users page's counts may get: counting reads every user
// (about a second of database time at a million users), so less often than the totals.
const userCountsEvery = 10 * time.Minute

// userCountsCache keeps the users page's counts (db.UserCounts: live users by sign-up
// day, bound, disabled and has-phone), counted at most every ten minutes off the request path
// like the overview's totals, so a list page's total costs a sum in memory. The page shows
// it as an estimate ("about", with the time it was counted), since it may be minutes old.
type userCountsCache struct {
	mu       sync.Mutex
	counts   db.UserCounts
	counting bool
}

// get returns the last counts; it waits only for the very first count.
func (uc *userCountsCache) get(ctx context.Context, store *db.Store) (db.UserCounts, error) {
	uc.mu.Lock()
	if uc.counts.At.IsZero() {
		uc.mu.Unlock()
		c, err := store.CountUserGroups(ctx)
		if err != nil {
			return db.UserCounts{}, err
		}
		uc.mu.Lock()
		uc.counts = c
		uc.mu.Unlock()
		return c, nil
	}
	c := uc.counts
	if store.Now().Sub(c.At) > userCountsEvery && !uc.counting {
		uc.counting = true
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			fresh, err := store.CountUserGroups(ctx)
			uc.mu.Lock()
			defer uc.mu.Unlock()
			uc.counting = false
			if err == nil {
				uc.counts = fresh
			}
		}()
	}
	uc.mu.Unlock()
	return c, nil
}
