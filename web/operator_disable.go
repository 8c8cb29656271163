package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
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
	err = h.store.SetOperatorDisabled(c.UserContext(), id, disabled, h.auditActor(c))
	if errors.Is(err, db.ErrDisableSelf) {
		return failed(c, views.PathOperators, t(c, "error.forbidden"))
	}
	if err != nil {
		return storeError(err)
	}
	msg := "flash.operator_enabled"
	if disabled {
		msg = "flash.operator_disabled"
	}
	return done(c, views.PathOperators, t(c, msg))
}
