package main

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"miniauth/db/dbtest"
)

// bombSize is what each compressed body inflates to.
const bombSize = 64 << 20

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// bomb compresses prefix followed by bombSize zero bytes with the Content-Encoding enc.
func bomb(t *testing.T, enc string, prefix []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "br":
		w = brotli.NewWriterLevel(&buf, 4) // a hundred bytes for 64 MB
	case "gzip":
		w, _ = gzip.NewWriterLevel(&buf, gzip.BestCompression)
	case "deflate":
		w, _ = flate.NewWriter(&buf, flate.BestCompression)
	}
	_, _ = w.Write(prefix)
	if _, err := io.CopyN(w, zeros{}, bombSize); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	return buf.Bytes()
}

// avatarBomb is a multipart avatar upload whose file is bombSize zero bytes, gzipped.
func avatarBomb(t *testing.T) (string, []byte) {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	_, _ = mw.CreateFormFile("file", "a.png")
	return mw.FormDataContentType(), bomb(t, "gzip", head.Bytes())
}

// TestCompressedBodiesRefused: a compressed request body, which Fiber would inflate in
// full before any size check, is refused with 415 on every listener and surface —
// public API (anonymous and with a token, the avatar upload included), console, simulator,
// internal listener — and the server's memory does not grow by what the bombs inflate to.
func TestCompressedBodiesRefused(t *testing.T) {
	brJSON := bomb(t, "br", []byte(`{"code":"`))
	gzForm := bomb(t, "gzip", []byte("code="))
	deflated := bomb(t, "deflate", nil)
	avatarCT, avatarBody := avatarBomb(t)
	if len(brJSON) > 1<<10 || len(avatarBody) > 1<<20 {
		t.Fatalf("bombs are not small: %d and %d bytes", len(brJSON), len(avatarBody))
	}

	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			u := filepath.Join(t.TempDir(), "miniauth.db")
			if dialect == "postgres" {
				u = dbtest.PostgresURL(t)
			}
			in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": u})
			tok := in.login(t, "bomber").body["token"].(string)

			type call struct {
				name, base, path, ct, enc string
				body                      []byte
				json                      bool
			}
			calls := []call{
				{"login", in.base, "/api/login", "application/json", "br", brJSON, true},
				{"checkBind", in.base, "/api/user/checkBind", "application/x-www-form-urlencoded", "gzip", gzForm, true},
				{"refresh", in.base, "/api/token/refresh", "application/json", "deflate", deflated, true},
				{"avatar", in.base, "/api/user/avatar", avatarCT, "gzip", avatarBody, true},
				{"console sign-in", in.base, "/admin/login", "application/x-www-form-urlencoded", "br", brJSON, false},
				{"simulator", in.base, "/wxsim/sim/login", "application/json", "BR", brJSON, true},
				{"internal", in.internal, "/internal/introspect", "application/json", "identity, gzip", gzForm, true},
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for _, c := range calls {
				req, _ := http.NewRequest("POST", c.base+c.path, bytes.NewReader(c.body))
				req.Header.Set("Content-Type", c.ct)
				req.Header.Set("Content-Encoding", c.enc)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnsupportedMediaType {
					t.Fatalf("%s with a %s bomb: want 415, got %d %.300s", c.name, c.enc, resp.StatusCode, raw)
				}
				if c.json {
					var e struct{ Error, Message string }
					if json.Unmarshal(raw, &e) != nil || e.Error != "unsupported_media_type" || e.Message == "" {
						t.Fatalf("%s: want the JSON error shape, got %.300s", c.name, raw)
					}
				} else if !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || resp.Header.Get("Cache-Control") != "no-store" {
					t.Fatalf("%s: want the console's error page with no-store, got %s %q", c.name, resp.Header.Get("Content-Type"), raw)
				}
			}
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > bombSize/2 {
				t.Fatalf("the server allocated %d MB answering bombs of %d MB each", grew>>20, bombSize>>20)
			}

			// identity is no encoding at all.
			req, _ := http.NewRequest("POST", in.base+"/wxsim/sim/login", strings.NewReader(`{"user":"plain"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Encoding", "identity")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("Content-Encoding: identity: %d", resp.StatusCode)
			}
		})
	}
}

// TestStandaloneSimulatorRefusesCompressedBodies: `miniauth wxsim` builds its own Fiber
// app; it refuses compressed bodies too.
func TestStandaloneSimulatorRefusesCompressedBodies(t *testing.T) {
	addr := startStandaloneSim(t)
	body := bomb(t, "br", []byte(`{"user":"`))
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		req, _ := http.NewRequest("POST", "http://"+addr+"/sim/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "br")
		if resp, err = http.DefaultClient.Do(req); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond) // the listener is starting
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("standalone simulator with a brotli bomb: %d", resp.StatusCode)
	}
}

// TestSimulatorControlIsLocalOnly: behind a proxy on this machine (a loopback peer,
// configured as trusted), a request carrying forwarding headers comes from elsewhere,
// whatever address the headers name: the simulator refuses it.
func TestSimulatorControlIsLocalOnly(t *testing.T) {
	in := startInstance(t, map[string]string{
		"MINIAUTH_DATABASE_URL":    filepath.Join(t.TempDir(), "miniauth.db"),
		"MINIAUTH_TRUSTED_PROXIES": "127.0.0.1/8,::1",
	})
	post := func(path string, header ...string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", in.base+path, strings.NewReader(`{"user":"remote"}`))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, h := range [][]string{
		{"X-Real-IP", "127.0.0.1"},
		{"X-Forwarded-For", "127.0.0.1"},
		{"Forwarded", "for=127.0.0.1"},
		{"X-Real-IP", "203.0.113.7"},
	} {
		if st := post("/wxsim/sim/login", h...); st != http.StatusForbidden {
			t.Fatalf("simulator control with %s: %s from a proxy: want 403, got %d", h[0], h[1], st)
		}
	}
	q := url.Values{"appid": {SimAppID}, "secret": {"x"}, "js_code": {"x"}, "grant_type": {"authorization_code"}}
	req, _ := http.NewRequest("GET", in.base+"/wxsim/sns/jscode2session?"+q.Encode(), nil)
	req.Header.Set("X-Real-IP", "127.0.0.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("simulated WeChat API through a proxy: %d", resp.StatusCode)
	}
	if st := post("/wxsim/sim/login"); st != 200 {
		t.Fatalf("a direct local call: %d", st)
	}
	in.login(t, "local") // the server's own WeChat client still reaches the simulator
}
