package api

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// refreshRequest is the body of POST /api/token/refresh.
type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// tokenRefresh rotates a session's token pair. Concurrent calls with the same refresh token
// (a client retrying, two pages waking at once) share one rotation and get the same pair;
// a refresh token presented after its rotation is taken as stolen and ends the session.
func (h *Handler) tokenRefresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return badRequest("refresh_token is required")
	}
	hash := hashToken(req.RefreshToken)
	if hash == nil {
		return unauthorized("malformed refresh token")
	}
	v, err, _ := h.refresh.Do(string(hash), func() (any, error) {
		return h.rotate(c, hash)
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (h *Handler) rotate(c *fiber.Ctx, oldHash []byte) (loginResponse, error) {
	ctx := c.UserContext()
	now := h.now()
	// The store keeps the session's absolute end; a far one here only stops issue from
	// shortening the new tokens before the real end is known.
	iss := h.issue(c, now, now.Add(h.cfg.SessionMax))
	s, err := h.store.RotateRefresh(ctx, oldHash, iss.NewSession)
	switch {
	case errors.Is(err, db.ErrRefreshReused):
		h.log.Warn("refresh token reused after rotation: session revoked", "session_id", s.ID, "ip", h.clientIP(c))
		return loginResponse{}, unauthorized("refresh token was already used: the session has been ended, log in again")
	case errors.Is(err, db.ErrNotFound):
		return loginResponse{}, unauthorized("refresh token is invalid or expired: log in again")
	case err != nil:
		return loginResponse{}, storeUnavailable(err)
	}
	// Cap both lifetimes at the session's real absolute end.
	iss.pair.ExpiresIn = seconds(earliest(iss.AccessExpiresAt, s.MaxExpiresAt).Sub(now))
	iss.pair.RefreshExpiresIn = seconds(earliest(iss.IdleExpiresAt, s.MaxExpiresAt).Sub(now))
	u, err := h.liveUser(c, s)
	if err != nil {
		return loginResponse{}, err
	}
	return h.sessionResponse(c, iss.pair, u, s)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
