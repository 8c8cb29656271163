package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"miniauth/db/dbtest"
)

// TestAPIBenchSmall runs `miniauth bench` briefly on each database and checks what it
// reports, not how fast: every scenario ran and answered without an error, each beside
// its bar, the logins of new and of returning users included, and the token scenarios
// were served from the caches.
func TestAPIBenchSmall(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			args := []string{"bench", "--duration", "300ms", "--users", "40", "--logins", "300", "--concurrency", "16"}
			if dialect == "postgres" {
				args = append(args, "--database-url", dbtest.PostgresURL(t))
			}
			var out bytes.Buffer
			err := run(context.Background(), args, os.Getenv, strings.NewReader(""), &out, &out)
			if err != nil {
				t.Fatalf("bench: %v\n%s", err, out.String())
			}
			re := regexp.MustCompile(`(?m)^(\S.*?) {2,}(\d+) +(\d+) +\S+ +\S+ +\d+% *(.*)$`)
			seen := map[string]string{}
			for _, m := range re.FindAllStringSubmatch(out.String(), -1) {
				name := strings.TrimSpace(m[1])
				if n, _ := strconv.Atoi(m[3]); n != 0 {
					t.Errorf("%s: %d errors\n%s", name, n, out.String())
				}
				seen[name] = m[4]
			}
			for _, name := range []string{"bare fiber JSON handler", "GET /api/checklogin", "POST /internal/introspect",
				"GET /api/user/info", benchFreshLogins, benchReturningLogins} {
				bar, ok := seen[name]
				switch {
				case !ok:
					t.Errorf("scenario %q not reported:\n%s", name, out.String())
				case name != "bare fiber JSON handler" && !strings.Contains(bar, "met"):
					t.Errorf("scenario %q reported without its bar: %q", name, bar)
				}
			}
			if !strings.Contains(out.String(), "0 session and 0 user/account misses") {
				t.Errorf("token scenarios missed the caches:\n%s", out.String())
			}
		})
	}
}
