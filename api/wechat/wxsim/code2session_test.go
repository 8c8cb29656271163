package wxsim_test

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"miniauth/api/wechat"
	"miniauth/api/wechat/wxsim"
)

var ridSuffix = regexp.MustCompile(`, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

func TestCodeSingleUse(t *testing.T) {
	e := start(t, wxsim.Options{})
	code := e.login("alice", "")
	if !regexp.MustCompile(`^[0-9A-Za-z]{32}$`).MatchString(code) {
		t.Fatalf("code shape %q", code)
	}
	first := e.exchange(appA, secretA, code)
	if _, has := first["errcode"]; has {
		t.Fatalf("code2Session success carries no errcode key: %v", first)
	}
	key, _ := first["session_key"].(string)
	openid, _ := first["openid"].(string)
	if len(key) != 24 || !regexp.MustCompile(`^o[A-Za-z0-9_-]{27}$`).MatchString(openid) || first["unionid"] == nil {
		t.Fatalf("answer %v", first)
	}
	again := e.exchange(appA, secretA, code)
	if errcode(again) != 40163 || !strings.HasPrefix(again["errmsg"].(string), "code been used") ||
		!ridSuffix.MatchString(again["errmsg"].(string)) {
		t.Fatalf("second use: %v", again)
	}

	// The real client sees the same.
	c := e.client(appA, secretA)
	s, err := c.Code2Session(context.Background(), e.login("alice", appA))
	if err != nil || s.OpenID != openid || s.SessionKey == key {
		t.Fatalf("login again: %+v %v (old key %s)", s, err, key)
	}
	var we *wechat.Error
	code = e.login("alice", appA)
	_, _ = c.Code2Session(context.Background(), code)
	if _, err := c.Code2Session(context.Background(), code); !errors.As(err, &we) || we.Code != 40163 || errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("reuse through the client: %v", err)
	}
}

func TestCodeInvalid(t *testing.T) {
	e := start(t, wxsim.Options{})
	codeA := e.login("bob", appA)
	cases := []struct {
		name                string
		appid, secret, code string
		grant               string
		want                int
	}{
		{"unknown code", appA, secretA, "00000000000000000000000000000000", "authorization_code", 40029},
		{"devtools mock code", appA, secretA, "the code is a mock one", "authorization_code", 40029},
		{"code of another appid", appB, secretB, codeA, "authorization_code", 40029},
		{"unknown appid", "wxnope", secretA, codeA, "authorization_code", 40013},
		{"wrong secret", appA, "wrong", codeA, "authorization_code", 40125},
		{"no appid", "", secretA, codeA, "authorization_code", 41002},
		{"no secret", appA, "", codeA, "authorization_code", 41004},
		{"no code", appA, secretA, "", "authorization_code", 41008},
		{"bad grant", appA, secretA, codeA, "client_credential", 40002},
	}
	for _, tc := range cases {
		q := url.Values{"grant_type": {tc.grant}}
		for k, v := range map[string]string{"appid": tc.appid, "secret": tc.secret, "js_code": tc.code} {
			if v != "" {
				q.Set(k, v)
			}
		}
		st, out := e.get("/sns/jscode2session", q)
		if st != 200 || errcode(out) != tc.want || !ridSuffix.MatchString(out["errmsg"].(string)) {
			t.Errorf("%s: %d %v, want errcode %d", tc.name, st, out, tc.want)
		}
	}
	// Parameters in a POST body are not read.
	if st, out := e.post("/sns/jscode2session", map[string]any{"appid": appA, "secret": secretA, "js_code": codeA}); st != 200 || errcode(out) != 41002 {
		t.Fatalf("POST: %d %v", st, out)
	}
	// None of the failures spent the code.
	if out := e.exchange(appA, secretA, codeA); errcode(out) != 0 {
		t.Fatalf("code spent by a failed call: %v", out)
	}
	// The client reports bad credentials as plain errors, without the secret.
	_, err := e.client(appA, "very-wrong-secret").Code2Session(context.Background(), e.login("bob", appA))
	var we *wechat.Error
	if !errors.As(err, &we) || we.Code != 40125 || strings.Contains(err.Error(), "very-wrong-secret") {
		t.Fatalf("%v", err)
	}
}

func TestCodeExpiry(t *testing.T) {
	e := start(t, wxsim.Options{})
	early, late := e.login("carol", appA), e.login("carol", appA)
	e.clk.advance(4*time.Minute + 59*time.Second)
	if out := e.exchange(appA, secretA, early); errcode(out) != 0 {
		t.Fatalf("code dead before 5 min: %v", out)
	}
	e.clk.advance(time.Second)
	if out := e.exchange(appA, secretA, late); errcode(out) != 40029 {
		t.Fatalf("code alive after 5 min: %v", out)
	}
	// Moving the clock through the control surface works too.
	code := e.login("carol", appA)
	e.ok("/sim/clock", map[string]any{"advance_ms": 301_000})
	if out := e.exchange(appA, secretA, code); errcode(out) != 40029 {
		t.Fatalf("code alive after /sim/clock advance: %v", out)
	}
}

func TestIdentity(t *testing.T) {
	e := start(t, wxsim.Options{Apps: []wxsim.App{
		{AppID: appA, Secret: secretA, OpenPlatformID: "op1"},
		{AppID: appB, Secret: secretB, OpenPlatformID: "op1"},
		{AppID: "wxcccccccccccccccc", Secret: "c"},
	}})
	a := e.exchange(appA, secretA, e.login("dan", appA))
	b := e.exchange(appB, secretB, e.login("dan", appB))
	c := e.exchange("wxcccccccccccccccc", "c", e.login("dan", "wxcccccccccccccccc"))
	other := e.exchange(appA, secretA, e.login("erin", appA))
	if a["openid"] == b["openid"] || a["openid"] == other["openid"] {
		t.Fatalf("openids must be per (app, user): %v %v %v", a, b, other)
	}
	if a["unionid"] == nil || a["unionid"] != b["unionid"] || a["unionid"] == other["unionid"] {
		t.Fatalf("unionid must be per (open platform, user): %v %v %v", a, b, other)
	}
	if _, has := c["unionid"]; has {
		t.Fatalf("an unbound app gets no unionid: %v", c)
	}
	// Another simulator with the default secret gives the same person the same openid.
	e2 := start(t, wxsim.Options{Apps: []wxsim.App{{AppID: appA, Secret: secretA, OpenPlatformID: "op1"}}})
	a2 := e2.exchange(appA, secretA, e2.login("dan", ""))
	if a2["openid"] != a["openid"] || a2["unionid"] != a["unionid"] {
		t.Fatalf("identities differ between instances: %v %v", a, a2)
	}
	// Binding the unbound app later gives its users a unionid.
	e.ok("/sim/apps", map[string]any{"appid": "wxcccccccccccccccc", "secret": "c", "openPlatformId": "op1"})
	c = e.exchange("wxcccccccccccccccc", "c", e.login("dan", "wxcccccccccccccccc"))
	if c["unionid"] != a["unionid"] {
		t.Fatalf("after binding: %v", c)
	}
	st, u := e.get("/sim/users/dan", url.Values{"appid": {appA}})
	if st != 200 || u["openid"] != a["openid"] || u["unionid"] != a["unionid"] || u["session_key"] != a["session_key"] {
		t.Fatalf("/sim/users: %d %v", st, u)
	}
	if st, _ := e.get("/sim/users/nobody", nil); st != 404 {
		t.Fatalf("unknown user: %d", st)
	}
}

func TestUserRateLimit(t *testing.T) {
	e := start(t, wxsim.Options{UserRateLimit: 3})
	for i := range 3 {
		if out := e.exchange(appA, secretA, e.login("fay", appA)); errcode(out) != 0 {
			t.Fatalf("call %d: %v", i, out)
		}
	}
	limited := e.login("fay", appA)
	if out := e.exchange(appA, secretA, limited); errcode(out) != 45011 {
		t.Fatalf("4th call in a minute: %v", out)
	}
	// Another user is not limited.
	if out := e.exchange(appA, secretA, e.login("gus", appA)); errcode(out) != 0 {
		t.Fatalf("other user: %v", out)
	}
	_, err := e.client(appA, secretA).Code2Session(context.Background(), limited)
	var we *wechat.Error
	if !errors.As(err, &we) || we.Code != 45011 || errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("client: %v", err)
	}
	e.clk.advance(time.Minute)
	if out := e.exchange(appA, secretA, limited); errcode(out) != 0 {
		t.Fatalf("next minute (the limited code was not spent): %v", out)
	}
}

func TestSessionKeyRotation(t *testing.T) {
	e := start(t, wxsim.Options{})
	c := e.client(appA, secretA)
	ctx := context.Background()
	s1, err := c.Code2Session(ctx, e.login("hal", appA))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckSession(ctx, s1.OpenID, s1.SessionKey); err != nil {
		t.Fatalf("current key: %v", err)
	}
	s2, err := c.Code2Session(ctx, e.login("hal", appA))
	if err != nil || s2.SessionKey == s1.SessionKey {
		t.Fatalf("key not rotated: %v", err)
	}
	var we *wechat.Error
	if err := c.CheckSession(ctx, s1.OpenID, s1.SessionKey); !errors.As(err, &we) || we.Code != 87009 {
		t.Fatalf("old key: %v", err)
	}
	if err := c.CheckSession(ctx, s2.OpenID, s2.SessionKey); err != nil {
		t.Fatalf("new key: %v", err)
	}

	// resetusersessionkey rotates too.
	tok, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"access_token": {tok}, "openid": {s2.OpenID}, "signature": {wechat.SessionSignature(s2.SessionKey)}, "sig_method": {"hmac_sha256"}}
	_, out := e.get("/wxa/resetusersessionkey", q)
	s3, _ := out["session_key"].(string)
	if errcode(out) != 0 || out["errmsg"] != "ok" || out["openid"] != s2.OpenID || s3 == "" || s3 == s2.SessionKey {
		t.Fatalf("reset: %v", out)
	}
	if err := c.CheckSession(ctx, s2.OpenID, s2.SessionKey); !errors.As(err, &we) || we.Code != 87009 {
		t.Fatalf("key before reset: %v", err)
	}
	if err := c.CheckSession(ctx, s2.OpenID, s3); err != nil {
		t.Fatalf("key after reset: %v", err)
	}
	q.Set("sig_method", "md5")
	if _, out := e.get("/wxa/checksession", q); errcode(out) != 87008 {
		t.Fatalf("sig_method: %v", out)
	}
}

func TestSessionKeyMinimumPeriod(t *testing.T) {
	e := start(t, wxsim.Options{RotateMinPeriod: 10 * time.Minute})
	k1 := e.exchange(appA, secretA, e.login("ida", appA))["session_key"]
	e.clk.advance(time.Minute)
	if k2 := e.exchange(appA, secretA, e.login("ida", appA))["session_key"]; k2 != k1 {
		t.Fatal("rotated within the minimum period")
	}
	e.clk.advance(10 * time.Minute)
	if k3 := e.exchange(appA, secretA, e.login("ida", appA))["session_key"]; k3 == k1 {
		t.Fatal("not rotated after the minimum period")
	}
}

func TestConcurrentSameCodeSharesOneExchange(t *testing.T) {
	e := start(t, wxsim.Options{})
	c := e.client(appA, secretA)
	code := e.login("jay", appA)
	e.fault(map[string]any{"api": "jscode2session", "delay_ms": 300, "times": 1})
	const n = 16
	var wg sync.WaitGroup
	res := make([]wechat.Session, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = c.Code2Session(context.Background(), code)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || res[i] != res[0] || res[0].OpenID == "" {
			t.Fatalf("caller %d: %+v %v", i, res[i], errs[i])
		}
	}
	if got := e.sim.Calls("jscode2session"); got != 1 {
		t.Fatalf("upstream exchanges: %d, want 1", got)
	}
	// Nothing is cached: the same code later is WeChat's 40163.
	var we *wechat.Error
	if _, err := c.Code2Session(context.Background(), code); !errors.As(err, &we) || we.Code != 40163 {
		t.Fatalf("later reuse: %v", err)
	}
	if got := e.sim.Calls("jscode2session"); got != 2 {
		t.Fatalf("upstream exchanges: %d, want 2", got)
	}
}

func TestSharedExchangeSurvivesFirstCallerLeaving(t *testing.T) {
	e := start(t, wxsim.Options{})
	c := e.client(appA, secretA)
	code := e.login("kim", appA)
	e.fault(map[string]any{"api": "jscode2session", "delay_ms": 300, "times": 1})
	impatient, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	errc := make(chan error, 1)
	go func() { _, err := c.Code2Session(impatient, code); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	s, err := c.Code2Session(context.Background(), code)
	if err != nil || s.OpenID == "" {
		t.Fatalf("patient caller: %v", err)
	}
	if err := <-errc; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("impatient caller: %v", err)
	}
	if got := e.sim.Calls("jscode2session"); got != 1 {
		t.Fatalf("upstream exchanges: %d", got)
	}
}
