package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestSyncLoginCountsSharedAcrossInstances: two stores on one database (two instances)
// adding to the same address's count at once, 50 syncs each, lose no addition, and every
// sync reads back a total that includes its own additions and whatever the other had added.
func TestSyncLoginCountsSharedAcrossInstances(t *testing.T) {
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			u := dbtest.SQLiteURL(t)
			if d == db.DialectPostgres {
				u = dbtest.PostgresURL(t)
			}
			stores := []*db.Store{dbtest.OpenURL(t, u), dbtest.OpenURL(t, u)}
			ctx := context.Background()
			window := time.Date(2026, 3, 1, 10, 4, 0, 0, time.UTC)
			const per = 50
			var wg sync.WaitGroup
			errs := make(chan error, 2*per)
			for i := 0; i < 2*per; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Each sync adds 3 for the shared address and 1 for one of its own.
					tot, err := stores[i%2].SyncLoginCounts(ctx, db.LoginCounts{Window: window,
						Added: map[string]int64{"203.0.113.5": 3, fmt.Sprintf("198.51.100.%d", i): 1}})
					if err == nil && (tot["203.0.113.5"] < 3 || tot[fmt.Sprintf("198.51.100.%d", i)] != 1) {
						err = fmt.Errorf("sync %d read back %v", i, tot)
					}
					errs <- err
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			// One more sync from either instance sees all 100 syncs' additions.
			tot, err := stores[0].SyncLoginCounts(ctx, db.LoginCounts{Window: window, Added: map[string]int64{"203.0.113.5": 1}})
			if err != nil || tot["203.0.113.5"] != 3*2*per+1 {
				t.Fatalf("total %v %v, want %d", tot, err, 3*2*per+1)
			}
			// Another window counts apart.
			tot, err = stores[1].SyncLoginCounts(ctx, db.LoginCounts{Window: window.Add(time.Minute), Added: map[string]int64{"203.0.113.5": 2}})
			if err != nil || tot["203.0.113.5"] != 2 {
				t.Fatalf("next window: %v %v, want 2", tot, err)
			}
			// An instance that never served an address learns of it once it is near the
			// limit (at Hot or more), and only then.
			if _, err := stores[0].SyncLoginCounts(ctx, db.LoginCounts{Window: window, Added: map[string]int64{"192.0.2.1": 4}}); err != nil {
				t.Fatal(err)
			}
			tot, err = stores[1].SyncLoginCounts(ctx, db.LoginCounts{Window: window, Hot: 5})
			if err != nil || len(tot) != 1 || tot["203.0.113.5"] != 3*2*per+1 {
				t.Fatalf("hot addresses: %v %v, want only 203.0.113.5 at %d", tot, err, 3*2*per+1)
			}
			// The cleanup an hour later drops the old windows: the address starts afresh.
			if _, err := at(t, stores[0], window.Add(time.Minute+time.Hour)).Cleanup(ctx, 0); err != nil {
				t.Fatal(err)
			}
			tot, err = stores[0].SyncLoginCounts(ctx, db.LoginCounts{Window: window, Added: map[string]int64{"203.0.113.5": 1}})
			if err != nil || tot["203.0.113.5"] != 1 {
				t.Fatalf("after cleanup: %v %v, want 1", tot, err)
			}
		})
	}
}

// TestSyncLoginCountsManyAddresses: a sync with more addresses than one statement takes
// adds them all.
func TestSyncLoginCountsManyAddresses(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		added := map[string]int64{}
		for i := 0; i < 2500; i++ {
			added[fmt.Sprintf("2001:db8::%x", i)] = int64(i%7 + 1)
		}
		tot, err := s.SyncLoginCounts(context.Background(), db.LoginCounts{Window: time.UnixMilli(60000), Added: added})
		if err != nil {
			t.Fatal(err)
		}
		if len(tot) != len(added) {
			t.Fatalf("%d totals, want %d", len(tot), len(added))
		}
		for ip, n := range added {
			if tot[ip] != n {
				t.Fatalf("%s: %d, want %d", ip, tot[ip], n)
			}
		}
	})
}
