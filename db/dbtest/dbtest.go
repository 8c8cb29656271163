// Package dbtest gives tests migrated stores: always on SQLite (a file in a temporary
// directory) and on PostgreSQL whenever one is reachable, each in its own fresh database.
//
// PostgreSQL is found through MINIAUTH_TEST_POSTGRES (a URL whose user may create
// databases) or else at postgres://postgres@127.0.0.1:5432/test. When it cannot be
// reached the PostgreSQL variants are skipped, except under CI=true, where that fails.
// With MINIAUTH_TEST_POOLER=transaction the PostgreSQL stores of Open and ForEach go
// through a pgbouncer in transaction mode (Pgbouncer), as several instances would.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/lib/pq" // the admin connection

	"miniauth/db"
)

// DefaultPostgres is the admin URL used when MINIAUTH_TEST_POSTGRES is not set.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects lists the dialects ForEach runs, in order.
var Dialects = []string{db.DialectSQLite, db.DialectPostgres}

// ForEach runs fn as the subtests "sqlite" and "postgres", each with its own freshly
// migrated store.
func ForEach(t *testing.T, fn func(t *testing.T, s *db.Store)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a migrated store of the dialect ("sqlite" or "postgres") on a fresh
// database, closed (and on PostgreSQL dropped) when the test ends.
func Open(t testing.TB, dialect string) *db.Store {
	t.Helper()
	u := URL(t, dialect)
	if dialect == db.DialectPostgres && os.Getenv("MINIAUTH_TEST_POOLER") == "transaction" {
		return openURL(t, Pgbouncer(t, u, 8), db.Options{Pooled: true})
	}
	return OpenURL(t, u)
}

// URL returns the URL of a fresh, empty database of the dialect ("sqlite" or
// "postgres"): SQLiteURL or PostgresURL.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case db.DialectSQLite:
		return SQLiteURL(t)
	case db.DialectPostgres:
		return PostgresURL(t)
	}
	t.Fatalf("dbtest: unknown dialect %q", dialect)
	return ""
}

// OpenURL opens and migrates a store on u with a test key ring; it is closed when the
// test ends. Call it twice with one URL for two instances sharing a database.
func OpenURL(t testing.TB, u string) *db.Store {
	t.Helper()
	return openURL(t, u, db.Options{})
}

// openURL is OpenURL with options.
func openURL(t testing.TB, u string, opts db.Options) *db.Store {
	t.Helper()
	s := OpenWith(t, u, opts)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	return s
}

// OpenWith opens a store on u with opts, not migrated, closed when the test ends. The key
// ring is the tests' one, and the clock, unless opts has one, a Clock that SetNow moves.
func OpenWith(t testing.TB, u string, opts db.Options) *db.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts.Keys = Keys(t)
	var c *Clock
	if opts.Now == nil {
		c = &Clock{}
		opts.Now = c.Now
	}
	s, err := db.Open(ctx, u, opts)
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	if c != nil {
		clocks.Store(s, c)
	}
	t.Cleanup(func() { s.Close(); clocks.Delete(s) })
	return s
}

// testKey is one key for every store of a test binary, so that stores sharing a database
// open each other's sealed values.
var testKey = sync.OnceValue(func() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
})

// Keys returns the key ring test stores use.
func Keys(t testing.TB) *db.Keyring {
	t.Helper()
	k, err := db.ParseKeyring(testKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// SQLiteURL returns the URL of a new SQLite database file in a temporary directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "miniauth.db")
}

// adminURL is the PostgreSQL server tests create their databases on.
func adminURL() string {
	if u := os.Getenv("MINIAUTH_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// reach remembers whether the PostgreSQL server answered, so an absent server costs one
// connection timeout per test binary, not one per test.
var reach = sync.OnceValue(func() error {
	conn, err := sql.Open("postgres", adminURL())
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return conn.PingContext(ctx)
})

// PostgresURL creates a fresh PostgreSQL database for the test and returns its URL (not
// migrated: Open and OpenURL migrate, and a server under test migrates by itself). The
// database is dropped when the test ends. Without a reachable server the test is
// skipped, or fails under CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := adminURL()
	if err := reach(); err != nil {
		msg := fmt.Sprintf("dbtest: PostgreSQL not reachable at %s (set MINIAUTH_TEST_POSTGRES): %v", redact(admin), err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		NoteSkipped("PostgreSQL tests did not run", fmt.Sprintf("no PostgreSQL at %s (%v)", redact(admin), err))
		t.Skip(msg)
	}
	conn, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer conn.Close()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "miniauth_t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	// Registered before the stores' Close (cleanups run last-in first-out), and FORCE
	// ends whatever connection is still open, such as a listener.
	t.Cleanup(func() {
		conn, err := sql.Open("postgres", admin)
		if err != nil {
			t.Errorf("dbtest: drop database: %v", err)
			return
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("dbtest: MINIAUTH_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Clock is a store's clock in tests (db.Options.Now): the wall clock until Set, then the
// instant it was set to (whole milliseconds, as the store keeps times) until moved again.
// It is safe for concurrent use.
type Clock struct{ ms atomic.Int64 }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	if ms := c.ms.Load(); ms != 0 {
		return time.UnixMilli(ms)
	}
	return time.Now()
}

// Set stops the clock at t; the zero time gives it back to the wall clock.
func (c *Clock) Set(t time.Time) {
	if t.IsZero() {
		c.ms.Store(0)
		return
	}
	c.ms.Store(t.UnixMilli())
}

// clocks holds the Clock of every open store this package made.
var clocks sync.Map // *db.Store → *Clock

// SetNow sets the clock of a store opened by this package (Open, OpenURL, ForEach) to t:
// the store's commands, and the API and console handlers built on it, run at t from now
// on. It is how tests move time; the store has no other clock.
func SetNow(t testing.TB, s *db.Store, at time.Time) {
	t.Helper()
	c, ok := clocks.Load(s)
	if !ok {
		t.Fatal("dbtest: SetNow on a store this package did not open with its clock")
	}
	c.(*Clock).Set(at)
}
