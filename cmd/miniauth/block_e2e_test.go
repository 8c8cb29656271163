package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBlockUserInBrowser: an admin blocks a WeChat user from their page with a reason; the
// user's token stops and their next login is refused with user_blocked; the page shows the
// block, its reason and the session it ended in the history; unblocking lets them log in again.
func TestBlockUserInBrowser(t *testing.T) {
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": filepath.Join(t.TempDir(), "miniauth.db"),
		"MINIAUTH_ADMIN_PASSWORD": "admin-password-1"})
	ctx := newBrowser(t) // after the server: closed before it stops
	first := in.login(t, "e2e-mallory")
	tok := first.body["token"].(string)
	uid := int64(first.body["user"].(map[string]any)["id"].(float64))
	page := fmt.Sprintf("%s/admin/users/%d", in.base, uid)

	err := chromedp.Do(ctx, signIn(in.base, "admin", "admin-password-1"),
		chromedp.Navigate(page),
		chromedp.WaitVisible(`[data-testid="user-block-reason"]`),
		chromedp.SendKeys(`[data-testid="user-block-reason"]`, "spam in the shop's chat"),
		chromedp.Click(`[data-testid="user-block"]`),
		chromedp.WaitVisible(`[data-testid="user-unblock"]`),
		// The ended session is in the history, ended by the block.
		chromedp.WaitVisible(`[data-testid="session-history-row"][data-end="block"]`))
	if err != nil {
		t.Fatalf("block: %v", err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="user-block-reason-shown"]`))
	if err != nil || !strings.Contains(shown, "spam in the shop's chat") {
		t.Fatalf("reason on the page: %q %v", shown, err)
	}
	shoot(t, ctx, "user-blocked-history-en")
	if a := in.do(t, "GET", "/api/user/info", tok, nil); a.status != 401 {
		t.Fatalf("token of a blocked user: %d %s", a.status, a.raw)
	}
	code := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": "e2e-mallory"}).body["code"]
	if a := in.do(t, "POST", "/api/login", "", map[string]any{"code": code}); a.status != 403 || a.body["error"] != "user_blocked" {
		t.Fatalf("login of a blocked user: %d %s", a.status, a.raw)
	}

	err = chromedp.Do(ctx, chromedp.Click(`[data-testid="user-unblock"]`), chromedp.WaitVisible(`[data-testid="user-block"]`))
	if err != nil {
		t.Fatalf("unblock: %v", err)
	}
	in.login(t, "e2e-mallory")
}
