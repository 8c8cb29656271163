package db_test

import (
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// schema returns table -> sorted column names, and the sorted names of the indexes the
// migrations create by name (goose's own table left out).
func schema(t *testing.T, s *db.Store) (map[string][]string, []string) {
	t.Helper()
	var colQ, idxQ string
	switch s.Dialect() {
	case db.DialectPostgres:
		colQ = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`
		idxQ = `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey'`
	default:
		colQ = `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
		idxQ = `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`
	}
	tables := map[string][]string{}
	rows, err := s.Writer().Query(colQ)
	must(t, err)
	for rows.Next() {
		var tbl, col string
		must(t, rows.Scan(&tbl, &col))
		if !strings.HasPrefix(tbl, "goose_") && !dialectSpecific(tbl) {
			tables[tbl] = append(tables[tbl], col)
		}
	}
	must(t, rows.Err())
	rows.Close()
	for _, cols := range tables {
		slices.Sort(cols)
	}
	var idx []string
	must(t, s.Writer().Select(&idx, idxQ))
	idx = slices.DeleteFunc(idx, func(n string) bool { return strings.HasPrefix(n, "goose_") || dialectSpecific(n) })
	slices.Sort(idx)
	return tables, idx
}

// dialectSpecific names the places the schemas differ on purpose: nickname and account name search, a
// pg_trgm index on PostgreSQL and an FTS5 trigram table (with its shadow tables) on SQLite.
func dialectSpecific(name string) bool {
	return name == "wx_users_nickname_trgm" || strings.HasPrefix(name, "wx_users_fts") ||
		// The same for account names (00014), and the byte-order username index, which
		// SQLite's BINARY accounts_username already is.
		name == "accounts_name_trgm" || name == "accounts_username_c" || strings.HasPrefix(name, "accounts_fts")
}

func TestMigrationParity(t *testing.T) {
	ctx := context.Background()
	lite := dbtest.Open(t, db.DialectSQLite)
	pg := dbtest.Open(t, db.DialectPostgres)

	vl, err := lite.Version(ctx)
	must(t, err)
	vp, err := pg.Version(ctx)
	must(t, err)
	if vl != vp || vl < 1 {
		t.Fatalf("versions: sqlite %d, postgres %d", vl, vp)
	}

	lt, li := schema(t, lite)
	pt, pi := schema(t, pg)
	want := []string{"wx_users", "accounts", "bindings", "sessions", "refresh_tokens", "revocations",
		"bind_tickets", "operators", "operator_sessions", "audit_events", "login_attempts",
		"daily_stats", "avatars"}
	for _, tbl := range want {
		if len(lt[tbl]) == 0 {
			t.Errorf("table %s missing", tbl)
		}
	}
	if !maps.EqualFunc(lt, pt, slices.Equal) {
		for tbl := range maps.Keys(lt) {
			if !slices.Equal(lt[tbl], pt[tbl]) {
				t.Errorf("table %s: sqlite %v, postgres %v", tbl, lt[tbl], pt[tbl])
			}
		}
		for tbl := range maps.Keys(pt) {
			if _, ok := lt[tbl]; !ok {
				t.Errorf("table %s only on postgres", tbl)
			}
		}
	}
	if !slices.Equal(li, pi) {
		t.Errorf("indexes differ:\nsqlite   %v\npostgres %v", li, pi)
	}

	// Migrating again is a no-op.
	must(t, lite.Migrate(ctx))
	must(t, pg.Migrate(ctx))
}

func TestSQLiteFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/nested/dir/miniauth.db"
	s, err := db.Open(context.Background(), "sqlite:"+path, db.Options{Keys: dbtest.Keys(t)})
	must(t, err)
	defer s.Close()
	must(t, s.Migrate(context.Background()))
	if s.Dialect() != db.DialectSQLite {
		t.Fatalf("dialect %q", s.Dialect())
	}
	for _, f := range []string{path, path + "-wal"} {
		st, err := os.Stat(f)
		must(t, err)
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %o", f, st.Mode().Perm())
		}
	}
	// A plain path works too, and finds the same database.
	s2, err := db.Open(context.Background(), path, db.Options{Keys: dbtest.Keys(t)})
	must(t, err)
	defer s2.Close()
	if v, err := s2.Version(context.Background()); err != nil || v < 1 {
		t.Fatalf("plain path: version %d %v", v, err)
	}
}
