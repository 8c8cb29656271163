package web_test

import (
	"net/url"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestUsersShortSearchScope: a nickname search under three characters finds a recent user
// and says, in both languages, that it only looked at the newest users; longer and exact
// searches say nothing.
func TestUsersShortSearchScope(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		e.wxUser("o-old", "用户甲", "13900000001")
		e.wxUser("o-recent", "李小明", "13900000002")
		b := e.browser()
		b.signIn("admin")
		p := b.get("/admin/users?q=" + url.QueryEscape("小明"))
		if p.count("user-row") != 1 || !strings.Contains(p.text("user-row"), "李小明") {
			t.Fatalf("小明: %d rows %q", p.count("user-row"), p.text("user-row"))
		}
		note := p.text("search-scope-note")
		if p.count("search-scope-note") != 1 || !strings.Contains(note, "50,000") || !strings.Contains(note, "3") {
			t.Fatalf("小明: scope note %q", note)
		}
		p = b.do("GET", "/admin/users?q="+url.QueryEscape("小明"), nil, "Accept-Language", "zh-CN,zh;q=0.9")
		if note := p.text("search-scope-note"); !strings.Contains(note, "最新 50,000 个用户") {
			t.Errorf("小明 in Chinese: scope note %q", note)
		}
		for _, q := range []string{"李小明", "13900000001", ""} {
			p := b.get("/admin/users?q=" + url.QueryEscape(q))
			if p.count("user-row") == 0 || p.count("search-scope-note") != 0 {
				t.Errorf("q=%q: %d rows, %d scope notes", q, p.count("user-row"), p.count("search-scope-note"))
			}
		}
	})
}
