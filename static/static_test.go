package static

import (
	"strings"
	"testing"
)

func TestAssetsEmbedded(t *testing.T) {
	for _, name := range []string{"css/app.css", "js/htmx.min.js", "js/app.js", "sdk/miniauth.js"} {
		b, err := FS.ReadFile(name)
		if err != nil {
			t.Fatalf("%s not embedded: %v", name, err)
		}
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

func TestURLHasContentVersion(t *testing.T) {
	u := URL("css/app.css")
	if !strings.HasPrefix(u, "/static/css/app.css?v=") || len(u) != len("/static/css/app.css?v=")+12 {
		t.Errorf("URL(css/app.css) = %q, want /static/css/app.css?v=<12 hex>", u)
	}
	if got := URL("./css/app.css"); got != u {
		t.Errorf("URL of an unclean name = %q, want %q", got, u)
	}
	if got := URL("css/missing.css"); got != "/static/css/missing.css" {
		t.Errorf("URL(missing) = %q, want no version", got)
	}
}

// The console's CSP has no 'unsafe-inline' for styles: htmx must not inject its indicator
// style, which the page turns off through its htmx-config meta tag. The stylesheet must
// therefore carry the indicator rules itself.
func TestStylesheetStylesIndicator(t *testing.T) {
	b, _ := FS.ReadFile("css/app.css")
	if !strings.Contains(string(b), ".htmx-indicator") {
		t.Error("app.css has no .htmx-indicator rule")
	}
}
