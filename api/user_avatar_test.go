package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// maxPNG is the largest PNG accepted: 4000x4000 (16 megapixels, 64 MB decoded), small on
// the wire. Made once.
var maxPNG = sync.OnceValue(func() []byte { return pngImage(4000, 4000) })

// png16 is a 16-bit RGBA PNG whose header claims w x h (its CRC fixed so the header reads).
func png16(w, h int) []byte {
	img := image.NewNRGBA64(image.Rect(0, 0, 1, 1))
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	out := b.Bytes()
	binary.BigEndian.PutUint32(out[16:], uint32(w))
	binary.BigEndian.PutUint32(out[20:], uint32(h))
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}

// jpegClaiming is a small JPEG whose frame header claims w x h, marked progressive or not.
func jpegClaiming(w, h int, progressive bool) []byte {
	var b bytes.Buffer
	_ = jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 16, 16)), nil)
	out := b.Bytes()
	i := bytes.Index(out, []byte{0xff, 0xc0})
	if progressive {
		out[i+1] = 0xc2
	}
	binary.BigEndian.PutUint16(out[i+5:], uint16(h))
	binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	return out
}

func TestAvatarDecodeCost(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, db.DialectSQLite))
	tok := e.login("dora").str("token")
	// 3000x3000 at 8 bytes a pixel is 72 MB: refused before decoding, saying why.
	r := e.upload(tok, "file", png16(3000, 3000))
	wantError(t, r, 400, "invalid_request")
	if !strings.Contains(r.str("message"), "to decode") {
		t.Fatalf("16-bit PNG over the decode budget: %s", r.raw)
	}
	// 4000x4000 progressive JPEG: 4 bytes of coefficients per sample, 120 MB.
	r = e.upload(tok, "file", jpegClaiming(4000, 4000, true))
	wantError(t, r, 400, "invalid_request")
	if !strings.Contains(r.str("message"), "to decode") {
		t.Fatalf("progressive JPEG over the decode budget: %s", r.raw)
	}
	// The same canvas as a baseline JPEG (24 MB) passes the estimate and is then found damaged.
	r = e.upload(tok, "file", jpegClaiming(4000, 4000, false))
	wantError(t, r, 400, "invalid_request")
	if !strings.Contains(r.str("message"), "damaged") {
		t.Fatalf("baseline JPEG: %s", r.raw)
	}
	// Over 16 megapixels is refused whatever the format.
	wantError(t, e.upload(tok, "file", jpegClaiming(4100, 4000, false)), 400, "invalid_request")
}

// TestAvatarDecodeGate fills the decode slots by hand: the next upload answers 503
// server_busy with Retry-After, and goes through once a slot is free.
func TestAvatarDecodeGate(t *testing.T) {
	gate := NewDecodeGate(2, 0)
	e := newEnv(t, dbtest.Open(t, db.DialectSQLite), func(c *Config) { c.AvatarDecodes = gate })
	tok := e.login("gabe").str("token")
	ctx := context.Background()
	for range 2 {
		if err := gate.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r := e.upload(tok, "file", pngImage(600, 400))
	wantError(t, r, 503, "server_busy")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	if u := e.call("GET", "/api/user/info", tok, nil).obj("user"); u["avatarUrl"] != "" {
		t.Fatalf("a refused upload set the avatar: %v", u)
	}
	gate.Release()
	if r := e.upload(tok, "file", pngImage(600, 400)); r.status != 200 {
		t.Fatalf("with a free slot: %d %s", r.status, r.raw)
	}
	gate.Release()
}

// TestAvatarDecodeMemory sends 12 uploads of the largest accepted image at once. Every
// answer is 200 or 503 server_busy, and the heap's peak stays under 400 MiB, where 12
// decodes together would take over 768 MB.
func TestAvatarDecodeMemory(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, db.DialectSQLite))
	img := maxPNG()
	const n = 12
	toks := make([]string, n)
	for i := range toks {
		toks[i] = e.login("mem" + string(rune('a'+i))).str("token")
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	var wg sync.WaitGroup
	res := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = e.upload(toks[i], "file", img)
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	ok := 0
	for _, r := range res {
		switch r.status {
		case 200:
			ok++
		case 503:
			wantError(t, r, 503, "server_busy")
			if r.header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		default:
			t.Fatalf("want 200 or 503, got %d %s", r.status, r.raw)
		}
	}
	grown := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("%d of %d uploads decoded; heap peak %d MiB above the start", ok, n, grown>>20)
	if ok == 0 {
		t.Fatal("no upload went through")
	}
	if grown > 400<<20 {
		t.Fatalf("heap grew by %d MiB during the uploads, bound 400", grown>>20)
	}
}

// TestAvatarHostNeverStored uploads with a forged Host: the store holds the path only,
// and later answers use the configured public URL (or the asking request's own host).
func TestAvatarHostNeverStored(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		for _, public := range []string{"", "https://auth.example.com"} {
			e := newEnv(t, store, func(c *Config) { c.PublicURL = public })
			login := e.login("host" + strings.TrimPrefix(public, "https://"))
			tok := login.str("token")
			id := int64(login.obj("user")["id"].(float64))

			req := uploadRequest(tok, pngImage(300, 200))
			req.Host = "evil.example"
			r := e.send(req)
			if r.status != 200 {
				t.Fatalf("upload: %d %s", r.status, r.raw)
			}
			u, err := store.WxUserByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(u.AvatarURL, "/avatars/") || strings.Contains(u.AvatarURL, "evil") {
				t.Fatalf("stored %q: want a path", u.AvatarURL)
			}
			if public != "" && r.str("avatarUrl") != public+u.AvatarURL {
				t.Fatalf("upload answer %q, want it on %s", r.str("avatarUrl"), public)
			}
			info := httptest.NewRequest("GET", "/api/user/info", nil)
			info.Header.Set("Authorization", "Bearer "+tok)
			info.Host = "app.example.org"
			want := "http://app.example.org" + u.AvatarURL
			if public != "" {
				want = public + u.AvatarURL
			}
			if got := e.send(info).obj("user")["avatarUrl"]; got != want {
				t.Fatalf("later answer shows %v, want %s", got, want)
			}
			// Sending the forged absolute URL back through the profile stores the path too.
			forged := "http://evil.example" + u.AvatarURL
			p := httptest.NewRequest("POST", "/api/user/profile", strings.NewReader(`{"avatarUrl":"`+forged+`"}`))
			p.Header.Set("Authorization", "Bearer "+tok)
			p.Header.Set("Content-Type", "application/json")
			p.Host = "evil.example"
			pr := e.send(p)
			if public != "" {
				wantError(t, pr, 400, "invalid_request") // not this server's URL
			} else if pr.status != 200 {
				t.Fatalf("own avatar by the request's host: %d %s", pr.status, pr.raw)
			}
			if u2, _ := store.WxUserByID(context.Background(), id); u2.AvatarURL != u.AvatarURL {
				t.Fatalf("stored %q after the profile call", u2.AvatarURL)
			}
		}
	})
}

// TestAvatarReplacedAndDeletedAnswer404 follows avatars through the API: a replaced one
// answers 404, a shared one stays while another user shows it, a cancelled account's
// answers 404.
func TestAvatarReplacedAndDeletedAnswer404(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store, func(c *Config) { c.PublicURL = "https://auth.example.com" })
		get := func(url string) int {
			return e.send(httptest.NewRequest("GET", strings.TrimPrefix(url, "https://auth.example.com"), nil)).status
		}
		ann, bo := e.login("ann").str("token"), e.login("bo").str("token")
		first := e.upload(ann, "file", pngImage(300, 200)).str("avatarUrl")
		second := e.upload(ann, "file", pngImage(200, 300)).str("avatarUrl")
		if get(first) != 404 || get(second) != 200 {
			t.Fatalf("after a replacement: old %d, new %d", get(first), get(second))
		}
		// bo uploads the same image: one stored copy, shown by both.
		if got := e.upload(bo, "file", pngImage(200, 300)).str("avatarUrl"); got != second {
			t.Fatalf("same image, other URL: %s %s", got, second)
		}
		e.upload(ann, "file", pngImage(100, 100))
		if get(second) != 200 {
			t.Fatal("an image bo still shows was deleted when ann replaced hers")
		}
		if r := e.call("POST", "/api/user/delete", bo, nil); r.status != 200 {
			t.Fatalf("delete: %d %s", r.status, r.raw)
		}
		if get(second) != 404 {
			t.Fatal("a deleted user's avatar is still served")
		}
	})
}

// uploadRequest builds a multipart avatar upload.
func uploadRequest(token string, data []byte) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "avatar.bin")
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := httptest.NewRequest("POST", "/api/user/avatar", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}
