package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// playgroundLogin is POST /admin/playground/login: wx.login in the simulator, then
// POST /api/login with the code, as mini-program code does.
func (h *Handler) playgroundLogin(c *fiber.Ctx) error {
	simUser, err := simUserOf(c)
	if err != nil {
		return err
	}
	code, err := h.simCode(c.UserContext(), simUser)
	if err != nil {
		return failed(c, views.PathPlayground, err.Error())
	}
	status, out, err := h.call(c.UserContext(), "/api/login", map[string]any{"code": code})
	if err != nil {
		return failed(c, views.PathPlayground, err.Error())
	}
	h.play.update(operatorOf(c).ID, func(p *playground) {
		p.ticket = ""
		st, id := step("login", `POST /api/login {"code":"…"}`, status, out)
		p.record(simUser, st, id)
	})
	h.totals.invalidate()
	return c.Redirect(views.PathPlayground, fiber.StatusSeeOther)
}
