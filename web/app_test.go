package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestEnvAppIsTheServedApp: the app the console tests drive is built by api.NewApp with
// the console's error pages, as the server's listeners are: an encoded body is refused
// before anything reads it, with the console's error page, and answers carry nosniff. A
// test-only builder that drifted fails here.
func TestEnvAppIsTheServedApp(t *testing.T) {
	for name, build := range map[string]func(*testing.T, *db.Store) *env{"console": newEnv, "live": newLiveEnv} {
		dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
			e := build(t, store)
			req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader("username=a&password=b"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Content-Encoding", "br")
			resp, err := e.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: an encoded body: want the 415 error page, got %d %s", name, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("%s: an answer without nosniff: %v", name, resp.Header)
			}
		})
	}
}
