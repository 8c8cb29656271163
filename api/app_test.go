package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestEnvAppIsTheServedApp: the app the API tests drive is built by NewApp, as the
// server's listeners are, so what those tests see is what ships: the refusal of encoded
// bodies, the server's body limit (not Fiber's default), nosniff and panic recovery. A
// test-only builder that drifted from NewApp fails here.
func TestEnvAppIsTheServedApp(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)

		req := httptest.NewRequest("POST", "/api/login", bytes.NewReader([]byte(`{"code":"x"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		r := e.send(req)
		wantError(t, r, fiber.StatusUnsupportedMediaType, "unsupported_media_type")
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("an /api answer without nosniff: %v", r.header)
		}

		// Over Fiber's default 4 MB but within the server's limit: the request reaches the
		// handler (which wants a token); one byte over the server's limit is refused
		// before it. The limit is enforced while reading from the connection, so this
		// goes over a real socket.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = e.app.Listener(ln) }()
		t.Cleanup(func() { _ = e.app.Shutdown() })
		upload := func(size int) (int, string) {
			resp, err := http.Post("http://"+ln.Addr().String()+"/api/user/avatar", "application/octet-stream",
				bytes.NewReader(make([]byte, size)))
			if err != nil {
				t.Fatalf("a body of %d bytes, within the server's limit, was cut off: %v", size, err)
			}
			defer resp.Body.Close()
			var body struct{ Error string }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			return resp.StatusCode, body.Error
		}
		if status, code := upload(4<<20 + 1); status != fiber.StatusUnauthorized || code != "unauthorized" {
			t.Fatalf("a 4 MB body within the server's limit: want 401 unauthorized, got %d %s", status, code)
		}
		// Declaring one byte more than the limit is enough; the server answers without
		// waiting for the body (a client still writing it would see its connection reset).
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /api/user/avatar HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", BodyLimit+1)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != fiber.StatusRequestEntityTooLarge || body.Error != "payload_too_large" {
			t.Fatalf("a body over the server's limit: want 413 payload_too_large, got %d %s", resp.StatusCode, body.Error)
		}

		// A panicking handler is a 500 in the JSON shape, not a dead connection.
		e.app.Get("/api/test-panic", func(*fiber.Ctx) error { panic("test panic") })
		wantError(t, e.call("GET", "/api/test-panic", "", nil), fiber.StatusInternalServerError, "internal")
	})
}
