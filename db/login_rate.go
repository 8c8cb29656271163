package db

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// LoginCounts is what one instance adds to the shared per-IP login counts: the logins it
// admitted since its last sync, per client address, in the window starting at Window.
type LoginCounts struct {
	Window time.Time
	Added  map[string]int64 // client address -> logins admitted here since the last sync
}

// loginCountsBatch is how many addresses one statement adds; an instance seeing more in
// one sync sends several statements.
const loginCountsBatch = 1000

// AddLoginCounts adds in.Added to the cluster's counts of logins per client address in the
// window in.Window and returns the new totals of those addresses (every instance's logins,
// this sync's included). Each statement adds and reads back in one step (an upsert with
// RETURNING), so two instances syncing at once each see the other's additions or are seen
// by it. No audit row: the counts are a throttle's bookkeeping, not a change anyone made.
// Addresses go in sorted order, so two PostgreSQL syncs lock their rows in the same order.
func (s *Store) AddLoginCounts(ctx context.Context, in LoginCounts) (map[string]int64, error) {
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
			return nil, wrap("add login counts", err)
		}
		rows, err := s.rows(ctx, s.w, query, window, string(doc))
		if err != nil {
			return nil, wrap("add login counts", err)
		}
		for rows.Next() {
			var ip string
			var total int64
			if err := rows.Scan(&ip, &total); err != nil {
				rows.Close()
				return nil, wrap("add login counts", err)
			}
			totals[ip] = total
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap("add login counts", err)
		}
	}
	return totals, nil
}
