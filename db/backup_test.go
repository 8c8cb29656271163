package db_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestBackup copies a SQLite database into a new file, refuses to overwrite one, and on
// PostgreSQL points to pg_dump.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		s := dbtest.Open(t, db.DialectSQLite)
		if _, err := s.CreateFirstOperator(ctx, "admin", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", db.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), "copy.db")
		if err := s.Backup(ctx, dst); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(dst); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("backup file must be 0600: %v %v", st, err)
		}
		c := dbtest.OpenURL(t, "sqlite:"+dst)
		if has, err := c.HasOperators(ctx); err != nil || !has {
			t.Fatalf("the copy lacks the operator: %v %v", has, err)
		}
		before, _ := os.ReadFile(dst)
		err := s.Backup(ctx, dst)
		if err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("backup over an existing file: %v", err)
		}
		if after, _ := os.ReadFile(dst); string(after) != string(before) {
			t.Fatal("a refused backup changed the existing file")
		}
	})
	t.Run("postgres", func(t *testing.T) {
		s := dbtest.Open(t, db.DialectPostgres)
		dst := filepath.Join(t.TempDir(), "copy.db")
		if err := s.Backup(ctx, dst); !errors.Is(err, db.ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("backup on PostgreSQL: %v", err)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Fatal("backup on PostgreSQL left a file")
		}
	})
}
