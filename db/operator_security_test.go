package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestLastAdminUnderConcurrency: every admin disabled or demoted at once, each by
// another: all but one change succeed and exactly one enabled admin is left, on both
// databases. Without the check (or its lock) the console ends with none.
func TestLastAdminUnderConcurrency(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		const n = 12
		var ids []int64
		for i := range n {
			o, err := s.CreateOperator(ctx, fmt.Sprintf("admin%02d", i), "$argon2id$a", db.RoleAdmin, db.SystemActor("test"))
			must(t, err)
			ids = append(ids, o.ID)
		}
		var ok, last atomic.Int64
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				actor := db.SystemActor("test")
				var err error
				if i%2 == 0 {
					err = s.SetOperatorDisabled(ctx, id, true, actor)
				} else {
					err = s.SetOperatorRole(ctx, id, db.RoleViewer, actor)
				}
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, db.ErrLastAdmin):
					last.Add(1)
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if left := queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE role = 'admin' AND NOT disabled`); left != 1 {
			t.Fatalf("enabled admins left: %d, want 1", left)
		}
		if ok.Load() != n-1 || last.Load() != 1 {
			t.Fatalf("%d changes, %d refusals; want %d and 1", ok.Load(), last.Load(), n-1)
		}
		if a := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action IN ('operator.disable', 'operator.role')`); a != n-1 {
			t.Fatalf("audit rows %d, want %d", a, n-1)
		}
	})
}

// enrolTOTP enrols op in two-factor sign-in and returns the secret and recovery codes.
func enrolTOTP(t *testing.T, s *db.Store, op db.Operator) (string, []string) {
	t.Helper()
	ctx := context.Background()
	secret, err := db.GenerateTOTPSecret(op.Username)
	must(t, err)
	must(t, s.BeginOperatorTOTP(ctx, op.ID, secret, db.OperatorActor(op, "")))
	// A code from the step before now: the sign-ins below use the current step's code.
	code, err := totp.GenerateCode(secret, time.Now().Add(-db.TOTPPeriod))
	must(t, err)
	codes, err := s.ConfirmOperatorTOTP(ctx, op.ID, code, nil, db.OperatorActor(op, ""))
	must(t, err)
	if len(codes) != db.RecoveryCodeCount {
		t.Fatalf("%d recovery codes", len(codes))
	}
	return secret, codes
}

// TestTOTPCodeSingleUse: one right code (and one recovery code) sent from many pending
// sign-ins at once signs in exactly one of them, on both databases; the secret is stored
// sealed, never as given.
func TestTOTPCodeSingleUse(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		op, err := s.CreateOperator(ctx, "two", "$argon2id$a", db.RoleAdmin, db.SystemActor("test"))
		must(t, err)
		secret, recovery := enrolTOTP(t, s, op)
		if n := queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE totp_secret LIKE ?`, "%"+secret+"%"); n != 0 {
			t.Fatal("the TOTP secret is stored in the clear")
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM operator_recovery_codes WHERE hash = ?`, []byte(recovery[0])); n != 0 {
			t.Fatal("a recovery code is stored in the clear")
		}
		code, err := totp.GenerateCode(secret, time.Now())
		must(t, err)
		for _, c := range []struct{ name, code string }{{"totp", code}, {"recovery", recovery[3]}} {
			const n = 16
			pending := make([][]byte, n)
			for i := range pending {
				pending[i] = tokenHash()
				must(t, s.OperatorPasswordAccepted(ctx, pending[i], op, "198.51.100.9", "ua", time.Hour, db.StageCodeDue))
			}
			var ok, bad atomic.Int64
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := s.OperatorSecondFactor(ctx, pending[i], tokenHash(), c.code, "198.51.100.9", "ua", time.Hour)
					switch {
					case err == nil:
						ok.Add(1)
					case errors.Is(err, db.ErrCodeInvalid):
						bad.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if ok.Load() != 1 || bad.Load() != n-1 {
				t.Fatalf("%s: %d sign-ins, %d refusals; want 1 and %d", c.name, ok.Load(), bad.Load(), n-1)
			}
			signedIn := queryInt(t, s, `SELECT COUNT(*) FROM operator_sessions WHERE stage = 0`)
			if c.name == "recovery" && signedIn != 2 || c.name == "totp" && signedIn != 1 {
				t.Fatalf("%s: %d signed-in sessions", c.name, signedIn)
			}
			execSQL(t, s, `DELETE FROM operator_sessions WHERE stage <> 0`)
		}
		// A wrong code never signs in.
		p := tokenHash()
		must(t, s.OperatorPasswordAccepted(ctx, p, op, "198.51.100.9", "ua", time.Hour, db.StageCodeDue))
		if err := s.OperatorSecondFactor(ctx, p, tokenHash(), "000000x", "198.51.100.9", "ua", time.Hour); !errors.Is(err, db.ErrCodeInvalid) {
			t.Fatalf("wrong code: %v", err)
		}
		// An admin's reset ends it all.
		must(t, s.ResetOperatorTOTP(ctx, op.ID, db.SystemActor("test")))
		if n := queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE totp_secret IS NOT NULL`) + count(t, s, "operator_recovery_codes") + count(t, s, "operator_sessions"); n != 0 {
			t.Fatalf("after reset: %d rows left", n)
		}
	})
}
