package api

import (
	"os"
	"testing"

	"miniauth/db/dbtest"
)

// TestMain ends the run with a loud banner when the PostgreSQL variants were skipped.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
