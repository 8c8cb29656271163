package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// Real-world import files: the header the page suggests is a header, and broken or
// hostile files are answered with an error flash naming the rows (a 303 to the page),
// never a 500, and import nothing.
func TestAccountsImportRealFiles(t *testing.T) {
	legacy, _ := bcrypt.GenerateFromPassword([]byte("legacy-pw"), bcrypt.MinCost)
	cost31 := "$2a$31$" + string(legacy[7:])
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newEnv(t, s)
		b := e.browser()
		b.signIn("admin")
		page := b.get("/admin/accounts")
		if !strings.Contains(page.body, "username,name,password_hash") {
			t.Fatal("the import help no longer shows the header it suggests")
		}

		// The header the page suggests, as a spreadsheet saves it: BOM, CRLF.
		file := "\ufeffusername,name,password_hash\r\nbob,Bob,\"" + string(legacy) + "\"\r\n"
		p := b.afterRedirect("/admin/accounts/import", b.upload("/admin/accounts/import", "file", "accounts.csv", []byte(file)))
		if kind, msg := p.flash(); kind != "success" || !strings.Contains(msg, "1") {
			t.Fatalf("suggested header: flash %s %q", kind, msg)
		}
		if _, err := s.AccountByUsername(context.Background(), "username"); err == nil {
			t.Fatal("the header row was imported as an account named username")
		}
		if a, err := s.AccountByUsername(context.Background(), "bob"); err != nil || a.PasswordHash != string(legacy) {
			t.Fatalf("bob: %+v %v", a, err)
		}

		var longNames strings.Builder
		for i := range 200 {
			fmt.Fprintf(&longNames, "%s%d,Name,pw\n", strings.Repeat("长", 300), i)
		}
		for _, c := range []struct {
			name, file string
			want       []string
		}{
			{"unterminated quote first", "\"carol,Carol,carol-pw\n", []string{"line 1", "malformed CSV"}},
			{"unterminated quote later", "dave,Dave,dave-pw\n\"erin,Erin,pw\n", []string{"line 2", "malformed CSV"}},
			{"bcrypt cost 31", "frank,Frank,frank-pw\ngina,Gina," + cost31 + "\n", []string{"line 2", "gina", "cost 31"}},
			{"unknown column", "username,email,password\nhank,h@example.com,pw\n", []string{"line 1", `unknown column "email"`}},
			{"200 bad rows with long usernames", longNames.String(), []string{"200 rows rejected", "line 1", "more)"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				up := b.upload("/admin/accounts/import", "file", "bad.csv", []byte(c.file))
				if up.status != http.StatusSeeOther {
					t.Fatalf("status %d, want 303 back to the page with an error flash\n%.300s", up.status, up.body)
				}
				p := b.get(up.header.Get("Location"))
				kind, msg := p.flash()
				if kind != "error" {
					t.Fatalf("flash %s %q, want an error", kind, msg)
				}
				for _, w := range c.want {
					if !strings.Contains(msg, w) {
						t.Errorf("report %q does not mention %q", msg, w)
					}
				}
			})
		}
		if n := len(mustAccounts(t, s)); n != 1 {
			t.Fatalf("%d accounts after refused files, want bob alone", n)
		}
	})
}

func mustAccounts(t *testing.T, s *db.Store) []string {
	t.Helper()
	var names []string
	for _, u := range []string{"bob", "carol", "dave", "erin", "frank", "gina", "hank"} {
		if _, err := s.AccountByUsername(context.Background(), u); err == nil {
			names = append(names, u)
		}
	}
	return names
}
