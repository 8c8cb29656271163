package db_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestBlockWxUser: a block needs a reason, ends the user's sessions on the spot (cached
// ones too), refuses login and checkBind, is audited once with its reason however many
// operators press the button at once, and is lifted by an unblock.
func TestBlockWxUser(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		ops := db.OperatorActor(db.Operator{Username: "ops"}, "198.51.100.1")
		u, sess, ns := login(t, s, "o_block", "k", t0)
		if _, err := at(t, s, t0).CheckToken(ctx, ns.TokenHash); err != nil { // cached
			t.Fatal(err)
		}
		audits := count(t, s, "audit_events")
		for _, reason := range []string{"", "   ", strings.Repeat("长", db.MaxBlockReasonLen+1)} {
			if _, err := s.BlockWxUser(ctx, u.ID, reason, ops); !errors.Is(err, db.ErrBlockReason) {
				t.Fatalf("reason %q: %v, want ErrBlockReason", reason, err)
			}
		}
		if _, err := s.BlockWxUser(ctx, u.ID+1000, "spam", ops); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
		if n := count(t, s, "audit_events"); n != audits {
			t.Fatalf("refused blocks wrote %d audit rows", n-audits)
		}

		const operators = 16
		var wg sync.WaitGroup
		changed := make([]bool, operators)
		errs := make([]error, operators)
		for i := range operators {
			wg.Add(1)
			go func() {
				defer wg.Done()
				changed[i], errs[i] = s.BlockWxUser(ctx, u.ID, "spam in the shop's chat", ops)
			}()
		}
		wg.Wait()
		n := 0
		for i := range operators {
			if errs[i] != nil {
				t.Fatalf("block %d: %v", i, errs[i])
			}
			if changed[i] {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d blocks changed the user, want 1", n)
		}
		if got := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'user.block' AND target = ? AND detail LIKE ?`,
			"wx_user:"+itoa(u.ID), "reason: spam in the shop's chat; sessions revoked: 1"); got != 1 {
			t.Fatalf("user.block audit rows with the reason: %d, want 1", got)
		}
		if _, err := s.CheckToken(ctx, ns.TokenHash); !errors.Is(err, db.ErrNotFound) {
			t.Fatalf("a blocked user's token still works: %v", err)
		}
		if row := storedSession(t, s, ns.TokenHash); row.ID != sess.ID || row.RevokedBy != "user.block" {
			t.Fatalf("session not revoked by the block: %+v", row)
		}
		cu, err := s.ConsoleUserByID(ctx, u.ID)
		if err != nil || !cu.Disabled || cu.BlockedReason != "spam in the shop's chat" || !cu.BlockedAt.Equal(t0) {
			t.Fatalf("console user: %+v %v", cu, err)
		}
		if _, _, err := s.Login(ctx, db.LoginInput{AppID: testAppID, OpenID: "o_block", SessionKey: "k", Session: newSession()}); !errors.Is(err, db.ErrUserDisabled) {
			t.Fatalf("login of a blocked user: %v", err)
		}
		if _, err := s.CheckBind(ctx, db.CheckBindInput{LoginInput: db.LoginInput{AppID: testAppID, OpenID: "o_block",
			SessionKey: "k", Session: newSession()}, TicketHash: tokenHash()}); !errors.Is(err, db.ErrUserDisabled) {
			t.Fatalf("checkBind of a blocked user: %v", err)
		}

		if ok, err := s.UnblockWxUser(ctx, u.ID, ops); !ok || err != nil {
			t.Fatalf("unblock: %v %v", ok, err)
		}
		if ok, err := s.UnblockWxUser(ctx, u.ID, ops); ok || err != nil {
			t.Fatalf("second unblock: %v %v, want no change", ok, err)
		}
		if got := queryInt(t, s, `SELECT COUNT(*) FROM audit_events WHERE action = 'user.unblock'`); got != 1 {
			t.Fatalf("user.unblock audit rows: %d", got)
		}
		login(t, s, "o_block", "k", t0)
	})
}
