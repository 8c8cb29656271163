package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"miniauth/db"
)

// simulatorKeySeed derives the key used with PostgreSQL in simulator mode when no keys are
// configured: every instance must share it, and the data it protects is simulated.
const simulatorKeySeed = "miniauth simulator mode: not a secret"

// isPostgres tells whether a database URL names PostgreSQL.
func isPostgres(url string) bool { return db.IsPostgres(url) }

// sqlitePath returns the file of an SQLite database URL.
func sqlitePath(url string) string {
	p := strings.TrimPrefix(url, "sqlite:")
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return strings.TrimPrefix(p, "//")
}

// keyring finds the secret keys: configured, generated beside an SQLite database, or (only
// in simulator mode on PostgreSQL) the fixed simulator key.
func keyring(cfg Config, log *slog.Logger) (*db.Keyring, error) {
	if cfg.SecretKeys != "" {
		k, err := db.ParseKeyring(cfg.SecretKeys)
		if err != nil {
			return nil, fmt.Errorf("MINIAUTH_SECRET_KEYS: %w", err)
		}
		return k, nil
	}
	if !isPostgres(cfg.DatabaseURL) {
		path := sqlitePath(cfg.DatabaseURL) + ".keys"
		k, created, err := db.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, err
		}
		if created {
			log.Info("generated secret keys; back this file up with the database, but keep it apart", "file", path)
		}
		return k, nil
	}
	if !cfg.Simulated() {
		return nil, errors.New("MINIAUTH_SECRET_KEYS is required with PostgreSQL (comma-separated base64 keys of at least 32 bytes, e.g. from `openssl rand -base64 32`)")
	}
	log.Warn("simulator mode on PostgreSQL without MINIAUTH_SECRET_KEYS: using the fixed simulator key; never do this with real WeChat data")
	sum := sha256.Sum256([]byte(simulatorKeySeed))
	return db.ParseKeyring(base64.StdEncoding.EncodeToString(sum[:]))
}

// openStore opens the database and brings its schema up to date.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*db.Store, error) {
	keys, err := keyring(cfg, log)
	if err != nil {
		return nil, err
	}
	s, err := db.Open(ctx, cfg.DatabaseURL, db.Options{Keys: keys, Logger: log, Pooled: cfg.Pooled, DirectURL: cfg.DirectURL, UserCacheSize: cfg.UserCacheSize, DayZone: cfg.dayZone()})
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// migrate is `miniauth migrate`.
func migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	s, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.Version(ctx)
	if err != nil {
		return err
	}
	log.Info("database is up to date", "dialect", s.Dialect(), "version", v)
	return nil
}

// cleanup is `miniauth cleanup`.
func cleanup(ctx context.Context, cfg Config, log *slog.Logger) error {
	s, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	return runCleanup(ctx, s, cfg, log)
}

func runCleanup(ctx context.Context, s *db.Store, cfg Config, log *slog.Logger) error {
	r, err := s.Cleanup(ctx, cfg.AuditRetention)
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	log.Info("cleanup done", "sessions", r.Sessions, "refresh_tokens", r.RefreshTokens,
		"revocations", r.Revocations, "tickets", r.Tickets, "attempts", r.Attempts,
		"operator_sessions", r.OperatorSessions, "audit", r.Audit)
	return nil
}

// backup is `miniauth backup NEW-FILE`: a consistent copy of the SQLite database, taken
// while it may be serving. The key file beside the database is backed up separately.
func backup(ctx context.Context, cfg Config, dst string, log *slog.Logger, out io.Writer) error {
	if isPostgres(cfg.DatabaseURL) {
		return db.ErrBackupPostgres
	}
	src := sqlitePath(cfg.DatabaseURL)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("backup: there is no SQLite database at %s (set --database-url or MINIAUTH_DATABASE_URL)", src)
	}
	keys, err := keyring(cfg, log)
	if err != nil {
		return err
	}
	s, err := db.Open(ctx, cfg.DatabaseURL, db.Options{Keys: keys, Logger: log})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Backup(ctx, dst); err != nil {
		return err
	}
	fmt.Fprintf(out, "backup: copied %s to %s; back up its key file %s.keys too, kept apart (without it sessions and console sign-ins are lost)\n", src, dst, src)
	return nil
}
