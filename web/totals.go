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
		t, err := store.CountTotals(ctx)
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
			fresh, err := store.CountTotals(ctx)
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
