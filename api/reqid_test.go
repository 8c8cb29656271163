package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"miniauth/db/dbtest"
)

// lockedBuffer is a log destination safe for the server's goroutines.
type lockedBuffer = dbtest.LogBuffer

// serveApp serves app on a loopback socket (the peer is 127.0.0.1) and returns its base URL.
func serveApp(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// TestRequestIDTrust: X-Request-Id is taken only from a trusted proxy; from anyone else a
// fresh id is made. A 5xx answer carries the id in its body and on its error log line.
func TestRequestIDTrust(t *testing.T) {
	for _, row := range []struct {
		name    string
		trusted []netip.Prefix
		kept    bool
	}{
		{"no proxies", nil, false},
		{"peer not a proxy", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, false},
		{"peer is a proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, true},
	} {
		t.Run(row.name, func(t *testing.T) {
			var logs lockedBuffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			app := NewApp(log, nil, AppOptions{TrustedProxies: row.trusted})
			app.Get("/api/boom", func(*fiber.Ctx) error { return errors.New("boom") })
			base := serveApp(t, app)

			req, _ := http.NewRequest("GET", base+"/api/boom", nil)
			req.Header.Set("X-Request-Id", "from-the-client-42")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			id := resp.Header.Get("X-Request-Id")
			if kept := id == "from-the-client-42"; kept != row.kept || id == "" {
				t.Fatalf("X-Request-Id answered %q (client sent from-the-client-42, kept=%v wanted)", id, row.kept)
			}
			if resp.StatusCode != 500 || body["request_id"] != id {
				t.Fatalf("500 body %v lacks the request id %q", body, id)
			}
			if !strings.Contains(logs.String(), `"request_id":"`+id+`"`) {
				t.Fatalf("the 5xx log line lacks the request id:\n%s", logs.String())
			}
		})
	}
}
