package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// playgroundCheckBind is POST /admin/playground/checkbind: a fresh code to
// /api/user/checkBind. A bind ticket in the answer stays on the server for step 3.
func (h *Handler) playgroundCheckBind(c *fiber.Ctx) error {
	simUser, err := simUserOf(c)
	if err != nil {
		return err
	}
	code, err := h.simCode(c.UserContext(), simUser)
	if err != nil {
		return failed(c, views.PathPlayground, err.Error())
	}
	status, out, err := h.call(c.UserContext(), "/api/user/checkBind", map[string]any{"code": code})
	if err != nil {
		return failed(c, views.PathPlayground, err.Error())
	}
	ticket, _ := out["bindTicket"].(string)
	h.play.update(operatorOf(c).ID, func(p *playground) {
		p.ticket = ticket
		st, id := step("checkBind", `POST /api/user/checkBind {"code":"…"}`, status, out)
		p.record(simUser, st, id)
	})
	return c.Redirect(views.PathPlayground, fiber.StatusSeeOther)
}
