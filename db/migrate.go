package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// migrations holds one directory per dialect; both carry the same version numbers.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// provider builds a goose provider for the store's dialect. On PostgreSQL it takes goose's
// session advisory lock, so instances starting together migrate one after the other.
func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
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
