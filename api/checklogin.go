package api

import (
	"github.com/gofiber/fiber/v2"
)

// checkLoginResponse says whether a token is alive and for how long.
type checkLoginResponse struct {
	IsLogin   bool  `json:"is_login"`
	ExpiresIn int64 `json:"expires_in"`
}

// checkLogin answers 200 for any token, alive or not; only a store that cannot answer
// makes it fail (503), so a client never logs its user out because the database hiccuped.
func (h *Handler) checkLogin(c *fiber.Ctx) error {
	now := h.now()
	s, err := h.lookupToken(c.UserContext(), bearerToken(c))
	if noSession(err) {
		return c.JSON(checkLoginResponse{})
	}
	if err != nil {
		return err
	}
	return c.JSON(checkLoginResponse{IsLogin: true, ExpiresIn: seconds(s.AccessExpiresAt.Sub(now))})
}
