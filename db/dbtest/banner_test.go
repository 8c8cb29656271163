package dbtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestSkipBanner runs this test binary again without a reachable PostgreSQL: the run must
// end with a banner saying the PostgreSQL tests did not run.
func TestSkipBanner(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestNeedsPostgres$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DBTEST_BANNER_CHILD=1", "CI=", "MINIAUTH_TEST_POSTGRES=postgres://nobody@127.0.0.1:1/x?connect_timeout=2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SKIPPED: PostgreSQL tests did not run") {
		t.Fatalf("a run that skipped PostgreSQL must say so:\n%s", out)
	}
}

// TestNeedsPostgres is the child of TestSkipBanner.
func TestNeedsPostgres(t *testing.T) {
	if os.Getenv("DBTEST_BANNER_CHILD") != "1" {
		t.Skip("run by TestSkipBanner")
	}
	PostgresURL(t)
}
