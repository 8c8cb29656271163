package dbtest

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
)

// skips collects what a test binary skipped, for the banner at its end.
var skips struct {
	sync.Mutex
	reasons []string
}

// NoteSkipped records that tests of the running binary were skipped, and why; Main ends
// the run with a banner saying so.
func NoteSkipped(what, why string) {
	skips.Lock()
	defer skips.Unlock()
	line := what + ": " + why
	for _, r := range skips.reasons {
		if r == line {
			return
		}
	}
	skips.reasons = append(skips.reasons, line)
}

// Main runs a package's tests (call it from TestMain: os.Exit(dbtest.Main(m))) and, when
// some were skipped for want of PostgreSQL or a browser, ends with a banner saying which.
// `go test ./...` hides the output of a passing package, so without -v the banner goes to
// the terminal (/dev/tty) when there is one.
func Main(m *testing.M) int {
	code := m.Run()
	skips.Lock()
	reasons := skips.reasons
	skips.Unlock()
	if len(reasons) == 0 {
		return code
	}
	var b strings.Builder
	b.WriteString("\n" + strings.Repeat("!", 78) + "\n")
	for _, r := range reasons {
		fmt.Fprintf(&b, "!! SKIPPED: %s\n", r)
	}
	b.WriteString("!! This run did NOT test everything. See README.md, \"Tests\"; rerun with -count=1.\n")
	b.WriteString(strings.Repeat("!", 78) + "\n")
	var w io.Writer = os.Stderr
	if !testing.Verbose() {
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			defer tty.Close()
			w = io.MultiWriter(os.Stderr, tty)
		}
	}
	fmt.Fprint(w, b.String())
	return code
}
