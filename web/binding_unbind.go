package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// bindingUnbind is POST /admin/bindings/:id/unbind (reason): the WeChat user is unbound
// and the sessions carrying the account end.
func (h *Handler) bindingUnbind(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	back := c.FormValue("back", views.PathBindings)
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" {
		return failed(c, back, t(c, "error.status.422"))
	}
	err = h.store.OperatorUnbind(c.UserContext(), id, reason, h.auditActor(c))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return storeError(err)
	}
	h.totals.invalidate()
	return done(c, back, t(c, "flash.unbound"))
}
