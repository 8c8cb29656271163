package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// codePaths are the two ways a mini-program exchanges a wx.login code. They must behave as
// one: the tests below run every case through both and compare.
var codePaths = []struct {
	name string
	call func(e *env, code string) result
}{
	{"login", func(e *env, code string) result {
		return e.call("POST", "/api/login", "", map[string]any{"code": code})
	}},
	{"checkBind", func(e *env, code string) result {
		return e.call("POST", "/api/user/checkBind", "", map[string]any{"code": code})
	}},
}

// logins reads miniauth_logins_total{outcome} from the internal /metrics endpoint.
func (e *env) logins(outcome string) float64 {
	e.t.Helper()
	resp, err := e.app.Test(httptest.NewRequest("GET", "/metrics", nil), -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	prefix := fmt.Sprintf(`miniauth_logins_total{outcome=%q} `, outcome)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				e.t.Fatalf("metrics line %q: %v", sc.Text(), err)
			}
			return n
		}
	}
	return 0
}

// simCalls is how many calls of api the simulator has answered since its last reset.
func (e *env) simCalls(api string) float64 {
	e.t.Helper()
	resp, err := http.Get(e.simURL + "/sim/stats")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Calls map[string]float64 }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out.Calls[api]
}

// outcome is what a client sees of a failed code exchange, and how it was counted.
type outcome struct {
	status    int
	code      string
	wxErrcode float64
	retry     string
	counted   float64 // increase of miniauth_logins_total{outcome=metric}
}

// TestCodeLoginPathsAgree: /api/login and checkBind answer the same error for the same
// WeChat failure, refuse a disabled user and a disabled account the same way, and count
// every outcome in miniauth_logins_total the same way.
func TestCodeLoginPathsAgree(t *testing.T) {
	forEachURL(t, func(t *testing.T, u string) {
		e := newEnv(t, dbtest.OpenURL(t, u))
		raw := rawDB(t, u)

		// exchange runs one code exchange on a path and reports what the client saw and
		// how much the metric's outcome moved.
		exchange := func(path int, code, metric string) outcome {
			t.Helper()
			before := e.logins(metric)
			r := codePaths[path].call(e, code)
			if r.str("message") == "" {
				t.Fatalf("%s: an error without a message: %d %s", codePaths[path].name, r.status, r.raw)
			}
			return outcome{r.status, r.str("error"), r.num("wx_errcode"), r.header.Get("Retry-After"), e.logins(metric) - before}
		}

		faults := []struct {
			name  string
			fault map[string]any // nil: no fault, the code itself is bad
			code  string         // "": a fresh code of the simulated person
			want  outcome
		}{
			{"unknown code", nil, "0123456789abcdef0123456789abcdef", outcome{401, "invalid_code", 40029, "", 1}},
			{"code used", map[string]any{"errcode": 40163, "times": 1}, "", outcome{401, "invalid_code", 40163, "", 1}},
			{"blocked user", map[string]any{"errcode": 40226, "times": 1}, "", outcome{403, "user_blocked", 40226, "", 1}},
			{"rate limited", map[string]any{"errcode": 45011, "times": 1}, "", outcome{429, "rate_limited", 45011, "60", 1}},
			{"wrong secret", map[string]any{"errcode": 40013, "times": 1}, "", outcome{500, "internal", 40013, "", 1}},
			{"busy", map[string]any{"errcode": -1, "times": 10}, "", outcome{503, "upstream_unavailable", 0, "", 1}},
			{"other errcode", map[string]any{"errcode": 40999, "times": 1}, "", outcome{503, "upstream_unavailable", 40999, "", 1}},
			{"garbage", map[string]any{"mode": "garbage", "times": 10}, "", outcome{503, "upstream_unavailable", 0, "", 1}},
			{"dropped", map[string]any{"mode": "drop", "times": 10}, "", outcome{503, "upstream_unavailable", 0, "", 1}},
		}
		for _, tc := range faults {
			for p := range codePaths {
				e.simCall("/sim/reset", map[string]any{})
				code := tc.code
				if code == "" {
					code = e.code("erin")
				}
				if tc.fault != nil {
					tc.fault["api"] = "jscode2session"
					e.simCall("/sim/faults", tc.fault)
				}
				got := exchange(p, code, "wechat_error")
				if got.wxErrcode != 0 && tc.want.wxErrcode == 0 {
					got.wxErrcode = 0 // a transient errcode may show; the status and code decide
				}
				if got != tc.want {
					t.Errorf("%s on %s: got %+v, want %+v", tc.name, codePaths[p].name, got, tc.want)
				}
			}
		}
		e.simCall("/sim/reset", map[string]any{})

		// Successes: a bound user's login and checkBind both start a session and count
		// as ok; an unbound user's checkBind hands out a ticket and counts as not_bound.
		acc := e.account("li", "Li", "li's password")
		ok, notBound := e.logins("ok"), e.logins("not_bound")
		wantBound(t, e.bind(e.ticket("li"), "", "li", "li's password"), acc)
		if d := e.logins("not_bound") - notBound; d != 1 {
			t.Fatalf("an unbound checkBind counted %v not_bound, want 1", d)
		}
		if d := e.logins("ok") - ok; d != 0 {
			t.Fatalf("an unbound checkBind counted %v ok, want 0", d)
		}
		for p := range codePaths {
			before := e.logins("ok")
			if r := codePaths[p].call(e, e.code("li")); r.status != 200 || len(r.str("token")) != 43 {
				t.Fatalf("%s of a bound user: %d %s", codePaths[p].name, r.status, r.raw)
			}
			if d := e.logins("ok") - before; d != 1 {
				t.Errorf("%s of a bound user counted %v ok, want 1", codePaths[p].name, d)
			}
		}

		sessions := func() int {
			var n int
			if err := raw.QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// A bound account an operator disabled: both refuse it alike, no session starts.
		ctx := t.Context()
		op := db.OperatorActor(db.Operator{Username: "1"}, "")
		if err := e.store.SetAccountDisabled(ctx, acc.ID, true, op); err != nil {
			t.Fatal(err)
		}
		e.login("ma")
		n := sessions()
		for p := range codePaths {
			if got, want := exchange(p, e.code("li"), "disabled"), (outcome{403, "account_disabled", 0, "", 1}); got != want {
				t.Errorf("disabled account on %s: got %+v, want %+v", codePaths[p].name, got, want)
			}
		}
		if err := e.store.SetAccountDisabled(ctx, acc.ID, false, op); err != nil {
			t.Fatal(err)
		}

		// A WeChat user an operator disabled (bound or not): both refuse them alike.
		for _, user := range []string{"li", "ma"} {
			openid := e.simUser(user)["openid"].(string)
			q := sqlx.Rebind(bindType(u), `UPDATE wx_users SET disabled = TRUE WHERE openid = ?`)
			if _, err := raw.Exec(q, openid); err != nil {
				t.Fatal(err)
			}
			for p := range codePaths {
				if got, want := exchange(p, e.code(user), "disabled"), (outcome{403, "user_blocked", 0, "", 1}); got != want {
					t.Errorf("disabled user %s on %s: got %+v, want %+v", user, codePaths[p].name, got, want)
				}
			}
		}
		if m := sessions(); m != n {
			t.Fatalf("refused code exchanges started %d sessions", m-n)
		}
	})
}

// TestCodeLoginOneExchangeAcrossPaths: one code submitted many times at once, to
// /api/login and to checkBind alike, is one code2Session call, and every caller is
// answered from it.
func TestCodeLoginOneExchangeAcrossPaths(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		// The first exchange is held back so the others arrive while it is in flight.
		e.simCall("/sim/faults", map[string]any{"api": "jscode2session", "delay_ms": 500, "times": 1})
		code := e.code("nan")
		const n = 50
		res := make([]result, n)
		var wg sync.WaitGroup
		for i := range res {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = codePaths[i%2].call(e, code)
			}()
		}
		wg.Wait()
		for i, r := range res {
			if r.status != 200 {
				t.Fatalf("%s: a double-submitted code must answer every caller: %d %s", codePaths[i%2].name, r.status, r.raw)
			}
		}
		if calls := e.simCalls("jscode2session"); calls != 1 {
			t.Fatalf("%d submissions of one code made %v code2Session calls, want 1", n, calls)
		}
		if ok, nb := e.logins("ok"), e.logins("not_bound"); ok != n/2 || nb != n/2 {
			t.Fatalf("counted %v ok and %v not_bound, want %d each", ok, nb, n/2)
		}
	})
}
