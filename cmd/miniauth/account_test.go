package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/password"
)

func TestAccountCommands(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			u := dbtest.URL(t, dialect)
			getenv := func(k string) string {
				if k == "MINIAUTH_DATABASE_URL" {
					return u
				}
				if k == "MINIAUTH_LOG_LEVEL" {
					return "warn"
				}
				return ""
			}
			ctx := context.Background()
			cli := func(stdin string, args ...string) (string, error) {
				var out bytes.Buffer
				err := run(ctx, append([]string{"account"}, args...), getenv, strings.NewReader(stdin), &out, io.Discard)
				return out.String(), err
			}
			out, err := cli("s3cret pass 密码\n", "create", "Alice", "--name", "Alice Liddell", "--password-stdin")
			if err != nil || !strings.Contains(out, "created account alice") {
				t.Fatalf("create: %q %v", out, err)
			}
			if _, err := cli("x\n", "create", "ALICE", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "taken") {
				t.Fatalf("duplicate username in another case: %v", err)
			}
			if _, err := cli("", "create", "bob", "--password-stdin"); err == nil {
				t.Fatal("empty stdin accepted")
			}
			if _, err := cli("pw\n", "create", "bob", "pw-on-argv"); err == nil {
				t.Fatal("a password on the command line must be refused")
			}

			store := dbtest.OpenURL(t, u)
			h := password.New(password.OWASP, 2, 8)
			check := func(user, pw string) bool {
				a, err := store.AccountByUsername(ctx, user)
				if err != nil {
					t.Fatal(err)
				}
				ok, _, _ := h.Verify(ctx, a.PasswordHash, pw)
				return ok
			}
			if !check("alice", "s3cret pass 密码") {
				t.Fatal("created password does not verify")
			}
			if out, err := cli("new one\n", "passwd", "alice", "--password-stdin"); err != nil || !check("alice", "new one") {
				t.Fatalf("passwd: %q %v", out, err)
			}
			if _, err := cli("", "disable", "alice"); err != nil {
				t.Fatal(err)
			}
			if a, _ := store.AccountByUsername(ctx, "alice"); !a.Disabled {
				t.Fatal("not disabled")
			}
			if _, err := cli("", "enable", "alice"); err != nil {
				t.Fatal(err)
			}
			if a, _ := store.AccountByUsername(ctx, "alice"); a.Disabled {
				t.Fatal("not enabled")
			}
			if _, err := cli("", "disable", "nobody"); err == nil {
				t.Fatal("disable of an unknown account")
			}
			_, err = store.RecordBindFailure(ctx, db.BindFailure{ThrottleKey: db.ThrottleKey{Username: "alice", IP: "192.0.2.1"},
				Actor: db.IPActor("192.0.2.1")})
			if err != nil {
				t.Fatal(err)
			}
			if out, err := cli("", "unlock", "Alice"); err != nil || !strings.Contains(out, "1 failed attempts forgotten") {
				t.Fatalf("unlock: %q %v", out, err)
			}

			dir := t.TempDir()
			bad := filepath.Join(dir, "bad.csv")
			os.WriteFile(bad, []byte("username,name,password\ncarol,Carol,pw1\nalice,Again,pw2\ndave,Dave\n"), 0o600)
			out, err = cli("", "import", bad)
			if err == nil || !strings.Contains(out, "line 3: alice") && !strings.Contains(out, "line 4:") {
				t.Fatalf("bad import: %q %v", out, err)
			}
			if !strings.Contains(out, "line 4:") || !strings.Contains(err.Error(), "nothing imported") {
				t.Fatalf("every rejected row is reported: %q %v", out, err)
			}
			if _, err := store.AccountByUsername(ctx, "carol"); err == nil {
				t.Fatal("a refused import wrote a row")
			}
			out, err = cli("", "import", filepath.Join(dir, "missing.csv"))
			if err == nil {
				t.Fatal("missing file")
			}
			good := filepath.Join(dir, "good.csv")
			os.WriteFile(good, []byte("carol,Carol,pw1\nerin,Erin,$2a$04$cVWp4XaNU8a4v1uMRum2SuLCxX1m7mcdb8CVLnqT1PsKhPUsKUVay\n"), 0o600)
			if out, err := cli("", "import", good); err != nil || !strings.Contains(out, "imported 2 accounts") {
				t.Fatalf("import: %q %v", out, err)
			}
			if !check("carol", "pw1") {
				t.Fatal("imported password does not verify")
			}
			if a, _ := store.AccountByUsername(ctx, "erin"); !strings.HasPrefix(a.PasswordHash, "$2a$") {
				t.Fatal("bcrypt hash not kept for rehashing")
			}
			var logs bytes.Buffer
			if err := run(ctx, []string{"account", "frobnicate"}, getenv, strings.NewReader(""), &logs, &logs); err == nil {
				t.Fatal("unknown verb")
			}
		})
	}
}
