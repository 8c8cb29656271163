package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestListsShowMatchCounts: users (where the estimate has no answer), sessions, bindings,
// audit and accounts say how many rows their filter matched, and the number is the rows the pages
// hold, walked to the end; in both languages.
func TestListsShowMatchCounts(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		if err := s.InsertSample(t.Context(), db.SampleOptions{AppID: "wx-sample", Users: 300, Sessions: 250, Days: 30}); err != nil {
			t.Fatal(err)
		}
		uid, _, _ := e.wxUser("o_counted", "计数用户", "")
		e.wxUser("o_counted_2", "计数用户二", "")
		b := e.browser()
		b.signIn("admin")
		lists := []struct{ path, row string }{
			{"/admin/users?q=" + "计数", "user-row"},
			{"/admin/sessions", "session-row"},
			{"/admin/sessions?user=" + strconv.FormatInt(uid, 10), "session-row"},
			{"/admin/bindings", "binding-row"},
			{"/admin/audit", "audit-row"},
			{"/admin/audit?action=user.profile", "audit-row"},
			{"/admin/accounts", "account-row"},
			{"/admin/accounts?q=s", "account-row"},
		}
		for _, l := range lists {
			p := b.get(l.path)
			got, ok := p.doc.Find(`[data-testid="list-count"]`).Attr("data-count")
			if !ok {
				t.Errorf("%s: no count", l.path)
				continue
			}
			rows := walkRows(b, l.path, l.row)
			if got != strconv.Itoa(rows) || rows == 0 {
				t.Errorf("%s: count %s, the pages hold %d rows", l.path, got, rows)
			}
			want := strconv.Itoa(rows) + " matches"
			if rows == 1 {
				want = "1 match"
			}
			if text := p.text("list-count"); text != want {
				t.Errorf("%s: count reads %q, want %q", l.path, text, want)
			}
			zh := b.do(http.MethodGet, l.path, nil, "Accept-Language", "zh-CN")
			if text := zh.text("list-count"); text != "共 "+strconv.Itoa(rows)+" 条" {
				t.Errorf("%s in Chinese: count reads %q", l.path, text)
			}
		}
		// Without a search the users list keeps its estimate, one app's too, and shows no
		// second count; fresh here, it is the rows the pages hold.
		for _, path := range []string{"/admin/users", "/admin/users?app=wx-sample", "/admin/users?app=" + testAppID} {
			p := b.get(path)
			if p.count("users-total") != 1 || p.count("list-count") != 0 {
				t.Errorf("%s: %d estimates, %d counts", path, p.count("users-total"), p.count("list-count"))
				continue
			}
			rows := walkRows(b, path, "user-row")
			if got, _ := p.doc.Find(`[data-testid="users-total"]`).Attr("data-total"); got != strconv.Itoa(rows) {
				t.Errorf("%s: estimate %s, the pages hold %d rows", path, got, rows)
			}
		}
	})
}

// walkRows walks every page of a list, 100 rows at a time, and adds up its rows.
func walkRows(b *browser, path, row string) int {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	rows, next := 0, path+sep+"size=100"
	for next != "" {
		pg := b.get(next)
		rows += pg.count(row)
		next, _ = pg.doc.Find(`[data-testid="next-page"]`).Attr("href")
	}
	return rows
}
