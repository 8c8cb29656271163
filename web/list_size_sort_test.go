package web_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestListPageSizes checks the ?size= choice on users, sessions, bindings and audit:
// each size shows that many rows, the next page keeps the size, and another size is 400.
func TestListPageSizes(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		if err := s.InsertSample(t.Context(), db.SampleOptions{AppID: "wx-sample", Users: 600, Sessions: 300, Days: 30}); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		b.signIn("admin")
		for path, row := range map[string]string{"/admin/users": "user-row", "/admin/sessions": "session-row",
			"/admin/bindings": "binding-row", "/admin/audit": "audit-row"} {
			if p := b.get(path); p.count(row) != 50 {
				t.Errorf("%s: %d rows by default, want 50", path, p.count(row))
			}
			for _, size := range []int{20, 100} {
				p := b.get(path + "?size=" + strconv.Itoa(size))
				if p.count(row) != size {
					t.Errorf("%s size %d: %d rows", path, size, p.count(row))
				}
				if cur, _ := p.doc.Find(`[data-testid="page-size-` + strconv.Itoa(size) + `"]`).Attr("aria-current"); cur != "true" {
					t.Errorf("%s size %d: the choice is not marked", path, size)
				}
				// The list's filter form keeps the chosen size.
				if kept, _ := p.doc.Find(`form[role="search"] [data-testid="keep-size"]`).Attr("value"); kept != strconv.Itoa(size) {
					t.Errorf("%s size %d: the filter form keeps size %q", path, size, kept)
				}
				next, ok := p.doc.Find(`[data-testid="next-page"]`).Attr("href")
				if !ok {
					t.Fatalf("%s size %d: no next page", path, size)
				}
				// The sample has more than 100 rows of each (600 users: about 180 bound; with 400
				// users the bindings were once 98), not always 200.
				if p2 := b.get(next); p2.count(row) != size && (size == 20 || p2.count(row) > size) {
					t.Errorf("%s size %d: next page %s has %d rows", path, size, next, p2.count(row))
				}
			}
			if p := b.get(path + "?size=1000"); p.status != 400 {
				t.Errorf("%s size 1000: %d, want 400", path, p.status)
			}
		}
	})
}

// TestUsersSortByLastLogin checks the users list's two orders against the users' own
// times, across pages: by sign-up (newest first, the default) and by last login.
func TestUsersSortByLastLogin(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		ctx := t.Context()
		if err := s.InsertSample(ctx, db.SampleOptions{AppID: "wx-sample", Users: 150, Days: 30}); err != nil {
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
		// Two users log in again now, so last login differs from sign-up order.
		for _, u := range []db.UserListRow{all[len(all)-1], all[len(all)/2]} {
			wx, err := s.WxUserByID(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Login(ctx, db.LoginInput{AppID: wx.AppID, OpenID: wx.OpenID, Session: testSession()}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		all = all[:0]
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
		ids := func(rows []db.UserListRow) []int64 {
			var out []int64
			for _, u := range rows {
				out = append(out, u.ID)
			}
			return out
		}
		bySignUp := ids(all)
		byLogin := slices.Clone(all)
		slices.SortFunc(byLogin, func(a, b db.UserListRow) int {
			if c := b.LastLoginAt.Compare(a.LastLoginAt); c != 0 {
				return c
			}
			return int(b.ID - a.ID)
		})
		b := e.browser()
		b.signIn("viewer")
		walk := func(path string) (got []int64) {
			for path != "" {
				p := b.get(path)
				if p.status != 200 {
					t.Fatalf("%s: %d", path, p.status)
				}
				p.doc.Find(`[data-testid="user-row"]`).Each(func(_ int, r *goquery.Selection) {
					id, _ := strconv.ParseInt(r.AttrOr("data-user-id", ""), 10, 64)
					got = append(got, id)
				})
				path = p.doc.Find(`[data-testid="next-page"]`).AttrOr("href", "")
			}
			return got
		}
		if got := walk("/admin/users?size=20"); !slices.Equal(got, bySignUp) {
			t.Errorf("default order:\n%v\nwant\n%v", got, bySignUp)
		}
		want := ids(byLogin)
		if got := walk("/admin/users?sort=login&size=20"); !slices.Equal(got, want) {
			t.Errorf("by last login:\n%v\nwant\n%v", got, want)
		}
		if want[0] != all[len(all)/2].ID {
			t.Fatalf("the latest login is not first: %d", want[0])
		}
		// Back from the second page comes to the first.
		p := b.get("/admin/users?sort=login&size=20")
		p2 := b.get(p.doc.Find(`[data-testid="next-page"]`).AttrOr("href", ""))
		p1 := b.get(p2.doc.Find(`[data-testid="prev-page"]`).AttrOr("href", ""))
		var back []int64
		p1.doc.Find(`[data-testid="user-row"]`).Each(func(_ int, r *goquery.Selection) {
			id, _ := strconv.ParseInt(r.AttrOr("data-user-id", ""), 10, 64)
			back = append(back, id)
		})
		if !slices.Equal(back, want[:20]) {
			t.Errorf("previous page by last login: %v, want %v", back, want[:20])
		}
		if p := b.get("/admin/users?sort=name"); p.status != 400 {
			t.Errorf("sort=name: %d, want 400", p.status)
		}
	})
}
