package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
	"miniauth/password"
)

// TestAccountNameIsText: an account or operator name that is not text (NUL, invalid UTF-8, control
// characters) is refused by the store, whoever supplies it (console, CLI, CSV import),
// instead of failing as a database error on PostgreSQL.
func TestAccountNameIsText(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		actor := db.SystemActor("test")
		for i, name := range []string{"a\x00b", "\xffname", "tab\there"} {
			_, err := s.CreateAccount(ctx, "user"+string(rune('a'+i)), name, "$argon2id$x", actor)
			if !errors.Is(err, db.ErrInvalidAccountName) {
				t.Fatalf("name %q: want ErrInvalidAccountName, got %v", name, err)
			}
		}
		if _, err := s.CreateAccount(ctx, "fine", "李雷 Lei", "$argon2id$x", actor); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"op\x00", "\xffop", ""} {
			if _, err := s.CreateOperator(ctx, name, "$argon2id$x", db.RoleViewer, db.SystemActor("test")); !errors.Is(err, db.ErrInvalidUsername) {
				t.Fatalf("operator %q: want ErrInvalidUsername, got %v", name, err)
			}
		}
	})
	h := password.New(password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 2, 64)
	_, err := db.ReadAccountCSV(context.Background(), strings.NewReader("username,name,password\nnul,a\x00b,pw\n"), h)
	var ie *db.ImportError
	if !errors.As(err, &ie) || len(ie.Rejected) != 1 {
		t.Fatalf("a CSV name with a NUL must be rejected: %v", err)
	}
}
