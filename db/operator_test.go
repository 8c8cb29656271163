package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestOperatorCommands: operator changes sign the operator out everywhere and are
// audited with their actor; an operator cannot disable themself, whoever calls the store.
func TestOperatorCommands(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		now := time.Now()
		admin, err := s.CreateOperator(ctx, "admin", "$argon2id$a", db.RoleAdmin, db.SystemActor("cli"))
		must(t, err)
		pete, err := s.CreateOperator(ctx, "pete", "$argon2id$p", db.RoleViewer, db.OperatorActor(admin, "198.51.100.1"))
		must(t, err)
		must(t, at(t, s, now).OperatorSignedIn(ctx, tokenHash(), pete, "203.0.113.5", "ua", time.Hour))
		must(t, at(t, s, now).OperatorSignedIn(ctx, tokenHash(), admin, "198.51.100.1", "ua", time.Hour))

		if err := s.SetOperatorDisabled(ctx, admin.ID, true, db.OperatorActor(admin, "198.51.100.1")); !errors.Is(err, db.ErrDisableSelf) {
			t.Fatalf("self-disable: %v, want ErrDisableSelf", err)
		}
		if n := queryInt(t, s, `SELECT COUNT(*) FROM operators WHERE disabled`); n != 0 {
			t.Fatal("the admin disabled themself")
		}
		must(t, s.SetOperatorDisabled(ctx, pete.ID, true, db.OperatorActor(admin, "198.51.100.1")))
		if n := queryInt(t, s, `SELECT COUNT(*) FROM operator_sessions WHERE operator_id = ?`, pete.ID); n != 0 {
			t.Fatalf("disabled operator keeps %d console sessions", n)
		}
		if err := s.SetOperatorPassword(ctx, 4242, "$argon2id$x", db.SystemActor("cli")); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown operator: %v", err)
		}
		for _, want := range []string{
			"system cli operator.create operator:admin",
			"operator admin operator.create operator:pete",
			"operator admin operator.login operator:admin",
			"operator admin operator.disable operator:pete",
		} {
			if n := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE actor_type || ' ' || actor_id || ' ' || action || ' ' || target = ?`, want); n != 1 {
				t.Errorf("audit %q: %d rows", want, n)
			}
		}
	})
}
