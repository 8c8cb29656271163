package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// userDelete is account cancellation: every session ends, the binding goes, the profile is
// erased and an uploaded avatar nobody else shows is deleted; an audit tombstone remains.
func (h *Handler) userDelete(c *fiber.Ctx) error {
	s, err := h.authenticate(c)
	if err != nil {
		return err
	}
	err = h.store.DeleteWxUser(c.UserContext(), s.WxUserID, db.UserActor(s.WxUserID, h.clientIP(c)))
	if errors.Is(err, db.ErrNotFound) {
		return unauthorized("this user no longer exists")
	}
	if err != nil {
		return storeUnavailable(err)
	}
	return c.JSON(okResponse{OK: true})
}
