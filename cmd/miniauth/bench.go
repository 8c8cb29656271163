package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"golang.org/x/sync/errgroup"

	"miniauth/db"
)

// benchOptions are the flags of `miniauth bench`.
type benchOptions struct {
	databaseURL string
	duration    time.Duration
	concurrency int
	logins      int
	users       int
	scenario    string
	pooler      string
	cpuProfile  string
}

// benchResult is one scenario's figures.
type benchResult struct {
	Name   string
	Reqs   int64
	Errors int64
	PerSec float64
	P50    time.Duration
	P99    time.Duration
}

// runBench is `miniauth bench`: it starts a bare Fiber JSON handler and a full miniauth
// (built-in simulator, the given database) in this process, drives both from the same load
// generator in turn, and prints throughput and latency side by side.
func runBench(ctx context.Context, args []string, out io.Writer) error {
	if len(args) > 0 && (args[0] == "--console" || args[0] == "-console") {
		return runConsoleBench(ctx, args[1:], out)
	}
	for i, a := range args { // the console scenario has flags of its own
		rest := slices.Concat(args[:i], args[i+1:])
		switch {
		case a == "--scenario=console" || a == "-scenario=console":
			return runConsoleBench(ctx, rest, out)
		case (a == "--scenario" || a == "-scenario") && i+1 < len(args) && args[i+1] == "console":
			return runConsoleBench(ctx, slices.Concat(args[:i], args[i+2:]), out)
		}
	}
	var o benchOptions
	fs := flag.NewFlagSet("miniauth bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.databaseURL, "database-url", "", "database to benchmark against (default: a fresh SQLite file in a temp dir)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each scenario runs")
	fs.IntVar(&o.concurrency, "concurrency", 64, "concurrent requests in flight")
	fs.IntVar(&o.users, "users", 5000, "users logged in before the token scenarios; each request picks one of their tokens at random")
	fs.IntVar(&o.logins, "logins", 20000, "fresh wx.login codes prepared for the login scenario (the login scenario stops when they run out)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the login scenarios to this file (server and load generator share the process)")
	fs.StringVar(&o.pooler, "database-pooler", "none", "transaction: --database-url leads through a transaction pooler (docs/scaling.md)")
	fs.StringVar(&o.scenario, "scenario", "api", "api: token checks and logins beside a bare handler; bind: bind throughput beside the raw argon2id rate; console: console pages on sample data (flags of its own: --scenario console -h)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if o.databaseURL == "" {
		dir, err := os.MkdirTemp("", "miniauth-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.databaseURL = filepath.Join(dir, "bench.db")
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	cfg, err := benchConfig(o.databaseURL)
	if err == nil && o.pooler != "none" {
		cfg.PoolConfig, err = poolBenchConfig(o.databaseURL, o.pooler)
	}
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv, err := buildServer(cfg, log, store, ln)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = srv.run(sctx, ln, nil) }()
	base := "http://" + ln.Addr().String()

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/bare", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"is_login": true, "expires_in": 7200})
	})
	bln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = bare.Listener(bln) }()
	defer bare.Shutdown()
	bareURL := "http://" + bln.Addr().String() + "/bare"

	client := &fasthttp.Client{MaxConnsPerHost: o.concurrency * 2, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	post := func(url string, body any, token string) (int, []byte, error) {
		return benchPost(client, url, body, token)
	}
	code := func(user string) (string, error) {
		st, b, err := post(base+"/wxsim/sim/login", map[string]string{"user": user}, "")
		if err != nil || st != 200 {
			return "", fmt.Errorf("simulator login: %d %v", st, err)
		}
		var v struct{ Code string }
		err = json.Unmarshal(b, &v)
		return v.Code, err
	}
	if o.scenario == "bind" {
		return benchBind(ctx, o, out, srv, store, base, code)
	}
	if o.scenario != "api" {
		return fmt.Errorf("bench: unknown scenario %q (api, bind or console)", o.scenario)
	}
	// The internal listener (introspection) on a port of its own, as serve runs it.
	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = srv.internal.Listener(iln) }()
	defer srv.internal.Shutdown()
	internalURL := "http://" + iln.Addr().String()

	tokens, err := benchTokens(o.users, code, func(c string) (int, []byte, error) {
		return post(base+"/api/login", map[string]string{"code": c}, "")
	})
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "miniauth bench: %s, GOMAXPROCS=%d, concurrency %d, %s per scenario, tokens of %d users drawn at random\n",
		store.Dialect(), runtime.GOMAXPROCS(0), o.concurrency, o.duration, len(tokens))
	get := func(url string, tokens []string) func(int) error {
		return func(int) error {
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(url)
			if len(tokens) > 0 {
				req.Header.Set("Authorization", "Bearer "+tokens[rand.IntN(len(tokens))])
			}
			if err := client.Do(req, resp); err != nil {
				return err
			}
			if resp.StatusCode() != 200 {
				return fmt.Errorf("status %d", resp.StatusCode())
			}
			return nil
		}
	}
	introspect := func(int) error {
		st, b, err := post(internalURL+"/internal/introspect", map[string]string{"token": tokens[rand.IntN(len(tokens))]}, benchServiceKey)
		if err == nil && (st != 200 || !bytes.Contains(b, []byte(`"active":true`))) {
			err = fmt.Errorf("introspect: %d %s", st, b)
		}
		return err
	}
	// One user/info per token before the timing caches every session, user and account,
	// as a running instance has them cached; what that first pass costs is printed.
	warm := time.Now()
	for _, t := range tokens {
		if err := get(base+"/api/user/info", []string{t})(0); err != nil {
			return fmt.Errorf("bench warm-up: %w", err)
		}
	}
	fmt.Fprintf(out, "warm-up: one user/info per user, one at a time, %s (%s each)\n",
		time.Since(warm).Round(time.Millisecond), (time.Since(warm) / time.Duration(len(tokens))).Round(time.Microsecond))
	tok0, usr0 := store.CacheStats(), store.UserCacheStats()
	var results []benchResult
	// The bare handler and the token scenarios take turns, benchTokenRounds rounds of a
	// third of --duration each, so that a slower spell of the machine falls on all of
	// them alike instead of on whichever ran then; each figure is its rounds combined.
	tokenRuns := []struct {
		name string
		fn   func(int) error
	}{
		{"bare fiber JSON handler", get(bareURL, nil)},
		{"GET /api/checklogin", get(base+"/api/checklogin", tokens)},
		{"POST /internal/introspect", introspect},
		{"GET /api/user/info", get(base+"/api/user/info", tokens)},
	}
	rounds := make([][]benchResult, len(tokenRuns))
	ro := o
	ro.duration = o.duration / benchTokenRounds
	for range benchTokenRounds {
		for k, tr := range tokenRuns {
			rounds[k] = append(rounds[k], load(tr.name, ro, tr.fn))
		}
	}
	for _, r := range rounds {
		results = append(results, combine(r))
	}
	tokenScenarios := len(results)
	tok1, usr1 := store.CacheStats(), store.UserCacheStats()

	// Logins with fresh codes: of new users (each code a user never seen), then of the
	// token users again, one at random per code, as most of a day's logins are.
	fresh := make([]string, o.logins)
	for i := range fresh {
		if fresh[i], err = code(fmt.Sprintf("bench-%d", i)); err != nil {
			return err
		}
	}
	returning := make([]string, o.logins)
	for i := range returning {
		if returning[i], err = code(fmt.Sprintf("bench-user-%d", rand.IntN(o.users))); err != nil {
			return err
		}
	}
	logins := func(codes []string) func(int) error {
		var next atomic.Int64
		return func(int) error {
			i := next.Add(1) - 1
			if i >= int64(len(codes)) {
				return errExhausted
			}
			st, b, err := post(base+"/api/login", map[string]string{"code": codes[i]}, "")
			if err != nil {
				return err
			}
			if st != 200 {
				return fmt.Errorf("login: %d %s", st, b)
			}
			return nil
		}
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	results = append(results, load(benchFreshLogins, o, logins(fresh)))
	results = append(results, load(benchReturningLogins, o, logins(returning)))

	if o.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	rss := processRSS()
	fmt.Fprintf(out, "%-32s %10s %8s %10s %10s %8s %6s\n", "scenario", "req/s", "errors", "p50", "p99", "vs bare", "bar")
	for i, r := range results {
		ratio := r.PerSec / results[0].PerSec
		bar := ""
		if want, ok := benchBars[r.Name]; ok {
			bar = fmt.Sprintf("%.0f%% %s", 100*want, metOrNot(ratio >= want))
		}
		if r.Name == benchFreshLogins || r.Name == benchReturningLogins {
			want := benchLoginBars[store.Dialect()]
			bar = fmt.Sprintf("%d/s %s", want, metOrNot(r.PerSec >= float64(want)))
		}
		fmt.Fprintf(out, "%-32s %10.0f %8d %10s %10s %7.0f%% %s\n", r.Name, r.PerSec, r.Errors,
			r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), 100*ratio, bar)
		if i == tokenScenarios-1 {
			fmt.Fprintf(out, "%-32s %d session and %d user/account misses in %d token checks (each miss is one database read)\n",
				"cache misses, token scenarios", tok1.Misses-tok0.Misses, usr1.Misses-usr0.Misses,
				(tok1.Hits+tok1.Misses)-(tok0.Hits+tok0.Misses))
			fmt.Fprintf(out, "%-32s %.1f MiB after the token scenarios (bar < %d MiB: %s)\n", "process RSS",
				float64(rss)/(1<<20), benchRSSBar>>20, metOrNot(rss > 0 && rss < benchRSSBar))
		}
	}
	return nil
}

// benchServiceKey is the introspection key the api bench runs miniauth with.
const benchServiceKey = "bench-service-key-0123456789"

// benchBars are the throughputs each token scenario should reach, as a share of the bare
// handler's, with tokens of many users (docs/performance.md).
var benchBars = map[string]float64{
	"GET /api/checklogin":       0.8,
	"POST /internal/introspect": 0.5,
	"GET /api/user/info":        0.5,
}

// The login scenarios, and the logins a second each database should reach in them.
const (
	benchFreshLogins     = "POST /api/login (new users)"
	benchReturningLogins = "POST /api/login (returning)"
)

var benchLoginBars = map[string]int{db.DialectSQLite: 3000, db.DialectPostgres: 2000}

// benchRSSBar is the process RSS the token scenarios should stay under.
const benchRSSBar = 150 << 20

func metOrNot(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// benchTokens logs n users in (16 at a time) and returns their access tokens.
func benchTokens(n int, code func(string) (string, error), login func(code string) (int, []byte, error)) ([]string, error) {
	tokens := make([]string, max(1, n))
	err := inParallel(len(tokens), func(i int) error {
		c, err := code(fmt.Sprintf("bench-user-%d", i))
		if err != nil {
			return err
		}
		st, b, err := login(c)
		if err != nil {
			return err
		}
		var v struct{ Token string }
		_ = json.Unmarshal(b, &v)
		if st != 200 || v.Token == "" {
			return fmt.Errorf("bench login: %d %s", st, b)
		}
		tokens[i] = v.Token
		return nil
	})
	return tokens, err
}

// inParallel runs fn for every i in [0, n) on 16 workers and returns the first error.
func inParallel(n int, fn func(i int) error) error {
	var g errgroup.Group
	g.SetLimit(16)
	for i := 0; i < n; i++ {
		g.Go(func() error { return fn(i) })
	}
	return g.Wait()
}

// processRSS returns this process's resident set size (VmRSS of /proc/self/status), or
// 0 where there is none.
func processRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v) // "123456 kB"
			if len(f) == 2 && f[1] == "kB" {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

var errExhausted = fmt.Errorf("bench: out of prepared codes")

// load runs fn from o.concurrency workers for o.duration and measures it.
func load(name string, o benchOptions, fn func(worker int) error) benchResult {
	var reqs, errs atomic.Int64
	lat := make([][]time.Duration, o.concurrency)
	deadline := time.Now().Add(o.duration)
	start := time.Now()
	var wg sync.WaitGroup
	var stopped atomic.Bool
	for w := 0; w < o.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopped.Load() && time.Now().Before(deadline) {
				t := time.Now()
				err := fn(w)
				if err == errExhausted {
					stopped.Store(true)
					return
				}
				lat[w] = append(lat[w], time.Since(t))
				reqs.Add(1)
				if err != nil {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r := benchResult{Name: name, Reqs: reqs.Load(), Errors: errs.Load(), PerSec: float64(reqs.Load()-errs.Load()) / elapsed.Seconds()}
	if len(all) > 0 {
		r.P50 = all[len(all)/2]
		r.P99 = all[len(all)*99/100]
	}
	return r
}

// benchTokenRounds is how many rounds the bare handler and the token scenarios take
// turns in.
const benchTokenRounds = 3

// benchBindRounds is how many raw and bind rounds alternate.
const benchBindRounds = 3

// combine sums rounds of one scenario: total successes over total time, and the median
// round's latencies.
func combine(rounds []benchResult) benchResult {
	c := benchResult{Name: rounds[0].Name}
	var secs float64
	for _, r := range rounds {
		c.Reqs += r.Reqs
		c.Errors += r.Errors
		if r.PerSec > 0 {
			secs += float64(r.Reqs-r.Errors) / r.PerSec
		}
	}
	if secs > 0 {
		c.PerSec = float64(c.Reqs-c.Errors) / secs
	}
	sort.Slice(rounds, func(i, j int) bool { return rounds[i].P50 < rounds[j].P50 })
	c.P50, c.P99 = rounds[len(rounds)/2].P50, rounds[len(rounds)/2].P99
	return c
}

// benchBindPassword is the password of every account the bind scenario creates.
const benchBindPassword = "bench password, long enough: 密码"

// benchFlood is how many binds the flood part of the bind scenario sends at once.
const benchFlood = 2000

// benchBind is `miniauth bench --scenario bind`: the raw argon2id verify rate of the
// server's own hasher (same cost, same concurrency cap) from o.concurrency workers,
// alternating with end-to-end binds over HTTP, each binding a fresh WeChat user (its
// ticket prepared with checkBind before the timing) to its own account with the right
// password; then peak heap while benchFlood binds arrive at once.
func benchBind(ctx context.Context, o benchOptions, out io.Writer, srv *server, store *db.Store, base string,
	code func(string) (string, error)) error {
	h := srv.hasher
	enc, err := h.Hash(ctx, benchBindPassword)
	if err != nil {
		return err
	}
	p := h.Params()
	fmt.Fprintf(out, "miniauth bench --scenario bind: %s, GOMAXPROCS=%d, concurrency %d, %d rounds of %s per part\n",
		store.Dialect(), runtime.GOMAXPROCS(0), o.concurrency, benchBindRounds, o.duration)
	fmt.Fprintf(out, "argon2id m=%d KiB t=%d p=%d, hasher cap %d at a time (+%d queued)\n",
		p.Memory, p.Time, p.Threads, runtime.GOMAXPROCS(0), hasherQueue)

	rawFn := func(int) error {
		ok, _, err := h.Verify(ctx, enc, benchBindPassword)
		if err == nil && !ok {
			err = errors.New("verify failed")
		}
		return err
	}
	first := load("argon2id Verify (raw)", o, rawFn)

	// Enough accounts and tickets for every bind round even at 1.5x the raw rate.
	n := int(first.PerSec*o.duration.Seconds()*1.5*benchBindRounds) + o.concurrency*benchBindRounds
	client := &fasthttp.Client{MaxConnsPerHost: benchFlood + 100, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second}
	prep := func(prefix string, n int) ([]string, error) {
		rows := make([]db.AccountImport, n)
		for i := range rows {
			rows[i] = db.AccountImport{Line: i + 1, Username: fmt.Sprintf("%s-%d", prefix, i), Name: "Bench", PasswordHash: enc}
		}
		if _, err := store.ImportAccounts(ctx, rows, db.SystemActor("bench")); err != nil {
			return nil, err
		}
		tickets := make([]string, n)
		err := inParallel(n, func(i int) error {
			c, err := code(fmt.Sprintf("%s-user-%d", prefix, i))
			if err != nil {
				return err
			}
			st, b, err := benchPostJSON(client, base+"/api/user/checkBind", map[string]string{"code": c})
			if err != nil {
				return err
			}
			var v struct {
				Code       int
				BindTicket string
			}
			_ = json.Unmarshal(b, &v)
			if st != 200 || v.Code != 301 {
				return fmt.Errorf("checkBind: %d %s", st, b)
			}
			tickets[i] = v.BindTicket
			return nil
		})
		return tickets, err
	}
	tickets, err := prep("bench-bind", n)
	if err != nil {
		return err
	}
	var next atomic.Int64
	bindFn := func(int) error {
		i := next.Add(1) - 1
		if i >= int64(len(tickets)) {
			return errExhausted
		}
		st, b, err := benchPostJSON(client, base+"/api/user/bind", map[string]string{"bindTicket": tickets[i],
			"username": fmt.Sprintf("bench-bind-%d", i), "password": benchBindPassword})
		if err == nil && st != 200 {
			err = fmt.Errorf("bind: %d %s", st, b)
		}
		return err
	}
	// Raw and bind rounds alternate, so load from elsewhere on the machine weighs on both.
	var raws, binds []benchResult
	for r := 0; r < benchBindRounds; r++ {
		raws = append(raws, load("argon2id Verify (raw)", o, rawFn))
		binds = append(binds, load("POST /api/user/bind", o, bindFn))
	}
	raw, bind := combine(raws), combine(binds)

	// The flood: benchFlood binds at once; the hasher serves its cap, queues a bounded
	// number and refuses the rest with 503, so the heap stays bounded.
	flood, err := prep("bench-flood", benchFlood)
	if err != nil {
		return err
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	var ok, busy, other atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range flood {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _, err := benchPostJSON(client, base+"/api/user/bind", map[string]string{"bindTicket": flood[i],
				"username": fmt.Sprintf("bench-flood-%d", i), "password": benchBindPassword})
			switch {
			case err == nil && st == 200:
				ok.Add(1)
			case err == nil && st == 503:
				busy.Add(1)
			default:
				other.Add(1)
			}
		}()
	}
	wg.Wait()
	floodTime := time.Since(start)
	close(stop)
	<-sampled

	fmt.Fprintf(out, "%-28s %10s %8s %10s %10s %8s\n", "part", "per s", "errors", "p50", "p99", "vs raw")
	for _, r := range []benchResult{raw, bind} {
		fmt.Fprintf(out, "%-28s %10.1f %8d %10s %10s %7.0f%%\n", r.Name, r.PerSec, r.Errors,
			r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), 100*r.PerSec/raw.PerSec)
	}
	mib := func(b uint64) float64 { return float64(b) / (1 << 20) }
	fmt.Fprintf(out, "flood of %d concurrent binds in %s: %d bound, %d refused 503 (busy), %d other\n",
		benchFlood, floodTime.Round(time.Millisecond), ok.Load(), busy.Load(), other.Load())
	fmt.Fprintf(out, "heap: %.1f MiB before, %.1f MiB peak (+%.1f MiB); argon2id memory at the cap: %.1f MiB\n",
		mib(before), mib(peak.Load()), mib(peak.Load()-min(before, peak.Load())),
		float64(p.Memory)*float64(runtime.GOMAXPROCS(0))/1024)
	return nil
}

// benchPostJSON posts body as JSON with client and returns the status and a copy of the body.
func benchPostJSON(client *fasthttp.Client, url string, body any) (int, []byte, error) {
	return benchPost(client, url, body, "")
}

// benchPost is benchPostJSON with a Bearer token, when token is not empty.
func benchPost(client *fasthttp.Client, url string, body any, token string) (int, []byte, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(url)
	req.Header.SetMethod("POST")
	req.Header.SetContentType("application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	b, _ := json.Marshal(body)
	req.SetBody(b)
	err := client.Do(req, resp)
	return resp.StatusCode(), append([]byte(nil), resp.Body()...), err
}

// benchConfig is the configuration the benchmarks run miniauth with: the defaults, the
// given database, no per-IP login limit (the load generator is one IP), no internal
// listener of its own (the api bench serves it on a port it picks) and a service key.
func benchConfig(databaseURL string) (Config, error) {
	env := map[string]string{"MINIAUTH_DATABASE_URL": databaseURL, "MINIAUTH_ADDR": "127.0.0.1:0",
		"MINIAUTH_INTERNAL_ADDR": "off", "MINIAUTH_LOGIN_RATE_PER_IP": "0", "MINIAUTH_SERVICE_KEYS": benchServiceKey}
	cfg, _, err := parseConfig("serve", nil, func(k string) string { return env[k] }, io.Discard, nil)
	return cfg, err
}
