package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestUsersShortSearchFindsEveryone: a nickname search of one or two characters finds the
// oldest matching user behind many newer ones, on the page and in the CSV export, and the
// page no longer says that it looked only at recent users.
func TestUsersShortSearchFindsEveryone(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		e.wxUser("o-old", "王小明", "13900000001")
		for i := range 30 {
			e.wxUser(fmt.Sprintf("o-new-%d", i), "用户"+string(rune(0x4e00+i)), "")
		}
		e.wxUser("o-recent", "李小明", "13900000002")
		b := e.browser()
		b.signIn("admin")
		for _, lang := range []string{"en", "zh-CN,zh;q=0.9"} {
			p := b.do("GET", "/admin/users?q="+url.QueryEscape("小明"), nil, "Accept-Language", lang)
			if p.count("user-row") != 2 || !strings.Contains(p.body, "王小明") || !strings.Contains(p.body, "李小明") {
				t.Fatalf("小明 (%s): %d rows, first %q", lang, p.count("user-row"), p.text("user-row"))
			}
			if p.count("search-scope-note") != 0 {
				t.Errorf("小明 (%s): a scope note %q", lang, p.text("search-scope-note"))
			}
		}
		p := b.get("/admin/users?q=" + url.QueryEscape("王"))
		if p.count("user-row") != 1 || !strings.Contains(p.text("user-row"), "王小明") {
			t.Fatalf("王: %d rows %q", p.count("user-row"), p.text("user-row"))
		}
		p = b.get("/admin/users/export.csv?q=" + url.QueryEscape("小明"))
		if p.status != 200 || !strings.Contains(p.body, "王小明") || !strings.Contains(p.body, "李小明") ||
			strings.Contains(p.body, "用户") {
			t.Fatalf("export 小明: %d\n%s", p.status, p.body)
		}
	})
}
