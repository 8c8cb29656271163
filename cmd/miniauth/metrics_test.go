package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// scrape reads the internal listener's /metrics as series -> value; a series is written
// as Prometheus prints it: name{label="value",...}.
func scrape(t *testing.T, in *instance) (map[string]float64, string) {
	t.Helper()
	resp, err := http.Get(in.internal + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out, string(raw)
}

// TestMetricsAnswerOnCallQuestions drives a login, a WeChat error, phone calls up to the
// per-user limit, wrong bind passwords up to a dead ticket and a throttled bind, then
// reads /metrics on the internal listener: every counter the on-call guide names went up
// by what happened, and every gauge is there with a plausible value. The shipped Grafana
// dashboard is valid JSON and names only metrics /metrics has.
func TestMetricsAnswerOnCallQuestions(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			dbURL := filepath.Join(t.TempDir(), "metrics.db")
			if dialect == "postgres" {
				dbURL = dbtest.PostgresURL(t)
			}
			in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbURL})
			before, _ := scrape(t, in)

			tok := in.login(t, "metrics").body["token"].(string)
			if a := in.do(t, "POST", "/api/login", "", map[string]any{"code": "not-a-real-code"}); a.status != 401 {
				t.Fatalf("login with a bad code: %d %s", a.status, a.raw)
			}
			for i := 0; i < 5; i++ {
				pcode := in.do(t, "POST", "/wxsim/sim/phonecode", "", map[string]any{"user": "metrics", "phoneNumber": "13812345678"}).body["code"]
				if a := in.do(t, "POST", "/api/user/phone", tok, map[string]any{"code": pcode}); a.status != 200 {
					t.Fatalf("phone %d: %d %s", i, a.status, a.raw)
				}
			}
			if a := in.do(t, "POST", "/api/user/phone", tok, map[string]any{"code": "any"}); a.status != 429 {
				t.Fatalf("sixth phone call in a minute: %d %s", a.status, a.raw)
			}
			ticket := func() string {
				code := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": "binder"}).body["code"].(string)
				a := in.do(t, "GET", "/api/user/checkBind?code="+code, "", nil)
				if a.body["code"] != float64(301) {
					t.Fatalf("checkBind: %s", a.raw)
				}
				return a.body["bindTicket"].(string)
			}
			bind := func(tk string) int {
				return in.do(t, "POST", "/api/user/bind", "", map[string]any{"bindTicket": tk, "username": "nobody", "password": "wrong-password"}).status
			}
			t1 := ticket()
			for i := 0; i < 5; i++ {
				if st := bind(t1); st != 401 {
					t.Fatalf("wrong password %d: %d", i, st)
				}
			}
			if st := bind(t1); st != 401 { // the ticket died with its fifth failure
				t.Fatalf("bind with a dead ticket: %d", st)
			}
			if st := bind(ticket()); st != 429 { // this WeChat user must now wait
				t.Fatalf("bind after five failures: %d", st)
			}

			// Wrong console passwords for one username until its limit answers 429.
			jar, _ := cookiejar.New(nil)
			cc := &http.Client{Jar: jar}
			page := send(t, cc, "GET", in.base+"/admin/login", nil, nil)
			m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.raw)
			if m == nil {
				t.Fatalf("no csrf field on the sign-in page")
			}
			form := url.Values{"username": {"admin"}, "password": {"not-the-password"}, "csrf": {m[1]}}.Encode()
			formHdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			for i := 0; i < db.OperatorSignInPerUser; i++ {
				if a := send(t, cc, "POST", in.base+"/admin/login", formHdr, strings.NewReader(form)); a.status != 401 {
					t.Fatalf("wrong console password %d: %d", i, a.status)
				}
			}
			if a := send(t, cc, "POST", in.base+"/admin/login", formHdr, strings.NewReader(form)); a.status != 429 {
				t.Fatalf("console sign-in past the username's limit: %d", a.status)
			}

			after, text := scrape(t, in)
			rose := func(series string, by float64) {
				t.Helper()
				if _, ok := after[series]; !ok {
					t.Errorf("no series %s", series)
					return
				}
				if d := after[series] - before[series]; d < by {
					t.Errorf("%s rose by %v, want at least %v", series, d, by)
				}
			}
			rose(`miniauth_logins_total{outcome="ok"}`, 1)
			rose(`miniauth_logins_total{outcome="wechat_error"}`, 1)
			rose(`miniauth_logins_total{outcome="not_bound"}`, 2)
			rose(`miniauth_binds_total{outcome="invalid_credentials"}`, 5)
			rose(`miniauth_binds_total{outcome="invalid_ticket"}`, 1)
			rose(`miniauth_binds_total{outcome="rate_limited"}`, 1)
			rose(`miniauth_throttled_total{kind="bind_ticket_dead"}`, 1)
			rose(`miniauth_throttled_total{kind="bind_key_wait"}`, 1)
			rose(`miniauth_throttled_total{kind="phone_rate"}`, 1)
			rose(`miniauth_throttled_total{kind="console_signin_username"}`, 1)
			rose(`miniauth_wechat_errcodes_total{api="jscode2session",errcode="40029"}`, 1)
			rose(`miniauth_wechat_requests_total{api="jscode2session",outcome="errcode"}`, 1)
			rose(`miniauth_wechat_requests_total{api="jscode2session",outcome="ok"}`, 3)
			rose(`miniauth_wechat_requests_total{api="getuserphonenumber",outcome="ok"}`, 5)
			rose(`miniauth_wechat_request_duration_seconds_count{api="getuserphonenumber"}`, 5)
			rose(`miniauth_token_cache_hits_total`, 4) // the phone calls after the first
			rose(`miniauth_token_cache_misses_total`, 1)
			if dialect == "postgres" {
				// The successful login went through a batch.
				rose(`miniauth_login_batches_total`, 1)
				rose(`miniauth_login_batch_logins_total{outcome="done"}`, 1)
			}
			if after[`miniauth_token_cache_entries`] < 1 {
				t.Errorf("token cache entries %v", after[`miniauth_token_cache_entries`])
			}
			if lag, ok := after[`miniauth_revocation_feed_lag_seconds`]; !ok || lag < 0 || lag > 5 {
				t.Errorf("revocation feed lag %v (present: %v); the feed is read every second", lag, ok)
			}
			for _, s := range []string{
				`miniauth_revocation_feed_last_id`, `miniauth_password_hashes_running`, `miniauth_password_hashes_waiting`,
				`miniauth_avatar_decodes_running`, `miniauth_avatar_decodes_waiting`,
				`miniauth_server_busy_total{what="password"}`, `miniauth_server_busy_total{what="image_decode"}`,
				`miniauth_login_batches_total`, `miniauth_login_batch_logins_total{outcome="declined"}`,
				`miniauth_login_batch_logins_total{outcome="rerun"}`,
			} {
				if v, ok := after[s]; !ok || v < 0 {
					t.Errorf("%s = %v (present: %v)", s, v, ok)
				}
			}
			if !regexp.MustCompile(`(?m)^go_sql_max_open_connections\{db_name="(main|write)"\} [1-9]`).MatchString(text) {
				t.Errorf("no database pool statistics in /metrics")
			}
			if !strings.Contains(text, "miniauth_build_info{") {
				t.Errorf("no build info")
			}
			checkDashboard(t, text)
		})
	}
}

// checkDashboard parses docs/grafana-dashboard.json and checks that each panel has a
// query and that every metric its queries name is in the /metrics text.
func checkDashboard(t *testing.T, metrics string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("the dashboard is not valid JSON: %v", err)
	}
	if dash.Title == "" || len(dash.Panels) < 8 {
		t.Fatalf("dashboard %q has %d panels", dash.Title, len(dash.Panels))
	}
	name := regexp.MustCompile(`\b(miniauth_[a-z_]+|go_sql_[a-z_]+)\b`)
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if p.Title == "" || len(p.Targets) == 0 {
			t.Errorf("panel %q has no title or no query", p.Title)
		}
		for _, tg := range p.Targets {
			found := name.FindAllString(tg.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: query %q names no miniauth metric", p.Title, tg.Expr)
			}
			for _, m := range found {
				if !regexp.MustCompile(`(?m)^` + m + `[{ ]`).MatchString(metrics) {
					t.Errorf("panel %q names %s, which /metrics does not have", p.Title, m)
				}
			}
		}
	}
}
