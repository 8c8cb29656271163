package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestOverviewDaysInConsoleZone: the overview's days are calendar days in the console's
// zone. Two logins on one UTC day, either side of midnight in Shanghai, count on two days:
// "today" has one, and the chart says which zone its days are in.
func TestOverviewDaysInConsoleZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dbtest.Dialects {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			u := dbtest.SQLiteURL(t)
			if d == db.DialectPostgres {
				u = dbtest.PostgresURL(t)
			}
			s := dbtest.OpenWith(t, u, db.Options{DayZone: shanghai})
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, s)
			login := func(at time.Time, openid string) {
				dbtest.SetNow(t, s, at)
				ns := db.NewSession{TokenHash: []byte("h-" + openid + "-0123456789012345678901"), RefreshHash: []byte("r-" + openid + "-0123456789012345678901"),
					AccessTTL: time.Hour, IdleTTL: time.Hour, MaxTTL: time.Hour}
				if _, _, err := s.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: openid, Session: ns}); err != nil {
					t.Fatal(err)
				}
			}
			login(time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC), "o_evening") // 23:30 on 1 Dec in Shanghai
			login(time.Date(2026, 12, 1, 17, 30, 0, 0, time.UTC), "o_night")   // 01:30 on 2 Dec in Shanghai
			b := e.browser()
			b.signIn("admin")
			p := b.get("/admin?days=7")
			if got := p.text("stat-sessions"); !strings.Contains(got, "1 logins today") {
				t.Errorf("sessions card %q, want 1 logins today (2 Dec in Shanghai)", got)
			}
			if got := p.text("chart-days"); !strings.Contains(got, "Asia/Shanghai") {
				t.Errorf("chart label %q does not name the zone", got)
			}
			rows := map[string]string{}
			p.doc.Find(`[data-testid="chart-table"] tbody tr`).Each(func(_ int, r *goquery.Selection) {
				rows[strings.TrimSpace(r.Find("th").Text())] = strings.TrimSpace(r.Find("td").First().Text())
			})
			if rows["2026-12-01"] != "1" || rows["2026-12-02"] != "1" || len(rows) != 7 {
				t.Errorf("chart days %v, want 7 days ending 2026-12-02 with one login on each of the last two", rows)
			}
		})
	}
}
