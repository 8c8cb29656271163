package wxsim_test

import (
	"net/url"
	"testing"
	"time"

	"miniauth/api/wechat/wxsim"
)

func (e *env) classicToken(appid, secret string) map[string]any {
	e.t.Helper()
	_, out := e.get("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {appid}, "secret": {secret}})
	return out
}

func (e *env) stableToken(appid, secret string, force bool) map[string]any {
	e.t.Helper()
	_, out := e.post("/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force})
	return out
}

// tokenWorks answers a business API with tok and returns its errcode: checksession with a
// bad signature gives 87009 when the token itself is fine.
func (e *env) tokenErr(tok string) int {
	e.t.Helper()
	_, out := e.get("/wxa/checksession", url.Values{"access_token": {tok}, "openid": {e.openid}, "signature": {"00"}, "sig_method": {"hmac_sha256"}})
	if c := errcode(out); c != 87009 {
		return c
	}
	return 0
}

func tokenEnv(t *testing.T, opts wxsim.Options) *env {
	e := start(t, opts)
	e.openid = e.exchange(appA, secretA, e.login("tess", appA))["openid"].(string)
	return e
}

func TestClassicToken(t *testing.T) {
	e := tokenEnv(t, wxsim.Options{TokenDailyQuota: 4})
	t1 := e.classicToken(appA, secretA)
	if _, has := t1["errcode"]; has || t1["expires_in"] != float64(7200) || len(t1["access_token"].(string)) < 64 {
		t.Fatalf("token answer: %v", t1)
	}
	tok1 := t1["access_token"].(string)
	if c := e.tokenErr(tok1); c != 0 {
		t.Fatalf("fresh token: %d", c)
	}
	e.clk.advance(time.Minute)
	tok2 := e.classicToken(appA, secretA)["access_token"].(string)
	if tok2 == tok1 {
		t.Fatal("each call issues a new token")
	}
	e.clk.advance(4*time.Minute + 59*time.Second)
	if c := e.tokenErr(tok1); c != 0 {
		t.Fatalf("previous token within its 5 minutes: %d", c)
	}
	e.clk.advance(time.Second)
	if c := e.tokenErr(tok1); c != 40001 {
		t.Fatalf("previous token after 5 minutes: %d", c)
	}
	if c := e.tokenErr(tok2); c != 0 {
		t.Fatalf("current token: %d", c)
	}
	tok3 := e.classicToken(appA, secretA)["access_token"].(string)
	tok4 := e.classicToken(appA, secretA)["access_token"].(string)
	if c := e.tokenErr(tok2); c != 40001 {
		t.Fatalf("token replaced twice: %d", c)
	}
	if e.tokenErr(tok3) != 0 || e.tokenErr(tok4) != 0 {
		t.Fatal("the last two tokens work")
	}
	if out := e.classicToken(appA, secretA); errcode(out) != 45009 {
		t.Fatalf("5th call with a daily quota of 4: %v", out)
	}
	if out := e.classicToken(appB, secretB); errcode(out) != 0 {
		t.Fatalf("quota is per app: %v", out)
	}
	e.clk.advance(2 * time.Hour)
	if c := e.tokenErr(tok4); c != 42001 {
		t.Fatalf("expired token: %d", c)
	}
	e.clk.advance(22 * time.Hour)
	if out := e.classicToken(appA, secretA); errcode(out) != 0 {
		t.Fatalf("quota resets the next day: %v", out)
	}
}

func TestStableToken(t *testing.T) {
	e := tokenEnv(t, wxsim.Options{})
	s1 := e.stableToken(appA, secretA, false)
	tok := s1["access_token"].(string)
	if _, has := s1["errcode"]; has || s1["expires_in"] != float64(7200) {
		t.Fatalf("answer %v", s1)
	}
	e.clk.advance(time.Hour)
	s2 := e.stableToken(appA, secretA, false)
	if s2["access_token"] != tok || s2["expires_in"] != float64(3600) {
		t.Fatalf("same token while valid, with the time left: %v", s2)
	}
	// Classic tokens are separate.
	e.classicToken(appA, secretA)
	e.classicToken(appA, secretA)
	if c := e.tokenErr(tok); c != 0 {
		t.Fatalf("classic calls must not touch the stable token: %d", c)
	}
	// In its last five minutes, a successor is handed out and the old one lives on.
	e.clk.advance(time.Hour - 4*time.Minute)
	s3 := e.stableToken(appA, secretA, false)
	if s3["access_token"] == tok || s3["expires_in"] != float64(7200) {
		t.Fatalf("renewal: %v", s3)
	}
	if c := e.tokenErr(tok); c != 0 {
		t.Fatalf("old stable token before its expiry: %d", c)
	}
	// force_refresh kills the current one at once.
	cur := s3["access_token"].(string)
	f1 := e.stableToken(appA, secretA, true)
	if f1["access_token"] == cur || e.tokenErr(cur) != 40001 || e.tokenErr(f1["access_token"].(string)) != 0 {
		t.Fatalf("force refresh: %v", f1)
	}
	e.clk.advance(29 * time.Second)
	if out := e.stableToken(appA, secretA, true); errcode(out) != 45011 {
		t.Fatalf("force refresh 29 s later: %v", out)
	}
	for i := 2; i <= 20; i++ {
		e.clk.advance(31 * time.Second)
		if out := e.stableToken(appA, secretA, true); errcode(out) != 0 {
			t.Fatalf("force refresh %d: %v", i, out)
		}
	}
	e.clk.advance(31 * time.Second)
	if out := e.stableToken(appA, secretA, true); errcode(out) != 45009 {
		t.Fatalf("21st force refresh in a day: %v", out)
	}
}

func TestTokenErrors(t *testing.T) {
	e := tokenEnv(t, wxsim.Options{Apps: []wxsim.App{
		{AppID: appA, Secret: secretA},
		{AppID: appB, Secret: secretB, IPWhitelist: []string{"10.1.2.3"}},
	}})
	cases := []struct {
		name string
		q    url.Values
		want int
	}{
		{"bad grant", url.Values{"grant_type": {"password"}, "appid": {appA}, "secret": {secretA}}, 40002},
		{"no appid", url.Values{"grant_type": {"client_credential"}, "secret": {secretA}}, 41002},
		{"no secret", url.Values{"grant_type": {"client_credential"}, "appid": {appA}}, 41004},
		{"unknown appid", url.Values{"grant_type": {"client_credential"}, "appid": {"wxzz"}, "secret": {secretA}}, 40013},
		{"wrong secret", url.Values{"grant_type": {"client_credential"}, "appid": {appA}, "secret": {"x"}}, 40125},
		{"not whitelisted", url.Values{"grant_type": {"client_credential"}, "appid": {appB}, "secret": {secretB}}, 40164},
	}
	for _, tc := range cases {
		_, out := e.get("/cgi-bin/token", tc.q)
		if errcode(out) != tc.want {
			t.Errorf("%s: %v", tc.name, out)
		}
	}
	if out := e.stableToken(appB, secretB, false); errcode(out) != 40164 ||
		out["errmsg"].(string)[:55] != "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whit" {
		t.Fatalf("stable_token whitelist: %v", out)
	}
	if _, out := e.post("/cgi-bin/stable_token", "not an object"); errcode(out) != 47001 {
		t.Fatalf("bad body: %v", out)
	}
	for tok, want := range map[string]int{"": 41001, "bad token!": 40014, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA": 40001} {
		if c := e.tokenErr(tok); c != want {
			t.Errorf("token %q: %d, want %d", tok, c, want)
		}
	}
}
