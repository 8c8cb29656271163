package db_test

import (
	"context"
	"fmt"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestOperatorSignInRefusalNamesItsLimit: a console sign-in refused by its username's
// limit says so, and one refused by its address's limit says that (the metrics count
// them apart).
func TestOperatorSignInRefusalNamesItsLimit(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		for i := 0; i < db.OperatorSignInPerUser; i++ {
			if r, err := s.ReserveOperatorSignIn(ctx, "admin", fmt.Sprintf("192.0.2.%d", i)); err != nil || r.Wait > 0 {
				t.Fatalf("try %d: %+v %v", i, r, err)
			}
		}
		r, err := s.ReserveOperatorSignIn(ctx, "admin", "192.0.2.200")
		if err != nil || r.Wait == 0 || r.ByIP {
			t.Fatalf("past the username's limit: %+v %v", r, err)
		}
		for i := 0; i < db.OperatorSignInPerIP; i++ {
			if r, err := s.ReserveOperatorSignIn(ctx, fmt.Sprintf("name-%d", i), "198.51.100.9"); err != nil || r.Wait > 0 {
				t.Fatalf("try %d: %+v %v", i, r, err)
			}
		}
		r, err = s.ReserveOperatorSignIn(ctx, "someone-else", "198.51.100.9")
		if err != nil || r.Wait == 0 || !r.ByIP {
			t.Fatalf("past the address's limit: %+v %v", r, err)
		}
	})
}
