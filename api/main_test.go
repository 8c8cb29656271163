package api

import (
	"fmt"
	"os"
	"testing"

	"miniauth/db/dbtest"
)

// TestMain ends the run with a loud banner when the PostgreSQL variants were skipped, and
// fails it when a handler test got an error code docs/api.md does not list.
func TestMain(m *testing.M) {
	code := dbtest.Main(m)
	if err := checkSeenCodes(); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
