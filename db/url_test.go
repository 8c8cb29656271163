package db_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestOpenRefusesUnknownURLs: a mistyped scheme is an error naming the accepted forms,
// and no SQLite file of that name appears.
func TestOpenRefusesUnknownURLs(t *testing.T) {
	for _, tc := range []struct{ name, url, want string }{
		{"misspelt postgres", "postgress://u:p@127.0.0.1/x", `"postgress:"`},
		{"mysql", "mysql://root@localhost/miniauth", `"mysql:"`},
		{"bare scheme", "foo:bar", `"foo:"`},
		{"path with scheme separator", "./data/x://y", "neither a URL miniauth knows nor a file path"},
		{"empty sqlite", "sqlite:", "names no file"},
		{"broken postgres", "postgres://u:p@[::1/x", "not a valid PostgreSQL URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			wd, _ := os.Getwd()
			if err := os.Chdir(dir); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			_, err := db.Open(context.Background(), tc.url, db.Options{Keys: dbtest.Keys(t)})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "sqlite:PATH") ||
				!strings.Contains(err.Error(), "postgres://") {
				t.Fatalf("Open(%q) = %v, want an error with %s and the accepted forms", tc.url, err, tc.want)
			}
			if strings.Contains(err.Error(), ":p@") {
				t.Fatalf("the error shows the URL's password: %v", err)
			}
			var files []string
			_ = filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error {
				if p != dir {
					files = append(files, p)
				}
				return nil
			})
			if len(files) > 0 {
				t.Fatalf("a refused URL created files: %v", files)
			}
		})
	}
	for _, ok := range []string{"sqlite:" + filepath.Join(t.TempDir(), "a.db"), filepath.Join(t.TempDir(), "b.db"), "C:/data/x.db"} {
		if err := db.CheckURL(ok); err != nil {
			t.Errorf("CheckURL(%q) = %v", ok, err)
		}
	}
}

// TestOpenPostgresUnreachable: a PostgreSQL nobody answers is one sentence naming the
// address, without the driver's prefixes, the URL's options or its password.
func TestOpenPostgresUnreachable(t *testing.T) {
	_, err := db.Open(context.Background(), "postgres://miniauth:s3cret-pw@127.0.0.1:1/miniauth?sslmode=disable",
		db.Options{Keys: dbtest.Keys(t)})
	if err == nil {
		t.Fatal("Open of an unreachable PostgreSQL succeeded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cannot reach PostgreSQL at 127.0.0.1:1: connection refused") {
		t.Fatalf("message: %q", msg)
	}
	for _, bad := range []string{"s3cret-pw", "pq:", "dial tcp", "binary_parameters", "sslmode"} {
		if strings.Contains(msg, bad) {
			t.Fatalf("message contains %q: %q", bad, msg)
		}
	}
}
