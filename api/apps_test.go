package api

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"miniauth/api/wechat"
	"miniauth/api/wechat/wxsim"
	"miniauth/db"
	"miniauth/db/dbtest"
)

const (
	shopApp    = "wx1111111111111111"
	shopSecret = "shop-secret-4b1d7e0c9a"
	cardApp    = "wx2222222222222222"
	cardSecret = "card-secret-93c0aa51f7"
	loneApp    = "wx3333333333333333" // an app without an Open Platform
	loneSecret = "lone-secret-1e2f3a4b5c"
)

// syncBuffer is a log sink several goroutines write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// appsEnv is the API with the apps table: shop (default) and card on one simulated Open
// Platform, lone on none, all served by one simulator over a socket; every log line,
// the WeChat clients' too, goes to logs at debug level.
type appsEnv struct {
	*env
	logs *syncBuffer
}

func newAppsEnv(t *testing.T, store *db.Store) *appsEnv {
	t.Helper()
	ctx := context.Background()
	cli := db.SystemActor("test")
	for _, a := range []db.AppInput{{AppID: shopApp, Name: "Shop", Secret: shopSecret},
		{AppID: cardApp, Name: "Card", Secret: cardSecret}, {AppID: loneApp, Name: "Lone", Secret: loneSecret}} {
		if _, err := store.CreateApp(ctx, a, cli); err != nil {
			t.Fatal(err)
		}
	}
	sim := wxsim.New(wxsim.Options{Apps: []wxsim.App{
		{AppID: shopApp, Secret: shopSecret, OpenPlatformID: "op"},
		{AppID: cardApp, Secret: cardSecret, OpenPlatformID: "op"},
		{AppID: loneApp, Secret: loneSecret}}})
	simApp := sim.Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = simApp.Listener(ln) }()
	t.Cleanup(func() { _ = simApp.Shutdown() })
	simURL := "http://" + ln.Addr().String()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	apps := NewStoreApps(store, shopApp, func(appid, secret string) WeChat {
		return wechat.New(wechat.Config{AppID: appid, Secret: secret, BaseURL: simURL, Backoff: time.Millisecond, Logger: log})
	})
	e := &env{t: t, store: store, sim: sim, simURL: simURL}
	cfg := Config{AccessTTL: 2 * time.Hour, SessionIdle: 720 * time.Hour, SessionMax: 4320 * time.Hour,
		ServiceKeys: []string{"service-key-0123456789"}, Apps: apps}
	e.h = New(store, nil, cfg, log, nil)
	e.app = NewApp(log, nil, AppOptions{AccessLog: log})
	e.h.Register(e.app)
	e.h.RegisterInternal(e.app)
	return &appsEnv{env: e, logs: logs}
}

// codeFor is what wx.login gives user in app appid.
func (e *appsEnv) codeFor(user, appid string) string {
	return e.simCall("/sim/login", map[string]any{"user": user, "appid": appid})["code"].(string)
}

// introspect answers who a token belongs to.
func (e *appsEnv) introspect(token string) result {
	e.t.Helper()
	r := e.call("POST", "/internal/introspect", "service-key-0123456789", map[string]any{"token": token})
	if r.status != 200 || r.body["active"] != true {
		e.t.Fatalf("introspect: %d %s", r.status, r.raw)
	}
	return r
}

// TestTwoAppsOnePerson: one simulated person logs in to two apps of one Open Platform:
// two users with different openids and one unionid, each session answering its app; the
// app comes from the body, the query or the Referer, else it is the default; a code of
// one app sent as the other is refused as WeChat refuses it; unknown and disabled apps
// are refused naming the AppID; a binding made in one app answers bound in the other;
// and no answer or log line carries an AppSecret.
func TestTwoAppsOnePerson(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		e := newAppsEnv(t, s)
		ctx := context.Background()
		var answers []string
		keep := func(r result) result { answers = append(answers, r.raw); return r }

		shop := keep(e.call("POST", "/api/login", "", map[string]any{"code": e.codeFor("ann", shopApp)}))
		card := keep(e.call("POST", "/api/login", "", map[string]any{"code": e.codeFor("ann", cardApp), "appid": cardApp}))
		if shop.status != 200 || card.status != 200 {
			t.Fatalf("logins: %d %s / %d %s", shop.status, shop.raw, card.status, card.raw)
		}
		is, ic := e.introspect(shop.str("token")), e.introspect(card.str("token"))
		keep(is)
		keep(ic)
		if is.str("appid") != shopApp || ic.str("appid") != cardApp {
			t.Fatalf("introspect appids: %q %q", is.str("appid"), ic.str("appid"))
		}
		if is.str("openid") == "" || is.str("openid") == ic.str("openid") {
			t.Fatalf("openids %q and %q: want two different", is.str("openid"), ic.str("openid"))
		}
		if is.str("unionid") == "" || is.str("unionid") != ic.str("unionid") {
			t.Fatalf("unionids %q and %q: want one", is.str("unionid"), ic.str("unionid"))
		}
		if is.num("user_id") == ic.num("user_id") {
			t.Fatal("one user for two apps")
		}

		// The app from the query, and from the Referer WeChat sets.
		r := keep(e.call("POST", "/api/login?appid="+cardApp, "", map[string]any{"code": e.codeFor("ann", cardApp)}))
		if r.status != 200 || e.introspect(r.str("token")).str("appid") != cardApp {
			t.Fatalf("appid in the query: %d %s", r.status, r.raw)
		}
		req := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"code":"`+e.codeFor("ann", cardApp)+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Referer", "https://servicewechat.com/"+cardApp+"/12/page-frame.html")
		r = keep(e.send(req))
		if r.status != 200 || e.introspect(r.str("token")).str("appid") != cardApp {
			t.Fatalf("appid from the Referer: %d %s", r.status, r.raw)
		}
		cb := keep(e.call("GET", "/api/user/checkBind?appid="+cardApp+"&code="+e.codeFor("bob", cardApp), "", nil))
		if cb.num("code") != 301 {
			t.Fatalf("checkBind in card: %s", cb.raw)
		}

		// A code of shop sent as card: WeChat says invalid code, so do we.
		r = keep(e.call("POST", "/api/login", "", map[string]any{"code": e.codeFor("ann", shopApp), "appid": cardApp}))
		wantError(t, r, 401, "invalid_code")
		r = keep(e.call("GET", "/api/user/checkBind?appid="+cardApp+"&code="+e.codeFor("ann", shopApp), "", nil))
		wantError(t, r, 401, "invalid_code")

		// Unknown and disabled apps: 400 naming them, before WeChat is asked.
		before := e.sim.Calls("jscode2session")
		r = keep(e.call("POST", "/api/login", "", map[string]any{"code": "whatever", "appid": "wx9999999999999999"}))
		wantError(t, r, 400, "invalid_request")
		if !strings.Contains(r.str("message"), "wx9999999999999999") {
			t.Fatalf("unknown app message does not name it: %s", r.raw)
		}
		if err := s.SetAppEnabled(ctx, cardApp, false, db.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
		r = keep(e.call("POST", "/api/login", "", map[string]any{"code": e.codeFor("ann", cardApp), "appid": cardApp}))
		wantError(t, r, 400, "invalid_request")
		if !strings.Contains(r.str("message"), cardApp) || !strings.Contains(r.str("message"), "disabled") {
			t.Fatalf("disabled app message: %s", r.raw)
		}
		r = keep(e.call("GET", "/api/user/checkBind?appid="+cardApp+"&code=x", "", nil))
		wantError(t, r, 400, "invalid_request")
		if got := e.sim.Calls("jscode2session"); got != before {
			t.Fatalf("refused apps reached WeChat: %d calls", got-before)
		}
		if err := s.SetAppEnabled(ctx, cardApp, true, db.SystemActor("test")); err != nil {
			t.Fatal(err)
		}

		// Bound in shop: card answers bound (login and checkBind) with the same account.
		acc, err := s.CreateAccount(ctx, "ann.lee", "Ann Lee", "$argon2id$x", db.SystemActor("test"))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.OperatorBind(ctx, int64(is.num("user_id")), acc.ID, "test", db.SystemActor("test")); err != nil {
			t.Fatal(err)
		}
		r = keep(e.call("POST", "/api/login", "", map[string]any{"code": e.codeFor("cat", cardApp), "appid": cardApp}))
		if r.status != 200 || r.body["bound"] != false {
			t.Fatalf("another person bound: %s", r.raw)
		}
		r = keep(e.call("POST", "/api/login", "", map[string]any{"code": e.codeFor("ann", cardApp), "appid": cardApp}))
		if r.status != 200 || r.body["bound"] != true || r.obj("account")["username"] != "ann.lee" {
			t.Fatalf("login in card after binding in shop: %s", r.raw)
		}
		cb = keep(e.call("GET", "/api/user/checkBind?appid="+cardApp+"&code="+e.codeFor("ann", cardApp), "", nil))
		if cb.num("code") != 1 || cb.obj("userInfo")["username"] != "ann.lee" || cb.str("token") == "" {
			t.Fatalf("checkBind in card after binding in shop: %s", cb.raw)
		}
		// An app without an Open Platform gets no unionid, so no link.
		r = keep(e.call("POST", "/api/login", "", map[string]any{"code": e.codeFor("ann", loneApp), "appid": loneApp}))
		if r.status != 200 || r.body["bound"] != false || e.introspect(r.str("token")).str("unionid") != "" {
			t.Fatalf("login in lone: %s", r.raw)
		}

		// Phone numbers go through the session's app (its own access token).
		pc := e.simCall("/sim/phonecode", map[string]any{"user": "ann", "appid": cardApp, "phoneNumber": "13800001111"})["code"].(string)
		r = keep(e.call("POST", "/api/user/phone", card.str("token"), map[string]any{"code": pc}))
		if r.status != 200 || r.str("purePhoneNumber") != "13800001111" {
			t.Fatalf("phone in card: %d %s", r.status, r.raw)
		}

		all := strings.Join(answers, "\n") + e.logs.String()
		for _, secret := range []string{shopSecret, cardSecret, loneSecret} {
			if strings.Contains(all, secret) {
				t.Fatalf("an AppSecret is in an answer or a log line")
			}
		}
		if !strings.Contains(e.logs.String(), "/api/login") {
			t.Fatal("the access log was not captured: the secret check above proves nothing")
		}
	})
}

func TestRefererAppID(t *testing.T) {
	for ref, want := range map[string]string{
		"https://servicewechat.com/wx1111111111111111/3/page-frame.html":        "wx1111111111111111",
		"https://servicewechat.com/wx1111111111111111/devtools/page-frame.html": "wx1111111111111111",
		"https://servicewechat.com/wx1111111111111111":                          "",
		"https://example.com/wx1111111111111111/3/page-frame.html":              "",
		"http://servicewechat.com/wx1111111111111111/3/page-frame.html":         "",
		"": "",
	} {
		if got := refererAppID(ref); got != want {
			t.Errorf("refererAppID(%q) = %q, want %q", ref, got, want)
		}
	}
}
