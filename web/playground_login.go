package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// playgroundLogin is POST /admin/playground/login: wx.login in the simulator, then
// POST /api/login with the code, as mini-program code does.
func (h *Handler) playgroundLogin(c *fiber.Ctx) error {
	if ok, err := h.playCodeStep(c, "login", "/api/login"); !ok {
		return err
	}
	h.totals.invalidate()
	return c.Redirect(views.PathPlayground, fiber.StatusSeeOther)
}

// playCodeStep gets a fresh wx.login code for the form's simulated person, posts it to
// path as mini-program code would, and records the step. The answer's bind ticket, if
// any, stays on the server for the bind step (a login answer has none, which clears it).
// When ok is false the response is already made (err is what the handler returns).
func (h *Handler) playCodeStep(c *fiber.Ctx, name, path string) (ok bool, err error) {
	simUser, err := simUserOf(c)
	if err != nil {
		return false, err
	}
	code, err := h.simCode(c.UserContext(), simUser)
	if err != nil {
		return false, failed(c, views.PathPlayground, err.Error())
	}
	status, out, err := h.call(c.UserContext(), path, map[string]any{"code": code})
	if err != nil {
		return false, failed(c, views.PathPlayground, err.Error())
	}
	ticket, _ := out["bindTicket"].(string)
	h.play.update(operatorOf(c).ID, func(p *playground) {
		p.ticket = ticket
		st, id := step(name, "POST "+path+` {"code":"…"}`, status, out)
		p.record(simUser, st, id)
	})
	return true, nil
}
