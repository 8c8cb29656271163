package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// chartDays is how many days the overview's chart shows.
const chartDays = 30

// overview is GET /admin: totals and the per-day chart, read from the daily rollups and
// from totals counted at most once a minute in the background.
func (h *Handler) overview(c *fiber.Ctx) error {
	now := h.now().UTC()
	since := now.AddDate(0, 0, -(chartDays - 1))
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
		ActiveSessions: totals.ActiveSessions, App: app, Apps: appIDs}
	byDay := map[string]int{}
	for i, s := range stats {
		byDay[s.Day] = i
	}
	for d := since; !d.After(now); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		ds := views.DayStat{Day: day}
		if i, ok := byDay[day]; ok {
			ds.Logins, ds.Binds = stats[i].Logins, stats[i].Binds
			if day == now.Format(time.DateOnly) {
				v.NewUsersToday, v.LoginsToday, v.BindsToday = stats[i].NewUsers, stats[i].Logins, stats[i].Binds
			}
		}
		v.Days = append(v.Days, ds)
	}
	return render(c, fiber.StatusOK, views.OverviewPage(h.page(c, views.NavOverview), v))
}
