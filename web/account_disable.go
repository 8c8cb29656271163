package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// accountDisable is POST /admin/accounts/:id/disable: the account can no longer bind and
// the sessions carrying it end.
func (h *Handler) accountDisable(c *fiber.Ctx) error { return h.setAccountDisabled(c, true) }

// accountEnable is POST /admin/accounts/:id/enable.
func (h *Handler) accountEnable(c *fiber.Ctx) error { return h.setAccountDisabled(c, false) }

func (h *Handler) setAccountDisabled(c *fiber.Ctx, disabled bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.SetAccountDisabled(c.UserContext(), id, disabled, h.auditActor(c)); err != nil {
		return storeError(err)
	}
	msg := "flash.account_enabled"
	if disabled {
		msg = "flash.account_disabled"
	}
	return done(c, c.FormValue("back", views.PathAccounts), t(c, msg))
}
