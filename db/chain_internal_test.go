package db

import (
	"slices"
	"testing"
)

// TestCompileNamed: :name arguments become ?, in order and repeated where used twice;
// PostgreSQL casts (::type) and a lone colon stay as written.
func TestCompileNamed(t *testing.T) {
	q := compileNamed(`SELECT :wx::bigint, :tk_wx, 'a:' || x FROM t WHERE at > :now AND at < :now`)
	if want := `SELECT ?::bigint, ?, 'a:' || x FROM t WHERE at > ? AND at < ?`; q.text != want {
		t.Errorf("text = %q, want %q", q.text, want)
	}
	if want := []string{"wx", "tk_wx", "now", "now"}; !slices.Equal(q.names, want) {
		t.Errorf("names = %q, want %q", q.names, want)
	}
}
