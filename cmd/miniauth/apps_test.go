package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestAppCreatedWhileServing: an app created with the CLI while a server runs (simulator
// mode) is a simulated app of the same Open Platform and takes logins within the feed's
// bound; disabling it refuses them as fast; its secret rotates without a restart; an app
// named in MINIAUTH_WXSIM_NO_UNIONID gets no unionid; no secret is printed or logged.
func TestAppCreatedWhileServing(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			u := dbtest.SQLiteURL(t)
			if dialect == db.DialectPostgres {
				u = dbtest.PostgresURL(t)
			}
			const (
				card       = "wx7777777777777777"
				lone       = "wx8888888888888888"
				secret     = "card-secret-5f0e9d1c2b3a"
				rotated    = "card-secret-rotated-77aa"
				loneSecret = "lone-secret-0a9b8c7d6e"
				serviceKey = "service-key-for-apps-test"
			)
			env := map[string]string{"MINIAUTH_DATABASE_URL": u, "MINIAUTH_SERVICE_KEYS": serviceKey,
				"MINIAUTH_WXSIM_NO_UNIONID": lone, "MINIAUTH_LOG_LEVEL": "debug", "MINIAUTH_ACCESS_LOG": "1"}
			in := startInstance(t, env)
			var printed bytes.Buffer
			cli := func(stdin string, args ...string) string {
				t.Helper()
				var out bytes.Buffer
				err := run(context.Background(), append([]string{"app"}, args...), func(k string) string { return env[k] },
					strings.NewReader(stdin), &out, io.Discard)
				if err != nil {
					t.Fatalf("app %v: %v", args, err)
				}
				printed.Write(out.Bytes())
				return out.String()
			}
			login := func(user, appid string) answer {
				code := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": user, "appid": appid}).body["code"]
				return in.do(t, "POST", "/api/login", "", map[string]any{"code": code, "appid": appid})
			}
			// within polls until ok says yes, failing after the feed's bound (1 s, with a
			// margin for a loaded machine), and returns how long it took.
			within := func(what string, ok func() bool) time.Duration {
				t.Helper()
				start := time.Now()
				for !ok() {
					if time.Since(start) > 1500*time.Millisecond {
						t.Fatalf("%s: not seen after %v", what, time.Since(start))
					}
					time.Sleep(20 * time.Millisecond)
				}
				return time.Since(start)
			}
			base := in.login(t, "ann")
			if r := in.do(t, "POST", "/api/login", "", map[string]any{"code": "x", "appid": card}); r.status != 400 || !strings.Contains(r.raw, card) {
				t.Fatalf("unknown app before creation: %d %s", r.status, r.raw)
			}

			out := cli(secret+"\n", "create", card, "--name", "Member card", "--secret-stdin")
			if !strings.Contains(out, "created app "+card) {
				t.Fatalf("create: %q", out)
			}
			var cardLogin answer
			took := within("new app usable", func() bool { cardLogin = login("ann", card); return cardLogin.status == 200 })
			t.Logf("new app usable after %v", took)

			// One person, two apps: two openids, one unionid.
			ib, ic := in.introspectAt(t, serviceKey, base.body["token"].(string)), in.introspectAt(t, serviceKey, cardLogin.body["token"].(string))
			if ib["appid"] != SimAppID || ic["appid"] != card || ib["openid"] == ic["openid"] ||
				ib["unionid"] == nil || ib["unionid"] != ic["unionid"] {
				t.Fatalf("default app %v\ncard %v", ib, ic)
			}

			if out := cli("", "list"); !strings.Contains(out, card) || !strings.Contains(out, "Member card") {
				t.Fatalf("list: %q", out)
			}
			cli("", "disable", card)
			within("disabled app refused", func() bool { return login("ann", card).status == 400 })
			cli("", "enable", card)
			cli(rotated+"\n", "secret", card, "--secret-stdin")
			within("rotated secret used", func() bool { return login("ann", card).status == 200 })

			cli(loneSecret+"\n", "create", lone, "--name", "Lone", "--secret-stdin")
			var l answer
			within("lone app usable", func() bool { l = login("ann", lone); return l.status == 200 })
			if il := in.introspectAt(t, serviceKey, l.body["token"].(string)); il["unionid"] != nil || il["appid"] != lone {
				t.Fatalf("an app without Open Platform: %v", il)
			}

			all := printed.String() + in.logs.String() + in.out.String()
			for _, s := range []string{secret, rotated, loneSecret} {
				if strings.Contains(all, s) {
					t.Fatal("an AppSecret reached standard output or the logs")
				}
			}
			if !strings.Contains(in.logs.String(), "/api/login") {
				t.Fatal("no access log captured: the check above proves nothing")
			}
		})
	}
}

// introspectAt asks the internal listener who token belongs to.
func (in *instance) introspectAt(t *testing.T, key, token string) map[string]any {
	t.Helper()
	internal := &instance{base: in.internal}
	r := internal.do(t, "POST", "/internal/introspect", key, map[string]any{"token": token})
	if r.status != 200 || r.body["active"] != true {
		t.Fatalf("introspect: %d %s", r.status, r.raw)
	}
	return r.body
}
