// Package wxsim is a local simulator of WeChat's mini-program server API, faithful enough
// to test a real client against: the same paths, parameters and JSON shapes, HTTP 200 for
// every error, single-use five-minute codes, deterministic openids and unionids, session
// key rotation, access-token rules, rate limits and error injection.
//
// The WeChat paths are
//
//	GET  /sns/jscode2session           code2Session
//	GET  /cgi-bin/token                classic access token
//	POST /cgi-bin/stable_token         stable access token
//	GET  /wxa/checksession             checkSessionKey
//	GET  /wxa/resetusersessionkey      resetUserSessionKey
//	POST /wxa/business/getuserphonenumber
//
// and the test-control surface, all JSON, answering 400 {"error","message"} on bad input:
//
//	POST /sim/login      {"user","appid"?}                → {"code"}: what wx.login gives that person (created on first use)
//	GET  /sim/users/:user?appid=                          → {"openid","unionid","session_key"} (current key); 404 if never seen
//	POST /sim/userinfo   {"user","appid"?,"userInfo":{…},"watermarkAppid"?,"legacy"?}
//	                                                      → {"rawData","signature","encryptedData","iv"} with the current key
//	POST /sim/phonecode  {"user","appid"?,"phoneNumber","countryCode"?,"countryCodeAsNumber"?} → {"code"}
//	POST /sim/phonedata  {"user","appid"?,"phoneNumber","countryCode"?,"watermarkAppid"?}
//	                                                      → {"encryptedData","iv"}: the legacy encrypted phone payload
//	POST /sim/faults     {"api","appid"?,"user"?,"errcode"?,"delay_ms"?,"times","mode"?}
//	                                                      → {"ok":true}; mode is "errcode", "drop", "garbage" or "text_plain"
//	POST /sim/apps       {"appid","secret","openPlatformId"?,"ipWhitelist"?} adds or replaces an app
//	POST /sim/clock      {"advance_ms"} or {"now_ms"}     → {"now_ms"}; GET /sim/clock reads it
//	GET  /sim/stats                                       → {"calls":{api:count}}: WeChat API requests received
//	POST /sim/reset                                       forgets users, codes, tokens, faults, counts, added apps and clock shifts
//
// Fault api names: jscode2session, token, stable_token, checksession, resetusersessionkey,
// getuserphonenumber. A fault with only delay_ms delays the real answer; "text_plain" sends
// the real answer as text/plain (as WeChat sometimes does); "garbage" sends a non-JSON page;
// "drop" closes the connection without answering.
package wxsim

import (
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// App is a simulated mini-program. OpenPlatformID "" means the app is not bound to an Open
// Platform account, so code2Session returns no unionid. A non-empty IPWhitelist makes the
// token endpoints refuse other caller IPs with 40164.
type App struct {
	AppID, Secret  string
	OpenPlatformID string
	IPWhitelist    []string
}

// Options configures a Sim.
type Options struct {
	// Apps are the simulated mini-programs; the first is the default where a control call
	// names no appid.
	Apps []App
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Secret derives openids and unionids; default a fixed constant, so every simulator
	// gives the same person the same openid.
	Secret []byte
	// RotateMinPeriod is the minimum age of a session_key before a login replaces it;
	// 0 rotates on every successful login.
	RotateMinPeriod time.Duration
	// UserRateLimit is how many code2Session calls one user may make per minute before
	// 45011; 0 means 100, negative means no limit.
	UserRateLimit int
	// TokenDailyQuota is how many /cgi-bin/token calls an app may make per day before
	// 45009; 0 means 2000, negative means no limit.
	TokenDailyQuota int
	// AllowPublic lets non-loopback peers in; otherwise they get 403.
	AllowPublic bool
	// Logger receives the simulator's few log lines; default discards them.
	Logger *slog.Logger
}

// defaultSecret is the identity-derivation secret shared by all simulators by default.
var defaultSecret = []byte("wxsim deterministic identity secret v1")

// Timings and limits of the real API.
const (
	codeTTL          = 5 * time.Minute
	tokenLife        = 7200 * time.Second
	tokenGrace       = 5 * time.Minute // a replaced /cgi-bin/token keeps working this long
	stableRenewal    = 5 * time.Minute // stable_token hands out a successor in the token's last minutes
	forceRefreshGap  = 30 * time.Second
	forceRefreshDay  = 20
	maxPendingCodes  = 1 << 20 // hard cap on remembered codes, whatever the clock does
	defaultUserRate  = 100
	defaultDailyToks = 2000
)

// Sim is the simulator. It is safe for concurrent use; state lives in memory behind one
// mutex held only for map operations.
type Sim struct {
	log         *slog.Logger
	secret      []byte
	rotateMin   time.Duration
	userRate    int // <= 0: off
	tokenQuota  int // <= 0: off
	allowPublic bool
	baseApps    []App

	mu     sync.Mutex
	clock  func() time.Time
	offset time.Duration
	st     *state
}

// state is everything Reset forgets.
type state struct {
	defaultApp string
	apps       map[string]*appState
	users      map[string]*user // appid \x00 name
	byOpenID   map[string]*user // appid \x00 openid
	codes      map[string]*loginCode
	codeQ      []queued
	phones     map[string]*phoneCode
	phoneQ     []queued
	tokens     map[string]*token
	faults     []*fault
	calls      map[string]int
}

type appState struct {
	App
	classic, classicPrev *token
	stable, stablePrev   *token
	quotaDay             int64
	quotaUsed            int
	forceDay             int64
	forceUsed            int
	lastForce            time.Time
}

type user struct {
	appid, name string
	openid      string
	unionid     string
	unionFor    string // the OpenPlatformID unionid was derived for
	key         string // current session_key, "" before the first login
	keyAt       time.Time
	winStart    time.Time
	winCount    int
}

type loginCode struct {
	u       *user
	expires time.Time
	used    bool
}

type phoneCode struct {
	u           *user
	phone, pure string
	cc          string
	ccAsNumber  bool
	expires     time.Time
	used        bool
}

type token struct {
	value   string
	appid   string
	expires time.Time
	diesAt  time.Time // zero: lives until expires
}

// queued remembers when a code expires, in issue order, so old codes are dropped lazily.
type queued struct {
	key     string
	expires time.Time
}

// New builds a simulator from opts.
func New(opts Options) *Sim {
	s := &Sim{
		log:         opts.Logger,
		secret:      opts.Secret,
		rotateMin:   opts.RotateMinPeriod,
		userRate:    opts.UserRateLimit,
		tokenQuota:  opts.TokenDailyQuota,
		allowPublic: opts.AllowPublic,
		baseApps:    append([]App(nil), opts.Apps...),
		clock:       opts.Now,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if len(s.secret) == 0 {
		s.secret = defaultSecret
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.userRate == 0 {
		s.userRate = defaultUserRate
	}
	if s.tokenQuota == 0 {
		s.tokenQuota = defaultDailyToks
	}
	s.st = s.freshState()
	return s
}

func (s *Sim) freshState() *state {
	st := &state{
		apps:     map[string]*appState{},
		users:    map[string]*user{},
		byOpenID: map[string]*user{},
		codes:    map[string]*loginCode{},
		phones:   map[string]*phoneCode{},
		tokens:   map[string]*token{},
		calls:    map[string]int{},
	}
	for i, a := range s.baseApps {
		if i == 0 {
			st.defaultApp = a.AppID
		}
		st.apps[a.AppID] = &appState{App: a}
	}
	return st
}

// Reset forgets users, codes, tokens, faults, call counts, apps added through /sim/apps and any
// clock shift; the clock set by SetClock stays.
func (s *Sim) Reset() {
	s.mu.Lock()
	s.st, s.offset = s.freshState(), 0
	s.mu.Unlock()
}

// PutApp adds a mini-program, or replaces one's secret, Open Platform binding and IP
// whitelist (its users and tokens stay), as POST /sim/apps does; unlike that call, the app
// survives Reset, as those given to New do. A server in simulator mode registers its apps
// table this way.
func (s *Sim) PutApp(a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for i := range s.baseApps {
		if s.baseApps[i].AppID == a.AppID {
			s.baseApps[i], found = a, true
		}
	}
	if !found {
		s.baseApps = append(s.baseApps, a)
	}
	if cur, ok := s.st.apps[a.AppID]; ok {
		cur.App = a
		return
	}
	s.st.apps[a.AppID] = &appState{App: a}
	if s.st.defaultApp == "" {
		s.st.defaultApp = a.AppID
	}
}

// SetClock replaces the clock (and drops any shift made through /sim/clock).
func (s *Sim) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.clock, s.offset = now, 0
	s.mu.Unlock()
}

// now is the simulated time; call with s.mu held.
func (s *Sim) now() time.Time { return s.clock().Add(s.offset) }

// Calls is how many requests the WeChat API path api (a fault api name such as
// "jscode2session") has received since the last reset.
func (s *Sim) Calls(api string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.calls[api]
}

// Register mounts the WeChat API paths and the /sim/ control surface on r. Unless
// AllowPublic is set, everything mounted answers loopback peers only.
func (s *Sim) Register(r fiber.Router) {
	if !s.allowPublic {
		r.Use(loopbackOnly)
	}
	r.Get("/sns/jscode2session", s.jscode2session)
	r.Post("/sns/jscode2session", s.jscode2session) // real WeChat: 41002, params are query only
	r.Get("/cgi-bin/token", s.classicToken)
	r.Post("/cgi-bin/stable_token", s.stableToken)
	r.Get("/wxa/checksession", s.checkSession)
	r.Get("/wxa/resetusersessionkey", s.resetSessionKey)
	r.Post("/wxa/business/getuserphonenumber", s.phoneNumber)

	r.Post("/sim/login", s.simLogin)
	r.Get("/sim/users/:user", s.simUser)
	r.Post("/sim/userinfo", s.simUserInfo)
	r.Post("/sim/phonecode", s.simPhoneCode)
	r.Post("/sim/phonedata", s.simPhoneData)
	r.Post("/sim/faults", s.simFaults)
	r.Post("/sim/apps", s.simApps)
	r.Get("/sim/clock", s.simClock)
	r.Post("/sim/clock", s.simClock)
	r.Get("/sim/stats", s.simStats)
	r.Post("/sim/reset", s.simReset)
}

// Handler is a standalone Fiber app with the simulator's routes at the root; before runs
// ahead of every route (the server's own body checks, say).
func (s *Sim) Handler(before ...fiber.Handler) *fiber.App {
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ReadTimeout:           10 * time.Second, // also bounds how long Shutdown can wait on a stuck connection
		WriteTimeout:          70 * time.Second, // injected delays go up to 60 s
		IdleTimeout:           2 * time.Minute,
		BodyLimit:             1 << 20,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			code := fiber.StatusInternalServerError
			if fe, ok := err.(*fiber.Error); ok {
				code = fe.Code
			}
			return c.Status(code).JSON(fiber.Map{"error": "http_error", "message": err.Error()})
		},
	})
	for _, h := range before {
		app.Use(h)
	}
	s.Register(app)
	return app
}

// forwardingHeaders are the headers a reverse proxy adds to say whom it forwards for.
var forwardingHeaders = []string{fiber.HeaderXForwardedFor, "X-Real-IP", "Forwarded",
	fiber.HeaderXForwardedHost, fiber.HeaderXForwardedProto}

// loopbackOnly refuses callers that are not on this machine. The TCP peer decides, and a
// request that names a client through forwarding headers was relayed by a proxy (often one
// on this very machine, hence a loopback peer) for someone else: it is remote whatever
// address it names. A process on this machine calling the simulator sends no such header.
func loopbackOnly(c *fiber.Ctx) error {
	if local(c) {
		return c.Next()
	}
	return c.Status(fiber.StatusForbidden).JSON(fiber.Map{"error": "forbidden",
		"message": "the WeChat simulator answers loopback callers only"})
}

// local tells a request made on this machine directly: a loopback TCP peer, no proxy
// between.
func local(c *fiber.Ctx) bool {
	addr, ok := c.Context().RemoteAddr().(*net.TCPAddr)
	if !ok || !addr.IP.IsLoopback() {
		return false
	}
	for _, h := range forwardingHeaders {
		if len(c.Request().Header.Peek(h)) > 0 {
			return false
		}
	}
	return true
}
