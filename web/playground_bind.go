package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// playgroundBind is POST /admin/playground/bind: the held bind ticket with an account's
// username and password to /api/user/bind.
func (h *Handler) playgroundBind(c *fiber.Ctx) error {
	op := operatorOf(c).ID
	pg := h.play.get(op)
	if pg.ticket == "" {
		return failed(c, views.PathPlayground, t(c, "playground.need_ticket"))
	}
	username := strings.TrimSpace(c.FormValue("username"))
	status, out, err := h.call(c.UserContext(), "/api/user/bind", map[string]any{
		"bindTicket": pg.ticket, "username": username, "password": c.FormValue("password")})
	if err != nil {
		return failed(c, views.PathPlayground, err.Error())
	}
	h.play.update(op, func(p *playground) {
		if status == fiber.StatusOK {
			p.ticket = "" // used
		}
		st, id := step("bind", `POST /api/user/bind {"bindTicket":"…","username":"`+username+`","password":"…"}`, status, out)
		p.record(p.simUser, st, id)
	})
	h.totals.invalidate()
	return c.Redirect(views.PathPlayground, fiber.StatusSeeOther)
}
