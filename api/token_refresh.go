package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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
// (a client retrying, two pages waking at once) share one rotation and get the same pair,
// on any instance and up to db.RefreshGrace after it; a refresh token presented after
// that is taken as stolen and ends the session. In one instance, simultaneous calls also
// share one store call.
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
		return h.rotate(c, req.RefreshToken, hash)
	})
	if err != nil {
		return err
	}
	return c.JSON(v)
}

func (h *Handler) rotate(c *fiber.Ctx, oldRefresh string, oldHash []byte) (loginResponse, error) {
	ctx := c.UserContext()
	iss := h.issue(c) // the store keeps the session's absolute end
	iss.pair.Token, iss.TokenHash, iss.pair.RefreshToken, iss.RefreshHash = h.successorTokens(oldRefresh)
	s, err := h.store.RotateRefresh(ctx, oldHash, iss.NewSession)
	switch {
	case errors.Is(err, db.ErrRefreshReused):
		h.log.WarnContext(ctx, "refresh token reused after rotation: session revoked", "session_id", s.ID, "ip", h.clientIP(c))
		return loginResponse{}, unauthorized("refresh token was already used: the session has been ended, log in again")
	case errors.Is(err, db.ErrNotFound):
		return loginResponse{}, unauthorized("refresh token is invalid or expired: log in again")
	case err != nil:
		return loginResponse{}, storeUnavailable(err)
	}
	// The session's own ends: capped at its absolute end, and those of the shared
	// rotation when this call came a moment after it.
	u, err := h.liveUser(c, s)
	if err != nil {
		return loginResponse{}, err
	}
	return h.sessionResponse(c, iss.pairFor(s), u, s)
}

// successorInfo is the HKDF info of the key that derives a refresh's new token pair.
const successorInfo = "miniauth refresh successor"

// successorTokens derives the token pair that replaces the refresh token old, and their
// hashes: HMAC-SHA256 of old under a key derived from the newest secret key. Every
// instance computes the same pair for the same old token, so refreshes racing through
// different instances, or a retry a moment later, can be handed one rotation's pair
// without any token being stored in a recoverable form. Without the secret key the pair
// cannot be guessed from old.
func (h *Handler) successorTokens(old string) (tok string, tokHash []byte, ref string, refHash []byte) {
	key := h.store.Keys().Derive(successorInfo, 32)[0]
	derive := func(label string) (string, []byte) {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(label))
		m.Write([]byte{0})
		m.Write([]byte(old))
		t := base64.RawURLEncoding.EncodeToString(m.Sum(nil))
		sum := sha256.Sum256([]byte(t))
		return t, sum[:]
	}
	tok, tokHash = derive("access")
	ref, refHash = derive("refresh")
	return tok, tokHash, ref, refHash
}

// earliest returns the earlier of a and b.
func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
