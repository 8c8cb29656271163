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

// runConsoleBench is `miniauth bench --console`: it fills the database with sample data up
// to --users and --sessions, serves the console, and reports the p50/p95 server time
// (Server-Timing) of list, detail and search pages, each requested --requests times.
func runConsoleBench(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("miniauth bench --console", flag.ContinueOnError)
	fs.SetOutput(out)
	dbURL := fs.String("database-url", "", "database to measure (default: a fresh SQLite file in a temp dir)")
	users := fs.Int("users", 1_000_000, "sample WeChat users the database should hold")
	sessions := fs.Int("sessions", 1_000_000, "sample live sessions the database should hold")
	requests := fs.Int("requests", 200, "requests per page")
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
	have, err := store.CountTotals(ctx, time.Now())
	if err != nil {
		return err
	}
	if addU, addS := *users-int(have.Users), *sessions-int(have.ActiveSessions); addU > 0 || addS > 0 {
		if addU <= 0 {
			addU = 1
		}
		if err := insertSample(ctx, store, cfg, addU, max(addS, 0), 180, out); err != nil {
			return err
		}
		if have, err = store.CountTotals(ctx, time.Now()); err != nil {
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

	pages, err := benchPages(ctx, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "console server time (Server-Timing), %s, %d users, %d active sessions, %d requests per page, sequential\n\n",
		store.Dialect(), have.Users, have.ActiveSessions, *requests)
	fmt.Fprintln(out, "| page | rows | p50 ms | p95 ms | max ms |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|")
	for _, p := range pages {
		var durs []float64
		rows := 0
		for i := 0; i < *requests+5; i++ {
			d, n, err := timedGet(client, base+p[1])
			rows = n
			if err != nil {
				return fmt.Errorf("%s: %w", p[0], err)
			}
			if i >= 5 { // the first few warm caches and prepare statements
				durs = append(durs, d)
			}
		}
		sort.Float64s(durs)
		q := func(f float64) float64 { return durs[min(len(durs)-1, int(f*float64(len(durs))))] }
		fmt.Fprintf(out, "| %s | %d | %.1f | %.1f | %.1f |\n", p[0], rows, q(0.50), q(0.95), durs[len(durs)-1])
	}
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
func timedGet(c *http.Client, u string) (float64, int, error) {
	resp, err := c.Get(u)
	if err != nil {
		return 0, 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	m := serverTimingRE.FindStringSubmatch(resp.Header.Get("Server-Timing"))
	if m == nil {
		return 0, 0, errors.New("no Server-Timing header")
	}
	d, err := strconv.ParseFloat(m[1], 64)
	return d, len(rowRE.FindAll(body, -1)), err
}

// rowRE finds the rows of the console's lists.
var rowRE = regexp.MustCompile(`data-testid="(user|session|audit)-row"`)

// benchPages picks the pages to measure from the data: a user and a session from the
// middle of the tables, and search terms that exist.
func benchPages(ctx context.Context, store *db.Store) ([][2]string, error) {
	first, _, err := store.ListWxUsers(ctx, db.UserFilter{}, db.Keyset{Limit: 1})
	if err != nil || len(first) == 0 {
		return nil, fmt.Errorf("no users to measure: %v", err)
	}
	mid := first[0].ID / 2
	probe, _, err := store.ListWxUsers(ctx, db.UserFilter{HasPhone: true}, db.Keyset{After: mid, Limit: 1})
	if err != nil || len(probe) == 0 {
		return nil, fmt.Errorf("no user with a phone to measure: %v", err)
	}
	u, err := store.ConsoleUserByID(ctx, probe[0].ID)
	if err != nil {
		return nil, err
	}
	// A recent Latin handle (the one-character term "_" finds them through nickname_grams).
	latin, _, err := store.ListWxUsers(ctx, db.UserFilter{Q: "_"}, db.Keyset{Limit: 1})
	if err != nil || len(latin) == 0 {
		return nil, fmt.Errorf("no Latin nickname to measure: %v", err)
	}
	sess, _, err := store.ListActiveSessions(ctx, db.SessionFilter{}, db.Keyset{Limit: 1}, time.Now())
	if err != nil || len(sess) == 0 {
		return nil, fmt.Errorf("no sessions to measure: %v", err)
	}
	// A three-character Chinese name from the middle of the table, its first one and two
	// characters (too short for a trigram index: nickname_grams serves them; the first
	// character is a surname, a common term), and its last two (a given name, a rare one).
	chinese := ""
	near, _, err := store.ListWxUsers(ctx, db.UserFilter{}, db.Keyset{After: mid, Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, n := range near {
		if r := []rune(n.Nickname); len(r) == 3 && r[0] > 0x2e80 {
			chinese = n.Nickname
			break
		}
	}
	if chinese == "" {
		return nil, errors.New("no three-character Chinese nickname to measure")
	}
	q := func(s string) string { return url.QueryEscape(s) }
	id := strconv.FormatInt
	return [][2]string{
		{"users, first page", "/admin/users"},
		{"users, deep page (keyset, middle of the table)", "/admin/users?after=" + id(mid, 10)},
		{"users, filter has-phone + not bound, deep page", "/admin/users?phone=1&bound=no&after=" + id(mid, 10)},
		{"users, nickname search, Chinese, 3 chars (trigram)", "/admin/users?q=" + q(chinese)},
		{"users, nickname search, Chinese, 2 chars (grams)", "/admin/users?q=" + q(string([]rune(chinese)[:2]))},
		{"users, nickname search, Chinese, 2 chars, given name (grams)", "/admin/users?q=" + q(string([]rune(chinese)[1:]))},
		{"users, nickname search, Chinese, 1 char, surname (grams)", "/admin/users?q=" + q(string([]rune(chinese)[:1]))},
		{"users, nickname search, 1 char in every Latin handle (grams)", "/admin/users?q=_"},
		{"users, nickname search, 1 char in every Latin handle, deep page (grams)", "/admin/users?q=_&after=" + id(mid, 10)},
		{"users, nickname search, 1 char + filter disabled (grams, none match)", "/admin/users?disabled=1&q=_"},
		{"users, nickname search, Latin substring", "/admin/users?q=" + q(strings.ToLower(latin[0].Nickname[1:]))},
		{"users, phone search (exact)", "/admin/users?q=" + q(u.Phone)},
		{"users, openid search (exact)", "/admin/users?q=" + q(u.OpenID)},
		{"user detail (with a session)", "/admin/users/" + id(sess[0].WxUserID, 10)},
		{"sessions, first page", "/admin/sessions"},
		{"sessions, deep page", "/admin/sessions?after=" + id(sess[0].ID/2, 10)},
		{"sessions of one user", "/admin/sessions?user=" + id(sess[0].WxUserID, 10)},
		{"overview", "/admin"},
	}, nil
}
