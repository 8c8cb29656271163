package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// playgroundShow is GET /admin/playground (simulator mode only).
func (h *Handler) playgroundShow(c *fiber.Ctx) error {
	pg := h.play.get(operatorOf(c).ID)
	v := views.PlaygroundView{SimUser: pg.simUser, HasTicket: pg.ticket != "", Steps: pg.steps}
	return render(c, fiber.StatusOK, views.PlaygroundPage(h.page(c, views.NavPlayground), v))
}

// playgroundReset is POST /admin/playground/reset: forget the steps and held secrets.
func (h *Handler) playgroundReset(c *fiber.Ctx) error {
	h.play.update(operatorOf(c).ID, func(p *playground) { *p = playground{} })
	return c.Redirect(views.PathPlayground, fiber.StatusSeeOther)
}
