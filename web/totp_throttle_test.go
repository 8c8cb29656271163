package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestTOTPCodeTriesThrottled: wrong two-factor codes count against the sign-in limit
// like wrong passwords (the password try of the sign-in among them): past the limit the
// right code gets 429 too, and every wrong code is in the audit log with the lockout.
func TestTOTPCodeTriesThrottled(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, db.DialectSQLite))
	ctx := context.Background()
	op, err := e.store.OperatorByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	secret, err := db.GenerateTOTPSecret("admin")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.BeginOperatorTOTP(ctx, op.ID, secret, db.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	old, _ := totp.GenerateCode(secret, time.Now().Add(-db.TOTPPeriod))
	if _, err := e.store.ConfirmOperatorTOTP(ctx, op.ID, old, nil, db.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.get("/admin/login")
	p := b.post("/admin/login", url.Values{"username": {"admin"}, "password": {"adminadmin"}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/admin/login/totp") {
		t.Fatalf("password step: %d %q", p.status, p.header.Get("Location"))
	}
	if p := b.get("/admin/users"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/login/totp" {
		t.Fatalf("console before the code: %d %q", p.status, p.header.Get("Location"))
	}
	b.get("/admin/login/totp")
	wrong := 0
	for range db.OperatorSignInPerUser {
		p := b.post("/admin/login/totp", url.Values{"code": {"000000"}})
		if p.status == http.StatusTooManyRequests {
			break
		}
		if p.status != http.StatusUnauthorized {
			t.Fatalf("wrong code: %d", p.status)
		}
		wrong++
	}
	if wrong != db.OperatorSignInPerUser-1 {
		t.Fatalf("%d wrong codes before the limit, want %d (the password try counts)", wrong, db.OperatorSignInPerUser-1)
	}
	right, _ := totp.GenerateCode(secret, time.Now().Add(db.TOTPPeriod))
	if p := b.post("/admin/login/totp", url.Values{"code": {right}}); p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Fatalf("right code past the limit: %d, want 429", p.status)
	}
	v := e.browser()
	v.signIn("viewer")
	if n := v.get("/admin/audit?action=operator.totp_fail").count("audit-row"); n != wrong {
		t.Errorf("%d totp_fail events, want %d", n, wrong)
	}
	if n := v.get("/admin/audit?action=operator.lockout").count("audit-row"); n != 1 {
		t.Errorf("%d lockout events", n)
	}
	// A viewer cannot export the audit log.
	if p := v.get("/admin/audit/export.csv"); p.status != http.StatusForbidden {
		t.Errorf("viewer export: %d", p.status)
	}
}
