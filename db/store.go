// Package db is miniauth's store: sqlx over PostgreSQL (lib/pq) or an embedded SQLite
// database (modernc), with per-dialect migrations, the key ring that seals WeChat
// session_keys, and the in-process session cache that follows the revocations feed.
//
// Each query is written once with ? placeholders inside the method that runs it, rebound
// for the dialect and prepared once per pool; where the SQL must differ both versions sit
// side by side with a Postgres/SQLite suffix. Every time is stored as unix milliseconds in
// a BIGINT column (NULL for "never"). Behind a transaction pooler (Options.Pooled) nothing
// is prepared: each query is one unnamed Parse/Bind/Execute round trip.
//
// Decisions worth knowing:
//   - SQLite runs one writer connection (immediate transactions) beside a read-only pool;
//     PostgreSQL uses one pool for both.
//   - Every insert into revocations notifies channel "miniauth_revocations" through a
//     statement trigger, so any writer (API, console, CLI) wakes every follower in the
//     inserting transaction. Followers also poll every second, and look again for ids
//     they skipped, since a PostgreSQL id can become visible after a higher one.
//   - daily_stats rows are keyed by UTC day and a shard: PostgreSQL logins pick one of 16
//     shards so they do not queue on one row lock; readers sum them (DailyStats).
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"  // registers the "postgres" driver
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

func init() {
	// modernc registers itself as "sqlite", which sqlx does not know; without this its
	// Rebind would leave ? alone only by accident.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Dialect names, as returned by Store.Dialect.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// DefaultCacheSize is the number of token hashes the session cache holds when
// Options.CacheSize is zero.
const DefaultCacheSize = 100000

// sqliteReaders is the size of the SQLite reader pool beside its single writer.
const sqliteReaders = 4

// Options configures a Store.
type Options struct {
	// Keys seals and opens WeChat session_keys. Required.
	Keys *Keyring
	// Logger receives background errors (revocation feed, last-seen flush). Default: discard.
	Logger *slog.Logger
	// CacheSize bounds the token cache (entries). Zero means DefaultCacheSize.
	CacheSize int
	// UserCacheSize bounds the cache of users and accounts that token checks show
	// (entries, least recently used out). Zero means DefaultUserCacheSize.
	UserCacheSize int
	// Now is the store's clock: every command takes its time once from it. Default:
	// time.Now. Tests inject a fixed or stepping clock.
	Now func() time.Time
	// DayZone is the zone whose calendar days the overview's counters (daily_stats) are
	// kept in: the console's time zone, so "today" starts at the operators' midnight.
	// Every instance sharing a database must use the same zone. Default: UTC.
	DayZone *time.Location

	// Pooled says the PostgreSQL URL leads through a pooler in transaction mode (such as
	// pgbouncer's pool_mode=transaction), where one session's transactions may run on
	// different server connections: nothing is prepared (lib/pq's binary_parameters=yes
	// sends each query as one unnamed Parse/Bind/Execute), migrations hold a
	// transaction-level advisory lock, and the revocation feed listens on DirectURL or,
	// without it, polls every second.
	Pooled bool
	// DirectURL is a PostgreSQL URL reaching the server itself, past any pooler, for the
	// revocation feed's LISTEN connection. Empty: the store's URL, or no LISTEN when Pooled.
	DirectURL string
}

// Store is the database behind miniauth. It is safe for concurrent use.
type Store struct {
	dialect string
	w       *sqlx.DB // writes (and, on PostgreSQL, reads too)
	r       *sqlx.DB // reads; the same pool as w on PostgreSQL
	keys    *Keyring
	log     *slog.Logger
	cache   *tokenCache
	users   *userCache
	apps    appsState // the apps table in memory (db/apps.go)
	rebinds sync.Map  // query with ? -> query with $n (PostgreSQL only)
	wStmts  sync.Map  // query -> *sqlx.Stmt prepared on w
	rStmts  sync.Map  // query -> *sqlx.Stmt prepared on r (SQLite; on PostgreSQL r is w)
	pending sync.Map  // queries met first inside a transaction, to prepare on w

	pooled    bool   // behind a transaction pooler: nothing prepared, no session locks
	listenURL string // where the revocation feed's LISTEN connection goes; empty: poll only

	clock   func() time.Time
	dayZone *time.Location // Options.DayZone

	cp              *sqlx.DB      // SQLite: the checkpointer's connection (checkpointer)
	stopCheckpoints func()        // SQLite: stops the checkpointer and waits for it
	group           *groupCommit  // SQLite: logins committed together (groupTx)
	logins          *loginBatcher // PostgreSQL: logins run together (loginBatched)
}

// now is the store's clock (Options.Now). Each command reads it once.
func (s *Store) now() time.Time { return s.clock() }

// Now reads the store's clock (Options.Now). The API and console handlers take their time
// from it unless a test gives them a clock of their own, so a server has one clock.
func (s *Store) Now() time.Time { return s.clock() }

// DayZone is the zone of the overview's calendar days (Options.DayZone).
func (s *Store) DayZone() *time.Location { return s.dayZone }

// Open connects to the database named by url: postgres:// or postgresql:// for
// PostgreSQL, sqlite:PATH or a plain path for SQLite (the parent directory is created).
// It does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	if opts.Keys == nil {
		return nil, errors.New("db: open: Options.Keys is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.UserCacheSize <= 0 {
		opts.UserCacheSize = DefaultUserCacheSize
	}
	if opts.DayZone == nil {
		opts.DayZone = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := CheckURL(url); err != nil {
		return nil, err
	}
	s := &Store{keys: opts.Keys, log: opts.Logger, cache: newTokenCache(opts.CacheSize), users: newUserCache(opts.UserCacheSize), clock: opts.Now, dayZone: opts.DayZone}
	var err error
	if IsPostgres(url) {
		err = s.openPostgres(ctx, url, opts)
	} else if opts.Pooled || opts.DirectURL != "" {
		err = errors.New("db: open: a pooler and a direct URL are for PostgreSQL only")
	} else {
		err = s.openSQLite(ctx, url)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) openPostgres(ctx context.Context, raw string, opts Options) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("db: open: parse PostgreSQL URL: %w", err)
	}
	q := u.Query()
	if !q.Has("binary_parameters") {
		// Lets lib/pq send parameters without a separate prepare round trip.
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
	}
	if opts.Pooled && q.Get("binary_parameters") != "yes" {
		// Without it lib/pq parses and executes in two round trips, which a transaction
		// pooler may send to two server connections.
		return errors.New("db: open: behind a transaction pooler the PostgreSQL URL needs binary_parameters=yes (or no binary_parameters at all)")
	}
	s.dialect, s.pooled = DialectPostgres, opts.Pooled
	switch {
	case opts.DirectURL != "":
		s.listenURL = opts.DirectURL
	case !opts.Pooled:
		s.listenURL = u.String()
	}
	d, err := sqlx.Open("postgres", u.String())
	if err != nil {
		return fmt.Errorf("db: open PostgreSQL: %w", err)
	}
	n := max(8, 4*runtime.GOMAXPROCS(0))
	d.SetMaxOpenConns(n)
	d.SetMaxIdleConns(n)
	d.SetConnMaxIdleTime(5 * time.Minute)
	if err := d.PingContext(ctx); err != nil {
		d.Close()
		return postgresProblem(u, err)
	}
	s.w, s.r = d, d
	s.startLoginBatcher()
	return nil
}

// sqliteFile returns the file named by an SQLite database URL.
func sqliteFile(raw string) string {
	p := strings.TrimPrefix(raw, "sqlite:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return strings.TrimPrefix(p, "//")
}

func (s *Store) openSQLite(ctx context.Context, raw string) error {
	path := sqliteFile(raw)
	if path == "" {
		return errors.New("db: open SQLite: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create the directory of the SQLite database %s: %w", path, err)
	}
	// Created here, not by SQLite, to get mode 0600: the file holds phone numbers and
	// sealed session keys (SQLite gives the -wal and -shm files the same mode).
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	s.dialect = DialectSQLite
	// One writer connection: SQLite has one writer anyway, and queuing in Go is cheaper
	// than busy-waiting in SQLite. Immediate transactions take the write lock at BEGIN,
	// so a transaction never fails half-way to upgrade its lock.
	// wal_autocheckpoint(0): the checkpointer below copies the log back, off the write path.
	w, err := sqlx.Open("sqlite", path+"?_busy_timeout=5000&_journal_mode=WAL&_synchronous=NORMAL&_foreign_keys=1&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=temp_store(MEMORY)")
	if err != nil {
		return fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	r, err := sqlx.Open("sqlite", path+"?_busy_timeout=5000&_foreign_keys=1&_query_only=1")
	if err != nil {
		w.Close()
		return fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	r.SetMaxOpenConns(sqliteReaders)
	r.SetMaxIdleConns(sqliteReaders)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	cp, err := sqlx.Open("sqlite", path+"?_busy_timeout=5000&_synchronous=NORMAL")
	if err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("cannot open the SQLite database %s: %w", path, err)
	}
	cp.SetMaxOpenConns(1)
	cp.SetConnMaxLifetime(0)
	cp.SetConnMaxIdleTime(0)
	s.w, s.r, s.cp = w, r, cp
	cctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.stopCheckpoints = func() { cancel(); <-done }
	go s.checkpointer(cctx, cp, done)
	s.startGroupCommit()
	return nil
}

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers a query (readiness probe). It uses the reader
// pool, so a long write transaction on SQLite does not make the instance look down.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("db: ping: %w", err)
	}
	return nil
}

// Close closes the connection pools.
func (s *Store) Close() error {
	if s.group != nil {
		s.group.stopGroupCommit()
	}
	if s.logins != nil {
		s.logins.stopLoginBatcher()
	}
	if s.stopCheckpoints != nil {
		s.stopCheckpoints()
	}
	for _, m := range []*sync.Map{&s.wStmts, &s.rStmts} {
		m.Range(func(_, v any) bool {
			v.(*sqlx.Stmt).Close()
			return true
		})
	}
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	if s.cp != nil {
		err = errors.Join(err, s.cp.Close())
	}
	return err
}

// q rebinds a query written with ? for the dialect; the result is cached per query.
func (s *Store) q(query string) string {
	if s.dialect != DialectPostgres {
		return query
	}
	if v, ok := s.rebinds.Load(query); ok {
		return v.(string)
	}
	r := sqlx.Rebind(sqlx.DOLLAR, query)
	s.rebinds.Store(query, r)
	return r
}

// runner is where a statement runs: the writer or reader pool (*sqlx.DB) or a write
// transaction (*sqlx.Tx).
type runner interface {
	sqlx.ExecerContext
	sqlx.QueryerContext
}

// stmt returns a prepared statement for query (written with ?) on r. Statements are
// prepared once per pool and reused, inside a transaction through Tx.Stmt, which finds
// the connection's copy: parsing costs SQLite a quarter of a login, and PostgreSQL plans
// an unprepared statement on every execution.
func (s *Store) stmt(ctx context.Context, r runner, query string) (*sqlx.Stmt, error) {
	var pool *sqlx.DB
	tx, inTx := r.(*sqlx.Tx)
	if inTx {
		pool = s.w
	} else {
		pool = r.(*sqlx.DB)
	}
	cache := &s.rStmts
	if pool == s.w {
		cache = &s.wStmts
	}
	if v, ok := cache.Load(query); ok {
		if inTx {
			return tx.StmtxContext(ctx, v.(*sqlx.Stmt)), nil
		}
		return v.(*sqlx.Stmt), nil
	}
	if inTx {
		// Preparing on the pool would wait for the writer's only connection, which this
		// transaction holds: prepare for this transaction now, for the pool before the
		// next transaction begins.
		s.pending.Store(query, struct{}{})
		return tx.PreparexContext(ctx, s.q(query))
	}
	return s.prepare(ctx, pool, cache, query)
}

// prepare prepares query on pool and caches it.
func (s *Store) prepare(ctx context.Context, pool *sqlx.DB, cache *sync.Map, query string) (*sqlx.Stmt, error) {
	p, err := pool.PreparexContext(ctx, s.q(query))
	if err != nil {
		return nil, err
	}
	if v, loaded := cache.LoadOrStore(query, p); loaded {
		p.Close()
		return v.(*sqlx.Stmt), nil
	}
	return p, nil
}

// preparePending prepares on the writer the statements first met inside a transaction.
func (s *Store) preparePending(ctx context.Context) {
	s.pending.Range(func(k, _ any) bool {
		s.pending.Delete(k)
		if _, err := s.prepare(ctx, s.w, &s.wStmts, k.(string)); err != nil {
			return false // prepared again on next use
		}
		return true
	})
}

// exec runs a statement written with ? on r.
func (s *Store) exec(ctx context.Context, r runner, query string, args ...any) (sql.Result, error) {
	if s.pooled {
		return r.ExecContext(ctx, s.q(query), args...)
	}
	st, err := s.stmt(ctx, r, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// scanner is a single result row.
type scanner interface{ Scan(dest ...any) error }

// errRow is a row that could not be queried.
type errRow struct{ err error }

// Scan returns the query error.
func (r errRow) Scan(...any) error { return r.err }

// row runs a query written with ? on r and returns its single row.
func (s *Store) row(ctx context.Context, r runner, query string, args ...any) scanner {
	if s.pooled {
		return r.QueryRowxContext(ctx, s.q(query), args...)
	}
	st, err := s.stmt(ctx, r, query)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowxContext(ctx, args...)
}

// adhocRows runs a query written with ? on r without preparing it: each call is planned
// with its own arguments. The console's lists use it: their text varies with the filters
// (one prepared statement per combination would pile up), and on PostgreSQL a prepared
// statement soon gets a generic plan, blind to how selective a search term or a date
// range is, which can cost a page hundreds of milliseconds.
func (s *Store) adhocRows(ctx context.Context, r runner, query string, args ...any) (*sqlx.Rows, error) {
	return r.QueryxContext(ctx, s.q(query), args...)
}

// rows runs a query written with ? on r.
func (s *Store) rows(ctx context.Context, r runner, query string, args ...any) (*sqlx.Rows, error) {
	if s.pooled {
		return r.QueryxContext(ctx, s.q(query), args...)
	}
	st, err := s.stmt(ctx, r, query)
	if err != nil {
		return nil, err
	}
	return st.QueryxContext(ctx, args...)
}

// tx runs fn in one write transaction (immediate on SQLite) and commits it when fn
// returns nil. The error is returned with op as context.
func (s *Store) tx(ctx context.Context, op string, fn func(tx *sqlx.Tx) error) error {
	s.preparePending(ctx)
	tx, err := s.w.BeginTxx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	defer func() {
		// A panic in fn must not leave the transaction open: on SQLite it would hold
		// the one writer connection for good.
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return wrap(op, err)
	}
	return nil
}

// ms is a time as stored: unix milliseconds, or NULL for the zero time.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// msTime scans a unix-milliseconds column (NULL = zero time) into a time.Time.
type msTime struct{ t *time.Time }

// Scan implements sql.Scanner.
func (m msTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*m.t = time.Time{}
	case int64:
		*m.t = time.UnixMilli(x)
	default:
		return fmt.Errorf("db: scan time: unexpected %T", v)
	}
	return nil
}

// orZero wraps scan destinations so that a NULL leaves the zero value, for the columns of
// a LEFT JOIN whose right side may be missing. The destinations are those of accountDest
// and wxUserDest: *string, *int64, *int, *bool and msTime.
func orZero(dest ...any) []any {
	out := make([]any, len(dest))
	for i, d := range dest {
		out[i] = zeroIfNull{d}
	}
	return out
}

// zeroIfNull scans into dest, leaving it alone for a NULL.
type zeroIfNull struct{ dest any }

// Scan implements sql.Scanner.
func (z zeroIfNull) Scan(v any) error {
	if v == nil {
		return nil
	}
	switch d := z.dest.(type) {
	case sql.Scanner:
		return d.Scan(v)
	case *string:
		var x sql.NullString
		err := x.Scan(v)
		*d = x.String
		return err
	case *int64:
		var x sql.NullInt64
		err := x.Scan(v)
		*d = x.Int64
		return err
	case *int:
		var x sql.NullInt64
		err := x.Scan(v)
		*d = int(x.Int64)
		return err
	case *bool:
		var x sql.NullBool
		err := x.Scan(v)
		*d = x.Bool
		return err
	}
	return fmt.Errorf("db: scan: unexpected destination %T", z.dest)
}

// nullString stores an empty string as NULL (unionid: absent, not "").
func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// nullInt stores 0 as NULL (an id that names nothing).
func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
