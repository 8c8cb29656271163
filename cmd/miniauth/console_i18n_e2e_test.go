package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"miniauth/views"
)

// keyLike is a word that could be a catalogue key or an action code ("audit.none",
// "session.revoke").
var keyLike = regexp.MustCompile(`\b[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\b`)

// TestConsolePagesInBothLanguages walks every console page in English and Chinese in
// headless Chromium and fails on a label key shown instead of its text, or an audit
// action shown as its code; every signed-in page names the configured time zone and
// shows times in it.
func TestConsolePagesInBothLanguages(t *testing.T) {
	dbURL := t.TempDir() + "/miniauth.db"
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbURL, "MINIAUTH_ADMIN_PASSWORD": "admin-password-1",
		"MINIAUTH_TIMEZONE": "Asia/Shanghai"})
	ctx := newBrowser(t) // after the server: closed before it stops
	t.Cleanup(func() { views.SetTimeZone(nil) })
	tok := in.login(t, "walker").body["token"].(string)
	if a := in.do(t, "POST", "/api/user/profile", tok, map[string]any{"nickName": "走查 Walker"}); a.status != 200 {
		t.Fatalf("profile: %s", a.raw)
	}
	in.login(t, "walker-2")

	// Events of many kinds: a failed sign-in, an account, a revoked session.
	err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/login"), chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`input[name="username"]`, "admin"), chromedp.SendKeys(`input[name="password"]`, "wrong-password"),
		chromedp.Click(`[data-testid="login-submit"]`), chromedp.WaitVisible(`[data-testid="login-error"]`),
		signIn(in.base, "admin", "admin-password-1"),
		chromedp.Navigate(in.base+"/admin/accounts"), chromedp.WaitVisible(`[data-testid="account-create"]`),
		chromedp.SendKeys(`[data-testid="account-create"] input[name="username"]`, "zhangsan"),
		chromedp.SendKeys(`[data-testid="account-create"] input[name="password"]`, "account-password-1"),
		clearMessages, chromedp.Submit(`[data-testid="account-create"] input[name="username"]`), chromedp.WaitVisible(`[data-testid="flash"]`),
		chromedp.Navigate(in.base+"/admin/sessions"), chromedp.WaitVisible(`[data-testid="session-revoke"]`),
		clearMessages, chromedp.Click(`[data-testid="session-revoke"]`), chromedp.WaitVisible(`[data-testid="flash"]`))
	if err != nil {
		t.Fatalf("fixtures: %v", err)
	}
	userID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const r = await fetch('/admin/users'); const d = new DOMParser().parseFromString(await r.text(), 'text/html');
		return d.querySelector('[data-testid="user-row"]').getAttribute('data-user-id'); })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	// A word whose first part is a first part of catalogue keys ("audit.", "flash.") is a
	// key shown raw, whether or not it is in the catalogue.
	spaces := map[string]bool{}
	for _, k := range views.Keys() {
		spaces[k[:strings.IndexByte(k+".", '.')]] = true
	}
	for _, a := range views.AuditActions() {
		spaces[a[:strings.IndexByte(a+".", '.')]] = true
	}
	pages := []string{"/admin", "/admin/users", "/admin/users/" + userID, "/admin/sessions", "/admin/accounts",
		"/admin/bindings", "/admin/audit", "/admin/operators", "/admin/settings", "/admin/playground",
		"/admin/users?q=nobody-at-all", "/admin/audit?action=bind"}
	for _, lang := range []string{"en", "zh"} {
		if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/lang?to="+lang+"&back=/admin")); err != nil {
			t.Fatal(err)
		}
		for _, path := range pages {
			if err := chromedp.Do(ctx, chromedp.Navigate(in.base+path), chromedp.WaitVisible(`[data-testid="tz-label"]`)); err != nil {
				t.Fatalf("%s %s: %v", lang, path, err)
			}
			body := text(t, ctx, "body")
			for _, w := range keyLike.FindAllString(body, -1) {
				if spaces[w[:strings.IndexByte(w, '.')]] {
					t.Errorf("%s %s: label key or code %q shown", lang, path, w)
				}
				for _, a := range views.AuditActions() {
					if w == a {
						t.Errorf("%s %s: action code %q shown", lang, path, w)
					}
				}
			}
			raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="audit-row"]')]
				.filter(r => r.querySelector('.badge').textContent.trim() === r.dataset.action).map(r => r.dataset.action)`))
			if err != nil {
				t.Fatal(err)
			}
			if len(raw) > 0 {
				t.Errorf("%s %s: actions shown as codes: %q", lang, path, raw)
			}
			if tz := text(t, ctx, `[data-testid="tz-label"]`); !strings.Contains(tz, "Asia/Shanghai (UTC+08:00)") {
				t.Errorf("%s %s: tz-label %q", lang, path, tz)
			}
			off, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('time[datetime]')].map(e => e.getAttribute('datetime')).filter(d => !d.endsWith('+08:00'))`))
			if err != nil {
				t.Fatal(err)
			}
			if len(off) > 0 {
				t.Errorf("%s %s: times not in the zone: %q", lang, path, off)
			}
			if lang == "en" && path == "/admin/audit" {
				shoot(t, ctx, "audit-en")
			}
			if lang == "zh" {
				switch path {
				case "/admin/audit":
					shoot(t, ctx, "audit-zh")
					page := text(t, ctx, "main")
					for _, want := range []string{"操作员登录失败", "强制下线", "操作员 admin", "创建账号"} {
						if !strings.Contains(page, want) {
							t.Errorf("Chinese audit page lacks %q", want)
						}
					}
				case "/admin/operators":
					shoot(t, ctx, "operators-zh")
				case "/admin/settings":
					shoot(t, ctx, "settings-zh")
				}
			}
		}
	}
}

// TestAuditFilterAndExportInBrowser: the audit page filters by action (a list), days and
// actor; the admin exports the filtered log as CSV with times in the configured zone,
// and the export is itself in the log.
func TestAuditFilterAndExportInBrowser(t *testing.T) {
	dbURL := t.TempDir() + "/miniauth.db"
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbURL, "MINIAUTH_ADMIN_PASSWORD": "admin-password-1",
		"MINIAUTH_TIMEZONE": "Asia/Shanghai"})
	ctx := newBrowser(t) // after the server: closed before it stops
	t.Cleanup(func() { views.SetTimeZone(nil) })
	err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/login"), chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`input[name="username"]`, "admin"), chromedp.SendKeys(`input[name="password"]`, "wrong-password"),
		chromedp.Click(`[data-testid="login-submit"]`), chromedp.WaitVisible(`[data-testid="login-error"]`),
		signIn(in.base, "admin", "admin-password-1"),
		chromedp.Navigate(in.base+"/admin/audit"), chromedp.WaitVisible(`[data-testid="audit-filter-action"]`))
	if err != nil {
		t.Fatal(err)
	}
	if tag, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="audit-filter-action"]').tagName`)); tag != "SELECT" {
		t.Fatalf("the action filter is a %s, want a list", tag)
	}
	rowsOf := func(q string) []string {
		t.Helper()
		err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/audit?"+q), chromedp.WaitVisible(`[data-testid="audit-filter"]`))
		if err != nil {
			t.Fatal(err)
		}
		a, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="audit-row"]')].map(r => r.dataset.action)`))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// Choosing from the list and submitting the form.
	err = chromedp.Do(ctx, chromedp.SetValue(`[data-testid="audit-filter-action"]`, "operator.signin_fail"),
		chromedp.Click(`[data-testid="audit-filter-submit"]`),
		chromedp.Poll[chromedp.Void](`location.search.includes('action=operator.signin_fail') && document.readyState === 'complete'`))
	if err != nil {
		t.Fatal(err)
	}
	if a := rowsOf("action=operator.signin_fail"); len(a) != 1 || a[0] != "operator.signin_fail" {
		t.Fatalf("action filter: %q", a)
	}
	today := time.Now().In(mustZone(t, "Asia/Shanghai")).Format(time.DateOnly)
	tomorrow := time.Now().In(mustZone(t, "Asia/Shanghai")).AddDate(0, 0, 1).Format(time.DateOnly)
	if a := rowsOf("from=" + today + "&to=" + today); len(a) < 3 {
		t.Fatalf("today: %q", a)
	}
	if a := rowsOf("from=" + tomorrow); len(a) != 0 || countOf(t, ctx, `[data-testid="empty"]`) != 1 {
		t.Fatalf("from tomorrow: %q", a)
	}
	if a := rowsOf("to=2000-01-01"); len(a) != 0 {
		t.Fatalf("up to 2000: %q", a)
	}
	if a := rowsOf("actor=operator:admin&action=operator.login"); len(a) != 1 {
		t.Fatalf("actor filter: %q", a)
	}
	// A day that is not a date is refused, naming the field.
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/admin/audit?from=yesterday').then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 400 {
		t.Fatalf("from=yesterday: %d %v", status, err)
	}
	// Export of the filtered log, from the page's own link.
	rowsOf("action=operator.signin_fail")
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(`[data-testid="audit-export"]`, "href"))
	if err != nil || !strings.Contains(href.Value, "action=operator.signin_fail") {
		t.Fatalf("export link %q %v", href.Value, err)
	}
	shoot(t, ctx, "audit-filtered-en")
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(async () => { const r = await fetch(%q);
		return r.status + ' ' + r.headers.get('content-disposition') + '\n' + await r.text(); })()`, href.Value), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if !strings.HasPrefix(lines[0], `200 attachment; filename="audit-`) || len(lines) != 3 ||
		!strings.Contains(lines[2], "operator.signin_fail") || !strings.Contains(lines[2], "+08:00") {
		t.Fatalf("export:\n%s", csv)
	}
	if a := rowsOf("action=audit.export"); len(a) != 1 {
		t.Fatalf("the export is not in the log: %q", a)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
