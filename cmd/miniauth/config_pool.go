package main

import (
	"errors"
	"fmt"
)

// PoolConfig is how miniauth reaches PostgreSQL when several instances share it through a
// connection pooler (docs/scaling.md).
type PoolConfig struct {
	// Pooled: MINIAUTH_DATABASE_URL leads through a pooler in transaction mode.
	Pooled bool
	// DirectURL reaches PostgreSQL past the pooler, for the revocation feed's LISTEN.
	DirectURL string
}

// poolSettings are the PoolConfig entries of settings.
var poolSettings = []setting{
	{"MINIAUTH_DATABASE_POOLER", "database-pooler", "none", "none, or transaction: MINIAUTH_DATABASE_URL leads through a pooler in transaction mode (pgbouncer pool_mode=transaction); nothing is prepared and migrations lock per transaction"},
	{"MINIAUTH_DATABASE_DIRECT_URL", "database-direct-url", "", "postgres:// URL past the pooler, for the revocation feed's LISTEN (unset behind a transaction pooler: the feed polls every second)"},
}

func init() { settings = append(settings, poolSettings...) }

// parsePoolConfig reads the PoolConfig settings; databaseURL is MINIAUTH_DATABASE_URL.
func parsePoolConfig(get func(string) string, databaseURL string) (PoolConfig, []error) {
	var c PoolConfig
	var errs []error
	switch p := get("MINIAUTH_DATABASE_POOLER"); p {
	case "", "none":
	case "transaction":
		c.Pooled = true
		if !isPostgres(databaseURL) {
			errs = append(errs, errors.New("MINIAUTH_DATABASE_POOLER=transaction needs a postgres:// MINIAUTH_DATABASE_URL"))
		}
	default:
		errs = append(errs, fmt.Errorf("MINIAUTH_DATABASE_POOLER must be none or transaction, got %q", p))
	}
	c.DirectURL = get("MINIAUTH_DATABASE_DIRECT_URL")
	if c.DirectURL != "" && (!isPostgres(c.DirectURL) || !isPostgres(databaseURL)) {
		errs = append(errs, errors.New("MINIAUTH_DATABASE_DIRECT_URL must be a postgres:// URL, beside a postgres:// MINIAUTH_DATABASE_URL"))
	}
	return c, errs
}

// poolBenchConfig is the PoolConfig of `miniauth bench --database-pooler`.
func poolBenchConfig(databaseURL, pooler string) (PoolConfig, error) {
	c, errs := parsePoolConfig(func(k string) string {
		if k == "MINIAUTH_DATABASE_POOLER" {
			return pooler
		}
		return ""
	}, databaseURL)
	return c, errors.Join(errs...)
}
