package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrBackupPostgres is Backup on PostgreSQL, which has its own tools for it.
var ErrBackupPostgres = errors.New("miniauth backup copies SQLite databases only; back up PostgreSQL with pg_dump (or base backups with pg_basebackup)")

// Backup writes a consistent copy of an SQLite database to the new file path (VACUUM
// INTO), while the database keeps serving: the copy is one read transaction's snapshot.
// It refuses a path that exists. The key file beside the database is not part of it.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.dialect != DialectSQLite {
		return ErrBackupPostgres
	}
	if path == "" {
		return errors.New("backup: no destination file given")
	}
	// Created here, empty and 0600 (the copy holds phone numbers and sealed session keys,
	// like the database), and never over an existing file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("backup: %s already exists; choose a new file name", path)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("backup: the directory of %s does not exist", path)
	case err != nil:
		return fmt.Errorf("backup: %w", err)
	}
	f.Close()
	if err := s.vacuumInto(ctx, path); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("backup to %s failed: %w", path, err)
	}
	return nil
}

// vacuumInto runs VACUUM INTO on a connection of its own: the reader pool is query-only,
// and the single writer must keep serving while the snapshot is copied.
func (s *Store) vacuumInto(ctx context.Context, path string) error {
	var seq int
	var name, file string
	if err := s.r.QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		return err
	}
	c, err := sql.Open("sqlite", file+"?_busy_timeout=5000")
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.ExecContext(ctx, "VACUUM INTO ?", path)
	return err
}
