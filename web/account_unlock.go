package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// accountUnlock is POST /admin/accounts/:id/unlock: forget the failed password attempts
// that throttle binding to this account.
func (h *Handler) accountUnlock(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.store.AccountByID(c.UserContext(), id)
	if err != nil {
		return storeError(err)
	}
	if _, err := h.store.UnlockAccount(c.UserContext(), a.Username, h.auditActor(c)); err != nil {
		return storeError(err)
	}
	return done(c, c.FormValue("back", views.PathAccounts), t(c, "flash.account_unlocked"))
}
