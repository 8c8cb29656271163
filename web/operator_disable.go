package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// operatorDisable is POST /admin/operators/:id/disable: the operator is signed out
// everywhere and cannot sign in. An operator cannot disable themself.
func (h *Handler) operatorDisable(c *fiber.Ctx) error { return h.setOperatorDisabled(c, true) }

// operatorEnable is POST /admin/operators/:id/enable.
func (h *Handler) operatorEnable(c *fiber.Ctx) error { return h.setOperatorDisabled(c, false) }

func (h *Handler) setOperatorDisabled(c *fiber.Ctx, disabled bool) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.SetOperatorDisabled(c.UserContext(), id, disabled, h.auditActor(c)); err != nil {
		return operatorChangeFailed(c, err)
	}
	msg := "flash.operator_enabled"
	if disabled {
		msg = "flash.operator_disabled"
	}
	return done(c, views.PathOperators, t(c, msg))
}
