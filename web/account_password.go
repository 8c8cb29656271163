package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// accountPassword is POST /admin/accounts/:id/password: a new password; every session
// carrying the account ends.
func (h *Handler) accountPassword(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pw := c.FormValue("password")
	if pw == "" {
		return failed(c, views.PathAccounts, t(c, "error.status.422"))
	}
	hash, err := h.hasher.Hash(c.UserContext(), pw)
	if err != nil {
		return failed(c, views.PathAccounts, hashProblem(c, err))
	}
	if err := h.store.SetAccountPassword(c.UserContext(), id, hash, h.auditActor(c)); err != nil {
		return storeError(err)
	}
	return done(c, views.PathAccounts, t(c, "flash.password_reset"))
}
