package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPersonAcrossAppsInBrowser: in headless Chromium an admin adds a second mini-program
// on /admin/apps (the secret never comes back); one simulated person bound in the default
// app logs in to the new one and is bound there too; the users list filtered to the new
// app shows that user, and its page shows the same person in the default app with the
// binding and the live session.
func TestPersonAcrossAppsInBrowser(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "miniauth.db")
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbURL, "MINIAUTH_ADMIN_PASSWORD": "admin-password-1"})
	ctx := newBrowser(t) // after the server: closed before it stops
	env := map[string]string{"MINIAUTH_DATABASE_URL": dbURL}
	var out syncBuffer
	if err := run(context.Background(), []string{"account", "create", "ann.lee", "--name", "Ann Lee", "--password-stdin"},
		func(k string) string { return env[k] }, strings.NewReader("ann-password-123\n"), &out, &out); err != nil {
		t.Fatalf("account create: %v\n%s", err, out.String())
	}
	const card, secret = "wx6666666666666666", "browser-secret-7c1d2e3f"

	// The admin adds the second app in the browser.
	err := chromedp.Do(ctx, signIn(in.base, "admin", "admin-password-1"),
		chromedp.Click(`[data-testid="nav-apps"]`),
		chromedp.WaitVisible(`[data-testid="app-create"]`),
		chromedp.SendKeys(`[data-testid="app-create"] input[name="appid"]`, card),
		chromedp.SendKeys(`[data-testid="app-create"] input[name="name"]`, "Member card"),
		chromedp.SendKeys(`[data-testid="app-create"] input[name="secret"]`, secret),
		chromedp.Click(`[data-testid="app-create"] button[type="submit"]`),
		chromedp.WaitVisible(`[data-testid="app-row"][data-appid="`+card+`"]`),
	)
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML("html"))
	if err != nil || strings.Contains(html, secret) {
		t.Fatalf("the apps page shows the secret (or cannot be read: %v)", err)
	}

	// The mini-program side: ann binds in the default app, then opens the card app.
	code := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": "ann"}).body["code"]
	cb := in.do(t, "POST", "/api/user/checkBind", "", map[string]any{"code": code})
	ticket, _ := cb.body["bindTicket"].(string)
	if b := in.do(t, "POST", "/api/user/bind", "", map[string]any{"bindTicket": ticket, "username": "ann.lee",
		"password": "ann-password-123"}); b.status != 200 {
		t.Fatalf("bind: %d %s", b.status, b.raw)
	}
	var login answer
	deadline := time.Now().Add(1500 * time.Millisecond)
	for {
		code := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": "ann", "appid": card}).body["code"]
		if code != nil {
			if login = in.do(t, "POST", "/api/login", "", map[string]any{"code": code, "appid": card}); login.status == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("login in the new app: %d %s", login.status, login.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if login.body["bound"] != true {
		t.Fatalf("login in the card app is not bound: %s", login.raw)
	}
	if a := in.do(t, "POST", "/api/user/profile", login.body["token"].(string), map[string]any{"nickName": "Ann 会员卡"}); a.status != 200 {
		t.Fatalf("profile: %s", a.raw)
	}

	// The console: users of the card app, then the person across apps.
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="nav-users"]`),
		chromedp.WaitVisible(`[data-testid="users-filter-app"]`),
		chromedp.SetValue(`[data-testid="users-filter-app"]`, card),
		chromedp.Click(`[data-testid="users-search-submit"]`),
		chromedp.WaitVisible(`[data-testid="user-row"]`),
	)
	if err != nil {
		t.Fatalf("users of the card app: %v", err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="user-row"]').length`))
	if err != nil || rows != 1 {
		t.Fatalf("users of the card app: %d rows (%v), want 1", rows, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="user-link"]`),
		chromedp.WaitVisible(`[data-testid="same-person-row"]`),
	)
	if err != nil {
		t.Fatalf("user page: %v", err)
	}
	appid, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="user-appid"]`))
	if err != nil || appid != card {
		t.Fatalf("user page's app: %q %v", appid, err)
	}
	other, err := chromedp.Run(ctx, chromedp.AttributeValue(`[data-testid="same-person-row"]`, "data-appid"))
	if err != nil || other.Value != SimAppID {
		t.Fatalf("same person row app: %q %v", other.Value, err)
	}
	binding, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="same-person-binding"]`))
	if err != nil || !strings.Contains(binding, "ann.lee") {
		t.Fatalf("same person binding: %q %v", binding, err)
	}
	sessions, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="same-person-sessions"]`))
	if err != nil || sessions != "1" {
		t.Fatalf("same person live sessions: %q %v, want 1", sessions, err)
	}
	// Following the link reaches the default app's user, which lists the card app's.
	err = chromedp.Do(ctx,
		chromedp.Click(`[data-testid="same-person-link"]`),
		chromedp.WaitVisible(`[data-testid="same-person-row"][data-appid="`+card+`"]`),
	)
	if err != nil {
		t.Fatalf("the other way round: %v", err)
	}
}
