package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// loginShow is GET /admin/login: the sign-in form (or the overview when signed in).
func (h *Handler) loginShow(c *fiber.Ctx) error {
	next := c.Query("next")
	return render(c, fiber.StatusOK, views.LoginPage(h.page(c, views.NavNone), views.LoginView{Next: next}))
}
