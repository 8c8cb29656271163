package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestConsoleBenchSmall runs `miniauth bench --scenario console` on a small sample (2,000
// users) and checks what it reports, not how fast: every page answered, the users page's
// filter combinations and every search kind are there, and the searches for values taken
// from the data find them (a row each, at least).
func TestConsoleBenchSmall(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "--scenario", "console", "--users", "2000", "--requests", "1"},
		func(string) string { return "" }, strings.NewReader(""), &out, &out)
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	rows := map[string]int{}
	re := regexp.MustCompile(`(?m)^\| ([^|]+) \| (\d+) \|`)
	for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
		n, _ := strconv.Atoi(m[2])
		rows[strings.TrimSpace(m[1])] = n
	}
	if len(rows) < 100 {
		t.Fatalf("%d pages reported:\n%s", len(rows), out.String())
	}
	for _, page := range []string{
		"users, bound=yes + disabled + has phone + signed up last 7 days",
		"users, bound=no + has phone + signed up a month 3 months ago",
		"users, search nickname 1 char, none", "audit, action bind", "accounts, search none",
	} {
		if _, ok := rows[page]; !ok {
			t.Errorf("page %q not measured", page)
		}
	}
	for _, page := range []string{
		"users, first page", "users, search nickname 1 char, common surname", "users, search nickname 2 chars, common name",
		"users, search nickname 3 chars", "users, search phone (exact)", "users, search username (exact)",
		"users, search openid (exact)", "users, search user id", "users, search nickname Latin substring",
		"user detail (bound, with sessions and events)", "sessions, first page", "bindings, search username",
		"audit, action bind", "accounts, search username (exact)",
	} {
		if rows[page] < 1 {
			t.Errorf("page %q showed %d rows, want at least 1", page, rows[page])
		}
	}
	for _, page := range []string{"users, search nickname 1 char, none", "users, search nickname 3+ chars, none", "accounts, search none"} {
		if rows[page] != 0 {
			t.Errorf("page %q showed %d rows, want none", page, rows[page])
		}
	}
}
