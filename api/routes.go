// Package api serves the mini-program JSON API under /api, the public probes, avatars, and
// the internal endpoints (metrics, token introspection).
package api

import (
	"context"
	"log/slog"
	"net/netip"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/singleflight"

	"miniauth/api/wechat"
	"miniauth/caller"
	"miniauth/db"
	"miniauth/password"
)

// WeChat is what the API needs from WeChat's server API; *wechat.Client implements it.
type WeChat interface {
	AppID() string
	Code2Session(ctx context.Context, code string) (wechat.Session, error)
	PhoneNumber(ctx context.Context, code, openid string) (wechat.Phone, error)
}

// Config holds the API's settings.
type Config struct {
	AccessTTL      time.Duration // life of an access token
	SessionIdle    time.Duration // a session dies this long after its last refresh
	SessionMax     time.Duration // and this long after its login, whatever happens
	PublicURL      string        // scheme://host[:port] for absolute URLs; "" derives it from the request
	TrustedProxies []netip.Prefix
	LoginRatePerIP int              // per minute on /api/login, checkBind and bind, for all instances; 0 = off
	ServiceKeys    []string         // for /internal/introspect; empty = off
	PhoneRate      int              // getPhoneNumber calls per user per minute; 0 = 5
	Hasher         *password.Hasher // checks account passwords on bind; nil = OWASP, one per core
	AvatarDecodes  *DecodeGate      // bounds avatar decodes in flight; nil = DefaultAvatarDecodes
	// Apps are the deployment's mini-programs; nil: the one the WeChat client speaks for.
	Apps Apps
}

// Handler serves the API from its dependencies.
type Handler struct {
	store   *db.Store
	wx      WeChat // the default app's client, when Config.Apps is nil
	apps    Apps
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	refresh singleflight.Group
	phone   *userRate
	logins  *ipLimit // the per-IP login limit; nil when off
	hasher  *password.Hasher
	// draining is set when a shutdown begins: readiness answers 503 from then on.
	draining atomic.Bool
}

// New builds the API handler.
func New(store *db.Store, wx WeChat, cfg Config, log *slog.Logger, metrics *Metrics) *Handler {
	if cfg.Apps == nil {
		cfg.Apps = oneApp{wx}
	}
	if cfg.PhoneRate <= 0 {
		cfg.PhoneRate = 5
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	if cfg.Hasher == nil {
		cfg.Hasher = password.New(password.OWASP, runtime.GOMAXPROCS(0), 64)
	}
	if cfg.AvatarDecodes == nil {
		cfg.AvatarDecodes = NewDecodeGate(DefaultAvatarDecodes, defaultAvatarQueue)
	}
	metrics.Observe(store, cfg.Hasher, cfg.AvatarDecodes)
	h := &Handler{store: store, wx: wx, cfg: cfg, log: log, metrics: metrics,
		phone: newUserRate(cfg.PhoneRate, time.Minute), hasher: cfg.Hasher, apps: cfg.Apps}
	if cfg.LoginRatePerIP > 0 {
		h.logins = newIPLimit(store, cfg.LoginRatePerIP, h.now, log)
	}
	return h
}

// Register mounts the public routes: /api, the probes and the avatar files.
func (h *Handler) Register(app *fiber.App) {
	app.Get("/healthz", h.healthz)
	app.Get("/readyz", h.readyz)
	app.Get(avatarPath+":name", h.avatarGet)

	r := app.Group("/api", noStoreAnswers, h.metrics.middleware)
	perIP := h.loginLimiter()
	r.Post("/login", perIP, h.login)
	r.Get("/checklogin", h.checkLogin)
	r.Post("/checklogin", h.checkLogin)
	r.Get("/user/info", h.userInfo)
	r.Post("/user/profile", h.userProfile)
	r.Post("/user/avatar", h.userAvatar)
	r.Post("/user/phone", h.userPhone)
	r.Post("/user/delete", h.userDelete)
	r.Get("/user/checkBind", perIP, h.checkBind)
	r.Post("/user/checkBind", perIP, h.checkBind)
	r.Post("/user/bind", perIP, h.countBind)
	r.Post("/user/unbind", h.unbind)
	r.Post("/token/refresh", h.tokenRefresh)
	r.Post("/logout", h.logout)
	r.Get("/openapi.json", h.openAPIJSON)
	// Unknown paths and methods under /api reach ErrorHandler as Fiber's 404/405, which
	// answers them in the API's JSON shape.
}

// RegisterInternal mounts the internal routes: /metrics and /internal/introspect.
func (h *Handler) RegisterInternal(app *fiber.App) {
	app.Get("/metrics", h.metrics.handler())
	app.Get("/readyz", h.readyz)
	app.Post("/internal/introspect", noStoreAnswers, h.introspect)
}

// loginLimiter is the per-IP limit on code exchanges; a NAT may carry many users, so the
// default is generous. It is shared by the instances on one database (ratelimit.go).
func (h *Handler) loginLimiter() fiber.Handler {
	if h.logins == nil {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return func(c *fiber.Ctx) error {
		if wait := h.logins.take(c.UserContext(), h.clientIP(c), h.now()); wait > 0 {
			return h.loginRateLimited(wait)
		}
		return c.Next()
	}
}

// now reads the store's clock (db.Options.Now): a server has one clock, and tests move it
// through the store.
func (h *Handler) now() time.Time { return h.store.Now() }

func (h *Handler) clientIP(c *fiber.Ctx) string { return caller.IP(c, h.cfg.TrustedProxies) }
