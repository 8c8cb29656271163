package views

import (
	"os"
	"strings"
	"testing"
)

// TestIntegrateSampleIsTheDocsSample: the page the console shows is the sample mini-program
// in docs/miniprogram that the SDK's tests run, so the two cannot drift.
func TestIntegrateSampleIsTheDocsSample(t *testing.T) {
	b, err := os.ReadFile("../docs/miniprogram/pages/index/index.js")
	if err != nil {
		t.Fatal(err)
	}
	_, docsBody, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	_, shownBody, _ := strings.Cut(pageJS, "\n")
	if docsBody != shownBody {
		t.Errorf("the Integrate page's sample differs from docs/miniprogram/pages/index/index.js")
	}
}
