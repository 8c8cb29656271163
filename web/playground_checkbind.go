package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// playgroundCheckBind is POST /admin/playground/checkbind: a fresh code to
// /api/user/checkBind. A bind ticket in the answer stays on the server for step 3.
func (h *Handler) playgroundCheckBind(c *fiber.Ctx) error {
	if ok, err := h.playCodeStep(c, "checkBind", "/api/user/checkBind"); !ok {
		return err
	}
	return c.Redirect(views.PathPlayground, fiber.StatusSeeOther)
}
