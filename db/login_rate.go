package db

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// LoginCounts is one instance's sync with the shared per-IP login counts of the window
// starting at Window: the logins it admitted since its last sync, per client address, and
// from which total an address is near enough the limit to be read back anyway.
type LoginCounts struct {
	Window time.Time
	Added  map[string]int64 // client address -> logins admitted here since the last sync
	Hot    int64            // also read back every address with at least this many; 0: none
}

// loginCountsBatch is how many addresses one statement adds; an instance seeing more in
// one sync sends several statements.
const loginCountsBatch = 1000

// SyncLoginCounts adds in.Added to the cluster's counts of logins per client address in
// the window in.Window and returns the new totals of those addresses (every instance's
// logins, this sync's included), then the totals of every address at in.Hot or more, so
// an instance learns of an address near the limit before it serves that address. Each
// statement adds and reads back in one step (an upsert with RETURNING), so two instances
// syncing at once each see the other's additions or are seen by it. No audit row: the
// counts are a throttle's bookkeeping, not a change anyone made. Addresses go in sorted
// order, so two PostgreSQL syncs lock their rows in the same order.
func (s *Store) SyncLoginCounts(ctx context.Context, in LoginCounts) (map[string]int64, error) {
	const (
		addPostgres = `INSERT INTO login_rate (window_start, ip, count)
			SELECT ?, j.key, j.value::bigint FROM json_each_text(?::json) AS j ORDER BY j.key
			ON CONFLICT (window_start, ip) DO UPDATE SET count = login_rate.count + excluded.count
			RETURNING ip, count`
		// "WHERE true" tells SQLite's parser that ON CONFLICT belongs to the INSERT.
		addSQLite = `INSERT INTO login_rate (window_start, ip, count)
			SELECT ?, j.key, j.value FROM json_each(?) AS j WHERE true ORDER BY j.key
			ON CONFLICT (window_start, ip) DO UPDATE SET count = login_rate.count + excluded.count
			RETURNING ip, count`
	)
	query := addSQLite
	if s.dialect == DialectPostgres {
		query = addPostgres
	}
	window := in.Window.UnixMilli()
	ips := slices.Sorted(maps.Keys(in.Added))
	totals := make(map[string]int64, len(ips))
	for len(ips) > 0 {
		n := min(len(ips), loginCountsBatch)
		part := make(map[string]int64, n)
		for _, ip := range ips[:n] {
			part[ip] = in.Added[ip]
		}
		ips = ips[n:]
		doc, err := json.Marshal(part)
		if err != nil {
			return nil, wrap("sync login counts", err)
		}
		rows, err := s.rows(ctx, s.w, query, window, string(doc))
		if err != nil {
			return nil, wrap("sync login counts", err)
		}
		if err := scanLoginTotals(rows, totals); err != nil {
			return nil, wrap("sync login counts", err)
		}
	}
	if in.Hot <= 0 {
		return totals, nil
	}
	rows, err := s.rows(ctx, s.r, `SELECT ip, count FROM login_rate WHERE window_start = ? AND count >= ?`, window, in.Hot)
	if err != nil {
		return nil, wrap("sync login counts", err)
	}
	if err := scanLoginTotals(rows, totals); err != nil {
		return nil, wrap("sync login counts", err)
	}
	return totals, nil
}

// scanLoginTotals reads (ip, count) rows into totals and closes them.
func scanLoginTotals(rows *sqlx.Rows, totals map[string]int64) error {
	defer rows.Close()
	for rows.Next() {
		var ip string
		var total int64
		if err := rows.Scan(&ip, &total); err != nil {
			return err
		}
		totals[ip] = max(totals[ip], total)
	}
	return rows.Err()
}
