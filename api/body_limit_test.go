package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestBodyLimitPerRoute: only the two upload routes may send large bodies. Every other
// route is refused at 64 KB while the request is read, so a flood of megabyte bodies to
// an anonymous JSON call costs the server no megabytes.
func TestBodyLimitPerRoute(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = e.app.Listener(ln) }()
		t.Cleanup(func() { _ = e.app.Shutdown() })
		// post sends size bytes of body over a raw connection and reads the answer; a server
		// that refuses from the headers may close before the body is written, which is fine.
		body := bytes.Repeat([]byte(" "), 1<<20)
		post := func(path string, size int) (int, string) {
			t.Helper()
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// A guard against a server that waits for a body it should have refused.
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, size)
			go func() {
				for sent := 0; sent < size; {
					n := min(size-sent, len(body))
					if _, err := conn.Write(body[:n]); err != nil {
						return
					}
					sent += n
				}
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("POST %s with %d bytes: %v", path, size, err)
			}
			defer resp.Body.Close()
			var e struct{ Error string }
			_ = json.NewDecoder(resp.Body).Decode(&e)
			return resp.StatusCode, e.Error
		}

		for _, c := range []struct {
			name, path string
			size       int
			status     int
			code       string
		}{
			{"login over the small limit", "/api/login", SmallBodyLimit + 1, 413, "payload_too_large"},
			{"introspect-sized JSON within it", "/api/login", 1 << 10, 400, "invalid_request"},
			{"avatar upload above the small limit", "/api/user/avatar", 1 << 20, 401, "unauthorized"},
			{"avatar upload, as Fiber routes it", "/API/User/Avatar/?x=1", 1 << 20, 401, "unauthorized"},
			{"an unknown path", "/api/user/avatarx", SmallBodyLimit + 1, 413, "payload_too_large"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if status, code := post(c.path, c.size); status != c.status || code != c.code {
					t.Fatalf("POST %s (%d bytes): got %d %s, want %d %s", c.path, c.size, status, code, c.status, c.code)
				}
			})
		}

		// Thirty 1 MB bodies at once to an anonymous JSON route: refused from their
		// headers, not buffered. Without the per-route limit each one is read in full
		// before the handler refuses it (30 MB or more held at once).
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		statuses := make(chan int, 30)
		var wg sync.WaitGroup
		for i := 0; i < 30; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, _ := post("/api/login", 1<<20)
				statuses <- status
			}()
		}
		wg.Wait()
		close(statuses)
		runtime.ReadMemStats(&after)
		for status := range statuses {
			if status != 413 {
				t.Fatalf("a 1 MB login body: %d, want 413", status)
			}
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 8<<20 {
			t.Fatalf("thirty refused 1 MB bodies allocated %d MB", grown>>20)
		}
	})
}

func TestIsUploadPath(t *testing.T) {
	for uri, want := range map[string]bool{
		"/api/user/avatar":                 true,
		"/api/user/avatar/":                true,
		"/API/USER/AVATAR?x=/":             true,
		"http://h/api/user/avatar":         true,
		"/admin/accounts/import":           true,
		"/api/user/avatar/x":               false,
		"/api/login":                       false,
		"/api/login?next=/api/user/avatar": false,
		"/api/user/%61vatar":               false, // Fiber does not unescape: not the route
		"api/user/avatar":                  false,
		"http://h":                         false,
		"//api/user/avatar":                false,
	} {
		if got := isUploadPath([]byte(uri)); got != want {
			t.Errorf("isUploadPath(%q) = %v, want %v", uri, got, want)
		}
	}
}
