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
// audit and accounts say how many rows their filter matched: the rows the pages hold,
// walked to the end, up to the cap; past it "more than 1,000", or for an unfiltered list
// the overview's total; in both languages.
func TestListsShowMatchCounts(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		if err := s.InsertSample(t.Context(), db.SampleOptions{AppID: "wx-sample", Users: 25000, Sessions: 2500, Days: 30}); err != nil {
			t.Fatal(err)
		}
		uid, _, _ := e.wxUser("o_counted", "计数用户", "")
		e.wxUser("o_counted_2", "计数用户二", "")
		acc, err := s.CreateAccount(t.Context(), "counted.one", "", "$argon2id$x", db.SystemActor("test"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.OperatorBind(t.Context(), uid, acc.ID, "", db.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		b.signIn("admin")
		const (
			exact    = "exact"    // counted whole
			capped   = "capped"   // more than the cap: counting stopped
			estimate = "estimate" // an unfiltered list past the cap: the overview's total
		)
		lists := []struct{ path, row, kind string }{ // a search stops counting at 200, a filter at 1,000
			{"/admin/users?q=" + "计数", "user-row", exact},
			{"/admin/users?q=" + "微信用户", "user-row", capped}, // one sample user in 20
			{"/admin/sessions", "session-row", estimate},
			{"/admin/sessions?user=" + strconv.FormatInt(uid, 10), "session-row", exact},
			{"/admin/bindings", "binding-row", estimate},
			{"/admin/bindings?q=" + "王", "binding-row", capped},
			{"/admin/bindings?q=" + "计数", "binding-row", exact},
			{"/admin/audit", "audit-row", capped},
			{"/admin/audit?action=user.profile", "audit-row", exact},
			{"/admin/accounts", "account-row", estimate},
			{"/admin/accounts?q=s", "account-row", capped},
		}
		for _, l := range lists {
			p := b.get(l.path)
			c := p.doc.Find(`[data-testid="list-count"]`)
			got, ok := c.Attr("data-count")
			if !ok {
				t.Errorf("%s: no count", l.path)
				continue
			}
			more, _ := c.Attr("data-more")
			est, _ := c.Attr("data-estimate")
			limit := db.MatchCap
			if strings.Contains(l.path, "q=") {
				limit = db.SearchMatchCap
			}
			stop := 0 // to the end
			if l.kind == capped {
				stop = limit
			}
			rows := walkRows(b, l.path, l.row, stop)
			var want, wantZh string
			switch l.kind {
			case exact, estimate:
				if got != strconv.Itoa(rows) || rows == 0 || more != "false" || est != strconv.FormatBool(l.kind == estimate) {
					t.Errorf("%s: count %s (more %s, estimate %s), the pages hold %d rows; want %s", l.path, got, more, est, rows, l.kind)
				}
				want, wantZh = strconv.Itoa(rows)+" matches", "共 "+strconv.Itoa(rows)+" 条"
				if rows == 1 {
					want = "1 match"
				}
				if l.kind == estimate {
					want, wantZh = "about "+fmtThousands(rows)+" matches", "约 "+fmtThousands(rows)+" 条"
				}
			case capped:
				if got != strconv.Itoa(limit) || more != "true" || rows <= limit {
					t.Errorf("%s: count %s (more %s), the pages hold %d rows; want more than %d", l.path, got, more, rows, limit)
				}
				want, wantZh = "more than "+fmtThousands(limit)+" matches", "超过 "+fmtThousands(limit)+" 条"
			}
			if text := p.text("list-count"); text != want {
				t.Errorf("%s: count reads %q, want %q", l.path, text, want)
			}
			zh := b.do(http.MethodGet, l.path, nil, "Accept-Language", "zh-CN")
			if text := zh.text("list-count"); text != wantZh {
				t.Errorf("%s in Chinese: count reads %q, want %q", l.path, text, wantZh)
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
			rows := walkRows(b, path, "user-row", 0)
			if got, _ := p.doc.Find(`[data-testid="users-total"]`).Attr("data-total"); got != strconv.Itoa(rows) {
				t.Errorf("%s: estimate %s, the pages hold %d rows", path, got, rows)
			}
		}
	})
}

// fmtThousands writes n with thousands separators, as the console does.
func fmtThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// walkRows walks the pages of a list, 100 rows at a time, and adds up its rows: to the
// end, or until there are more than stopPast (when above 0).
func walkRows(b *browser, path, row string, stopPast int) int {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	rows, next := 0, path+sep+"size=100"
	for next != "" && (stopPast <= 0 || rows <= stopPast) {
		pg := b.get(next)
		rows += pg.count(row)
		next, _ = pg.doc.Find(`[data-testid="next-page"]`).Attr("href")
	}
	return rows
}
