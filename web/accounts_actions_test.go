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

func TestAccountCreate(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		b := e.browser()
		b.signIn("admin")
		if p := b.get("/admin/accounts"); p.count("account-create") != 1 || p.count("account-row") != 0 {
			t.Fatalf("accounts page: form %d, rows %d", p.count("account-create"), p.count("account-row"))
		}
		p := b.follow("/admin/accounts", url.Values{"username": {"alice"}, "name": {"Alice Li"}, "password": {"alice-password"}})
		if kind, msg := p.flash(); kind != "success" || !strings.Contains(msg, "alice") {
			t.Fatalf("create: flash %s %q", kind, msg)
		}
		if p.count("account-row") != 1 || p.rowsWith("account-row", "Alice Li") != 1 {
			t.Fatalf("create: %d rows, want alice's", p.count("account-row"))
		}
		a, err := s.AccountByUsername(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, err := fastHasher.Verify(context.Background(), a.PasswordHash, "alice-password"); err != nil || !ok {
			t.Fatalf("stored hash does not verify the password: %v %v", ok, err)
		}
		if p := b.audited("account.create", "admin"); p.count("audit-row") != 1 {
			t.Fatalf("account.create by admin: %d audit rows", p.count("audit-row"))
		}

		// Refused input: a clear error flash, and no account more.
		for _, c := range []struct {
			name string
			form url.Values
			want string
		}{
			{"empty username", url.Values{"username": {""}, "password": {"some-password"}}, "Check the form"},
			{"blank username", url.Values{"username": {"   "}, "password": {"some-password"}}, "Check the form"},
			{"empty password", url.Values{"username": {"bob"}, "password": {""}}, "Check the form"},
			{"duplicate username", url.Values{"username": {"alice"}, "password": {"other-password"}}, "alice"},
			{"control character", url.Values{"username": {"bo\x01b"}, "password": {"some-password"}}, "without control characters"},
			{"username too long", url.Values{"username": {strings.Repeat("u", 65)}, "password": {"some-password"}}, "1 to 64 characters"},
			{"password too long", url.Values{"username": {"carl"}, "password": {strings.Repeat("p", 1025)}}, "longer than 1024 bytes"},
		} {
			p := b.follow("/admin/accounts", c.form)
			if kind, msg := p.flash(); kind != "error" || !strings.Contains(msg, c.want) {
				t.Errorf("%s: flash %s %q, want an error naming %q", c.name, kind, msg, c.want)
			}
			if n := b.get("/admin/accounts").count("account-row"); n != 1 {
				t.Errorf("%s: %d account rows after a refused create", c.name, n)
			}
		}
		a2, _ := s.AccountByUsername(context.Background(), "alice")
		if a2.PasswordHash != a.PasswordHash {
			t.Error("a refused duplicate changed alice's password")
		}
		if p := b.audited("account.create", "admin"); p.count("audit-row") != 1 {
			t.Errorf("refused creates were audited: %d rows", p.count("audit-row"))
		}
	})
}

func TestAccountCreateRefusedToViewerAndWithoutCSRF(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		v := e.browser()
		v.signIn("viewer")
		if p := v.get("/admin/accounts"); p.status != 200 || p.count("account-create") != 0 || p.count("account-import") != 0 {
			t.Fatalf("viewer accounts page: %d, create form %d", p.status, p.count("account-create"))
		}
		form := url.Values{"username": {"mallory"}, "password": {"mallory-password"}}
		if p := v.post("/admin/accounts", form); p.status != http.StatusForbidden || p.count("error-page") != 1 {
			t.Errorf("viewer create: %d, want the 403 page", p.status)
		}
		if p := v.upload("/admin/accounts/import", "file", "a.csv", []byte("mallory,M,mallory-password\n")); p.status != http.StatusForbidden {
			t.Errorf("viewer import: %d, want 403", p.status)
		}
		a := e.browser()
		a.signIn("admin")
		a.get("/admin/accounts")
		if p := a.do(http.MethodPost, "/admin/accounts", form); p.status != http.StatusForbidden {
			t.Errorf("admin create without CSRF: %d, want 403", p.status)
		}
		if p := a.get("/admin/accounts"); p.count("account-row") != 0 {
			t.Fatalf("a refused POST created %d accounts", p.count("account-row"))
		}
		if _, err := s.AccountByUsername(context.Background(), "mallory"); err == nil {
			t.Fatal("mallory exists")
		}
	})
}

func TestAccountsImport(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		b := e.browser()
		b.signIn("admin")
		b.get("/admin/accounts")
		csv := "username,name,password\nbob,Bob Wang,bob-password\ncarol,卡罗尔,carol-password\n"
		p := b.afterRedirect("/admin/accounts/import", b.upload("/admin/accounts/import", "file", "accounts.csv", []byte(csv)))
		if kind, msg := p.flash(); kind != "success" || !strings.Contains(msg, "2") {
			t.Fatalf("import: flash %s %q", kind, msg)
		}
		if p.count("account-row") != 2 || p.rowsWith("account-row", "卡罗尔") != 1 {
			t.Fatalf("import: %d rows", p.count("account-row"))
		}
		if p := b.audited("account.import", "admin"); p.count("audit-row") != 1 {
			t.Fatalf("account.import by admin: %d audit rows", p.count("audit-row"))
		}

		// Wrong files are refused whole, with a report naming each wrong row.
		for _, c := range []struct {
			name string
			csv  string
			want []string
		}{
			{"wrong rows", "dave,Dave,dave-password\nerin,Erin\ndave,Dave again,pw-again\nfrank,Frank,\n",
				[]string{"line 2", "3 columns", "line 3", "dave", "line 4", "frank"}},
			{"taken username", "gina,Gina,gina-password\nbob,Bob again,bob-password-2\n",
				[]string{"line 2", "bob"}},
			{"unclosed quote", "hank,\"Hank,hank-password\n", []string{"line 1", "malformed CSV"}},
			{"empty file", "", []string{"no accounts"}},
		} {
			p := b.afterRedirect("/admin/accounts/import", b.upload("/admin/accounts/import", "file", "bad.csv", []byte(c.csv)))
			kind, msg := p.flash()
			if kind != "error" {
				t.Errorf("%s: flash %s %q, want an error", c.name, kind, msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%s: report %q does not mention %q", c.name, msg, w)
				}
			}
			if p.count("account-row") != 2 {
				t.Errorf("%s: %d account rows, want the 2 from before", c.name, p.count("account-row"))
			}
		}
		for _, u := range []string{"dave", "erin", "gina", "hank"} {
			if _, err := s.AccountByUsername(context.Background(), u); err == nil {
				t.Errorf("%s was imported from a refused file", u)
			}
		}
		if p := b.audited("account.import", "admin"); p.count("audit-row") != 1 {
			t.Errorf("refused imports were audited: %d rows", p.count("audit-row"))
		}
		// No file at all.
		p = b.follow("/admin/accounts/import", url.Values{})
		if kind, _ := p.flash(); kind != "error" {
			t.Errorf("import without a file: flash %q", kind)
		}
		// Without CSRF.
		b.csrf = "forged"
		if p := b.upload("/admin/accounts/import", "file", "a.csv", []byte("ivan,Ivan,ivan-password\n")); p.status != http.StatusForbidden {
			t.Errorf("import without CSRF: %d, want 403", p.status)
		}
		if _, err := s.AccountByUsername(context.Background(), "ivan"); err == nil {
			t.Error("ivan was imported without CSRF")
		}
	})
}

func TestAccountPasswordReset(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		id := e.account("erin", "erin-old-password")
		_, token := e.boundSession("erin-wx", "erin", "erin-old-password")
		b := e.browser()
		b.signIn("admin")
		b.get("/admin/accounts")
		path := fmt.Sprintf("/admin/accounts/%d/password", id)

		// An empty password changes nothing.
		p := b.follow(path, url.Values{"password": {""}})
		if kind, _ := p.flash(); kind != "error" {
			t.Fatalf("empty password: flash %q, want an error", kind)
		}
		if !e.tokenAlive(token) {
			t.Fatal("a refused reset ended the session")
		}
		// A viewer and a POST without CSRF change nothing.
		v := e.browser()
		v.signIn("viewer")
		if p := v.post(path, url.Values{"password": {"viewer-chose-this"}}); p.status != http.StatusForbidden {
			t.Errorf("viewer reset: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, path, url.Values{"password": {"forged-password"}}); p.status != http.StatusForbidden {
			t.Errorf("reset without CSRF: %d, want 403", p.status)
		}
		if !e.tokenAlive(token) {
			t.Fatal("a refused reset ended the session")
		}
		a, _ := s.AccountByID(context.Background(), id)
		if ok, _, _ := fastHasher.Verify(context.Background(), a.PasswordHash, "erin-old-password"); !ok {
			t.Fatal("a refused reset changed the password")
		}

		p = b.follow(path, url.Values{"password": {"erin-new-password"}})
		if kind, msg := p.flash(); kind != "success" || msg != "Password reset." {
			t.Fatalf("reset: flash %s %q", kind, msg)
		}
		if e.tokenAlive(token) {
			t.Fatal("the session carrying the account survived the password reset")
		}
		a, _ = s.AccountByID(context.Background(), id)
		if ok, _, _ := fastHasher.Verify(context.Background(), a.PasswordHash, "erin-new-password"); !ok {
			t.Fatal("the new password does not verify")
		}
		if p := b.audited("account.passwd", "admin"); p.count("audit-row") != 1 {
			t.Fatalf("account.passwd by admin: %d audit rows", p.count("audit-row"))
		}
		if p := b.post("/admin/accounts/999999/password", url.Values{"password": {"whatever-password"}}); p.status != http.StatusNotFound {
			t.Errorf("unknown account: %d, want 404", p.status)
		}
	})
}

func TestAccountDisableEnable(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		id := e.account("fay", "fay-password")
		_, token := e.boundSession("fay-wx", "fay", "fay-password")
		b := e.browser()
		b.signIn("admin")
		b.get("/admin/accounts")
		disable := fmt.Sprintf("/admin/accounts/%d/disable", id)

		v := e.browser()
		v.signIn("viewer")
		if p := v.post(disable, nil); p.status != http.StatusForbidden {
			t.Errorf("viewer disable: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, disable, url.Values{}); p.status != http.StatusForbidden {
			t.Errorf("disable without CSRF: %d, want 403", p.status)
		}
		if !e.tokenAlive(token) {
			t.Fatal("a refused disable ended the session")
		}
		if p := b.get("/admin/accounts"); p.rowsWith("account-row", "Disabled") != 0 {
			t.Fatal("a refused disable disabled the account")
		}

		p := b.follow(disable, nil)
		if kind, msg := p.flash(); kind != "success" || msg != "Account disabled." {
			t.Fatalf("disable: flash %s %q", kind, msg)
		}
		row := p.doc.Find(fmt.Sprintf(`[data-testid="account-row"][data-account-id="%d"]`, id))
		if !strings.Contains(row.Text(), "Disabled") || row.Find(`[data-testid="account-enable"]`).Length() != 1 {
			t.Fatalf("disabled row: %q", strings.Join(strings.Fields(row.Text()), " "))
		}
		if e.tokenAlive(token) {
			t.Fatal("the session carrying the disabled account survived")
		}
		if p := b.audited("account.disable", "admin"); p.count("audit-row") != 1 {
			t.Fatalf("account.disable by admin: %d audit rows", p.count("audit-row"))
		}

		p = b.follow(fmt.Sprintf("/admin/accounts/%d/enable", id), nil)
		if kind, msg := p.flash(); kind != "success" || msg != "Account enabled." {
			t.Fatalf("enable: flash %s %q", kind, msg)
		}
		row = p.doc.Find(fmt.Sprintf(`[data-testid="account-row"][data-account-id="%d"]`, id))
		if strings.Contains(row.Text(), "Disabled") || row.Find(`[data-testid="account-disable"]`).Length() != 1 {
			t.Fatalf("enabled row: %q", strings.Join(strings.Fields(row.Text()), " "))
		}
		status, out := e.apiCall(http.MethodPost, "/api/user/checkBind", "", map[string]any{"code": e.wxCode("fay-wx")})
		if tok, _ := out["token"].(string); status != http.StatusOK || tok == "" || !e.tokenAlive(tok) {
			t.Fatalf("checkBind after enable: %d %v", status, out)
		}
		if p := b.audited("account.enable", "admin"); p.count("audit-row") != 1 {
			t.Fatalf("account.enable by admin: %d audit rows", p.count("audit-row"))
		}
	})
}

func TestAccountUnlock(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newLiveEnv(t, s)
		id := e.account("gus", "gus-password")
		ticket := func() string {
			_, out := e.apiCall(http.MethodPost, "/api/user/checkBind", "", map[string]any{"code": e.wxCode("gus-wx")})
			tk, _ := out["bindTicket"].(string)
			if tk == "" {
				t.Fatalf("checkBind: %v", out)
			}
			return tk
		}
		tk := ticket()
		for i := 0; i < db.ThrottleFree; i++ {
			if status, _ := e.apiCall(http.MethodPost, "/api/user/bind", "", map[string]any{"bindTicket": tk, "username": "gus", "password": "wrong"}); status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d", i, status)
			}
		}
		bind := func() int {
			status, _ := e.apiCall(http.MethodPost, "/api/user/bind", "", map[string]any{"bindTicket": ticket(), "username": "gus", "password": "gus-password"})
			return status
		}
		if status := bind(); status != http.StatusTooManyRequests {
			t.Fatalf("right password while throttled: %d, want 429", status)
		}
		b := e.browser()
		b.signIn("admin")
		if p := b.get("/admin/accounts"); p.count("account-unlock") != 1 {
			t.Fatalf("a throttled account must show its unlock button: %d", p.count("account-unlock"))
		}
		path := fmt.Sprintf("/admin/accounts/%d/unlock", id)
		v := e.browser()
		v.signIn("viewer")
		if p := v.post(path, nil); p.status != http.StatusForbidden {
			t.Errorf("viewer unlock: %d, want 403", p.status)
		}
		if p := b.do(http.MethodPost, path, url.Values{}); p.status != http.StatusForbidden {
			t.Errorf("unlock without CSRF: %d, want 403", p.status)
		}
		if status := bind(); status != http.StatusTooManyRequests {
			t.Fatalf("after refused unlocks: %d, want still 429", status)
		}
		p := b.follow(path, nil)
		if kind, msg := p.flash(); kind != "success" || msg != "Account unlocked." {
			t.Fatalf("unlock: flash %s %q", kind, msg)
		}
		if p := b.audited("account.unlock", "admin"); p.count("audit-row") != 1 {
			t.Fatalf("account.unlock by admin: %d audit rows", p.count("audit-row"))
		}
		if p := b.get("/admin/accounts"); p.count("account-unlock") != 0 {
			t.Fatalf("an unlocked account still shows the unlock button")
		}
		if status := bind(); status != http.StatusOK {
			t.Fatalf("bind after unlock: %d, want 200", status)
		}
	})
}
