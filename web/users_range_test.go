package web_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestUsersSignUpRangeAndTotal checks the users page's sign-up date filter against the
// users' own sign-up days, alone and with the other filters, and that list pages show how
// many users match as an estimate ("about"), a search none, and a malformed date a 400.
func TestUsersSignUpRangeAndTotal(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		ctx := t.Context()
		if err := s.InsertSample(ctx, db.SampleOptions{AppID: "wx-sample", Users: 400, Days: 40}); err != nil {
			t.Fatal(err)
		}
		var all []db.UserListRow
		for k := (db.Keyset{Limit: 500}); ; {
			rows, more, err := s.ListWxUsers(ctx, db.UserFilter{}, k)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, rows...)
			if !more {
				break
			}
			k.After = rows[len(rows)-1].ID
		}
		b := e.browser()
		b.signIn("admin")
		newest := all[0].CreatedAt.UTC()
		day := func(ago int) string { return newest.AddDate(0, 0, -ago).Format(time.DateOnly) }
		for _, c := range []struct {
			from, to, bound string
		}{
			{day(10), day(3), ""},
			{day(20), day(20), ""},
			{day(30), "", "yes"},
			{"", day(25), "no"},
			{day(100), day(50), ""}, // before the first sign-up
		} {
			var want []int64
			for _, u := range all {
				d := u.CreatedAt.UTC().Format(time.DateOnly)
				if (c.from != "" && d < c.from) || (c.to != "" && d > c.to) ||
					(c.bound == "yes" && u.AccountID == 0) || (c.bound == "no" && u.AccountID != 0) {
					continue
				}
				want = append(want, u.ID)
			}
			path := fmt.Sprintf("/admin/users?from=%s&to=%s&bound=%s", c.from, c.to, c.bound)
			p := b.get(path)
			if p.status != 200 {
				t.Fatalf("%s: status %d", path, p.status)
			}
			var got []int64
			p.doc.Find(`[data-testid="user-row"]`).Each(func(_ int, r *goquery.Selection) {
				v, _ := r.Attr("data-user-id")
				id, _ := strconv.ParseInt(v, 10, 64)
				got = append(got, id)
			})
			if !slices.Equal(got, want[:min(50, len(want))]) {
				t.Errorf("%s: rows %v, want %v", path, got, want[:min(50, len(want))])
			}
			total := p.doc.Find(`[data-testid="users-total"]`)
			if n, _ := total.Attr("data-total"); n != strconv.Itoa(len(want)) {
				t.Errorf("%s: total %q, want %d", path, n, len(want))
			}
			if est, _ := total.Attr("data-estimate"); est != "true" || !strings.Contains(total.Text(), "about") {
				t.Errorf("%s: total not shown as an estimate: %q", path, total.Text())
			}
		}
		if p := b.get("/admin/users?q=" + "微信用户"); p.count("users-total") != 0 {
			t.Errorf("a search shows a total")
		}
		if p := b.get("/admin/users?from=2026-13-01"); p.status != 400 || !strings.Contains(p.body, "from") {
			t.Errorf("malformed date: status %d", p.status)
		}
	})
}
