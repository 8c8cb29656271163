package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// apiLogin logs the simulated person simUser in through the API and returns the WeChat
// user id and the token.
func (e *env) apiLogin(simUser string) (int64, string) {
	e.t.Helper()
	status, out := e.apiCall(http.MethodPost, "/api/login", "", map[string]any{"code": e.wxCode(simUser)})
	token, _ := out["token"].(string)
	u, _ := out["user"].(map[string]any)
	id, _ := u["id"].(float64)
	if status != http.StatusOK || token == "" || id == 0 {
		e.t.Fatalf("login %s: %d %v", simUser, status, out)
	}
	return int64(id), token
}

// checkBindAccount runs checkBind for simUser and returns the username its session
// carries ("" when not bound) and the token.
func (e *env) checkBindAccount(simUser string) (string, string) {
	e.t.Helper()
	status, out := e.apiCall(http.MethodPost, "/api/user/checkBind", "", map[string]any{"code": e.wxCode(simUser)})
	if status != http.StatusOK {
		e.t.Fatalf("checkBind %s: %d %v", simUser, status, out)
	}
	info, _ := out["userInfo"].(map[string]any)
	username, _ := info["username"].(string)
	token, _ := out["token"].(string)
	return username, token
}

func TestOperatorBindAndUnbind(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		ctx := context.Background()
		halID := e.account("hal", "hal-password")
		e.account("ida", "ida-password")
		if err := s.SetAccountDisabled(ctx, e.account("jay", "jay-password"), true, db.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
		u1, plain := e.apiLogin("hal-wx")
		u2, _ := e.apiLogin("ida-wx")
		b := e.browser()
		b.signIn("admin")
		if p := b.get("/admin/bindings"); p.count("binding-create") != 1 || p.count("binding-row") != 0 {
			t.Fatalf("bindings page: form %d, rows %d", p.count("binding-create"), p.count("binding-row"))
		}
		bind := func(wxUserID any, username, reason string) url.Values {
			return url.Values{"wx_user_id": {fmt.Sprint(wxUserID)}, "username": {username}, "reason": {reason}}
		}
		noBinding := func(what string) {
			t.Helper()
			if n := b.get("/admin/bindings").count("binding-row"); n != 0 {
				t.Fatalf("%s: %d binding rows", what, n)
			}
		}

		// Refused input: a clear error, and no binding.
		for _, c := range []struct {
			name string
			form url.Values
			want string
		}{
			{"no reason", bind(u1, "hal", " "), "Check the form"},
			{"no username", bind(u1, "", "support ticket 1"), "Check the form"},
			{"user id not a number", bind("abc", "hal", "support ticket 1"), "Check the form"},
			{"unknown username", bind(u1, "nobody", "support ticket 1"), "nobody"},
			{"unknown user", bind(999999, "hal", "support ticket 1"), "No such user"},
			{"disabled account", bind(u1, "jay", "support ticket 1"), "account disabled"},
		} {
			p := b.follow("/admin/bindings", c.form)
			kind, msg := p.flash()
			if kind != "error" || !strings.Contains(msg, c.want) {
				t.Errorf("%s: flash %s %q, want an error with %q", c.name, kind, msg, c.want)
			}
			if strings.Contains(msg, "Page not found") {
				t.Errorf("%s: flash %q talks about a page", c.name, msg)
			}
			noBinding(c.name)
		}

		// A viewer and a POST without CSRF bind nothing.
		v := e.browser()
		v.signIn("viewer")
		if p := v.get("/admin/bindings"); p.count("binding-create") != 0 {
			t.Error("viewer sees the bind form")
		}
		if p := v.post("/admin/bindings", bind(u1, "hal", "viewer tries")); p.status != http.StatusForbidden {
			t.Errorf("viewer bind: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, "/admin/bindings", bind(u1, "hal", "forged")); p.status != http.StatusForbidden {
			t.Errorf("bind without CSRF: %d, want 403", p.status)
		}
		noBinding("refused POSTs")

		// The bind: the row, the flash, the audit event with the reason.
		p := b.follow("/admin/bindings", bind(u1, "hal", "support ticket 42"))
		if kind, msg := p.flash(); kind != "success" || msg != "Bound." {
			t.Fatalf("bind: flash %s %q", kind, msg)
		}
		row := p.doc.Find(fmt.Sprintf(`[data-testid="binding-row"][data-user-id="%d"]`, u1))
		if p.count("binding-row") != 1 || row.AttrOr("data-account-id", "") != fmt.Sprint(halID) ||
			!strings.Contains(row.Text(), "hal") || !strings.Contains(row.Text(), "admin") {
			t.Fatalf("bindings after bind: %d rows, row %q", p.count("binding-row"), strings.Join(strings.Fields(row.Text()), " "))
		}
		a := b.audited("bind", "admin")
		if a.count("audit-row") != 1 || a.rowsWith("audit-row", "support ticket 42") != 1 {
			t.Fatalf("bind by admin: %d audit rows", a.count("audit-row"))
		}
		// The user's current session stays; the next checkBind carries the account.
		if !e.tokenAlive(plain) {
			t.Fatal("the operator's bind ended the user's session")
		}
		username, carried := e.checkBindAccount("hal-wx")
		if username != "hal" || !e.tokenAlive(carried) {
			t.Fatalf("checkBind after the operator's bind carries %q", username)
		}

		// Binding either side again is refused with a clear message; nothing moves.
		for _, c := range []struct {
			name string
			form url.Values
		}{
			{"user already bound", bind(u1, "ida", "support ticket 43")},
			{"account bound to another user", bind(u2, "hal", "support ticket 44")},
		} {
			p := b.follow("/admin/bindings", c.form)
			kind, msg := p.flash()
			if kind != "error" || !strings.Contains(msg, "already bound") {
				t.Errorf("%s: flash %s %q, want an error saying already bound", c.name, kind, msg)
			}
			if strings.Contains(msg, "db:") || strings.Contains(msg, "wx user") {
				t.Errorf("%s: flash %q shows the store's error chain", c.name, msg)
			}
			if p.count("binding-row") != 1 {
				t.Errorf("%s: %d binding rows, want 1", c.name, p.count("binding-row"))
			}
		}
		if bd, err := s.BindingOfWxUser(ctx, u1); err != nil || bd.AccountID != halID {
			t.Fatalf("binding of user 1 after refused binds: %+v %v", bd, err)
		}
		if _, err := s.BindingOfWxUser(ctx, u2); err == nil {
			t.Fatal("user 2 got bound")
		}
		if a := b.audited("bind", "admin"); a.count("audit-row") != 1 {
			t.Errorf("refused binds were audited: %d rows", a.count("audit-row"))
		}

		// Unbind: a reason is required; viewers and forged POSTs change nothing.
		unbind := fmt.Sprintf("/admin/bindings/%d/unbind", u1)
		if p := b.follow(unbind, url.Values{"reason": {""}}); p.count("binding-row") != 1 {
			t.Fatalf("unbind without a reason removed the binding")
		} else if kind, _ := p.flash(); kind != "error" {
			t.Errorf("unbind without a reason: flash %q", kind)
		}
		if p := v.post(unbind, url.Values{"reason": {"viewer tries"}}); p.status != http.StatusForbidden {
			t.Errorf("viewer unbind: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, unbind, url.Values{"reason": {"forged"}}); p.status != http.StatusForbidden {
			t.Errorf("unbind without CSRF: %d, want 403", p.status)
		}
		if !e.tokenAlive(carried) {
			t.Fatal("a refused unbind ended the session carrying the account")
		}
		p = b.follow(unbind, url.Values{"reason": {"user asked by phone", "x"}, "back": {fmt.Sprintf("/admin/users/%d", u1)}})
		if kind, msg := p.flash(); kind != "success" || msg != "Unbound." {
			t.Fatalf("unbind: flash %s %q", kind, msg)
		}
		if p.count("user-detail") != 1 || p.count("user-bind-form") != 1 {
			t.Fatalf("unbind did not return to the user's page, now unbound")
		}
		if n := b.get("/admin/bindings").count("binding-row"); n != 0 {
			t.Fatalf("bindings after unbind: %d rows", n)
		}
		if e.tokenAlive(carried) {
			t.Fatal("the session carrying the account survived the unbind")
		}
		if !e.tokenAlive(plain) {
			t.Fatal("the unbind ended a session that did not carry the account")
		}
		a = b.audited("unbind", "admin")
		if a.count("audit-row") != 1 || a.rowsWith("audit-row", "user asked by phone") != 1 {
			t.Fatalf("unbind by admin: %d audit rows", a.count("audit-row"))
		}
		if username, _ := e.checkBindAccount("hal-wx"); username != "" {
			t.Fatalf("checkBind after unbind carries %q", username)
		}
	})
}
