package views

import (
	"net/url"
	"testing"
)

func TestSafeBack(t *testing.T) {
	for in, want := range map[string]string{
		"/admin":                  "/admin",
		"/admin/users?q=li&x=1":   "/admin/users?q=li&x=1",
		"/admin?lang=x":           "/admin?lang=x",
		"":                        PathOverview,
		"https://evil.example/":   PathOverview,
		"//evil.example/admin":    PathOverview,
		"/administrator":          PathOverview,
		"/admin/../api/logout":    PathOverview,
		"/admin/users/..":         PathOverview,
		"/admin\\@evil.example":   PathOverview,
		"/admin/x\r\nSet-Cookie:": PathOverview,
		"javascript:alert(1)":     PathOverview,
		"/api/user/info":          PathOverview,
	} {
		if got := SafeBack(in); got != want {
			t.Errorf("SafeBack(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLangSwitchURL(t *testing.T) {
	u, err := url.Parse(LangSwitchURL("en", "/admin/users?q=李&after=abc"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != PathLang || u.Query().Get("to") != "en" || u.Query().Get("back") != "/admin/users?q=李&after=abc" {
		t.Errorf("LangSwitchURL = %s", u)
	}
	u, _ = url.Parse(LangSwitchURL("xx", "https://evil.example/"))
	if u.Query().Get("to") != "en" || u.Query().Get("back") != PathOverview {
		t.Errorf("LangSwitchURL of bad input = %s", u)
	}
}

func TestPager(t *testing.T) {
	pg := Pager{Path: PathSessions, Params: url.Values{"ip": {"1.2.3.4"}, "after": {"old"}}, Cursors: Cursors{Prev: "b", Next: "a"}}
	n, _ := url.Parse(pg.NextURL())
	if n.Query().Get("after") != "a" || n.Query().Get("ip") != "1.2.3.4" || n.Query().Has("before") {
		t.Errorf("next = %s", n)
	}
	p, _ := url.Parse(pg.PrevURL())
	if p.Query().Get("before") != "b" || p.Query().Has("after") {
		t.Errorf("prev = %s", p)
	}
	if pg.FirstURL() != "/admin/sessions?ip=1.2.3.4" {
		t.Errorf("first = %s", pg.FirstURL())
	}
	if (Pager{Path: PathAudit}).NextURL() != "" || (Pager{Path: PathAudit}).PrevURL() != "" {
		t.Error("links without cursors")
	}
	if pg.Params.Get("after") != "old" {
		t.Error("building links changed the caller's parameters")
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45678: "-45,678"} {
		if got := fmtInt(n); got != want {
			t.Errorf("fmtInt(%d) = %q", n, got)
		}
	}
	if got := clip("abcdef", 3); got != "abc…" {
		t.Errorf("clip = %q", got)
	}
	if got := initial(" 李雷"); got != "李" {
		t.Errorf("initial = %q", got)
	}
}
