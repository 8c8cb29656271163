package wxsim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"miniauth/api/wechat"
	"miniauth/api/wechat/wxsim"
)

func TestFaultsThroughTheClient(t *testing.T) {
	cases := []struct {
		name  string
		fault map[string]any
		calls int // upstream requests the sim saw, at least
		check func(t *testing.T, s wechat.Session, err error)
	}{
		{"-1 once is retried away", map[string]any{"errcode": -1, "times": 1}, 2, func(t *testing.T, s wechat.Session, err error) {
			if err != nil || s.OpenID == "" {
				t.Fatalf("%v", err)
			}
		}},
		{"-1 persistent", map[string]any{"errcode": -1, "times": 10}, 3, func(t *testing.T, _ wechat.Session, err error) {
			var we *wechat.Error
			if !errors.Is(err, wechat.ErrUnavailable) || !errors.As(err, &we) || we.Code != -1 {
				t.Fatalf("%v", err)
			}
		}},
		{"40226 is not retried", map[string]any{"errcode": 40226, "times": 5}, 1, func(t *testing.T, _ wechat.Session, err error) {
			var we *wechat.Error
			if errors.Is(err, wechat.ErrUnavailable) || !errors.As(err, &we) || we.Code != 40226 || !strings.Contains(we.Msg, "code blocked") {
				t.Fatalf("%v", err)
			}
		}},
		{"garbage once", map[string]any{"mode": "garbage", "times": 1}, 2, func(t *testing.T, _ wechat.Session, err error) {
			if err != nil {
				t.Fatalf("%v", err)
			}
		}},
		{"garbage persistent", map[string]any{"mode": "garbage", "times": 10}, 3, func(t *testing.T, _ wechat.Session, err error) {
			if !errors.Is(err, wechat.ErrUnavailable) {
				t.Fatalf("%v", err)
			}
		}},
		{"dropped connections", map[string]any{"mode": "drop", "times": 10}, 3, func(t *testing.T, _ wechat.Session, err error) {
			if !errors.Is(err, wechat.ErrUnavailable) || !strings.Contains(err.Error(), "/sns/jscode2session") {
				t.Fatalf("%v", err)
			}
		}},
		{"text/plain answer is fine", map[string]any{"mode": "text_plain", "times": 1}, 1, func(t *testing.T, s wechat.Session, err error) {
			if err != nil || s.OpenID == "" {
				t.Fatalf("%v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, wxsim.Options{})
			code := e.login("lea", appA)
			tc.fault["api"] = "jscode2session"
			e.fault(tc.fault)
			s, err := e.client(appA, secretA).Code2Session(context.Background(), code)
			tc.check(t, s, err)
			if err != nil && strings.Contains(err.Error(), code) {
				t.Fatalf("error leaks the code: %v", err)
			}
			if got := e.sim.Calls("jscode2session"); got < tc.calls || (tc.fault["mode"] != "drop" && got != tc.calls) {
				t.Fatalf("upstream requests %d, want %d", got, tc.calls)
			}
		})
	}
}

func TestDropClosesWithoutAnswer(t *testing.T) {
	e := start(t, wxsim.Options{})
	e.fault(map[string]any{"api": "token", "mode": "drop", "times": 1})
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(e.base + "/cgi-bin/token")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("got an answer: %d %s", resp.StatusCode, b)
	}
	if out := e.classicToken(appA, secretA); errcode(out) != 0 {
		t.Fatalf("fault used up, next call normal: %v", out)
	}
}

func TestLostAnswerThenCodeUsedIsUnavailable(t *testing.T) {
	// The first try spends the code but its answer arrives after the client gave up; the
	// retry sees 40163, which must not be blamed on the caller.
	e := start(t, wxsim.Options{})
	code := e.login("max", appA)
	e.fault(map[string]any{"api": "jscode2session", "delay_ms": 300, "times": 1})
	c := wechat.New(wechat.Config{AppID: appA, Secret: secretA, BaseURL: e.base,
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}, Backoff: time.Second, MaxRetries: 1})
	_, err := c.Code2Session(context.Background(), code)
	var we *wechat.Error
	if !errors.Is(err, wechat.ErrUnavailable) || !errors.As(err, &we) || we.Code != 40163 {
		t.Fatalf("%v", err)
	}
}

func TestFaultTargeting(t *testing.T) {
	e := start(t, wxsim.Options{})
	e.fault(map[string]any{"api": "jscode2session", "user": "ned", "errcode": 40226, "times": 2})
	e.fault(map[string]any{"api": "jscode2session", "appid": appB, "errcode": 45011, "times": 1})
	if out := e.exchange(appA, secretA, e.login("oli", appA)); errcode(out) != 0 {
		t.Fatalf("other user: %v", out)
	}
	if out := e.exchange(appA, secretA, e.login("ned", appA)); errcode(out) != 40226 {
		t.Fatalf("targeted user: %v", out)
	}
	if out := e.exchange(appB, secretB, e.login("oli", appB)); errcode(out) != 45011 {
		t.Fatalf("targeted app: %v", out)
	}
	if out := e.exchange(appA, secretA, e.login("ned", appA)); errcode(out) != 40226 {
		t.Fatalf("second time: %v", out)
	}
	if out := e.exchange(appA, secretA, e.login("ned", appA)); errcode(out) != 0 {
		t.Fatalf("after times ran out: %v", out)
	}
	// Reset clears faults and counts.
	e.fault(map[string]any{"api": "token", "errcode": -1, "times": 5})
	e.ok("/sim/reset", map[string]any{})
	if e.sim.Calls("jscode2session") != 0 {
		t.Fatal("counts survive reset")
	}
	if out := e.classicToken(appA, secretA); errcode(out) != 0 {
		t.Fatalf("fault survived reset: %v", out)
	}
	_, stats := e.get("/sim/stats", nil)
	if stats["calls"].(map[string]any)["token"] != float64(1) {
		t.Fatalf("stats: %v", stats)
	}
}

func TestPhoneTokenRefreshThroughClient(t *testing.T) {
	// The client's cached token is killed by a forced refresh elsewhere: the phone call
	// gets 40001, drops the token, fetches a fresh one and succeeds.
	e := start(t, wxsim.Options{})
	c := e.client(appA, secretA)
	ctx := context.Background()
	s, err := c.Code2Session(ctx, e.login("pia", appA))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	if out := e.stableToken(appA, secretA, true); errcode(out) != 0 {
		t.Fatal(out)
	}
	code := e.ok("/sim/phonecode", map[string]any{"user": "pia", "appid": appA, "phoneNumber": "13800001111"})["code"].(string)
	p, err := c.PhoneNumber(ctx, code, s.OpenID)
	if err != nil || p.PurePhoneNumber != "13800001111" {
		t.Fatalf("%+v %v", p, err)
	}
	if got := e.sim.Calls("stable_token"); got != 3 {
		t.Fatalf("stable_token calls %d, want 3 (client, force, client)", got)
	}
	if got := e.sim.Calls("getuserphonenumber"); got != 2 {
		t.Fatalf("phone calls %d, want 2", got)
	}
}

func TestControlRejectsBadInput(t *testing.T) {
	e := start(t, wxsim.Options{})
	cases := []struct {
		path string
		body any
	}{
		{"/sim/login", map[string]any{}},
		{"/sim/login", map[string]any{"user": "x", "appid": "wxunknown"}},
		{"/sim/login", "not an object"},
		{"/sim/faults", map[string]any{"api": "nope", "errcode": -1, "times": 1}},
		{"/sim/faults", map[string]any{"api": "token", "errcode": -1, "times": 0}},
		{"/sim/faults", map[string]any{"api": "token", "times": 1}},
		{"/sim/faults", map[string]any{"api": "token", "mode": "explode", "times": 1}},
		{"/sim/faults", map[string]any{"api": "token", "mode": "errcode", "times": 1}},
		{"/sim/faults", map[string]any{"api": "token", "errcode": 0, "times": 1}},
		{"/sim/phonecode", map[string]any{"user": "x"}},
		{"/sim/phonecode", map[string]any{"user": "x", "phoneNumber": "12a"}},
		{"/sim/phonecode", map[string]any{"user": "x", "phoneNumber": "123", "countryCode": "eighty"}},
		{"/sim/userinfo", map[string]any{"user": "never-logged-in"}},
		{"/sim/userinfo", map[string]any{"user": "x", "userInfo": []int{1}}},
		{"/sim/apps", map[string]any{"appid": "wxn"}},
		{"/sim/apps", map[string]any{"appid": "wxn", "secret": "s", "ipWhitelist": []string{"nope"}}},
		{"/sim/clock", map[string]any{}},
		{"/sim/clock", map[string]any{"advance_ms": 1, "now_ms": 2}},
	}
	for _, tc := range cases {
		st, out := e.post(tc.path, tc.body)
		if st != 400 || out["error"] != "invalid_request" || out["message"] == "" {
			t.Errorf("%s %v: %d %v", tc.path, tc.body, st, out)
		}
	}
	now := e.ok("/sim/clock", map[string]any{"now_ms": 1_800_000_000_000})["now_ms"]
	if now != float64(1_800_000_000_000) {
		t.Fatalf("clock set: %v", now)
	}
}

func TestLoopbackOnly(t *testing.T) {
	// Fiber's in-memory test connection has peer 0.0.0.0, which is not loopback.
	sim := wxsim.New(wxsim.Options{Apps: []wxsim.App{{AppID: appA, Secret: secretA}}})
	for _, path := range []string{"/sim/stats", "/cgi-bin/token"} {
		resp, err := sim.Handler().Test(httptestRequest(path), -1)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s from a non-loopback peer: %d", path, resp.StatusCode)
		}
	}
	public := wxsim.New(wxsim.Options{Apps: []wxsim.App{{AppID: appA, Secret: secretA}}, AllowPublic: true})
	resp, err := public.Handler().Test(httptestRequest("/sim/stats"), -1)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("AllowPublic: %v %v", resp, err)
	}

	// Over a real socket on a non-loopback address of this machine, when there is one.
	ip := nonLoopbackIP()
	if ip == "" {
		t.Log("no non-loopback address here; real-socket part skipped")
		return
	}
	base := listen(t, sim.Handler(), ip)
	r, err := http.Get(base + "/sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("non-loopback peer over a socket: %d", r.StatusCode)
	}
}

func TestRegisterUnderPrefix(t *testing.T) {
	sim := wxsim.New(wxsim.Options{Apps: []wxsim.App{{AppID: appA, Secret: secretA}}})
	app := newFiber()
	app.Get("/healthz", func(c fiberCtx) error { return c.SendString("ok") })
	sim.Register(app.Group("/wxsim"))
	base := listen(t, app, "127.0.0.1")
	c := wechat.New(wechat.Config{AppID: appA, Secret: secretA, BaseURL: base + "/wxsim", Backoff: time.Millisecond})
	e := &env{t: t, base: base + "/wxsim"}
	code := e.login("quin", "")
	if s, err := c.Code2Session(context.Background(), code); err != nil || s.OpenID == "" {
		t.Fatalf("%v", err)
	}
	// Routes outside the prefix are not the simulator's business.
	if r, err := http.Get(base + "/healthz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("%v %v", r, err)
	}
	if _, out := e.get("/sns/jscode2session", url.Values{"appid": {appA}}); errcode(out) != 41004 {
		t.Fatalf("%v", out)
	}
}
