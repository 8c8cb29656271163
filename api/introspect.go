package api

import (
	"crypto/subtle"
	"errors"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// introspectRequest is the body of POST /internal/introspect.
type introspectRequest struct {
	Token string `json:"token"`
}

// introspectResponse tells the platform's own backend who a token belongs to. It is the one
// answer that carries an openid, for calls such as WeChat Pay that need it.
type introspectResponse struct {
	Active    bool         `json:"active"`
	SessionID int64        `json:"session_id,omitempty"`
	UserID    int64        `json:"user_id,omitempty"`
	OpenID    string       `json:"openid,omitempty"`
	UnionID   string       `json:"unionid,omitempty"`
	AppID     string       `json:"appid,omitempty"` // the mini-program the session was started in
	Account   *accountView `json:"account"`
	ExpiresIn int64        `json:"expires_in,omitempty"`
}

// introspect answers a service holding one of MINIAUTH_SERVICE_KEYS as a Bearer token.
func (h *Handler) introspect(c *fiber.Ctx) error {
	if !h.serviceKeyOK(bearerToken(c)) {
		if len(h.cfg.ServiceKeys) == 0 {
			return newError(fiber.StatusForbidden, "forbidden", "introspection is off: set MINIAUTH_SERVICE_KEYS")
		}
		return unauthorized("a service key is required: Authorization: Bearer <service key>")
	}
	var req introspectRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	now := h.now()
	s, err := h.lookupToken(c.UserContext(), req.Token)
	if noSession(err) {
		return c.JSON(introspectResponse{})
	}
	if err != nil {
		return err
	}
	// The identity (openid, unionid, account id) cannot change during a session; the
	// user's row is read through the profile cache, so a warm check reads no database.
	u, err := h.store.CachedWxUser(c.UserContext(), s.WxUserID)
	if errors.Is(err, db.ErrNotFound) || err == nil && !u.DeletedAt.IsZero() {
		return c.JSON(introspectResponse{})
	}
	if err != nil {
		return storeUnavailable(err)
	}
	resp := introspectResponse{Active: true, SessionID: s.ID, UserID: u.ID, OpenID: u.OpenID,
		UnionID: u.UnionID, AppID: s.AppID, ExpiresIn: seconds(s.AccessExpiresAt.Sub(now))}
	if s.AccountID != 0 {
		if resp.Account, err = h.accountView(c, s.AccountID); err != nil {
			return err
		}
	}
	return c.JSON(resp)
}

func (h *Handler) serviceKeyOK(key string) bool {
	if key == "" {
		return false
	}
	ok := 0
	for _, k := range h.cfg.ServiceKeys {
		ok |= subtle.ConstantTimeCompare([]byte(k), []byte(key))
	}
	return ok == 1
}
