package api

import (
	"context"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestDisabledAccountLogsNobodyIn: once an operator disables a bound account, neither
// checkBind nor login hands out a session carrying it, and the binding stays; enabling the
// account lets its user straight back in.
func TestDisabledAccountLogsNobodyIn(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, store *db.Store) {
		e := newEnv(t, store)
		acc := e.account("zhao", "Zhao", "a good password")
		b := e.bind(e.ticket("zhao"), "", "zhao", "a good password")
		wantBound(t, b, acc)
		ctx := context.Background()
		op := db.OperatorActor(db.Operator{Username: "1"}, "")
		if err := store.SetAccountDisabled(ctx, acc.ID, true, op); err != nil {
			t.Fatal(err)
		}
		if c := e.call("GET", "/api/checklogin", b.str("token"), nil); c.body["is_login"] != false {
			t.Fatalf("disabling must end the sessions carrying the account: %s", c.raw)
		}
		wantFailure(t, e.call("GET", "/api/user/checkBind?code="+e.code("zhao"), "", nil), 403, "account_disabled")
		wantError(t, e.call("POST", "/api/login", "", map[string]any{"code": e.code("zhao")}), 403, "account_disabled")
		if err := store.SetAccountDisabled(ctx, acc.ID, false, op); err != nil {
			t.Fatal(err)
		}
		// The binding survived the outage: checkBind logs straight into the account again.
		wantBound(t, e.call("GET", "/api/user/checkBind?code="+e.code("zhao"), "", nil), acc)
	})
}
