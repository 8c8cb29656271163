package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestAppsPage: an admin creates an app, disables it, turns its link off and replaces its
// secret on /admin/apps; the page never shows a secret; viewers get 403 and change nothing.
func TestAppsPage(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		b := e.browser()
		b.signIn("admin")
		if p := b.get("/admin/apps"); p.status != http.StatusOK {
			t.Fatalf("apps page: %d", p.status)
		}
		const appid, secret, rotated = "wx4444444444444444", "page-secret-0f1e2d3c", "page-secret-rotated-99"
		p := b.follow("/admin/apps", url.Values{"appid": {appid}, "name": {"Card"}, "secret": {secret}, "link": {"1"}})
		if kind, msg := p.flash(); kind != "success" || !strings.Contains(msg, appid) {
			t.Fatalf("create: flash %s %q", kind, msg)
		}
		if p.count("app-row") != 1 || strings.Contains(p.body, secret) {
			t.Fatalf("apps page: %d rows; secret shown: %v", p.count("app-row"), strings.Contains(p.body, secret))
		}
		if kind, _ := b.follow("/admin/apps", url.Values{"appid": {"bad id"}, "secret": {"x"}}).flash(); kind != "error" {
			t.Fatalf("bad appid accepted: %s", kind)
		}
		b.follow("/admin/apps/"+appid+"/disable", url.Values{})
		b.follow("/admin/apps/"+appid+"/link/off", url.Values{})
		p = b.follow("/admin/apps/"+appid+"/secret", url.Values{"secret": {rotated}})
		if strings.Contains(p.body, rotated) {
			t.Fatal("the new secret is shown")
		}
		a, err := s.AppByID(ctx, appid)
		if err != nil || a.Enabled || a.LinkUnionID || a.Secret() != rotated {
			t.Fatalf("after the admin's changes: %+v %v", a, err)
		}

		v := e.browser()
		v.signIn("viewer")
		v.get("/admin")
		if p := v.get("/admin/apps"); p.status != http.StatusForbidden {
			t.Fatalf("viewer sees the apps page: %d", p.status)
		}
		if p := v.post("/admin/apps/"+appid+"/enable", url.Values{}); p.status != http.StatusForbidden {
			t.Fatalf("viewer enable: %d", p.status)
		}
		if a, _ := s.AppByID(ctx, appid); a.Enabled {
			t.Fatal("a viewer enabled the app")
		}
	})
}

// TestOverviewAndUsersByApp: the overview counts one app or all, and the users list
// filters by app.
func TestOverviewAndUsersByApp(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		const other = "wx5555555555555555"
		for _, id := range []string{testAppID, other} {
			if _, err := s.CreateApp(ctx, db.AppInput{AppID: id, Secret: "x"}, db.SystemActor("test")); err != nil {
				t.Fatal(err)
			}
		}
		e.wxUser("o_one", "One", "")
		e.wxUser("o_two", "Two", "")
		ns := db.NewSession{TokenHash: []byte("h-three-0123456789012345678901"), RefreshHash: []byte("r-three-0123456789012345678901"),
			AccessTTL: time.Hour, IdleTTL: time.Hour, MaxTTL: time.Hour}
		if _, _, err := s.Login(ctx, db.LoginInput{AppID: other, OpenID: "o_three", Session: ns}); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		b.signIn("admin")
		for _, c := range []struct{ path, want string }{{"/admin", "3"}, {"/admin?app=" + other, "1"}, {"/admin?app=" + testAppID, "2"}} {
			p := b.get(c.path)
			if got := p.text("stat-users-value"); got != c.want {
				t.Errorf("%s: users %q, want %s", c.path, got, c.want)
			}
			// Today's figures (and the chart, from the same day counters) are the app's too.
			if got := p.text("stat-sessions"); !strings.Contains(got, c.want+" logins today") {
				t.Errorf("%s: sessions card %q, want %s logins today", c.path, got, c.want)
			}
		}
		if p := b.get("/admin/users?app=" + other); p.count("user-row") != 1 || p.count("users-filter-app") != 1 {
			t.Fatalf("users of %s: %d rows", other, p.count("user-row"))
		}
		if p := b.get("/admin/users"); p.count("user-row") != 3 {
			t.Fatalf("users of all apps: %d rows", p.count("user-row"))
		}
	})
}
