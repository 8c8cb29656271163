package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"miniauth/db/dbtest"
)

// findChromium returns the browser binary. Without one the test is skipped, except under
// CI=true, where a missing browser is a failure.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "console browser test: no chromium on PATH (Debian: apt-get install chromium)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	dbtest.NoteSkipped("browser tests did not run", "no chromium on PATH (Debian: apt-get install chromium)")
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile, quiet on a closed network.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(findChromium(t)),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 800), // a desktop screen; the phone test sets its own
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first run starts the browser and must not carry a timeout; the steps do.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	// Destructive forms ask for confirmation (hx-confirm): say yes.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return ctx
}

// postStatus makes the page POST form fields to path with fetch and returns the status.
func postStatus(ctx context.Context, path string, withCSRF bool) (int, error) {
	csrf := "''"
	if withCSRF {
		csrf = `document.querySelector('input[name="csrf"]').value`
	}
	js := fmt.Sprintf(`(async () => {
		const body = new URLSearchParams();
		if (%t) body.set('csrf', %s);
		const r = await fetch(%q, {method: 'POST', body, redirect: 'manual'});
		return r.status;
	})()`, withCSRF, csrf, path)
	return chromedp.Run(ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
}

func signIn(base, user, pw string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/admin"),
		chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`input[name="username"]`, user),
		chromedp.SendKeys(`input[name="password"]`, pw),
		chromedp.Click(`[data-testid="login-submit"]`),
		chromedp.WaitVisible(`[data-testid="operator"]`),
	)
}

// TestConsoleInBrowser signs in to the console in headless Chromium, finds a WeChat user,
// revokes their session and sees the mini-program's token refused; a viewer cannot
// change anything, and a POST without CSRF token gets 403.
func TestConsoleInBrowser(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "miniauth.db")
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbURL, "MINIAUTH_ADMIN_PASSWORD": "admin-password-1"})
	ctx := newBrowser(t) // after the server: closed before it stops
	env := map[string]string{"MINIAUTH_DATABASE_URL": dbURL}
	var out syncBuffer
	if err := run(context.Background(), []string{"operator", "create", "watcher", "--role", "viewer", "--password-stdin"},
		func(k string) string { return env[k] }, strings.NewReader("viewer-password-1\n"), &out, &out); err != nil {
		t.Fatalf("operator create: %v\n%s", err, out.String())
	}

	// The mini-program side: a login and a nickname.
	tok := in.login(t, "e2e-alice").body["token"].(string)
	if a := in.do(t, "POST", "/api/user/profile", tok, map[string]any{"nickName": "浏览器测试 Alice"}); a.status != 200 {
		t.Fatalf("profile: %s", a.raw)
	}

	// A viewer sees the session but cannot end it, whatever it sends.
	err := chromedp.Do(ctx, signIn(in.base, "watcher", "viewer-password-1"),
		chromedp.Navigate(in.base+"/admin/sessions"),
		chromedp.WaitVisible(`[data-testid="session-row"]`))
	if err != nil {
		t.Fatalf("viewer: %v", err)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(`[data-testid="session-row"]`, "data-session-id"))
	if err != nil || !attr.Exists {
		t.Fatalf("session id: %v", err)
	}
	sessionID := attr.Value
	revokeButtons, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="session-revoke"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if revokeButtons != 0 {
		t.Errorf("a viewer is shown %d revoke buttons", revokeButtons)
	}
	status, err := postStatus(ctx, "/admin/sessions/"+sessionID+"/revoke", true)
	if err != nil || status != 403 {
		t.Fatalf("viewer revoke with a valid CSRF token: %d %v, want 403", status, err)
	}
	if a := in.do(t, "GET", "/api/user/info", tok, nil); a.status != 200 {
		t.Fatalf("token after the viewer's attempt: %d", a.status)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="logout"]`), chromedp.WaitVisible(`[data-testid="login-form"]`)); err != nil {
		t.Fatalf("viewer logout: %v", err)
	}

	// An admin finds the user and revokes the session.
	err = chromedp.Do(ctx, signIn(in.base, "admin", "admin-password-1"),
		chromedp.Click(`[data-testid="nav-users"]`),
		chromedp.WaitVisible(`[data-testid="users-search"]`),
		chromedp.SendKeys(`[data-testid="users-search"]`, "浏览器测试"),
		chromedp.Click(`[data-testid="users-search-submit"]`),
		chromedp.WaitVisible(`[data-testid="user-row"]`),
		chromedp.Click(`[data-testid="user-link"]`),
		chromedp.WaitVisible(`[data-testid="user-detail"]`),
		chromedp.WaitVisible(`[data-testid="session-revoke"]`),
		chromedp.Click(`[data-testid="session-revoke"]`),
		chromedp.WaitVisible(`[data-testid="flash"]`),
	)
	if err != nil {
		t.Fatalf("admin revoke: %v", err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="flash"]`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(flash, "signed out") {
		t.Errorf("flash %q", flash)
	}
	if a := in.do(t, "GET", "/api/user/info", tok, nil); a.status != 401 {
		t.Fatalf("token after revoke: %d %s, want 401", a.status, a.raw)
	}

	// A POST without CSRF token is refused with exactly 403, even signed in as admin.
	status, err = postStatus(ctx, "/admin/logout", false)
	if err != nil || status != 403 {
		t.Fatalf("POST without CSRF token: %d %v, want 403", status, err)
	}

	// The language switch reloads the page in Chinese.
	err = chromedp.Do(ctx, chromedp.Click(`[data-testid="lang-switch"]`), chromedp.WaitVisible(`html[lang^="zh"] [data-testid="operator"]`))
	if err != nil {
		t.Fatalf("language switch: %v", err)
	}

	// 接入 / Integrate shows the SDK with this server's URL, which serves the SDK; the API
	// reference is one click away.
	err = chromedp.Do(ctx, chromedp.Click(`[data-testid="nav-integrate"]`), chromedp.WaitVisible(`[data-testid="integrate-app-js"]`))
	if err != nil {
		t.Fatalf("integrate page: %v", err)
	}
	appJS, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="integrate-app-js"]`))
	if err != nil || !strings.Contains(appJS, "baseURL: '"+in.base+"'") {
		t.Fatalf("app.js sample without %s: %v\n%s", in.base, err, appJS)
	}
	sdk, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('[data-testid="integrate-sdk"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.Contains(sdk, "function createClient") {
		t.Fatalf("the SDK link: %v %.100s", err, sdk)
	}
	err = chromedp.Do(ctx, chromedp.Click(`[data-testid="integrate-apiref"]`), chromedp.WaitVisible(`[data-testid="apiref-codes"]`))
	if err != nil {
		t.Fatalf("API reference: %v", err)
	}
	ops, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="apiref-op"]').length`))
	if err != nil || ops < 14 {
		t.Fatalf("API reference shows %d operations: %v", ops, err)
	}
}
