package api

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

func TestProfile(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		tok := e.login("gina").str("token")

		r := e.call("POST", "/api/user/profile", tok, map[string]any{
			"nickName": "吉娜", "avatarUrl": "https://thirdwx.qlogo.cn/mmopen/abc/132", "gender": 2, "city": "Shenzhen"})
		if r.status != 200 || r.obj("user")["nickName"] != "吉娜" || r.obj("user")["gender"] != float64(2) {
			t.Fatalf("plain profile: %d %s", r.status, r.raw)
		}
		// A partial update keeps the other fields.
		r = e.call("POST", "/api/user/profile", tok, map[string]any{"province": "Guangdong"})
		if u := r.obj("user"); u["nickName"] != "吉娜" || u["province"] != "Guangdong" || u["city"] != "Shenzhen" {
			t.Fatalf("partial update: %s", r.raw)
		}

		signed := e.simCall("/sim/userinfo", map[string]any{"user": "gina", "userInfo": map[string]any{
			"nickName": "Gina W", "gender": 2, "language": "zh_CN", "avatarUrl": "https://wx.qlogo.cn/mmopen/x/0"}})
		r = e.call("POST", "/api/user/profile", tok, map[string]any{"rawData": signed["rawData"], "signature": signed["signature"]})
		if r.status != 200 || r.obj("user")["nickName"] != "Gina W" {
			t.Fatalf("rawData profile: %d %s", r.status, r.raw)
		}
		signed = e.simCall("/sim/userinfo", map[string]any{"user": "gina", "userInfo": map[string]any{"nickName": "Gina E", "gender": 2}})
		r = e.call("POST", "/api/user/profile", tok, map[string]any{"encryptedData": signed["encryptedData"], "iv": signed["iv"]})
		if r.status != 200 || r.obj("user")["nickName"] != "Gina E" {
			t.Fatalf("encryptedData profile: %d %s", r.status, r.raw)
		}

		// Data signed just before a wx.login rotated the key still passes for a while.
		old := e.simCall("/sim/userinfo", map[string]any{"user": "gina", "userInfo": map[string]any{"nickName": "Before Rotation"}})
		e.login("gina")
		r = e.call("POST", "/api/user/profile", tok, map[string]any{"encryptedData": old["encryptedData"], "iv": old["iv"]})
		if r.status != 200 || r.obj("user")["nickName"] != "Before Rotation" {
			t.Fatalf("previous session_key within grace: %d %s", r.status, r.raw)
		}
		e.setNow(time.Now().Add(prevKeyGrace + time.Minute))
		r = e.call("POST", "/api/user/profile", tok, map[string]any{"encryptedData": old["encryptedData"], "iv": old["iv"]})
		wantError(t, r, 400, "invalid_signature")
		e.setNow(time.Time{})

		foreign := e.simCall("/sim/userinfo", map[string]any{"user": "gina", "watermarkAppid": "wxotherapp000000000", "userInfo": map[string]any{"nickName": "X"}})
		wantError(t, e.call("POST", "/api/user/profile", tok, map[string]any{"encryptedData": foreign["encryptedData"], "iv": foreign["iv"]}), 400, "invalid_signature")

		bad := []struct {
			name string
			body any
			code string
		}{
			{"forged signature", map[string]any{"rawData": `{"nickName":"Mallory"}`, "signature": strings.Repeat("0", 40)}, "invalid_signature"},
			{"rawData without signature", map[string]any{"rawData": `{"nickName":"Mallory"}`}, "invalid_request"},
			{"garbage encryptedData", map[string]any{"encryptedData": "!!!", "iv": "???"}, "invalid_signature"},
			{"gender out of range", map[string]any{"gender": 7}, "invalid_request"},
			{"gender as string", map[string]any{"gender": "male"}, "invalid_request"},
			{"nickname too long", map[string]any{"nickName": strings.Repeat("长", 65)}, "invalid_request"},
			{"control characters", map[string]any{"nickName": "a\x00b"}, "invalid_request"},
			{"http avatar", map[string]any{"avatarUrl": "http://thirdwx.qlogo.cn/a/0"}, "invalid_request"},
			{"foreign avatar host", map[string]any{"avatarUrl": "https://evil.example/a.png"}, "invalid_request"},
			{"javascript avatar", map[string]any{"avatarUrl": "javascript:alert(1)"}, "invalid_request"},
			{"nothing to update", map[string]any{}, "invalid_request"},
			{"array body", `[1,2]`, "invalid_request"},
			{"malformed", `{"nickName":`, "invalid_request"},
			{"two objects", `{} {}`, "invalid_request"},
		}
		for _, tc := range bad {
			wantError(t, e.call("POST", "/api/user/profile", tok, tc.body), 400, tc.code)
		}
		info := e.call("GET", "/api/user/info", tok, nil)
		if info.obj("user")["nickName"] != "Before Rotation" {
			t.Fatalf("bad input changed the profile: %s", info.raw)
		}
	})
}

func pngImage(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.NRGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// hugeCanvasPNG is a tiny file whose header claims a 30000x30000 canvas.
func hugeCanvasPNG(t *testing.T) []byte {
	small := pngImage(1, 1)
	// IHDR width and height sit at bytes 16..23.
	b := append([]byte(nil), small...)
	for i, v := range []byte{0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30} {
		b[16+i] = v
	}
	return b
}

func TestAvatar(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store, func(c *Config) { c.PublicURL = "https://auth.example.com" })
		tok := e.login("hank").str("token")

		r := e.upload(tok, "file", pngImage(1200, 800))
		url := r.str("avatarUrl")
		if r.status != 200 || !strings.HasPrefix(url, "https://auth.example.com/avatars/") || !strings.HasSuffix(url, ".jpg") {
			t.Fatalf("upload: %d %s", r.status, r.raw)
		}
		if u := e.call("GET", "/api/user/info", tok, nil).obj("user"); u["avatarUrl"] != url {
			t.Fatalf("the upload becomes the avatar: %v", u)
		}
		got := e.send(httptest.NewRequest("GET", strings.TrimPrefix(url, "https://auth.example.com"), nil))
		if got.status != 200 || got.header.Get("Content-Type") != "image/jpeg" || !strings.Contains(got.header.Get("Cache-Control"), "immutable") {
			t.Fatalf("serving: %d %v", got.status, got.header)
		}
		img, err := jpeg.Decode(strings.NewReader(got.raw))
		if err != nil || img.Bounds().Dx() != 512 || img.Bounds().Dy() != 341 {
			t.Fatalf("served avatar should be a 512x341 JPEG: %v %v", err, img)
		}
		// The returned URL is accepted back by the profile call.
		if r := e.call("POST", "/api/user/profile", tok, map[string]any{"avatarUrl": url}); r.status != 200 {
			t.Fatalf("own avatar URL refused: %s", r.raw)
		}

		wantError(t, e.upload(tok, "file", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")), 400, "invalid_request")
		wantError(t, e.upload(tok, "file", hugeCanvasPNG(t)), 400, "invalid_request")
		wantError(t, e.upload(tok, "file", pngImage(10, 10)[:40]), 400, "invalid_request")
		wantError(t, e.upload(tok, "picture", pngImage(10, 10)), 400, "invalid_request")
		wantError(t, e.upload(tok, "file", bytes.Repeat([]byte{0xff}, MaxAvatarBytes+100<<10)), 413, "payload_too_large")
		wantError(t, e.upload("", "file", pngImage(10, 10)), 401, "unauthorized")
		if u := e.call("GET", "/api/user/info", tok, nil).obj("user"); u["avatarUrl"] != url {
			t.Fatalf("a refused upload changed the avatar: %v", u)
		}
		if r := e.send(httptest.NewRequest("GET", "/avatars/"+strings.Repeat("a", 64)+".jpg", nil)); r.status != 404 {
			t.Fatalf("unknown avatar: %d", r.status)
		}
		if r := e.send(httptest.NewRequest("GET", "/avatars/..%2f..%2fetc.jpg", nil)); r.status != 404 {
			t.Fatalf("bad avatar name: %d", r.status)
		}
	})
}

func TestPhone(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store, func(c *Config) { c.PhoneRate = 3 })
		tok := e.login("ivy").str("token")
		code := e.simCall("/sim/phonecode", map[string]any{"user": "ivy", "phoneNumber": "13812345678"})["code"].(string)
		r := e.call("POST", "/api/user/phone", tok, map[string]any{"code": code})
		if r.status != 200 || r.str("phoneNumber") != "13812345678" || r.str("purePhoneNumber") != "13812345678" || r.str("countryCode") != "86" {
			t.Fatalf("phone: %d %s", r.status, r.raw)
		}
		if u := e.call("GET", "/api/user/info", tok, nil).obj("user"); u["phoneNumber"] != "138****5678" {
			t.Fatalf("phone must be masked in user: %v", u)
		}
		wantError(t, e.call("POST", "/api/user/phone", tok, map[string]any{"code": code}), 401, "invalid_code")
		// Another person's phone code does not give ivy their number.
		other := e.simCall("/sim/phonecode", map[string]any{"user": "jack", "phoneNumber": "13900000000"})["code"].(string)
		r = e.call("POST", "/api/user/phone", tok, map[string]any{"code": other})
		if r.status == 200 {
			t.Fatalf("a phone code of another user was accepted: %s", r.raw)
		}
		r = e.call("POST", "/api/user/phone", tok, map[string]any{"code": "x"})
		wantError(t, r, 429, "rate_limited")
		wantError(t, e.call("POST", "/api/user/phone", tok, map[string]any{}), 400, "invalid_request")
		if u := e.call("GET", "/api/user/info", tok, nil).obj("user"); u["phoneNumber"] != "138****5678" {
			t.Fatalf("refused calls changed the phone: %v", u)
		}
	})
}

func TestRefresh(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		first := e.login("kate")
		r := e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": first.str("refresh_token")})
		if r.status != 200 || r.str("token") == first.str("token") || r.str("refresh_token") == first.str("refresh_token") {
			t.Fatalf("refresh: %d %s", r.status, r.raw)
		}
		if r.obj("user")["id"] != first.obj("user")["id"] || r.num("expires_in") != 7200 {
			t.Fatalf("refresh answer: %s", r.raw)
		}
		if c := e.call("GET", "/api/checklogin", first.str("token"), nil); c.body["is_login"] != false {
			t.Fatalf("the old access token must die with the rotation: %s", c.raw)
		}
		if c := e.call("GET", "/api/checklogin", r.str("token"), nil); c.body["is_login"] != true {
			t.Fatalf("new token: %s", c.raw)
		}
		// Reusing the rotated refresh token after the grace period is taken as theft: the
		// whole session ends.
		e.setNow(time.Now().Add(db.RefreshGrace + time.Second))
		wantError(t, e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": first.str("refresh_token")}), 401, "unauthorized")
		if c := e.call("GET", "/api/checklogin", r.str("token"), nil); c.body["is_login"] != false {
			t.Fatalf("reuse must revoke the session: %s", c.raw)
		}
		wantError(t, e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": r.str("refresh_token")}), 401, "unauthorized")

		// Concurrent refreshes with one token share one rotation.
		second := e.login("kate")
		var wg sync.WaitGroup
		res := make([]result, 4)
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": second.str("refresh_token")})
			}()
		}
		wg.Wait()
		ok := 0
		for _, x := range res {
			if x.status == 200 {
				ok++
			}
		}
		if ok == 0 {
			t.Fatalf("concurrent refresh: none succeeded: %v", res[0].raw)
		}

		wantError(t, e.call("POST", "/api/token/refresh", "", map[string]any{}), 400, "invalid_request")
		wantError(t, e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": "garbage"}), 401, "unauthorized")
		wantError(t, e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": 42}), 400, "invalid_request")
	})
}

func TestSessionLifetimes(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store, func(c *Config) {
			c.AccessTTL, c.SessionIdle, c.SessionMax = time.Minute, time.Hour, 90*time.Minute
		})
		start := time.Now()
		r := e.login("liam")
		if r.num("expires_in") != 60 || r.num("refresh_expires_in") != 3600 {
			t.Fatalf("lifetimes: %s", r.raw)
		}
		e.setNow(start.Add(2 * time.Minute))
		if c := e.call("GET", "/api/checklogin", r.str("token"), nil); c.body["is_login"] != false {
			t.Fatalf("expired access token still alive: %s", c.raw)
		}
		r = e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": r.str("refresh_token")})
		if r.status != 200 {
			t.Fatalf("refresh within idle: %d %s", r.status, r.raw)
		}
		e.setNow(start.Add(61 * time.Minute))
		r = e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": r.str("refresh_token")})
		if r.status != 200 || r.num("refresh_expires_in") > 29*60+1 {
			t.Fatalf("refresh near max must be capped at the absolute end: %d %s", r.status, r.raw)
		}
		e.setNow(start.Add(91 * time.Minute))
		wantError(t, e.call("POST", "/api/token/refresh", "", map[string]any{"refresh_token": r.str("refresh_token")}), 401, "unauthorized")
	})
}

func TestDelete(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		a := e.login("mia")
		b := e.login("mia")
		e.call("POST", "/api/user/profile", a.str("token"), map[string]any{"nickName": "Mia"})
		r := e.call("POST", "/api/user/delete", a.str("token"), nil)
		if r.status != 200 || r.body["ok"] != true {
			t.Fatalf("delete: %d %s", r.status, r.raw)
		}
		for _, tok := range []string{a.str("token"), b.str("token")} {
			if c := e.call("GET", "/api/checklogin", tok, nil); c.body["is_login"] != false {
				t.Fatalf("every session ends on delete: %s", c.raw)
			}
		}
		again := e.login("mia")
		if u := again.obj("user"); u["nickName"] != "" {
			t.Fatalf("a cancelled user who returns starts with an empty profile: %v", u)
		}
	})
}

func TestBadInput(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		cases := []struct {
			name, method, path, token string
			body                      any
			status                    int
			code                      string
		}{
			{"malformed JSON", "POST", "/api/login", "", `{"code":`, 400, "invalid_request"},
			{"code as number", "POST", "/api/login", "", `{"code":123}`, 400, "invalid_request"},
			{"no code", "POST", "/api/login", "", `{}`, 400, "invalid_request"},
			{"empty body", "POST", "/api/login", "", "", 400, "invalid_request"},
			{"null body", "POST", "/api/login", "", `null`, 400, "invalid_request"},
			{"huge code", "POST", "/api/login", "", map[string]any{"code": strings.Repeat("a", 500)}, 400, "invalid_request"},
			{"huge body", "POST", "/api/login", "", `{"code":"` + strings.Repeat("a", 20<<10) + `"}`, 413, "payload_too_large"},
			{"unknown path", "GET", "/api/nope", "", nil, 404, "not_found"},
			{"wrong method", "GET", "/api/login", "", nil, 405, "method_not_allowed"},
			{"info without token", "GET", "/api/user/info", "", nil, 401, "unauthorized"},
			{"info with garbage token", "GET", "/api/user/info", "garbage", nil, 401, "unauthorized"},
			{"info with unknown token", "GET", "/api/user/info", strings.Repeat("A", 43), nil, 401, "unauthorized"},
			{"logout with garbage", "POST", "/api/logout", "x.y.z", nil, 401, "unauthorized"},
			{"delete without token", "POST", "/api/user/delete", "", nil, 401, "unauthorized"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, e.call(tc.method, tc.path, tc.token, tc.body), tc.status, tc.code)
			})
		}
		// A token in the URL is ignored.
		tok := e.login("nora").str("token")
		if c := e.call("GET", "/api/checklogin?token="+tok, "", nil); c.body["is_login"] != false {
			t.Fatalf("a token query parameter must be ignored: %s", c.raw)
		}
		for _, garbage := range []string{"", "garbage", strings.Repeat("é", 43), strings.Repeat("A", 43)} {
			c := e.call("GET", "/api/checklogin", garbage, nil)
			if c.status != 200 || c.body["is_login"] != false {
				t.Fatalf("checklogin with %q: %d %s", garbage, c.status, c.raw)
			}
		}
	})
}

func TestIntrospect(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		tok := e.login("olga").str("token")
		req := func(key string, body any) result {
			r := e.call("POST", "/internal/introspect", key, body)
			return r
		}
		wantError(t, req("", map[string]any{"token": tok}), 401, "unauthorized")
		wantError(t, req("wrong-key-0123456789", map[string]any{"token": tok}), 401, "unauthorized")
		r := req("service-key-0123456789", map[string]any{"token": tok})
		if r.status != 200 || r.body["active"] != true || r.str("openid") != e.simUser("olga")["openid"] {
			t.Fatalf("introspect: %d %s", r.status, r.raw)
		}
		if r := req("service-key-0123456789", map[string]any{"token": "nope"}); r.body["active"] != false || r.str("openid") != "" {
			t.Fatalf("inactive token: %s", r.raw)
		}
	})
}
