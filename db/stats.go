package db

import (
	"context"
	"time"
)

// DayStats are one day's counters (a calendar day in the store's DayZone) for the
// console's overview.
type DayStats struct {
	Day                     string // YYYY-MM-DD in the store's DayZone
	Logins, Binds, NewUsers int64
	CheckBindUnbound        int64 // checkBind exchanges answered "not bound" (301)
}

// DailyStats returns the counters of the days from since to until (inclusive, calendar
// days in the store's DayZone) of app appid, or of every app when appid is "", oldest
// first; days without activity are absent. Days counted before the counters were kept per app count in "all" only.
func (s *Store) DailyStats(ctx context.Context, since, until time.Time, appid string) ([]DayStats, error) {
	q := `SELECT day, SUM(logins), SUM(binds), SUM(new_users), SUM(checkbind_unbound) FROM daily_stats WHERE day >= ? AND day <= ?`
	args := []any{s.statDay(since), s.statDay(until)}
	if appid != "" {
		q += ` AND appid = ?`
		args = append(args, appid)
	}
	rows, err := s.rows(ctx, s.r, q+` GROUP BY day ORDER BY day`, args...)
	if err != nil {
		return nil, wrap("daily stats", err)
	}
	defer rows.Close()
	var out []DayStats
	for rows.Next() {
		var d DayStats
		if err := rows.Scan(&d.Day, &d.Logins, &d.Binds, &d.NewUsers, &d.CheckBindUnbound); err != nil {
			return nil, wrap("daily stats", err)
		}
		out = append(out, d)
	}
	return out, wrap("daily stats", rows.Err())
}
