package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"miniauth/db/dbtest"
)

// call is one HTTP exchange with a running instance, headers included.
type call struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func send(t *testing.T, client *http.Client, method, url string, hdr map[string]string, body io.Reader) call {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	c := call{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &c.body)
	return c
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

// logLines parses the JSON log lines an instance wrote.
func logLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestRequestIDsAndAccessLog: with the access log on, a login, a refresh, a checkBind
// with its code in the query, a bind with its password, and a console sign-in and
// search (q is a phone number) each leave exactly one access line carrying the request
// id the client got in X-Request-Id; error bodies carry it too, and so do the handlers'
// own log lines. No code, token, ticket, password or searched phone number appears
// anywhere in the logs.
func TestRequestIDsAndAccessLog(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL := filepath.Join(t.TempDir(), "obs.db")
			if dialect == "postgres" {
				dbURL = dbtest.PostgresURL(t)
			}
			const adminPW = "console-secret-pw-1"
			in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbURL, "MINIAUTH_ACCESS_LOG": "1",
				"MINIAUTH_TRUSTED_PROXIES": "127.0.0.1", "MINIAUTH_ADMIN_PASSWORD": adminPW})
			j := map[string]string{"Content-Type": "application/json"}
			c := http.DefaultClient
			var secrets []string
			ids := map[string]string{} // request id -> path it must be logged with

			code := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": "obs"}).body["code"].(string)
			login := send(t, c, "POST", in.base+"/api/login", j, jsonBody(map[string]any{"code": code}))
			if login.status != 200 {
				t.Fatalf("login: %d %s", login.status, login.raw)
			}
			ids[login.header.Get("X-Request-Id")] = "/api/login"
			tok, ref := login.body["token"].(string), login.body["refresh_token"].(string)
			secrets = append(secrets, code, tok, ref)

			// A proxy's id is kept when it is sane; the instance trusts 127.0.0.1.
			refresh := send(t, c, "POST", in.base+"/api/token/refresh",
				map[string]string{"Content-Type": "application/json", "X-Request-Id": "edge-7f3a.19:2_b"},
				jsonBody(map[string]any{"refresh_token": ref}))
			if refresh.status != 200 || refresh.header.Get("X-Request-Id") != "edge-7f3a.19:2_b" {
				t.Fatalf("refresh: %d %q %s", refresh.status, refresh.header.Get("X-Request-Id"), refresh.raw)
			}
			ids["edge-7f3a.19:2_b"] = "/api/token/refresh"
			secrets = append(secrets, refresh.body["token"].(string), refresh.body["refresh_token"].(string))

			// An error body carries the id; a proxy id that is not sane is replaced.
			unauth := send(t, c, "GET", in.base+"/api/user/info",
				map[string]string{"X-Request-Id": "bad id {\"forged\":1} " + strings.Repeat("x", 130)}, nil)
			unauthID := unauth.header.Get("X-Request-Id")
			if unauth.status != 401 || !hexID.MatchString(unauthID) || unauth.body["request_id"] != unauthID {
				t.Fatalf("an insane proxy id must be replaced and the error body must carry the id: %d %q %s", unauth.status, unauthID, unauth.raw)
			}
			ids[unauthID] = "/api/user/info"
			long := send(t, c, "GET", in.base+"/healthz", map[string]string{"X-Request-Id": strings.Repeat("a", 129)}, nil)
			if got := long.header.Get("X-Request-Id"); !hexID.MatchString(got) {
				t.Fatalf("a proxy id over 128 characters must be replaced, got %q", got)
			}

			// WeChat fails once, the client retries: its warning carries the request's id.
			in.do(t, "POST", "/wxsim/sim/faults", "", map[string]any{"api": "getuserphonenumber", "errcode": -1, "times": 1})
			pcode := in.do(t, "POST", "/wxsim/sim/phonecode", "", map[string]any{"user": "obs", "phoneNumber": "13900001111"}).body["code"].(string)
			phone := send(t, c, "POST", in.base+"/api/user/phone", map[string]string{"Content-Type": "application/json",
				"Authorization": "Bearer " + refresh.body["token"].(string)}, jsonBody(map[string]any{"code": pcode}))
			phoneID := phone.header.Get("X-Request-Id")
			if phone.status != 200 {
				t.Fatalf("phone: %d %s", phone.status, phone.raw)
			}
			ids[phoneID] = "/api/user/phone"
			secrets = append(secrets, pcode, "13900001111")

			bcode := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": "obs-bind"}).body["code"].(string)
			cb := send(t, c, "GET", in.base+"/api/user/checkBind?code="+url.QueryEscape(bcode), nil, nil)
			ticket, _ := cb.body["bindTicket"].(string)
			if cb.status != 200 || ticket == "" {
				t.Fatalf("checkBind: %d %s", cb.status, cb.raw)
			}
			ids[cb.header.Get("X-Request-Id")] = "/api/user/checkBind"
			secrets = append(secrets, bcode, ticket)

			bind := send(t, c, "POST", in.base+"/api/user/bind", j,
				jsonBody(map[string]any{"bindTicket": ticket, "username": "nobody", "password": "bind-secret-pw-9"}))
			if bind.status != 401 || bind.body["request_id"] != bind.header.Get("X-Request-Id") {
				t.Fatalf("bind: %d %s", bind.status, bind.raw)
			}
			ids[bind.header.Get("X-Request-Id")] = "/api/user/bind"
			secrets = append(secrets, "bind-secret-pw-9")

			// The console: sign in, then search for a phone number. The client follows
			// redirects, so a query carried in ?next= would be logged too.
			jar, _ := cookiejar.New(nil)
			cc := &http.Client{Jar: jar}
			// Not signed in yet: the search is sent to the sign-in page, its query in ?next=.
			if a := send(t, cc, "GET", in.base+"/admin/users?q=13812345678", nil, nil); a.status != 200 {
				t.Fatalf("console search before sign-in: %d", a.status)
			}
			page := send(t, cc, "GET", in.base+"/admin/login", nil, nil)
			m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.raw)
			if m == nil {
				t.Fatalf("no csrf field on the sign-in page: %s", page.raw)
			}
			form := url.Values{"username": {"admin"}, "password": {adminPW}, "csrf": {m[1]}}
			si := send(t, cc, "POST", in.base+"/admin/login", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
				strings.NewReader(form.Encode()))
			if si.status != 200 {
				t.Fatalf("console sign-in: %d", si.status)
			}
			search := send(t, cc, "GET", in.base+"/admin/users?q=13812345678", nil, nil)
			if search.status != 200 {
				t.Fatalf("console search: %d", search.status)
			}
			ids[search.header.Get("X-Request-Id")] = "/admin/users"
			secrets = append(secrets, adminPW, "13812345678", m[1])

			logs := in.logs.String()
			for _, s := range secrets {
				if strings.Contains(logs, s) {
					t.Errorf("a secret reached the logs: %q", s)
				}
			}
			lines := logLines(t, logs)
			for id, path := range ids {
				if id == "" {
					t.Fatalf("an answer without X-Request-Id (%s)", path)
				}
				n := 0
				for _, l := range lines {
					if l["msg"] == "request" && l["request_id"] == id {
						n++
						if l["path"] != path || l["status"] == nil || l["duration_ms"] == nil || l["bytes"] == nil || l["ip"] != "127.0.0.1" {
							t.Errorf("access line for %s: %v", path, l)
						}
						if path == "/api/user/checkBind" && l["query"] != "code=REDACTED" {
							t.Errorf("checkBind query logged as %v", l["query"])
						}
					}
				}
				if n != 1 {
					t.Errorf("%d access lines for request %s (%s), want 1", n, id, path)
				}
			}
			// The WeChat client's own warning carries the id of the request it served.
			found := false
			for _, l := range lines {
				if strings.HasPrefix(l["msg"].(string), "wechat call failed") {
					found = l["request_id"] == phoneID
				}
			}
			if !found {
				t.Errorf("the WeChat retry warning does not carry the request id %s", phoneID)
			}
		})
	}
}
