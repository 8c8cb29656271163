package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// chartDays is how many days the overview's chart shows unless ?days= chooses another
// of views.ChartPeriods.
const chartDays = 30

// chartPeriod is the ?days= choice: empty for chartDays, else one of views.ChartPeriods.
func chartPeriod(c *fiber.Ctx) (int, error) {
	v := c.Query("days")
	if v == "" {
		return chartDays, nil
	}
	for _, p := range views.ChartPeriods {
		if strconv.Itoa(p) == v {
			return p, nil
		}
	}
	return 0, &pageError{status: fiber.StatusBadRequest, key: "error.status.400", detail: "days"}
}

// overview is GET /admin: totals and the per-day chart, read from the daily rollups and
// from totals counted at most once a minute in the background.
func (h *Handler) overview(c *fiber.Ctx) error {
	days, err := chartPeriod(c)
	if err != nil {
		return err
	}
	// Days are calendar days in the store's day zone (the console's MINIAUTH_TIMEZONE), the
	// zone daily_stats is keyed in.
	zone := h.store.DayZone()
	now := h.now().In(zone)
	since := now.AddDate(0, 0, -(days - 1))
	apps, err := h.store.Apps(c.UserContext())
	if err != nil {
		return storeError(err)
	}
	app := ""
	var appIDs []string
	for _, a := range apps {
		appIDs = append(appIDs, a.AppID)
		if a.AppID == c.Query("app") {
			app = a.AppID // only a known app gets a cache of its own
		}
	}
	stats, err := h.store.DailyStats(c.UserContext(), since, now, app)
	if err != nil {
		return storeError(err)
	}
	totals, err := h.perApp.of(app, h.totals).get(c.UserContext(), h.store, now)
	if err != nil {
		return storeError(err)
	}
	v := views.Overview{Users: totals.Users, BoundUsers: totals.BoundUsers, Accounts: totals.Accounts,
		ActiveSessions: totals.ActiveSessions, App: app, Apps: appIDs, Period: days,
		Zone: views.ZoneName(zone, now)}
	byDay := map[string]int{}
	for i, s := range stats {
		byDay[s.Day] = i
	}
	for d := since; !d.After(now); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		ds := views.DayStat{Day: day}
		if i, ok := byDay[day]; ok {
			ds.Logins, ds.Binds, ds.Unbound = stats[i].Logins, stats[i].Binds, stats[i].CheckBindUnbound
			if day == now.Format(time.DateOnly) {
				v.NewUsersToday, v.LoginsToday, v.BindsToday = stats[i].NewUsers, stats[i].Logins, stats[i].Binds
			}
		}
		v.Days = append(v.Days, ds)
	}
	return render(c, fiber.StatusOK, views.OverviewPage(h.page(c, views.NavOverview), v))
}
