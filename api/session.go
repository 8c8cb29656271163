package api

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/caller"
	"miniauth/db"
)

// tokenPair is the token part of every answer that starts or renews a session.
type tokenPair struct {
	Token            string `json:"token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
}

// issuedSession is a new session's stored form and the raw tokens only the client gets.
type issuedSession struct {
	db.NewSession
	pair tokenPair
}

// issue makes fresh tokens and the lifetimes of a session to start or renew. The store
// turns the lifetimes into ends at its clock; pairFor reads them back from the session.
func (h *Handler) issue(c *fiber.Ctx) issuedSession {
	tok, tokHash := newToken()
	ref, refHash := newToken()
	return issuedSession{
		NewSession: db.NewSession{
			TokenHash: tokHash, RefreshHash: refHash,
			IP: h.clientIP(c), UserAgent: caller.CleanUserAgent(c.Get(fiber.HeaderUserAgent)),
			AccessTTL: h.cfg.AccessTTL, IdleTTL: h.cfg.SessionIdle, MaxTTL: h.cfg.SessionMax,
		},
		pair: tokenPair{Token: tok, RefreshToken: ref},
	}
}

// pairFor is the issued tokens with the lifetimes left to them in s, the session the store
// started or renewed with them, counted from the time of that command: the refresh
// token's is up to the earlier of the idle and the absolute end.
func (iss issuedSession) pairFor(s db.Session) tokenPair {
	p := iss.pair
	p.ExpiresIn = seconds(s.AccessExpiresAt.Sub(s.At))
	p.RefreshExpiresIn = seconds(earliest(s.IdleExpiresAt, s.MaxExpiresAt).Sub(s.At))
	return p
}

// seconds rounds a duration down to whole seconds, never below zero.
func seconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(math.Floor(d.Seconds()))
}

// Reasons a token names no live session; lookupToken answers them, each caller words them.
var (
	errTokenMissing   = errors.New("missing token")
	errTokenMalformed = errors.New("malformed token")
	errTokenDead      = errors.New("token is invalid, expired or revoked")
	errTokenExpired   = errors.New("access token expired; its session lives")
)

// lookupToken is the one way a bearer token becomes its live session, for every
// authenticated route, checklogin and introspect: errTokenMissing, errTokenMalformed or
// errTokenDead (errTokenExpired when only the access token's own lifetime has ended) when
// there is none, a 503 error when the store cannot tell.
func (h *Handler) lookupToken(ctx context.Context, tok string) (db.Session, error) {
	if tok == "" {
		return db.Session{}, errTokenMissing
	}
	hash := hashToken(tok)
	if hash == nil {
		return db.Session{}, errTokenMalformed
	}
	s, err := h.store.CheckToken(ctx, hash)
	if errors.Is(err, db.ErrTokenExpired) {
		return db.Session{}, errTokenExpired
	}
	if errors.Is(err, db.ErrNotFound) {
		return db.Session{}, errTokenDead
	}
	if err != nil {
		return db.Session{}, storeUnavailable(err)
	}
	return s, nil
}

// tokenExpired is the 401 of an access token past its own end while its session lives: the
// client refreshes (POST /api/token/refresh) and retries; every other 401 means log in again.
func tokenExpired() *Error {
	return newError(fiber.StatusUnauthorized, "token_expired", "the access token has expired: refresh it")
}

// authenticate resolves the Bearer token to its live session: 401 when there is none or it
// is dead (token_expired when a refresh will work), 503 when the store cannot tell.
func (h *Handler) authenticate(c *fiber.Ctx) (db.Session, error) {
	s, err := h.lookupToken(c.UserContext(), bearerToken(c))
	switch {
	case errors.Is(err, errTokenMissing):
		return db.Session{}, unauthorized("missing token: send Authorization: Bearer <token>")
	case errors.Is(err, errTokenMalformed):
		return db.Session{}, unauthorized("malformed token")
	case errors.Is(err, errTokenExpired):
		return db.Session{}, tokenExpired()
	case errors.Is(err, errTokenDead):
		return db.Session{}, unauthorized("token is invalid, expired or revoked: log in again")
	}
	return s, err
}

// noSession reports whether err means "this token names no live session" (as opposed to a
// store that cannot answer).
func noSession(err error) bool {
	return errors.Is(err, errTokenMissing) || errors.Is(err, errTokenMalformed) ||
		errors.Is(err, errTokenDead) || errors.Is(err, errTokenExpired)
}

// liveUser loads the session's WeChat user; a user erased meanwhile is a 401.
func (h *Handler) liveUser(c *fiber.Ctx, s db.Session) (db.WxUser, error) {
	return userOf(c, s, h.store.WxUserByID)
}

// shownUser is liveUser from the profile cache: for answers that show the user (user/info),
// never for changing it (the cached row has no session keys).
func (h *Handler) shownUser(c *fiber.Ctx, s db.Session) (db.WxUser, error) {
	return userOf(c, s, h.store.CachedWxUser)
}

func userOf(c *fiber.Ctx, s db.Session, load func(context.Context, int64) (db.WxUser, error)) (db.WxUser, error) {
	u, err := load(c.UserContext(), s.WxUserID)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !u.DeletedAt.IsZero()) {
		return db.WxUser{}, unauthorized("this user no longer exists: log in again")
	}
	if err != nil {
		return db.WxUser{}, storeUnavailable(err)
	}
	return u, nil
}
