// Package sdk_test runs the mini-program SDK's own tests (static/sdk/test, under
// `node --test`) as part of `go test ./...`: they drive a real miniauth, built here, in
// simulator mode through a stand-in for `wx` that makes real HTTP calls.
package sdk_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSDK builds the binary and runs `node --test static/sdk/test/` against it; it fails
// when node fails. Without node it is skipped, except under CI=true, where that fails.
func TestSDK(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not installed: the SDK tests cannot run (CI=true; .ci/run installs nodejs)")
		}
		t.Skip("SKIPPED: SDK tests did not run: node is not installed (Debian: apt-get install nodejs)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "miniauth")
	build := exec.Command("go", "build", "-o", bin, "./cmd/miniauth")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(node, "--test", filepath.Join("static", "sdk", "test")+string(filepath.Separator))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "MINIAUTH_BIN="+bin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test static/sdk/test/: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
