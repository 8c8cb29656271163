package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// `miniauth account import` on broken or hostile files exits with status 1 and a message
// naming the rows, never a panic, and imports nothing; the suggested header is a header.
func TestAccountImportFilesExitStatus(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL := dbtest.SQLiteURL(t)
			if dialect == db.DialectPostgres {
				dbURL = dbtest.PostgresURL(t)
			}
			testImportFiles(t, dbURL)
		})
	}
}

func testImportFiles(t *testing.T, dbURL string) {
	legacy, _ := bcrypt.GenerateFromPassword([]byte("legacy-pw"), bcrypt.MinCost)
	dir := t.TempDir()
	miniauth := func(file string) (string, int) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "account", "import", file)
		cmd.Env = append(os.Environ(), "MINIAUTH_TEST_AS_MAIN=1", "MINIAUTH_DATABASE_URL="+dbURL, "MINIAUTH_LOG_LEVEL=warn")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.String(), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), 0
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"unterminated quote", "\"alice,Alice,alice-pw\n", []string{"line 1: malformed CSV"}},
		{"bare quote then good rows", "bob,\"B\"ob,pw\ncarol,Carol,pw\n", []string{"line 1: malformed CSV"}},
		{"bcrypt cost 31", "username,name,password\ndave,Dave,dave-pw\nerin,Erin,$2b$31$" + string(legacy[7:]) + "\n",
			[]string{"line 3: erin: password hash refused", "cost 31 is above 14"}},
		{"argon2id 4 GiB", "frank,Frank,\"$argon2id$v=19$m=4194304,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"\n",
			[]string{"line 1: frank", "m=4194304"}},
		{"unknown column", "username,name,email\ngina,Gina,g@example.com\n", []string{`unknown column "email"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, code := miniauth(write(strings.ReplaceAll(c.name, " ", "_")+".csv", c.file))
			if code != 1 || strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
				t.Fatalf("exit %d, want 1 and a message:\n%s", code, out)
			}
			want := append(c.want, "miniauth: account import:", "nothing imported")
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not say %q:\n%s", w, out)
				}
			}
		})
	}
	out, code := miniauth(write("suggested.csv", "\ufeffusername,name,password_hash\r\nhank,Hank,"+string(legacy)+"\r\n"))
	if code != 0 || !strings.Contains(out, "imported 1 accounts") {
		t.Fatalf("the console's suggested header: exit %d\n%s", code, out)
	}
	store := dbtest.OpenURL(t, dbURL)
	for _, u := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "gina", "username"} {
		if _, err := store.AccountByUsername(t.Context(), u); err == nil {
			t.Errorf("%s was imported", u)
		}
	}
	if a, err := store.AccountByUsername(t.Context(), "hank"); err != nil || a.PasswordHash != string(legacy) {
		t.Errorf("hank: %+v %v", a, err)
	}
}
