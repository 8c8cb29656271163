package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestOverviewFunnelInBrowser: over real HTTP with the simulator, 3 logins, 2 checkBind
// exchanges answered "not bound" and 1 bind; in headless Chromium the overview's period
// links change how many days the chart shows, and the bind funnel shows 3 → 2 → 1 with
// its conversion, in English and Chinese, over days in the console's zone. The sessions
// list says how many sessions it holds.
func TestOverviewFunnelInBrowser(t *testing.T) {
	dbURL := filepath.Join(t.TempDir(), "miniauth.db")
	in := startInstance(t, map[string]string{"MINIAUTH_DATABASE_URL": dbURL, "MINIAUTH_ADMIN_PASSWORD": "admin-password-1",
		"MINIAUTH_TIMEZONE": "Asia/Shanghai"})
	ctx := newBrowser(t) // after the server: closed before it stops
	var out syncBuffer
	if err := run(context.Background(), []string{"account", "create", "ann.lee", "--name", "Ann Lee", "--password-stdin"},
		func(k string) string { return map[string]string{"MINIAUTH_DATABASE_URL": dbURL}[k] },
		strings.NewReader("ann-password-123\n"), &out, &out); err != nil {
		t.Fatalf("account create: %v\n%s", err, out.String())
	}
	for i := range 3 {
		in.login(t, fmt.Sprintf("plain-%d", i))
	}
	var tickets []string
	for i := range 2 {
		code := in.do(t, "POST", "/wxsim/sim/login", "", map[string]any{"user": fmt.Sprintf("binder-%d", i)}).body["code"]
		cb := in.do(t, "POST", "/api/user/checkBind", "", map[string]any{"code": code})
		tk, _ := cb.body["bindTicket"].(string)
		if tk == "" {
			t.Fatalf("checkBind did not answer not bound: %s", cb.raw)
		}
		tickets = append(tickets, tk)
	}
	if b := in.do(t, "POST", "/api/user/bind", "", map[string]any{"bindTicket": tickets[0], "username": "ann.lee",
		"password": "ann-password-123"}); b.status != 200 {
		t.Fatalf("bind: %d %s", b.status, b.raw)
	}

	if err := chromedp.Do(ctx, signIn(in.base, "admin", "admin-password-1")); err != nil {
		t.Fatal(err)
	}
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(sel, name))
		if err != nil {
			t.Fatalf("%s[%s]: %v", sel, name, err)
		}
		return v.Value
	}
	for _, days := range []string{"7", "90", "30"} {
		err := chromedp.Do(ctx, chromedp.Click(`[data-testid="chart-period-`+days+`"]`),
			chromedp.WaitVisible(`[data-testid="chart-period-`+days+`"][aria-current="true"]`))
		if err != nil {
			t.Fatalf("period %s: %v", days, err)
		}
		if got := attr(`[data-testid="chart-svg"]`, "data-days"); got != days {
			t.Errorf("period %s: chart shows %s days", days, got)
		}
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="chart-table"] tbody tr').length`))
		if err != nil || fmt.Sprint(n) != days {
			t.Errorf("period %s: screen-reader table has %d rows (%v)", days, n, err)
		}
		for id, want := range map[string]string{"funnel-logins": "3", "funnel-unbound": "2", "funnel-binds": "1"} {
			if got := attr(`[data-testid="`+id+`"]`, "data-value"); got != want {
				t.Errorf("period %s: %s = %s, want %s", days, id, got, want)
			}
		}
	}
	if r := text(t, ctx, `[data-testid="funnel-binds-rate"]`); r != "50.0% of the previous step" {
		t.Errorf("binds conversion %q", r)
	}
	if z := text(t, ctx, `[data-testid="chart-days"]`); !strings.Contains(z, "days in Asia/Shanghai") {
		t.Errorf("chart label %q does not name the console's zone", z)
	}
	tip, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="chart-svg"] .marker title')].pop().textContent`))
	if err != nil || !strings.Contains(tip, "Logins 3") {
		t.Errorf("hover title of today %q (%v)", tip, err)
	}
	shoot(t, ctx, "overview-funnel-en")
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/lang?to=zh&back=/admin"),
		chromedp.WaitVisible(`[data-testid="funnel"]`)); err != nil {
		t.Fatal(err)
	}
	if r := text(t, ctx, `[data-testid="funnel-binds-rate"]`); r != "占上一步的 50.0%" {
		t.Errorf("binds conversion in Chinese %q", r)
	}
	if h := text(t, ctx, `[data-testid="funnel"] h2`); h != "绑定漏斗" {
		t.Errorf("funnel title in Chinese %q", h)
	}
	shoot(t, ctx, "overview-funnel-zh")
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/lang?to=en&back=/admin")); err != nil {
		t.Fatal(err)
	}

	// The users list ordered by last login, 20 rows a page, chosen in the page.
	err = chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/users"), chromedp.WaitVisible(`[data-testid="users-sort"]`),
		chromedp.SetValue(`[data-testid="users-sort"]`, "login"), chromedp.Click(`[data-testid="users-search-submit"]`),
		chromedp.WaitVisible(`[data-testid="page-size-20"]`), chromedp.Click(`[data-testid="page-size-20"]`),
		chromedp.WaitVisible(`[data-testid="page-size-20"][aria-current="true"]`))
	if err != nil {
		t.Fatalf("users sort and size: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
	if err != nil || !strings.Contains(loc, "sort=login") || !strings.Contains(loc, "size=20") {
		t.Errorf("users page after choosing: %q %v", loc, err)
	}
	if first := attr(`[data-testid="user-row"]`, "data-user-id"); first == "" {
		t.Error("no users listed")
	}
	shoot(t, ctx, "users-sort-size-en")

	// The sessions list counts its rows, in both languages.
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/sessions"), chromedp.WaitVisible(`[data-testid="list-count"]`)); err != nil {
		t.Fatal(err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="session-row"]').length`))
	if err != nil || rows < 4 {
		t.Fatalf("sessions listed: %d (%v), want the 3 logins' and the bind's at least", rows, err)
	}
	if c := text(t, ctx, `[data-testid="list-count"]`); c != fmt.Sprintf("%d matches", rows) {
		t.Errorf("sessions count %q, %d rows listed", c, rows)
	}
	shoot(t, ctx, "sessions-count-en")
	if err := chromedp.Do(ctx, chromedp.Navigate(in.base+"/admin/lang?to=zh&back=/admin/sessions"),
		chromedp.WaitVisible(`[data-testid="list-count"]`)); err != nil {
		t.Fatal(err)
	}
	if c := text(t, ctx, `[data-testid="list-count"]`); c != fmt.Sprintf("共 %d 条", rows) {
		t.Errorf("sessions count in Chinese %q, %d rows listed", c, rows)
	}
}
