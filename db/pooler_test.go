package db_test

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pressly/goose/v3/lock"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestMigrateThroughTransactionPooler: behind pgbouncer in transaction mode, a migrating
// store waits while another migrator holds the migration lock (here a direct session
// holding goose's advisory lock, as an instance migrating without a pooler does), then
// migrates once it is released, and works with nothing prepared.
func TestMigrateThroughTransactionPooler(t *testing.T) {
	direct := dbtest.PostgresURL(t)
	pooled := dbtest.Pgbouncer(t, direct, 2)
	ctx := context.Background()
	s, err := db.Open(ctx, pooled, db.Options{Keys: dbtest.Keys(t), Pooled: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	other, err := sql.Open("postgres", direct)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	holder, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}
	// The lock is held for good: Migrate can only give up when its context ends.
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	err = s.Migrate(short)
	cancel()
	if err == nil {
		t.Fatal("migrated through the pooler while another migrator held the lock")
	}
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", lock.DefaultLockID); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate once the lock is free: %v", err)
	}
	if v, err := s.Version(ctx); err != nil || v < 1 {
		t.Fatalf("version after migrating: %d %v", v, err)
	}
	// A second store through the pooler finds the schema current, and both answer 50
	// concurrent queries with parameters (a prepared statement would be looked for on
	// whichever server connection the pooler picks next, and be missing).
	s2, err := db.Open(ctx, pooled, db.Options{Keys: dbtest.Keys(t), Pooled: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	if err := s2.Migrate(ctx); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := []*db.Store{s, s2}[i%2]
			for range 5 {
				if _, err := st.RevocationsAfter(ctx, int64(i), 10); err != nil {
					failed.Add(1)
					t.Log(err)
				}
			}
		}()
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of 250 queries through the pooler failed", n)
	}
}
