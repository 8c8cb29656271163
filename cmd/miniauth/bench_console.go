package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"miniauth/db"
	"miniauth/password"
)

// benchOperator signs in to the console for the console benchmark.
const benchOperator = "bench-operator"

// serverTimingRE reads the console's own timing from its Server-Timing header.
var serverTimingRE = regexp.MustCompile(`app;dur=([0-9.]+)`)

// consoleBar is the server time every console page must stay under at p95 (DESIGN §7).
const consoleBar = 50.0

// runConsoleBench is `miniauth bench --scenario console` (also `--console`): it makes sure
// the database holds --users sample users (adding `miniauth sample` data up to that many,
// with as many sessions), signs in to the console as an operator over HTTP, and requests
// every list and filter, every combination of the users page's filters, detail pages,
// deep keyset pages and every kind of search --requests times each, reporting the
// console's own server time (Server-Timing) at p50, p95 and max beside the 50 ms bar.
func runConsoleBench(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("miniauth bench --scenario console", flag.ContinueOnError)
	fs.SetOutput(out)
	dbURL := fs.String("database-url", "", "database to measure (default: a fresh SQLite file in a temp dir)")
	users := fs.Int("users", 1_000_000, "sample WeChat users the database should hold (added with as many sessions when short)")
	requests := fs.Int("requests", 100, "requests per page")
	only := fs.String("only", "", "measure only the pages whose name contains this")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if *dbURL == "" {
		dir, err := os.MkdirTemp("", "miniauth-bench-console")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*dbURL = filepath.Join(dir, "bench.db")
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	cfg, err := benchConfig(*dbURL)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	have, err := store.CountTotals(ctx)
	if err != nil {
		return err
	}
	if add := *users - int(have.Users); add > *users/100 {
		if err := insertSample(ctx, store, cfg, add, add, 180, out); err != nil {
			return err
		}
		if have, err = store.CountTotals(ctx); err != nil {
			return err
		}
	}
	pw := randomHex(12)
	hash, err := password.New(password.OWASP, 1, 1).Hash(ctx, pw)
	if err != nil {
		return err
	}
	if _, err := store.CreateOperator(ctx, benchOperator, hash, db.RoleAdmin, db.SystemActor("bench")); errors.Is(err, db.ErrConflict) {
		o, err := store.OperatorByUsername(ctx, benchOperator)
		if err != nil {
			return err
		}
		if err := store.SetOperatorPassword(ctx, o.ID, hash, db.SystemActor("bench")); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv, err := buildServer(cfg, log, store, ln)
	if err != nil {
		return err
	}
	go func() { _ = srv.public.Listener(ln) }()
	defer srv.public.Shutdown()
	base := "http://" + ln.Addr().String()
	client, err := consoleClient(base, pw)
	if err != nil {
		return err
	}

	picks, err := store.SamplePicks(ctx)
	if err != nil {
		return err
	}
	pages := consolePages(picks)
	fmt.Fprintf(out, "console server time (Server-Timing), %s, %d users, %d bound, %d accounts, %d live sessions, %d requests per page, one at a time\n\n",
		store.Dialect(), have.Users, have.BoundUsers, have.Accounts, have.ActiveSessions, *requests)
	fmt.Fprintln(out, "| page | rows | KiB | p50 ms | p95 ms | max ms | bar p95 < 50 ms |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---|")
	worst, failed := 0.0, 0
	for _, p := range pages {
		if *only != "" && !strings.Contains(p[0], *only) {
			continue
		}
		var durs []float64
		rows, size := 0, 0
		for i := 0; i < *requests+3; i++ {
			d, n, b, err := timedGet(client, base+p[1])
			rows, size = n, b
			if err != nil {
				return fmt.Errorf("%s: %w", p[0], err)
			}
			if i >= 3 { // the first few warm caches and prepare statements
				durs = append(durs, d)
			}
		}
		sort.Float64s(durs)
		q := func(f float64) float64 { return durs[min(len(durs)-1, int(f*float64(len(durs))))] }
		mark := "✓"
		if q(0.95) >= consoleBar {
			mark = "✗"
			failed++
		}
		worst = max(worst, q(0.95))
		fmt.Fprintf(out, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %s |\n", p[0], rows, float64(size)/1024, q(0.50), q(0.95), durs[len(durs)-1], mark)
	}
	fmt.Fprintf(out, "\n%d pages, worst p95 %.1f ms, %d over the bar\n", len(pages), worst, failed)
	return nil
}

// consoleClient signs in as the benchmark operator and returns a client with the cookie.
func consoleClient(base, pw string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(base + "/admin/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return nil, errors.New("no CSRF token on the sign-in page")
	}
	resp, err = c.PostForm(base+"/admin/login", url.Values{"csrf": {string(m[1])}, "username": {benchOperator}, "password": {pw}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in: status %d", resp.StatusCode)
	}
	return c, nil
}

// timedGet fetches a console page and returns its Server-Timing in milliseconds and the
// number of table rows it shows.
func timedGet(c *http.Client, u string) (float64, int, int, error) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, 0, 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	m := serverTimingRE.FindStringSubmatch(resp.Header.Get("Server-Timing"))
	if m == nil {
		return 0, 0, 0, errors.New("no Server-Timing header")
	}
	d, err := strconv.ParseFloat(m[1], 64)
	return d, len(rowRE.FindAll(body, -1)), len(body), err
}

// rowRE finds the rows of the console's lists.
var rowRE = regexp.MustCompile(`data-testid="(user|session|audit|account|binding)-row"`)

// consolePages are the pages the console benchmark requests, named, with their paths:
// every combination of the users page's filters (bound, disabled, has phone, sign-up
// dates), deep pages, every kind of search, detail pages and the other lists.
func consolePages(p db.SamplePicks) [][2]string {
	q := url.QueryEscape
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	day := func(daysAgo int) string { return p.Newest.UTC().AddDate(0, 0, -daysAgo).Format(time.DateOnly) }
	var pages [][2]string
	add := func(name, path string) { pages = append(pages, [2]string{name, path}) }

	add("overview", "/admin")
	add("users, first page", "/admin/users")
	add("users, deep page (middle)", "/admin/users?after="+id(p.MidUser))
	add("users, deep page (oldest)", "/admin/users?after=60")
	ranges := [][2]string{{"", ""}, {"last 7 days", "&from=" + day(7) + "&to=" + day(0)},
		{"a month 3 months ago", "&from=" + day(120) + "&to=" + day(90)}, {"one day 5 months ago", "&from=" + day(150) + "&to=" + day(150)}}
	for _, bound := range []string{"", "yes", "no"} {
		for _, disabled := range []bool{false, true} {
			for _, phone := range []bool{false, true} {
				for _, r := range ranges {
					var name []string
					v := ""
					if bound != "" {
						name, v = append(name, "bound="+bound), v+"&bound="+bound
					}
					if disabled {
						name, v = append(name, "disabled"), v+"&disabled=1"
					}
					if phone {
						name, v = append(name, "has phone"), v+"&phone=1"
					}
					if r[0] != "" {
						name, v = append(name, "signed up "+r[0]), v+r[1]
					}
					if len(name) == 0 {
						continue
					}
					add("users, "+strings.Join(name, " + "), "/admin/users?"+v[1:])
				}
			}
		}
	}
	add("users, bound=yes, deep page", "/admin/users?bound=yes&after="+id(p.MidUser))
	add("users, bound=no + has phone, deep page", "/admin/users?bound=no&phone=1&after="+id(p.MidUser))
	add("users, disabled, deep page", "/admin/users?disabled=1&after="+id(p.MidUser))

	r3 := []rune(p.Name3)
	searches := [][2]string{
		{"nickname 1 char, common surname", string(r3[:1])},
		{"nickname 1 char, 王", "王"},
		{"nickname 1 char, rare", p.Name1Rare},
		{"nickname 1 char, none", "龘"},
		{"nickname 2 chars, common name", p.Name2},
		{"nickname 2 chars, rare", p.Name2Rare},
		{"nickname 2 chars, 小王", "小王"},
		{"nickname 2 chars, given name", string(r3[1:])},
		{"nickname 3 chars", p.Name3},
		{"nickname 4 chars, 微信用户 (every 20th user)", "微信用户"},
		{"nickname 3+ chars, none", "龘龘龘"},
		{"nickname Latin substring", p.Latin},
		{"phone (exact)", p.Phone},
		{"username (exact)", p.Username},
		{"openid (exact)", p.OpenID},
		{"user id", id(p.BoundUser)},
	}
	for _, s := range searches {
		add("users, search "+s[0], "/admin/users?q="+q(s[1]))
	}
	add("users, search nickname 1 char + bound=yes + has phone", "/admin/users?bound=yes&phone=1&q="+q(string(r3[:1])))
	add("users, search nickname 1 char + disabled", "/admin/users?disabled=1&q="+q(string(r3[:1])))
	add("users, search nickname 2 chars + signed up a month 3 months ago", "/admin/users?q="+q(p.Name2)+ranges[2][1])
	add("users, search 微信用户 + disabled", "/admin/users?disabled=1&q="+q("微信用户"))
	add("users, search 微信用户 + bound=yes, deep page", "/admin/users?bound=yes&q="+q("微信用户")+"&after="+id(p.MidUser))
	add("users, search nickname 1 char, deep page", "/admin/users?q="+q(string(r3[:1]))+"&after="+id(p.MidUser))
	add("users, search nickname 3 chars + bound=no", "/admin/users?bound=no&q="+q(p.Name3))

	add("user detail (bound, with sessions and events)", "/admin/users/"+id(p.BoundUser))
	add("user detail (middle of the table)", "/admin/users/"+id(p.MidUser))
	add("sessions, first page", "/admin/sessions")
	add("sessions, deep page", "/admin/sessions?after="+id(p.MidSession))
	add("sessions, of one user", "/admin/sessions?user="+id(p.BoundUser))
	add("sessions, of one account", "/admin/sessions?account="+q(p.Username))
	add("sessions, of one IP", "/admin/sessions?ip="+q(p.SessionIP))
	add("bindings, first page", "/admin/bindings")
	add("bindings, deep page", "/admin/bindings?after="+id(p.MidBinding))
	add("bindings, search username", "/admin/bindings?q="+q(p.Username))
	add("bindings, search user id", "/admin/bindings?q="+id(p.BoundUser))
	add("bindings, search nickname 2 chars", "/admin/bindings?q="+q(p.Name2))
	add("bindings, search nickname 3 chars", "/admin/bindings?q="+q(p.Name3))
	add("bindings, search none", "/admin/bindings?q="+q("龘龘龘"))
	add("audit, first page", "/admin/audit")
	add("audit, deep page", "/admin/audit?after="+id(p.MidAudit))
	add("audit, action bind", "/admin/audit?action=bind")
	add("audit, action account.disable (rare)", "/admin/audit?action=account.disable")
	add("audit, actor operator:admin", "/admin/audit?actor=operator:admin")
	add("audit, actor type system", "/admin/audit?actor=system")
	add("audit, target one user", "/admin/audit?target=wx_user:"+id(p.BoundUser))
	add("audit, action bind + actor operator:admin, deep page", "/admin/audit?action=bind&actor=operator:admin&after="+id(p.MidAudit))
	add("accounts, first page", "/admin/accounts")
	add("accounts, deep page", "/admin/accounts?after="+id(p.MidAccount))
	add("accounts, search username (exact)", "/admin/accounts?q="+q(p.Username))
	add("accounts, search username prefix", "/admin/accounts?q="+q(p.Username[:len(p.Username)-2]))
	add("accounts, search name 2 chars", "/admin/accounts?q="+q(string([]rune(p.AccountName)[:2])))
	add("accounts, search none", "/admin/accounts?q="+q("龘龘龘"))
	return pages
}
