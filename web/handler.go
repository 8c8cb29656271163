// Package web is the operator console under /admin: handlers that build views' models
// from the store, the gorilla/sessions bridge into Fiber, CSRF checks, sign-in and the
// role checks, and the security headers of /admin and /static.
//
// Decisions worth knowing (docs/architecture.md, "Console", has the reasons):
//   - The cookie (gorilla CookieStore: HMAC + AES from the key ring) holds only a random
//     operator-session token and the CSRF token; the operator_sessions row, found by the
//     token's SHA-256, decides. Idle end 12 h, absolute end 7 days.
//   - Every POST carries the session's CSRF token (constant-time compare) and must come
//     from the console's own origin (Origin, else Sec-Fetch-Site); otherwise 403.
//   - Sign-in failures are throttled in the database per username and per IP (db.ReserveOperatorSignIn).
//   - Viewers read everything; every change route refuses them with 403.
package web

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gorilla/sessions"

	"miniauth/db"
	"miniauth/password"
)

// Operator session lifetimes.
const (
	SessionIdle = 12 * time.Hour
	SessionMax  = 7 * 24 * time.Hour
)

// Config holds the console's settings.
type Config struct {
	// PublicURL is scheme://host[:port] of the public listener; "" derives the origin from
	// each request. https makes the cookie Secure and adds HSTS.
	PublicURL      string
	TrustedProxies []netip.Prefix
	// Simulator is simulator mode: the banner, and the playground.
	Simulator bool
	// DefaultApp is the AppID of requests that name none (marked on the apps page).
	DefaultApp string
	// SelfURL is the loopback base URL of this server's public listener
	// ("http://127.0.0.1:8080"): the playground calls /wxsim and /api through it.
	SelfURL string
	// Hasher checks operator passwords; nil makes one of its own.
	Hasher *password.Hasher
	// Observer counts sign-ins refused by a limit or a full hasher queue (metrics); nil: none.
	Observer Observer
}

// Observer is told of requests refused for a limit or for load; api.Metrics implements it.
type Observer interface {
	Throttled(kind string)
	Busy(what string)
}

// Handler serves the console from its dependencies.
type Handler struct {
	store      *db.Store
	cfg        Config
	log        *slog.Logger
	cookies    *sessions.CookieStore
	hasher     *password.Hasher
	totals     *totalsCache
	perApp     appTotals // the overview of one app
	userCounts *userCountsCache
	play       *playgrounds
}

// New builds the console handler. keys signs and encrypts the cookie (subkeys derived per
// key, newest first, so a key rotation keeps operators signed in).
func New(store *db.Store, keys *db.Keyring, cfg Config, log *slog.Logger) *Handler {
	if cfg.Hasher == nil {
		cfg.Hasher = password.New(password.OWASP, 2, 16)
	}
	hashKeys := keys.Derive("miniauth cookie hash", 32)
	blockKeys := keys.Derive("miniauth cookie block", 32)
	pairs := make([][]byte, 0, 2*len(hashKeys))
	for i := range hashKeys {
		pairs = append(pairs, hashKeys[i], blockKeys[i])
	}
	cs := sessions.NewCookieStore(pairs...)
	// Options are set explicitly: gorilla's defaults changed between releases.
	cs.Options = &sessions.Options{
		Path:     "/admin",
		HttpOnly: true,
		Secure:   strings.HasPrefix(cfg.PublicURL, "https://"),
		SameSite: http.SameSiteLaxMode,
	}
	cs.MaxAge(int(SessionMax / time.Second))
	return &Handler{
		store: store, cfg: cfg, log: log, cookies: cs, hasher: cfg.Hasher,
		totals:     &totalsCache{},
		userCounts: &userCountsCache{},
		play:       newPlaygrounds(),
	}
}

// now reads the store's clock (db.Options.Now): a server has one clock, and tests move it
// through the store.
func (h *Handler) now() time.Time { return h.store.Now() }

// https reports whether the console is served over TLS as configured.
func (h *Handler) https() bool { return strings.HasPrefix(h.cfg.PublicURL, "https://") }
