package web_test

import (
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/views"
)

// TestUsersSignUpDaysInConsoleZone: the users page's sign-up dates are days in the
// console's zone, and so is its count: two users who signed up on one UTC day, either
// side of midnight in Shanghai, fall on two days. In a zone whose offset is not whole
// hours (India) the grouped estimate cannot answer and the page counts instead.
func TestUsersSignUpDaysInConsoleZone(t *testing.T) {
	prev := views.TimeZone()
	t.Cleanup(func() { views.SetTimeZone(prev) })
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		dbtest.SetNow(t, s, time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC)) // 23:30 on 1 Dec in Shanghai
		e.wxUser("o_evening", "Evening", "")
		dbtest.SetNow(t, s, time.Date(2026, 12, 1, 17, 30, 0, 0, time.UTC)) // 01:30 on 2 Dec in Shanghai
		e.wxUser("o_night", "Night", "")
		b := e.browser()
		b.signIn("admin")
		for _, c := range []struct {
			zone, day, who, countBy string
		}{
			{"Asia/Shanghai", "2026-12-01", "Evening", "users-total"},
			{"Asia/Shanghai", "2026-12-02", "Night", "users-total"},
			{"Asia/Kolkata", "2026-12-01", "Evening", "list-count"}, // 21:00 and 23:00 on 1 Dec
			{"UTC", "2026-12-02", "", "users-total"},
		} {
			loc, err := time.LoadLocation(c.zone)
			if err != nil {
				t.Fatal(err)
			}
			views.SetTimeZone(loc)
			p := b.get("/admin/users?from=" + c.day + "&to=" + c.day)
			want := 1
			if c.who == "" {
				want = 0
			} else if c.zone == "Asia/Kolkata" {
				want = 2
			}
			if p.count("user-row") != want || (c.who != "" && p.rowsWith("user-row", c.who) != 1) {
				t.Errorf("%s, %s: %d users, want %d with %s", c.zone, c.day, p.count("user-row"), want, c.who)
			}
			attr := map[string]string{"users-total": "data-total", "list-count": "data-count"}[c.countBy]
			if got, _ := p.doc.Find(`[data-testid="` + c.countBy + `"]`).Attr(attr); got != itoa(int64(want)) {
				t.Errorf("%s, %s: %s %q, want %d", c.zone, c.day, c.countBy, got, want)
			}
		}
	})
}
