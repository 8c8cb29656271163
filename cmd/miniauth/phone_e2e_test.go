package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPhoneLayoutInBrowser: on a phone-sized screen the navigation collapses behind a Menu
// button that opens it, no page scrolls sideways (wide tables scroll inside their frame),
// and a user's actions (sign out a session, block) stay reachable and work.
func TestPhoneLayoutInBrowser(t *testing.T) {
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": filepath.Join(t.TempDir(), "miniauth.db"),
		"MINIAUTH_ADMIN_PASSWORD": "admin-password-1"})
	ctx := newBrowser(t) // after the server: closed before it stops
	first := in.login(t, "e2e-phone")
	uid := int64(first.body["user"].(map[string]any)["id"].(float64))

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), signIn(in.base, "admin", "admin-password-1")); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	visible := func(sel string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(
			`(() => { const e = document.querySelector(%q); return !!e && e.offsetParent !== null && e.getBoundingClientRect().width > 0 })()`, sel)))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	noSideScroll := func(page string) {
		t.Helper()
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if w > 0 {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('body *')]
				.filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
				.slice(-3).map(e => e.tagName + '.' + e.className + '[' + (e.dataset.testid || '') + ']').join(', ')`))
			t.Errorf("%s scrolls sideways by %d px on a phone (too wide: %s)", page, w, wide)
		}
	}
	// On a wide screen the navigation is open and there is no Menu button.
	if !visible(`[data-testid="nav-users"]`) || visible(`[data-testid="nav-toggle"]`) {
		t.Errorf("wide screen: the navigation must show without a Menu button")
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 740)); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"/admin", "/admin/users", "/admin/sessions", "/admin/audit", "/admin/operators", fmt.Sprintf("/admin/users/%d", uid)} {
		if err := chromedp.Do(ctx, chromedp.Navigate(in.base+page), chromedp.WaitVisible(`[data-testid="operator"]`)); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		if visible(`[data-testid="nav-users"]`) || !visible(`[data-testid="nav-toggle"]`) {
			t.Errorf("%s: the navigation is not collapsed behind the Menu button", page)
		}
		noSideScroll(page)
	}
	// The Menu button opens the navigation, which leads on.
	err := chromedp.Do(ctx, chromedp.Click(`[data-testid="nav-toggle"]`),
		chromedp.WaitVisible(`[data-testid="nav-sessions"]`),
		chromedp.Click(`[data-testid="nav-sessions"]`),
		chromedp.WaitVisible(`[data-testid="session-row"]`))
	if err != nil {
		t.Fatalf("menu: %v", err)
	}
	shootAt(t, ctx, "sessions-phone-en", 375, 740)
	// The user's actions are reachable on the phone: block works from there.
	err = chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/users/%d", in.base, uid)),
		chromedp.ScrollIntoView(`[data-testid="user-block-reason"]`),
		chromedp.SendKeys(`[data-testid="user-block-reason"]`, "phone test"),
		chromedp.Click(`[data-testid="user-block"]`),
		chromedp.WaitVisible(`[data-testid="user-unblock"]`))
	if err != nil {
		t.Fatalf("block on a phone: %v", err)
	}
}
