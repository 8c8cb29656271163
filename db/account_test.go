package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/password"
)

func TestAccountUsernames(t *testing.T) {
	for in, want := range map[string]string{" Alice ": "alice", "ÉLODIE": "élodie", "张三": "张三"} {
		if got, err := db.NormalizeUsername(in); err != nil || got != want {
			t.Errorf("NormalizeUsername(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", 65), "a\tb", "a\x00"} {
		if _, err := db.NormalizeUsername(bad); !errors.Is(err, db.ErrInvalidUsername) {
			t.Errorf("NormalizeUsername(%q) accepted", bad)
		}
	}
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		a, err := s.CreateAccount(ctx, "  Hank ", " Hank H. ", "hash", cli)
		if err != nil || a.Username != "hank" || a.Name != "Hank H." || a.PasswordHash != "hash" {
			t.Fatalf("create: %+v %v", a, err)
		}
		if _, err := s.CreateAccount(ctx, "HANK", "", "hash", cli); !errors.Is(err, db.ErrConflict) {
			t.Fatalf("usernames are unique whatever their case: %v", err)
		}
		got, err := s.AccountByUsername(ctx, "hAnK")
		if err != nil || got.ID != a.ID {
			t.Fatalf("lookup: %+v %v", got, err)
		}
		if _, err := s.AccountByUsername(ctx, "nobody"); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown: %v", err)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'account.create' AND actor_type = 'system' AND actor_id = 'cli'`); n != 1 {
			t.Fatalf("create audit: %d", n)
		}
		must(t, s.RehashPassword(ctx, a.ID, "hash", "new"))
		must(t, s.RehashPassword(ctx, a.ID, "stale", "newer")) // changed meanwhile: no-op
		if got, _ := s.AccountByID(ctx, a.ID); got.PasswordHash != "new" {
			t.Fatalf("rehash: %q", got.PasswordHash)
		}
	})
}

func TestAccountImport(t *testing.T) {
	ctx := context.Background()
	h := password.New(password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2, 64)
	bc, _ := bcrypt.GenerateFromPassword([]byte("legacy"), bcrypt.MinCost)

	bad := "username,name,password\n" +
		"ivan,Ivan,secret\n" +
		",No Name,pw\n" +
		"IVAN,Dup,pw\n" +
		"judy,Judy\n" +
		"kim,Kim,$2b$garbage\n" +
		"lee,Lee,\n"
	_, err := db.ReadAccountCSV(ctx, strings.NewReader(bad), h)
	var ie *db.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("want an import error, got %v", err)
	}
	var lines []int
	for _, r := range ie.Rejected {
		lines = append(lines, r.Line)
		if r.Reason == "" {
			t.Errorf("line %d without a reason", r.Line)
		}
	}
	if want := []int{3, 4, 5, 6, 7}; len(lines) != len(want) || lines[0] != 3 || lines[4] != 7 {
		t.Fatalf("rejected lines %v, want %v (%+v)", lines, want, ie.Rejected)
	}
	if !strings.Contains(ie.Rejected[1].Reason, "line 2") {
		t.Fatalf("duplicate names its first line: %+v", ie.Rejected[1])
	}

	good := "\ufeffmallory,Mallory M.,correct horse\nnick,Nick," + string(bc) + "\n" + "olga,\"Olga, O.\",пароль密码\n"
	rows, err := db.ReadAccountCSV(ctx, strings.NewReader(good), h)
	if err != nil || len(rows) != 3 {
		t.Fatalf("read: %v %+v", err, rows)
	}
	if !strings.HasPrefix(rows[0].PasswordHash, "$argon2id$") || rows[1].PasswordHash != string(bc) || rows[2].Name != "Olga, O." {
		t.Fatalf("rows: %+v", rows)
	}
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		_, err := s.CreateAccount(ctx, "nick", "", "h", cli)
		must(t, err)
		_, err = s.ImportAccounts(ctx, rows, cli)
		if !errors.As(err, &ie) || len(ie.Rejected) != 1 || ie.Rejected[0].Line != 2 {
			t.Fatalf("existing username: %v", err)
		}
		if n := count(t, s, "accounts"); n != 1 {
			t.Fatalf("a refused import wrote %d accounts", n-1)
		}
		_, err = s.ImportAccounts(ctx, rows[:1], cli)
		must(t, err)
		n, err := s.ImportAccounts(ctx, rows[2:], cli)
		if err != nil || n != 1 {
			t.Fatalf("import: %d %v", n, err)
		}
		olga, err := s.AccountByUsername(ctx, "olga")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _, _ := h.Verify(ctx, olga.PasswordHash, "пароль密码"); !ok {
			t.Fatal("imported plaintext password does not verify")
		}
	})
}
