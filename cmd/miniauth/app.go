package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/pprof"

	"miniauth/api"
	"miniauth/api/wechat"
	"miniauth/api/wechat/wxsim"
	"miniauth/db"
	"miniauth/password"
	"miniauth/views"
	"miniauth/web"
)

// SimAppID is the AppID of the simulated mini-program in simulator mode.
const SimAppID = "wx5151515151515151"

// SimOpenPlatform is the simulated Open Platform account every simulated app is bound to
// (unless MINIAUTH_WXSIM_NO_UNIONID names it), so one simulated person has one unionid.
const SimOpenPlatform = "miniauth-simulated-open-platform"

// hasherQueue is how many password checks may wait for a free core before more are
// refused with 503.
const hasherQueue = 256

// server is a running miniauth: its two Fiber apps and what they share.
type server struct {
	cfg      Config
	log      *slog.Logger
	store    *db.Store
	public   *fiber.App
	internal *fiber.App
	sim      *wxsim.Sim
	hasher   *password.Hasher // every password check of the process, under one cap
	api      *api.Handler     // its readiness turns 503 when a shutdown begins
}

// buildServer wires a server whose public listener is ln.
func buildServer(cfg Config, log *slog.Logger, store *db.Store, ln net.Listener) (*server, error) {
	// Both listeners, like every test, are built by api.NewApp.
	// Every request gets an id (believed from a trusted proxy); the public listener logs
	// each request when asked to (or at debug level).
	pub := api.AppOptions{TrustedProxies: cfg.TrustedProxies, Language: cfg.APILanguage}
	if cfg.Ops.AccessLog || log.Enabled(context.Background(), slog.LevelDebug) {
		pub.AccessLog = log
	}
	s := &server{cfg: cfg, log: log, store: store,
		public:   api.NewApp(log, web.ErrorHandler(log), pub),
		internal: api.NewApp(log, web.ErrorHandler(log), api.AppOptions{TrustedProxies: cfg.TrustedProxies, Language: cfg.APILanguage})}

	metrics := api.NewMetrics(nil)
	// The apps table holds every mini-program; the start-up settings create or update the
	// default one (simulator mode: the simulated app, whose secret, once stored, stays).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	defaultApp, base := cfg.AppID, cfg.APIBase
	var err error
	var def db.App
	if cfg.Simulated() {
		defaultApp = SimAppID
		def, err = store.EnsureApp(ctx, SimAppID, randomHex(16), true, db.SystemActor("serve"))
	} else {
		def, err = store.EnsureApp(ctx, cfg.AppID, cfg.Secret, false, db.SystemActor("serve"))
	}
	if err != nil {
		return nil, fmt.Errorf("cannot record the default app %s: %w", defaultApp, err)
	}
	if cfg.Simulated() {
		// Every app of the table is a simulated app of one simulated Open Platform (same
		// person, same unionid), unless MINIAUTH_WXSIM_NO_UNIONID names it.
		simApp := func(a db.App) wxsim.App {
			sa := wxsim.App{AppID: a.AppID, Secret: a.Secret(), OpenPlatformID: SimOpenPlatform}
			if slices.Contains(cfg.WxsimNoUnionID, a.AppID) {
				sa.OpenPlatformID = ""
			}
			return sa
		}
		s.sim = wxsim.New(wxsim.Options{
			Apps:        []wxsim.App{simApp(def)},
			AllowPublic: cfg.WxsimPublic,
			Logger:      log,
		})
		store.OnAppsLoaded(func(apps []db.App) {
			for _, a := range apps {
				s.sim.PutApp(simApp(a))
			}
		})
		if err := store.ReloadApps(ctx); err != nil {
			return nil, err
		}
		s.sim.Register(s.public.Group("/wxsim"))
		base = "http://" + loopback(ln.Addr()) + "/wxsim"
		log.Warn("SIMULATOR MODE: no MINIAUTH_WECHAT_APPID/SECRET set, WeChat is simulated at /wxsim; logins are not real",
			"appid", SimAppID, "sim_control", "POST /wxsim/sim/login {\"user\":\"alice\",\"appid\":\""+SimAppID+"\"}")
	}
	apps := api.NewStoreApps(store, defaultApp, func(appid, secret string) api.WeChat {
		return wechat.New(wechat.Config{AppID: appid, Secret: secret, BaseURL: base, Logger: log, Observer: metrics})
	})
	wx, err := apps.WeChat(ctx, defaultApp)
	if errors.Is(err, api.ErrAppDisabled) {
		log.Warn("the default app is disabled: requests naming no appid are refused until it is enabled (miniauth app enable)", "appid", defaultApp)
	} else if err != nil {
		return nil, fmt.Errorf("the default app %s cannot be used: %w", defaultApp, err)
	}

	// One argon2id hash at a time per core (19 MiB each), and a bounded queue behind them:
	// a flood of binds gets 503s instead of exhausting memory.
	s.hasher = password.New(password.OWASP, runtime.GOMAXPROCS(0), hasherQueue)
	h := api.New(store, wx, api.Config{
		AccessTTL: cfg.AccessTTL, SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax,
		PublicURL: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies,
		LoginRatePerIP: cfg.LoginRatePerIP, ServiceKeys: cfg.ServiceKeys, Hasher: s.hasher, Apps: apps,
	}, log, metrics)
	s.api = h
	h.Register(s.public)
	h.RegisterInternal(s.internal)
	views.SetTimeZone(cfg.TimeZone)
	web.New(store, store.Keys(), web.Config{
		PublicURL: cfg.PublicURL, TrustedProxies: cfg.TrustedProxies, Simulator: cfg.Simulated(), Hasher: s.hasher, DefaultApp: defaultApp,
		SelfURL: "http://" + loopback(ln.Addr()), Observer: metrics,
	}, log).Register(s.public)
	s.internal.Use(pprof.New())
	return s, nil
}

// serve is `miniauth serve`: both listeners, the revocation follower and the cleanup job,
// until ctx ends.
func serve(ctx context.Context, cfg Config, log *slog.Logger, out io.Writer) error {
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	ln, err := listen(cfg.Addr, "--addr or MINIAUTH_ADDR")
	if err != nil {
		return err
	}
	s, err := buildServer(cfg, log, store, ln)
	if err != nil {
		ln.Close()
		return err
	}
	// The first operator is created, and its password printed, only once both listeners
	// are bound: a start that fails on a taken port leaves no operator nobody knows.
	return s.run(ctx, ln, func() error { return ensureFirstOperator(ctx, store, cfg.AdminPassword, out) })
}

// listen binds addr, or says which setting chooses another address.
func listen(addr, setting string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w; choose another address with %s", addr, err, setting)
	}
	return ln, nil
}

// run serves until ctx ends. listening, when not nil, runs once every listener is bound
// and before any request is served; its error stops the start.
func (s *server) run(ctx context.Context, ln net.Listener, listening func() error) error {
	// The background work (revocation feed, last-seen flushes, cleanup) outlives the
	// signal: requests are still served while draining, and need a fresh token cache.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go s.store.RunBackground(bg)
	go s.cleanupLoop(bg)

	// Bind the internal listener before serving anything: once /readyz answers, every
	// listener is up, and a taken port stops the start before any request is served.
	var iln net.Listener
	if s.cfg.InternalAddr != "" {
		var err error
		if iln, err = listen(s.cfg.InternalAddr, "--internal-addr or MINIAUTH_INTERNAL_ADDR (off for none)"); err != nil {
			ln.Close()
			return err
		}
	}
	if listening != nil {
		if err := listening(); err != nil {
			ln.Close()
			if iln != nil {
				iln.Close()
			}
			return err
		}
	}
	errc := make(chan error, 2)
	go func() { errc <- s.public.Listener(ln) }()
	if iln != nil {
		go func() { errc <- s.internal.Listener(iln) }()
		s.log.Info("internal listener up", "addr", iln.Addr().String())
	}
	s.log.Info("miniauth is serving", "addr", ln.Addr().String(), "database", s.store.Dialect(),
		"simulator", s.cfg.Simulated())

	var err error
	select {
	case <-ctx.Done():
		err = s.drain(errc)
	case err = <-errc:
	}
	return errors.Join(err, s.shutdown())
}

// shutdownTimeout bounds how long in-flight requests may take to finish once the
// listeners are closed.
const shutdownTimeout = 10 * time.Second

// drain is the first half of a graceful stop: /readyz answers 503 and requests are still
// served for the drain period, so a load balancer takes the instance out before it stops
// accepting. A listener failing meanwhile ends the drain.
func (s *server) drain(errc <-chan error) error {
	if s.api != nil {
		s.api.SetDraining()
	}
	s.log.Info("shutdown: signal received, readiness is now 503; draining", "drain", s.cfg.Ops.ShutdownDrain.String())
	if s.cfg.Ops.ShutdownDrain <= 0 {
		return nil
	}
	t := time.NewTimer(s.cfg.Ops.ShutdownDrain)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case err := <-errc:
		return err
	}
}

// shutdown stops accepting, lets in-flight requests finish (up to shutdownTimeout), and
// writes the sessions' last-seen times the cache still holds.
func (s *server) shutdown() error {
	start := time.Now()
	perr := s.public.ShutdownWithTimeout(shutdownTimeout)
	ierr := s.internal.ShutdownWithTimeout(shutdownTimeout)
	var ferr error
	if s.store != nil {
		fctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		ferr = s.store.FlushLastSeen(fctx)
		cancel()
	}
	if err := errors.Join(perr, ierr, ferr); err != nil {
		s.log.Error("shutdown: not clean", "err", err)
		return err
	}
	s.log.Info("shutdown complete: listeners closed, in-flight requests finished, last-seen flushed",
		"took_ms", time.Since(start).Milliseconds())
	return nil
}

func (s *server) cleanupLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.CleanupEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := runCleanup(ctx, s.store, s.cfg, s.log); err != nil && !errors.Is(err, context.Canceled) {
				s.log.Error("periodic cleanup failed", "err", err)
			}
		}
	}
}

// serveSimulator is `miniauth wxsim`: the simulator alone, with its routes at the root.
func serveSimulator(ctx context.Context, addr string, cfg Config, log *slog.Logger, out io.Writer) error {
	apps := []wxsim.App{{AppID: SimAppID, Secret: "simsecret"}}
	if cfg.AppID != "" {
		apps = []wxsim.App{{AppID: cfg.AppID, Secret: cfg.Secret}}
	}
	sim := wxsim.New(wxsim.Options{Apps: apps, AllowPublic: cfg.WxsimPublic, Logger: log})
	app := sim.Handler(api.RefuseEncodedBodies)
	ln, err := listen(addr, "--addr or MINIAUTH_ADDR")
	if err != nil {
		return err
	}
	if cfg.AppID == "" {
		// A fixed, published test secret: the simulator stands in for WeChat in tests only.
		fmt.Fprintf(out, "wxsim: listening on %s; AppID %s, AppSecret %s (set MINIAUTH_WECHAT_APPID and MINIAUTH_WECHAT_SECRET to choose them)\n",
			ln.Addr(), apps[0].AppID, apps[0].Secret)
	} else {
		fmt.Fprintf(out, "wxsim: listening on %s; AppID %s with the secret of MINIAUTH_WECHAT_SECRET\n", ln.Addr(), apps[0].AppID)
	}
	log.Warn("standalone WeChat simulator", "addr", ln.Addr().String(), "appid", apps[0].AppID,
		"hint", "point MINIAUTH_WECHAT_API_BASE here and set the same AppID and secret")
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case <-ctx.Done():
		return app.Shutdown()
	case err := <-errc:
		return err
	}
}

// loopback turns a listener address into one the process can dial itself.
func loopback(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
