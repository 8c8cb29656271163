package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestPoolConfig: the pooler settings are listed and their wrong values refused, each with
// a message naming its rule.
func TestPoolConfig(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"MINIAUTH_DATABASE_POOLER", "MINIAUTH_DATABASE_DIRECT_URL"} {
		if !strings.Contains(out.String(), env) {
			t.Errorf("--help does not list %s", env)
		}
	}
	pg := "postgres://nobody@127.0.0.1:1/x"
	bad := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown mode", map[string]string{"MINIAUTH_DATABASE_URL": pg, "MINIAUTH_DATABASE_POOLER": "statement"}, "MINIAUTH_DATABASE_POOLER must be none or transaction"},
		{"pooler with SQLite", map[string]string{"MINIAUTH_DATABASE_URL": "sqlite:x.db", "MINIAUTH_DATABASE_POOLER": "transaction"}, "MINIAUTH_DATABASE_POOLER=transaction needs a postgres://"},
		{"direct URL not PostgreSQL", map[string]string{"MINIAUTH_DATABASE_URL": pg, "MINIAUTH_DATABASE_DIRECT_URL": "mysql://x"}, "MINIAUTH_DATABASE_DIRECT_URL must be a postgres:// URL"},
		{"direct URL with SQLite", map[string]string{"MINIAUTH_DATABASE_URL": "sqlite:x.db", "MINIAUTH_DATABASE_DIRECT_URL": pg}, "MINIAUTH_DATABASE_DIRECT_URL must be a postgres:// URL"},
		{"pooler without binary parameters", map[string]string{"MINIAUTH_DATABASE_URL": pg + "?binary_parameters=no", "MINIAUTH_DATABASE_POOLER": "transaction"}, "needs binary_parameters=yes"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), []string{"migrate"}, func(k string) string { return tc.env[k] }, nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: start-up must fail with %q, got %v", tc.env, tc.want, err)
			}
		})
	}
}
