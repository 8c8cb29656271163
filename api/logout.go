package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// okResponse is the answer of calls that only succeed or fail.
type okResponse struct {
	OK bool `json:"ok"`
}

// logout ends the caller's session everywhere.
func (h *Handler) logout(c *fiber.Ctx) error {
	s, err := h.authenticate(c)
	if err != nil {
		return err
	}
	// A session ended meanwhile answers the same: the caller's goal holds.
	_, err = h.store.RevokeSession(c.UserContext(), s.ID, db.UserActor(s.WxUserID, h.clientIP(c)))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return storeUnavailable(err)
	}
	return c.JSON(okResponse{OK: true})
}
