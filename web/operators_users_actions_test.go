package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/views"
)

// operatorID is the id of the operator row showing username on the operators page.
func operatorID(t *testing.T, p page, username string) string {
	t.Helper()
	id := ""
	p.doc.Find(`[data-testid="operator-row"]`).Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Find(".strong").First().Text()) == username {
			id, _ = s.Attr("data-operator-id")
		}
	})
	if id == "" {
		t.Fatalf("no operator row for %s", username)
	}
	return id
}

func TestOperatorCreate(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		b := e.browser()
		b.signIn("admin")
		if p := b.get("/admin/operators"); p.count("operator-row") != 2 || p.count("operator-create") != 1 {
			t.Fatalf("operators page: %d rows, form %d", p.count("operator-row"), p.count("operator-create"))
		}
		for _, c := range []struct {
			name string
			form url.Values
			want string
		}{
			{"empty username", url.Values{"username": {" "}, "password": {"long-enough"}, "role": {"viewer"}}, "Check the form"},
			{"short password", url.Values{"username": {"olga"}, "password": {"short"}, "role": {"viewer"}}, "Check the form"},
			{"unknown role", url.Values{"username": {"olga"}, "password": {"long-enough"}, "role": {"root"}}, "Check the form"},
			{"taken username", url.Values{"username": {"viewer"}, "password": {"long-enough"}, "role": {"admin"}}, "viewer"},
		} {
			p := b.follow("/admin/operators", c.form)
			if kind, msg := p.flash(); kind != "error" || !strings.Contains(msg, c.want) {
				t.Errorf("%s: flash %s %q, want an error with %q", c.name, kind, msg, c.want)
			}
			if p.count("operator-row") != 2 {
				t.Errorf("%s: %d operator rows", c.name, p.count("operator-row"))
			}
		}
		o := e.browser()
		o.get("/admin/login")
		if p := o.post("/admin/login", url.Values{"username": {"viewer"}, "password": {"long-enough"}}); p.status == http.StatusSeeOther {
			t.Fatal("the refused duplicate changed viewer's password")
		}
		// Viewers and forged POSTs create nobody.
		v := e.browser()
		v.signIn("viewer")
		form := url.Values{"username": {"olga"}, "password": {"olgaolga"}, "role": {"admin"}}
		if p := v.post("/admin/operators", form); p.status != http.StatusForbidden {
			t.Errorf("viewer create: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, "/admin/operators", form); p.status != http.StatusForbidden {
			t.Errorf("create without CSRF: %d, want 403", p.status)
		}
		if p := b.get("/admin/operators"); p.count("operator-row") != 2 {
			t.Fatalf("refused creates: %d operator rows", p.count("operator-row"))
		}

		p := b.follow("/admin/operators", url.Values{"username": {"olga"}, "password": {"olgaolga"}, "role": {"viewer"}})
		if kind, msg := p.flash(); kind != "success" || !strings.Contains(msg, "olga") {
			t.Fatalf("create: flash %s %q", kind, msg)
		}
		if p.count("operator-row") != 3 || p.rowsWith("operator-row", "olga") != 1 {
			t.Fatalf("after create: %d rows", p.count("operator-row"))
		}
		if a := b.audited("operator.create", "admin"); a.count("audit-row") != 1 || a.rowsWith("audit-row", "olga") != 1 {
			t.Fatalf("operator.create by admin: %d audit rows", a.count("audit-row"))
		}
		// The new operator signs in with the role given.
		o = e.browser()
		o.signIn("olga")
		if p := o.get("/admin/operators"); p.status != http.StatusForbidden {
			t.Errorf("olga (viewer) on operators: %d, want 403", p.status)
		}
	})
}

func TestOperatorDisable(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		e.operator("pete", db.RoleAdmin)
		b := e.browser()
		b.signIn("admin")
		pete := e.browser()
		pete.signIn("pete")
		p := b.get("/admin/operators")
		peteID, adminID := operatorID(t, p, "pete"), operatorID(t, p, "admin")
		disable := "/admin/operators/" + peteID + "/disable"

		v := e.browser()
		v.signIn("viewer")
		if p := v.post(disable, nil); p.status != http.StatusForbidden {
			t.Errorf("viewer disable: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, disable, url.Values{}); p.status != http.StatusForbidden {
			t.Errorf("disable without CSRF: %d, want 403", p.status)
		}
		if p := pete.get("/admin/users"); p.status != http.StatusOK {
			t.Fatalf("pete after refused disables: %d", p.status)
		}

		// Nobody disables themself.
		p = b.follow("/admin/operators/"+adminID+"/disable", nil)
		if kind, _ := p.flash(); kind != "error" {
			t.Errorf("self-disable: flash %q, want an error", kind)
		}
		if p.status != http.StatusOK || p.rowsWith("operator-row", "Disabled") != 0 {
			t.Fatal("the admin disabled themself")
		}

		p = b.follow(disable, nil)
		if kind, msg := p.flash(); kind != "success" || msg != "Operator disabled." {
			t.Fatalf("disable: flash %s %q", kind, msg)
		}
		row := p.doc.Find(`[data-testid="operator-row"][data-operator-id="` + peteID + `"]`)
		if !strings.Contains(row.Text(), "Disabled") {
			t.Fatalf("pete's row after disable: %q", strings.Join(strings.Fields(row.Text()), " "))
		}
		if p := pete.get("/admin/users"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/admin/login") {
			t.Fatalf("pete's open session after disable: %d %q", p.status, p.header.Get("Location"))
		}
		again := e.browser()
		again.get("/admin/login")
		if p := again.post("/admin/login", url.Values{"username": {"pete"}, "password": {"petepete"}}); p.status == http.StatusSeeOther {
			t.Fatal("a disabled operator signed in")
		}
		if a := b.audited("operator.disable", "admin"); a.count("audit-row") != 1 {
			t.Fatalf("operator.disable by admin: %d audit rows", a.count("audit-row"))
		}

		p = b.follow("/admin/operators/"+peteID+"/enable", nil)
		if kind, msg := p.flash(); kind != "success" || msg != "Operator enabled." {
			t.Fatalf("enable: flash %s %q", kind, msg)
		}
		e.browser().signIn("pete")
	})
}

func TestUserErase(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		e.account("kim", "kim-password")
		userID, token := e.boundSession("kim-wx", "kim", "kim-password")
		b := e.browser()
		b.signIn("admin")
		detail := fmt.Sprintf("/admin/users/%d", userID)
		if p := b.get(detail); p.count("user-erase") != 1 || p.text("binding-username") != "kim" {
			t.Fatalf("detail: erase button %d, bound to %q", p.count("user-erase"), p.text("binding-username"))
		}
		erase := detail + "/erase"
		if p := b.post(erase, url.Values{}); p.status != http.StatusUnprocessableEntity {
			t.Errorf("erase without confirm: %d, want 422", p.status)
		}
		v := e.browser()
		v.signIn("viewer")
		if p := v.post(erase, url.Values{"confirm": {"yes"}}); p.status != http.StatusForbidden {
			t.Errorf("viewer erase: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, erase, url.Values{"confirm": {"yes"}}); p.status != http.StatusForbidden {
			t.Errorf("erase without CSRF: %d, want 403", p.status)
		}
		if !e.tokenAlive(token) || b.get("/admin/bindings").count("binding-row") != 1 {
			t.Fatal("a refused erase changed something")
		}

		p := b.follow(erase, url.Values{"confirm": {"yes"}})
		if kind, msg := p.flash(); kind != "success" || msg != "User erased." {
			t.Fatalf("erase: flash %s %q", kind, msg)
		}
		if p.count("user-detail") != 1 || p.count("session-row") != 0 || p.text("binding-username") != "" {
			t.Fatalf("detail after erase: sessions %d, bound to %q", p.count("session-row"), p.text("binding-username"))
		}
		if e.tokenAlive(token) {
			t.Fatal("the erased user's session survived")
		}
		if n := b.get("/admin/bindings").count("binding-row"); n != 0 {
			t.Fatalf("bindings after erase: %d", n)
		}
		if a := b.audited("user.delete", "admin"); a.count("audit-row") != 1 {
			t.Fatalf("user.delete by admin: %d audit rows", a.count("audit-row"))
		}
	})
}

func TestUserRevokeAllSessions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		userID, t1 := e.apiLogin("lee-wx")
		_, t2 := e.apiLogin("lee-wx")
		_, other := e.apiLogin("mo-wx")
		b := e.browser()
		b.signIn("admin")
		detail := fmt.Sprintf("/admin/users/%d", userID)
		if p := b.get(detail); p.count("session-row") != 2 || p.count("revoke-all") != 1 {
			t.Fatalf("detail: %d sessions, revoke-all %d", p.count("session-row"), p.count("revoke-all"))
		}
		path := detail + "/sessions/revoke"
		v := e.browser()
		v.signIn("viewer")
		if p := v.post(path, nil); p.status != http.StatusForbidden {
			t.Errorf("viewer revoke-all: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, path, url.Values{}); p.status != http.StatusForbidden {
			t.Errorf("revoke-all without CSRF: %d, want 403", p.status)
		}
		if !e.tokenAlive(t1) || !e.tokenAlive(t2) {
			t.Fatal("a refused revoke-all ended a session")
		}

		p := b.follow(path, url.Values{"back": {detail}})
		if kind, msg := p.flash(); kind != "success" || msg != "2 sessions signed out." {
			t.Fatalf("revoke-all: flash %s %q", kind, msg)
		}
		if p.count("user-detail") != 1 || p.count("session-row") != 0 {
			t.Fatalf("detail after revoke-all: %d sessions", p.count("session-row"))
		}
		if e.tokenAlive(t1) || e.tokenAlive(t2) {
			t.Fatal("a session survived revoke-all")
		}
		if !e.tokenAlive(other) {
			t.Fatal("revoke-all ended another user's session")
		}
		if a := b.audited("session.revoke_all", "admin"); a.count("audit-row") != 1 || a.rowsWith("audit-row", "2") != 1 {
			t.Fatalf("session.revoke_all by admin: %d audit rows", a.count("audit-row"))
		}
		// An off-site back is not followed.
		p = b.post(path, url.Values{"back": {"https://evil.example/"}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin" {
			t.Errorf("off-site back: %d %q", p.status, p.header.Get("Location"))
		}
	})
}

// secretLike is what a raw token, refresh token or bind ticket looks like.
var secretLike = regexp.MustCompile(`[A-Za-z0-9_-]{40,}`)

func TestPlayground(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		e.account("nina", "nina-password")
		b := e.browser()
		b.signIn("admin")
		p := b.get("/admin/playground")
		if p.count("playground-login") != 1 || p.count("playground-step") != 0 {
			t.Fatalf("playground: login form %d, steps %d", p.count("playground-login"), p.count("playground-step"))
		}
		steps := func(p page) []string {
			var out []string
			p.doc.Find(`[data-testid="playground-step"]`).Each(func(_ int, s *goquery.Selection) {
				out = append(out, s.AttrOr("data-step", "")+" "+s.AttrOr("data-status", ""))
				if m := secretLike.FindString(s.Find(`[data-testid="playground-json"]`).Text()); m != "" {
					t.Errorf("a secret is shown: %q", m)
				}
			})
			return out
		}
		jsonOf := func(p page, i int) string {
			return p.doc.Find(`[data-testid="playground-json"]`).Eq(i).Text()
		}

		// Viewers watch; they cannot act.
		v := e.browser()
		v.signIn("viewer")
		if p := v.get("/admin/playground"); p.status != 200 || p.count("playground-login") != 0 {
			t.Fatalf("viewer playground: %d, login form %d", p.status, p.count("playground-login"))
		}
		for _, path := range []string{"/admin/playground/login", "/admin/playground/checkbind", "/admin/playground/bind"} {
			if p := v.post(path, url.Values{"sim_user": {"x"}, "username": {"nina"}, "password": {"nina-password"}}); p.status != http.StatusForbidden {
				t.Errorf("viewer %s: %d, want 403", path, p.status)
			}
		}
		if p := b.do(http.MethodPost, "/admin/playground/login", url.Values{"sim_user": {"pg-nina"}}); p.status != http.StatusForbidden {
			t.Errorf("login without CSRF: %d, want 403", p.status)
		}
		if p := b.post("/admin/playground/login", url.Values{"sim_user": {" "}}); p.status != http.StatusUnprocessableEntity {
			t.Errorf("login without a person: %d, want 422", p.status)
		}
		// Bind before checkBind: there is no ticket.
		p = b.follow("/admin/playground/bind", url.Values{"username": {"nina"}, "password": {"nina-password"}})
		if kind, _ := p.flash(); kind != "error" || p.count("playground-step") != 0 {
			t.Fatalf("bind without a ticket: flash %q, %d steps", kind, p.count("playground-step"))
		}
		if n := b.get("/admin/users").count("user-row"); n != 0 {
			t.Fatalf("refused steps made %d users", n)
		}

		// 1. login: a user and a session appear; the tokens are not shown.
		p = b.follow("/admin/playground/login", url.Values{"sim_user": {"pg-nina"}})
		if got := steps(p); len(got) != 1 || got[0] != "login 200" {
			t.Fatalf("after login: steps %v", got)
		}
		if j := jsonOf(p, 0); !strings.Contains(j, `"token": "…"`) || !strings.Contains(j, `"refresh_token": "…"`) {
			t.Fatalf("login answer not redacted:\n%s", j)
		}
		link, _ := p.doc.Find(`[data-testid="playground-link"]`).First().Attr("href")
		u := b.get(link)
		if u.count("user-detail") != 1 || u.count("session-row") != 1 {
			t.Fatalf("the login's user page %s: detail %d, sessions %d", link, u.count("user-detail"), u.count("session-row"))
		}

		// 2. checkBind: not bound, a ticket held on the server.
		p = b.follow("/admin/playground/checkbind", url.Values{"sim_user": {"pg-nina"}})
		if got := steps(p); len(got) != 2 || got[1] != "checkBind 200" {
			t.Fatalf("after checkBind: steps %v", got)
		}
		if j := jsonOf(p, 1); !strings.Contains(j, `"code": 301`) || !strings.Contains(j, `"bindTicket": "…"`) {
			t.Fatalf("checkBind answer:\n%s", j)
		}

		// 3. bind: a wrong password is the API's 401; the right one binds.
		p = b.follow("/admin/playground/bind", url.Values{"sim_user": {"pg-nina"}, "username": {"nina"}, "password": {"wrong"}})
		if got := steps(p); len(got) != 3 || got[2] != "bind 401" {
			t.Fatalf("after a wrong password: steps %v", got)
		}
		if n := b.get("/admin/bindings").count("binding-row"); n != 0 {
			t.Fatalf("a wrong password bound: %d rows", n)
		}
		p = b.follow("/admin/playground/bind", url.Values{"sim_user": {"pg-nina"}, "username": {"nina"}, "password": {"nina-password"}})
		if got := steps(p); len(got) != 4 || got[3] != "bind 200" {
			t.Fatalf("after bind: steps %v", got)
		}
		if j := jsonOf(p, 3); !strings.Contains(j, `"code": 1`) || !strings.Contains(j, `"token": "…"`) || !strings.Contains(j, "nina") {
			t.Fatalf("bind answer:\n%s", j)
		}
		// Every step of the same person links to the rows it touched: the user and
		// sessions, and after the bind the account and the bindings.
		var bindLinks []string
		p.doc.Find(`[data-testid="playground-step"]`).Eq(3).Find(`[data-testid="playground-link"]`).Each(func(_ int, a *goquery.Selection) {
			bindLinks = append(bindLinks, a.AttrOr("href", ""))
		})
		if len(bindLinks) != 4 || bindLinks[0] != link || bindLinks[2] != views.AccountURL("nina") || bindLinks[3] != views.PathBindings {
			t.Fatalf("bind step links %v, want the user's, its sessions, the account's and the bindings page", bindLinks)
		}
		if n := p.doc.Find(`[data-testid="playground-step"]`).Eq(1).Find(`[data-testid="playground-link"]`).Length(); n != 2 {
			t.Fatalf("checkBind step links: %d, want the user's and its sessions", n)
		}
		bp := b.get("/admin/bindings")
		if bp.count("binding-row") != 1 || bp.rowsWith("binding-row", "nina") != 1 {
			t.Fatalf("bindings after the playground's bind: %d rows", bp.count("binding-row"))
		}
		if username, _ := e.checkBindAccount("pg-nina"); username != "nina" {
			t.Fatalf("checkBind of the simulated person after bind carries %q", username)
		}
		// The ticket is used up: another bind needs a new checkBind.
		p = b.follow("/admin/playground/bind", url.Values{"sim_user": {"pg-nina"}, "username": {"nina"}, "password": {"nina-password"}})
		if kind, _ := p.flash(); kind != "error" || len(steps(p)) != 4 {
			t.Fatalf("bind with a used ticket: flash %q, steps %v", kind, steps(p))
		}
		// The viewer does not see the admin's steps; reset forgets them.
		if n := v.get("/admin/playground").count("playground-step"); n != 0 {
			t.Errorf("viewer sees %d of the admin's steps", n)
		}
		p = b.follow("/admin/playground/reset", nil)
		if p.count("playground-step") != 0 {
			t.Fatalf("after reset: %d steps", p.count("playground-step"))
		}
	})
}
