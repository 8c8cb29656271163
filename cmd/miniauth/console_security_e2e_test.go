package main

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// shoot saves a full-page PNG of the current page as docs/console/<name>.png when
// MINIAUTH_SCREENSHOTS names the directory (go test ./cmd/miniauth -run Browser with
// MINIAUTH_SCREENSHOTS=$PWD/docs/console); otherwise it does nothing.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shootAt(t, ctx, name, 1280, 800)
}

// shootAt is shoot on a screen of w × h CSS pixels (a phone: 375 × 740).
func shootAt(t *testing.T, ctx context.Context, name string, w, h int64) {
	t.Helper()
	dir := os.Getenv("MINIAUTH_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// clearMessages removes the messages of the page before an action, so that waiting for
// the next one does not find the last.
var clearMessages = chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('[data-testid="flash"], [data-testid="login-error"], [data-testid="form-error"]').forEach(e => e.remove())`)

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func countOf(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// httpSignIn signs in over plain HTTP (a second console session of the same operator)
// and returns its client.
func httpSignIn(t *testing.T, base, user, pw string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r, err := c.Get(base + "/admin/login")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1<<16)
	n, _ := r.Body.Read(b)
	r.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(b[:n])
	if m == nil {
		t.Fatal("no csrf token on the sign-in page")
	}
	req, _ := http.NewRequest("POST", base+"/admin/login", strings.NewReader(url.Values{"csrf": {string(m[1])}, "username": {user}, "password": {pw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	r, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d", r.StatusCode)
	}
	return c
}

// signedIn reports whether the client's console session still opens a page.
func signedIn(t *testing.T, c *http.Client, base string) bool {
	t.Helper()
	r, err := c.Get(base + "/admin/sessions")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return r.StatusCode == http.StatusOK
}

// TestOperatorSecurityInBrowser: in headless Chromium an operator changes their own
// password (their other session ends), sets up two-factor sign-in from the QR code's
// secret, gets recovery codes once, signs in with a code and with a recovery code (each
// refused the second time), in English and Chinese; an admin requires two-factor for
// everyone (a viewer must enrol before anything else), changes a role, resets a
// password and a two-factor sign-in, and cannot remove the last enabled admin.
func TestOperatorSecurityInBrowser(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "miniauth.db")
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbURL, "MINIAUTH_ADMIN_PASSWORD": "admin-password-1"})
	ctx := newBrowser(t) // after the server: closed before it stops
	env := map[string]string{"MINIAUTH_DATABASE_URL": dbURL}
	var out syncBuffer
	if err := run(context.Background(), []string{"operator", "create", "vera", "--role", "viewer", "--password-stdin"},
		func(k string) string { return env[k] }, strings.NewReader("viewer-password-1\n"), &out, &out); err != nil {
		t.Fatalf("operator create: %v\n%s", err, out.String())
	}

	// Own password: the old one is required; the other session of the admin ends.
	other := httpSignIn(t, in.base, "admin", "admin-password-1")
	err := chromedp.Do(ctx, signIn(in.base, "admin", "admin-password-1"),
		chromedp.Click(`[data-testid="nav-settings"]`),
		chromedp.WaitVisible(`[data-testid="password-change"]`))
	if err != nil {
		t.Fatalf("settings: %v", err)
	}
	shoot(t, ctx, "settings-en")
	change := func(old string) error {
		return chromedp.Do(ctx,
			chromedp.Navigate(in.base+"/admin/settings"),
			chromedp.WaitVisible(`[data-testid="password-change"]`),
			chromedp.SendKeys(`input[name="old"]`, old),
			chromedp.SendKeys(`input[name="new"]`, "admin-password-2"),
			chromedp.SendKeys(`input[name="again"]`, "admin-password-2"),
			clearMessages, chromedp.Click(`[data-testid="password-change-submit"]`),
			chromedp.WaitVisible(`[data-testid="flash"]`))
	}
	if err := change("not-the-password"); err != nil {
		t.Fatal(err)
	}
	if f := text(t, ctx, `[data-testid="flash"]`); !strings.Contains(f, "current password is wrong") || !signedIn(t, other, in.base) {
		t.Fatalf("wrong old password: flash %q", f)
	}
	if err := change("admin-password-1"); err != nil {
		t.Fatal(err)
	}
	if f := text(t, ctx, `[data-testid="flash"]`); !strings.Contains(f, "Password changed") {
		t.Fatalf("flash %q", f)
	}
	if signedIn(t, other, in.base) {
		t.Fatal("the admin's other console session survived the password change")
	}

	// Enrolment: QR code image and the secret as text; a wrong code is refused; the
	// right one shows the recovery codes once.
	err = chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/settings"),
		chromedp.Click(`[data-testid="totp-start"]`),
		chromedp.WaitVisible(`[data-testid="totp-secret"]`),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid="totp-qr"]').naturalWidth > 0`))
	if err != nil {
		t.Fatalf("enrol: %v", err)
	}
	shoot(t, ctx, "totp-enrol-en")
	secret := strings.TrimSpace(text(t, ctx, `[data-testid="totp-secret"]`))
	if src, _ := chromedp.Run(ctx, chromedp.AttributeValue(`[data-testid="totp-qr"]`, "src")); !strings.HasPrefix(src.Value, "data:image/png;base64,") {
		t.Fatalf("QR src %.40q", src.Value)
	}
	err = chromedp.Do(ctx, chromedp.SendKeys(`[data-testid="totp-code"]`, "000000"),
		clearMessages, chromedp.Click(`[data-testid="totp-confirm-submit"]`),
		chromedp.WaitVisible(`[data-testid="form-error"]`))
	if err != nil {
		t.Fatalf("wrong enrolment code: %v", err)
	}
	if again := strings.TrimSpace(text(t, ctx, `[data-testid="totp-secret"]`)); again != secret {
		t.Fatal("the pending secret changed on a retry")
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	err = chromedp.Do(ctx, chromedp.SendKeys(`[data-testid="totp-code"]`, code),
		chromedp.Click(`[data-testid="totp-confirm-submit"]`),
		chromedp.WaitVisible(`[data-testid="recovery-codes"]`))
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	shoot(t, ctx, "totp-recovery-en")
	codes := strings.Fields(text(t, ctx, `[data-testid="recovery-codes"]`))
	if len(codes) != 10 {
		t.Fatalf("recovery codes: %q", codes)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/settings"), chromedp.WaitVisible(`[data-testid="totp-status"]`))
	if err != nil {
		t.Fatal(err)
	}
	if n := countOf(t, ctx, `[data-testid="totp-secret"], [data-testid="recovery-codes"]`); n != 0 {
		t.Fatal("the secret or the recovery codes are shown again")
	}

	// Sign-in now asks for a code: a TOTP code once, a recovery code once, in Chinese.
	codeStep := func(user, pw, lang string) {
		t.Helper()
		err := chromedp.Do(ctx, chromedp.Click(`[data-testid="logout"]`), chromedp.WaitVisible(`[data-testid="login-form"]`),
			chromedp.Navigate(in.base+"/admin/lang?to="+lang+"&back=/admin/login"),
			chromedp.WaitVisible(`[data-testid="login-form"]`),
			chromedp.SendKeys(`input[name="username"]`, user),
			chromedp.SendKeys(`input[name="password"]`, pw),
			chromedp.Click(`[data-testid="login-submit"]`),
			chromedp.WaitVisible(`[data-testid="totp-form"]`))
		if err != nil {
			t.Fatalf("password step: %v", err)
		}
	}
	submitCode := func(c string) (ok bool) {
		t.Helper()
		err := chromedp.Do(ctx, chromedp.SendKeys(`[data-testid="totp-code"]`, c), clearMessages, chromedp.Click(`[data-testid="totp-submit"]`),
			chromedp.WaitVisible(`[data-testid="operator"], [data-testid="login-error"]`))
		if err != nil {
			t.Fatal(err)
		}
		return countOf(t, ctx, `[data-testid="login-error"]`) == 0
	}
	codeStep("admin", "admin-password-2", "zh")
	if h := text(t, ctx, `h1.login-title`); h != "两步验证" {
		t.Errorf("code page title in Chinese: %q", h)
	}
	shoot(t, ctx, "login-totp-zh")
	// Still on the code step, the console stays shut.
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/users"), chromedp.WaitVisible(`[data-testid="totp-form"]`)); err != nil {
		t.Fatalf("console before the code: %v", err)
	}
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if !submitCode(next) {
		t.Fatalf("a fresh code was refused: %s", text(t, ctx, `[data-testid="login-error"]`))
	}
	codeStep("admin", "admin-password-2", "zh")
	if submitCode(next) {
		t.Fatal("the same code signed in twice")
	}
	if e := text(t, ctx, `[data-testid="login-error"]`); e != "验证码错误或已使用。" {
		t.Errorf("replayed code error in Chinese: %q", e)
	}
	if !submitCode(codes[2]) {
		t.Fatal("a recovery code was refused")
	}
	codeStep("admin", "admin-password-2", "en")
	if submitCode(codes[2]) {
		t.Fatal("a recovery code signed in twice")
	}
	if !submitCode(codes[5]) {
		t.Fatal("another recovery code was refused")
	}

	// The admin requires two-factor for everyone: the viewer must enrol first.
	err = chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/operators"),
		clearMessages, chromedp.Click(`[data-testid="require-totp-submit"]`),
		chromedp.WaitVisible(`[data-testid="flash"]`))
	if err != nil {
		t.Fatal(err)
	}
	if s := text(t, ctx, `[data-testid="require-totp-state"]`); s != "Required" {
		t.Fatalf("requirement state %q", s)
	}
	shoot(t, ctx, "operators-en")
	err = chromedp.Do(ctx, chromedp.Click(`[data-testid="logout"]`), chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`input[name="username"]`, "vera"),
		chromedp.SendKeys(`input[name="password"]`, "viewer-password-1"),
		chromedp.Click(`[data-testid="login-submit"]`),
		chromedp.WaitVisible(`[data-testid="totp-required"]`),
		chromedp.Navigate(in.base+"/admin/users"),
		chromedp.WaitVisible(`[data-testid="totp-required"]`),
		chromedp.Click(`[data-testid="totp-start"]`),
		chromedp.WaitVisible(`[data-testid="totp-secret"]`))
	if err != nil {
		t.Fatalf("viewer must enrol: %v", err)
	}
	veraSecret := strings.TrimSpace(text(t, ctx, `[data-testid="totp-secret"]`))
	vcode, _ := totp.GenerateCode(veraSecret, time.Now())
	err = chromedp.Do(ctx, chromedp.SendKeys(`[data-testid="totp-code"]`, vcode),
		chromedp.Click(`[data-testid="totp-confirm-submit"]`),
		chromedp.WaitVisible(`[data-testid="recovery-codes"]`),
		chromedp.Navigate(in.base+"/admin/users"),
		chromedp.WaitVisible(`[data-testid="users-search"]`))
	if err != nil {
		t.Fatalf("viewer after enrolment: %v", err)
	}

	// Back as admin: reset the viewer's two-factor, make them admin, reset their
	// password; the last enabled admin cannot be removed.
	codeStep("admin", "admin-password-2", "en")
	if !submitCode(codes[7]) {
		t.Fatal("recovery code refused")
	}
	row := `[data-testid="operator-row"]:has([data-testid="operator-totp"][data-on="on"]) `
	err = chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/operators"), chromedp.WaitVisible(`[data-testid="operators-table"]`))
	if err != nil {
		t.Fatal(err)
	}
	if n := countOf(t, ctx, row+`[data-testid="operator-totp-reset"]`); n != 1 {
		t.Fatalf("%d reset buttons for the enrolled viewer", n)
	}
	err = chromedp.Do(ctx, clearMessages, chromedp.Click(row+`[data-testid="operator-totp-reset"]`), chromedp.WaitVisible(`[data-testid="flash"]`))
	if err != nil {
		t.Fatal(err)
	}
	if n := countOf(t, ctx, `[data-testid="operator-totp"][data-on="on"]`); n != 1 {
		t.Fatalf("after the reset, %d operators have two-factor (want the admin only)", n)
	}
	veraRow := `[data-testid="operator-row"]:not(:has(.muted.small)) `
	err = chromedp.Do(ctx, chromedp.SetValue(veraRow+`select[name="role"]`, "admin"),
		clearMessages, chromedp.Click(veraRow+`[data-testid="operator-role-submit"]`),
		chromedp.WaitVisible(`[data-testid="flash"]`))
	if err != nil {
		t.Fatal(err)
	}
	if f := text(t, ctx, `[data-testid="flash"]`); !strings.Contains(f, "Role changed") {
		t.Fatalf("role flash %q", f)
	}
	err = chromedp.Do(ctx, chromedp.SendKeys(veraRow+`input[name="password"]`, "vera-new-password"),
		clearMessages, chromedp.Click(veraRow+`[data-testid="operator-password-submit"]`),
		chromedp.WaitVisible(`[data-testid="flash"]`))
	if err != nil {
		t.Fatal(err)
	}
	// Disable the other admin, then try to demote oneself: refused, one admin stays.
	err = chromedp.Do(ctx, clearMessages, chromedp.Click(veraRow+`[data-testid="operator-disable"]`), chromedp.WaitVisible(`[data-testid="flash"]`))
	if err != nil {
		t.Fatal(err)
	}
	selfID, err := chromedp.Run(ctx, chromedp.AttributeValue(`[data-testid="operator-row"]:has(.muted.small)`, "data-operator-id"))
	if err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
		const body = new URLSearchParams();
		body.set('csrf', document.querySelector('input[name="csrf"]').value);
		body.set('role', 'viewer');
		const r = await fetch('/admin/operators/`+selfID.Value+`/role', {method: 'POST', body, redirect: 'manual'});
		return r.status;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/operators"), chromedp.WaitVisible(`[data-testid="flash"]`))
	if err != nil {
		t.Fatalf("status %d: %v", status, err)
	}
	if f := text(t, ctx, `[data-testid="flash"]`); !strings.Contains(f, "at least one enabled admin") {
		t.Fatalf("demoting the last admin: flash %q", f)
	}
	if s := text(t, ctx, `[data-testid="operator"]`); !strings.Contains(s, "Admin") {
		t.Fatalf("the admin lost their role: %q", s)
	}
	// The audit log has it all.
	err = chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/audit"), chromedp.WaitVisible(`[data-testid="audit-row"]`))
	if err != nil {
		t.Fatal(err)
	}
	page := text(t, ctx, `main`)
	for _, want := range []string{"Two-factor sign-in set up", "Two-factor sign-in reset", "Wrong two-factor code", "Operator role changed", "Two-factor requirement changed"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
}
