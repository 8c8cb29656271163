package db

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds one directory per dialect; both carry the same version numbers.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// provider builds a goose provider for the store's dialect. On PostgreSQL it takes goose's
// session advisory lock, so instances starting together migrate one after the other;
// behind a transaction pooler, where a session lock would stay on whichever server
// connection took it, the same advisory lock is taken at transaction level instead
// (xactLocker).
func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	if s.dialect == DialectPostgres && s.pooled {
		return goose.NewProvider(goose.DialectPostgres, s.w.DB, sub, goose.WithLocker(&xactLocker{}))
	}
	if s.dialect == DialectPostgres {
		// Probe the lock every second (for up to 5 minutes) rather than goose's 5 s
		// default: a second instance then starts about as soon as the first has migrated.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		return goose.NewProvider(goose.DialectPostgres, s.w.DB, sub, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(goose.DialectSQLite3, s.w.DB, sub)
}

// migrationLockWait bounds how long an instance waits for another one's migrations, and
// migrationLockProbe is how often it tries the lock meanwhile.
const (
	migrationLockWait  = 5 * time.Minute
	migrationLockProbe = time.Second
)

// xactLocker is the migration lock behind a transaction pooler: a transaction takes
// pg_try_advisory_xact_lock on goose's lock id (so it also excludes instances migrating
// over a direct connection with the session lock) and stays open while the migrations
// run, which keeps it on one server connection; Unlock rolls it back, and a migrator that
// dies releases the lock with its connection. A waiter rolls back between tries, so
// instances queueing for the lock do not hold the server connections the migrating one
// needs.
type xactLocker struct{ tx *sql.Tx }

// Lock implements lock.Locker.
func (l *xactLocker) Lock(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, migrationLockWait)
	defer cancel()
	for {
		// The transaction must outlive ctx until Unlock rolls it back.
		tx, err := db.BeginTx(context.WithoutCancel(ctx), nil)
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		var locked bool
		if err := tx.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock($1)", lock.DefaultLockID).Scan(&locked); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration lock: %w", err)
		}
		if locked {
			l.tx = tx
			return nil
		}
		_ = tx.Rollback()
		select {
		case <-ctx.Done():
			return fmt.Errorf("migration lock: another instance is migrating: %w", ctx.Err())
		case <-time.After(migrationLockProbe):
		}
	}
}

// Unlock implements lock.Locker.
func (l *xactLocker) Unlock(context.Context, *sql.DB) error {
	if l.tx == nil {
		return nil
	}
	err := l.tx.Rollback()
	l.tx = nil
	return err
}

// Migrate brings the schema up to the newest version embedded in the binary.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate %s: %w", s.dialect, err)
	}
	return nil
}

// Version returns the schema version the database is at (0 before the first migration).
func (s *Store) Version(ctx context.Context) (int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, fmt.Errorf("db: version: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("db: version: %w", err)
	}
	return v, nil
}
