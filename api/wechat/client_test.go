package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testSecret = "s3cr3t-app-secret-value"
	testCode   = "0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P"
)

// fakeWeChat is a scripted upstream for the client's unit tests: answers are popped in
// order, the last one repeats.
type fakeWeChat struct {
	mu      sync.Mutex
	answers map[string][]string // path → bodies
	hits    map[string]int
	queries []string
}

func newFake(t *testing.T, answers map[string][]string) (*fakeWeChat, string) {
	f := &fakeWeChat{answers: answers, hits: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.hits[r.URL.Path]++
		f.queries = append(f.queries, r.URL.RawQuery)
		list := f.answers[r.URL.Path]
		body := `{"errcode":-1,"errmsg":"system error"}`
		if len(list) > 0 {
			body = list[0]
			if len(list) > 1 {
				f.answers[r.URL.Path] = list[1:]
			}
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeWeChat) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

func testClient(base string, logs *bytes.Buffer) *Client {
	cfg := Config{AppID: "wxapp", Secret: testSecret, BaseURL: base + "/", Backoff: time.Millisecond}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return New(cfg)
}

const okSession = `{"session_key":"k2V0a2V5a2V5a2V5a2V5aw==","openid":"oAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`

func TestCode2SessionRetries(t *testing.T) {
	cases := []struct {
		name    string
		answers []string
		calls   int
		check   func(t *testing.T, s Session, err error)
	}{
		{"success, text/plain", []string{okSession}, 1, func(t *testing.T, s Session, err error) {
			if err != nil || s.OpenID != "oAAAAAAAAAAAAAAAAAAAAAAAAAAA" || s.UnionID != "" {
				t.Fatalf("%+v %v", s, err)
			}
		}},
		{"-1 then garbage then success", []string{`{"errcode":-1,"errmsg":"system error"}`, `<html>oops`, okSession}, 3,
			func(t *testing.T, s Session, err error) {
				if err != nil || s.SessionKey == "" {
					t.Fatalf("%+v %v", s, err)
				}
			}},
		{"-1 forever", []string{`{"errcode":-1,"errmsg":"system error, rid: x"}`}, 3, func(t *testing.T, _ Session, err error) {
			var we *Error
			if !errors.Is(err, ErrUnavailable) || !errors.As(err, &we) || we.Code != -1 {
				t.Fatalf("%v", err)
			}
		}},
		{"success without openid is garbage", []string{`{"session_key":"x"}`}, 3, func(t *testing.T, _ Session, err error) {
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("%v", err)
			}
		}},
		{"40029 not retried", []string{`{"errcode":40029,"errmsg":"invalid code, rid: 1"}`}, 1, func(t *testing.T, _ Session, err error) {
			var we *Error
			if errors.Is(err, ErrUnavailable) || !errors.As(err, &we) || we.Code != 40029 || we.API != "jscode2session" {
				t.Fatalf("%v", err)
			}
		}},
		{"40163 on the first try is the caller's", []string{`{"errcode":40163,"errmsg":"code been used"}`}, 1, func(t *testing.T, _ Session, err error) {
			var we *Error
			if errors.Is(err, ErrUnavailable) || !errors.As(err, &we) || we.Code != 40163 {
				t.Fatalf("%v", err)
			}
		}},
		{"40163 on our retry is ours", []string{`garbage`, `{"errcode":40163,"errmsg":"code been used"}`}, 2, func(t *testing.T, _ Session, err error) {
			var we *Error
			if !errors.Is(err, ErrUnavailable) || !errors.As(err, &we) || we.Code != 40163 {
				t.Fatalf("%v", err)
			}
		}},
		{"45011 not retried", []string{`{"errcode":45011,"errmsg":"api minute-quota reach limit"}`}, 1, nil},
		{"40226 not retried", []string{`{"errcode":40226,"errmsg":"code blocked"}`}, 1, nil},
		{"41008 not retried", []string{`{"errcode":41008,"errmsg":"missing code"}`}, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, base := newFake(t, map[string][]string{"/sns/jscode2session": tc.answers})
			s, err := testClient(base, nil).Code2Session(context.Background(), testCode)
			if tc.check != nil {
				tc.check(t, s, err)
			} else if err == nil || errors.Is(err, ErrUnavailable) {
				t.Fatalf("want a plain *Error, got %v", err)
			}
			if got := f.count("/sns/jscode2session"); got != tc.calls {
				t.Fatalf("upstream calls: %d, want %d", got, tc.calls)
			}
		})
	}
}

func TestCode2SessionSendsParams(t *testing.T) {
	f, base := newFake(t, map[string][]string{"/sns/jscode2session": {okSession}})
	if _, err := testClient(base, nil).Code2Session(context.Background(), testCode); err != nil {
		t.Fatal(err)
	}
	want := "appid=wxapp&grant_type=authorization_code&js_code=" + testCode + "&secret=" + testSecret
	if f.queries[0] != want {
		t.Fatalf("query %q", f.queries[0])
	}
}

func TestSecretsStayOutOfErrorsAndLogs(t *testing.T) {
	// A port nobody listens on: every try is a network error whose *url.Error would
	// print the full URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	c := testClient("http://"+addr, &logs)
	_, err = c.Code2Session(context.Background(), testCode)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
	_, perr := c.PhoneNumber(context.Background(), "phonecode0123456789", "oOpenID")
	for _, s := range []string{err.Error(), perr.Error(), logs.String()} {
		for _, secret := range []string{testCode, testSecret, "phonecode0123456789"} {
			if strings.Contains(s, secret) {
				t.Fatalf("%q leaks %q", s, secret)
			}
		}
	}
	if !strings.Contains(err.Error(), "/sns/jscode2session") {
		t.Fatalf("the path should still be reported: %v", err)
	}
	if logs.Len() == 0 {
		t.Fatal("retries should be logged")
	}
}

func TestBackoffRespectsContext(t *testing.T) {
	f, base := newFake(t, map[string][]string{"/sns/jscode2session": {`{"errcode":-1,"errmsg":"system error"}`}})
	c := New(Config{AppID: "wxapp", Secret: testSecret, BaseURL: base, Backoff: 5 * time.Second, MaxRetries: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Code2Session(ctx, testCode)
	if time.Since(start) > 2*time.Second {
		t.Fatalf("backoff ignored the context: %v", time.Since(start))
	}
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v", err)
	}
	if f.count("/sns/jscode2session") != 1 {
		t.Fatalf("calls %d", f.count("/sns/jscode2session"))
	}
}

func TestAccessTokenCachedAndRefreshedOnce(t *testing.T) {
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if r.Method != http.MethodPost || r.URL.Path != "/cgi-bin/stable_token" || body["grant_type"] != "client_credential" ||
			body["appid"] != "wxapp" || body["secret"] != testSecret || body["force_refresh"] != false {
			t.Errorf("bad token request %s %s %v", r.Method, r.URL.Path, body)
		}
		n := fetches.Add(1)
		time.Sleep(50 * time.Millisecond) // let concurrent callers pile up
		fmt.Fprintf(w, `{"access_token":"TOKEN%d","expires_in":7200}`, n)
	}))
	defer srv.Close()
	c := testClient(srv.URL, nil)
	now := time.Unix(1_700_000_000, 0)
	var clock sync.Mutex
	c.now = func() time.Time { clock.Lock(); defer clock.Unlock(); return now }

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tok, err := c.AccessToken(context.Background()); err != nil || tok != "TOKEN1" {
				t.Errorf("%q %v", tok, err)
			}
		}()
	}
	wg.Wait()
	if fetches.Load() != 1 {
		t.Fatalf("concurrent callers made %d fetches", fetches.Load())
	}
	clock.Lock()
	now = now.Add(7200*time.Second - 301*time.Second)
	clock.Unlock()
	if tok, _ := c.AccessToken(context.Background()); tok != "TOKEN1" {
		t.Fatalf("refreshed too early: %s", tok)
	}
	clock.Lock()
	now = now.Add(2 * time.Second)
	clock.Unlock()
	if tok, _ := c.AccessToken(context.Background()); tok != "TOKEN2" {
		t.Fatalf("not refreshed within 300 s of expiry: %s", tok)
	}
}

func TestPhoneNumberDeadTokenRetriedOnce(t *testing.T) {
	cases := []struct {
		name   string
		phone  []string
		tokens int32
		check  func(t *testing.T, p Phone, err error)
	}{
		{"40001 then ok", []string{`{"errcode":40001,"errmsg":"invalid credential"}`,
			`{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13800000000","purePhoneNumber":"13800000000","countryCode":86,"watermark":{"timestamp":1637744274,"appid":"wxapp"}}}`},
			2, func(t *testing.T, p Phone, err error) {
				if err != nil || p != (Phone{"13800000000", "13800000000", "86", 1637744274}) {
					t.Fatalf("%+v %v", p, err)
				}
			}},
		{"42001 twice gives up", []string{`{"errcode":42001,"errmsg":"access_token expired"}`}, 2,
			func(t *testing.T, _ Phone, err error) {
				var we *Error
				if !errors.As(err, &we) || we.Code != 42001 {
					t.Fatalf("%v", err)
				}
			}},
		{"watermark of another app", []string{`{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1,"appid":"wxother"}}}`},
			1, func(t *testing.T, _ Phone, err error) {
				if !errors.Is(err, ErrWatermark) {
					t.Fatalf("%v", err)
				}
			}},
		{"40029 after a lost try", []string{`not json`, `{"errcode":40029,"errmsg":"invalid code"}`}, 1,
			func(t *testing.T, _ Phone, err error) {
				if !errors.Is(err, ErrUnavailable) {
					t.Fatalf("%v", err)
				}
			}},
		{"40029 plain", []string{`{"errcode":40029,"errmsg":"invalid code"}`}, 1,
			func(t *testing.T, _ Phone, err error) {
				var we *Error
				if errors.Is(err, ErrUnavailable) || !errors.As(err, &we) || we.Code != 40029 {
					t.Fatalf("%v", err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/cgi-bin/stable_token":
					fmt.Fprintf(w, `{"access_token":"TOKEN%d","expires_in":7200}`, n.Add(1))
				case "/wxa/business/getuserphonenumber":
					var body map[string]string
					_ = json.NewDecoder(r.Body).Decode(&body)
					if body["code"] != "pc" || body["openid"] != "oUser" || r.URL.Query().Get("access_token") == "" {
						t.Errorf("bad phone request %v %s", body, r.URL.RawQuery)
					}
					ans := tc.phone[0]
					if len(tc.phone) > 1 {
						tc.phone = tc.phone[1:]
					}
					fmt.Fprint(w, ans)
				}
			}))
			defer srv.Close()
			p, err := testClient(srv.URL, nil).PhoneNumber(context.Background(), "pc", "oUser")
			tc.check(t, p, err)
			if n.Load() != tc.tokens {
				t.Fatalf("token fetches %d, want %d", n.Load(), tc.tokens)
			}
		})
	}
}

func TestLooseDecoding(t *testing.T) {
	var v struct {
		S looseString `json:"s"`
		N looseInt64  `json:"n"`
	}
	for in, want := range map[string][2]any{
		`{"s":"86","n":5}`:    {"86", int64(5)},
		`{"s":86,"n":"7"}`:    {"86", int64(7)},
		`{"s":null,"n":null}`: {"", int64(0)},
	} {
		v.S, v.N = "x", 9
		if err := json.Unmarshal([]byte(in), &v); err != nil || string(v.S) != want[0] || int64(v.N) != want[1] {
			t.Errorf("%s: %q %d %v", in, v.S, v.N, err)
		}
	}
	for _, in := range []string{`{"s":{}}`, `{"n":"x"}`, `{"n":1.5}`} {
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}
