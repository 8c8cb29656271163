package web_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"miniauth/db"
	"miniauth/db/dbtest"
)

// TestSessionHistoryOnUserPage: the user page lists ended sessions with how each ended,
// in the operator's language; a refresh token reuse is marked as a security event; a live
// session is not history.
func TestSessionHistoryOnUserPage(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, s *db.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		e.operator("vera", "viewer")
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		dbtest.SetNow(t, s, t0)
		ns := func(i int) db.NewSession {
			h := sha256.Sum256([]byte(fmt.Sprint("tok", i)))
			r := sha256.Sum256([]byte(fmt.Sprint("ref", i)))
			return db.NewSession{TokenHash: h[:], RefreshHash: r[:], IP: "203.0.113.9", UserAgent: "MicroMessenger/8.0",
				AccessTTL: time.Hour, IdleTTL: 24 * time.Hour, MaxTTL: 48 * time.Hour}
		}
		in := func(i int) db.LoginInput { return db.LoginInput{AppID: testAppID, OpenID: "o_hist", Session: ns(i)} }
		u, out, err := s.Login(ctx, in(1))
		must(t, err)
		_, _, err = s.Login(ctx, in(2))
		must(t, err)
		_, live, err := s.Login(ctx, in(3))
		must(t, err)
		if _, err := s.RevokeSession(ctx, out.ID, db.UserActor(u.ID, "")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RotateRefresh(ctx, ns(2).RefreshHash, ns(4)); err != nil {
			t.Fatal(err)
		}
		dbtest.SetNow(t, s, t0.Add(time.Minute))
		if _, err := s.RotateRefresh(ctx, ns(2).RefreshHash, ns(4)); !errors.Is(err, db.ErrRefreshReused) {
			t.Fatalf("reuse: %v", err)
		}

		b := e.browser()
		b.signIn("vera")
		p := b.get(fmt.Sprintf("/admin/users/%d", u.ID))
		if p.status != http.StatusOK || p.count("session-history-row") != 2 || p.count("session-security") != 1 {
			t.Fatalf("history: status %d, %d rows, %d security marks", p.status, p.count("session-history-row"), p.count("session-security"))
		}
		if p.doc.Find(fmt.Sprintf(`[data-testid="session-history-row"][data-session-id="%d"]`, live.ID)).Length() != 0 {
			t.Errorf("a live session is in the history")
		}
		rows := p.doc.Find(`[data-testid="session-history-row"]`)
		if first := rows.First().Text(); !strings.Contains(first, "Refresh token reused") || !strings.Contains(first, "MicroMessenger") {
			t.Errorf("first row %q", first)
		}
		if second := rows.Last().Text(); !strings.Contains(second, "Logged out") {
			t.Errorf("second row %q", second)
		}
		zh := b.do(http.MethodGet, fmt.Sprintf("/admin/users/%d", u.ID), nil, "Accept-Language", "zh-CN")
		if !strings.Contains(zh.text("session-history"), "刷新令牌被重复使用") || !strings.Contains(zh.text("session-history"), "安全事件") {
			t.Errorf("Chinese history: %q", zh.text("session-history"))
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
