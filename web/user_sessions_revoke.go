package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// userSessionsRevoke is POST /admin/users/:id/sessions/revoke: every live session of the
// user ends now.
func (h *Handler) userSessionsRevoke(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := h.store.RevokeWxUserSessions(c.UserContext(), id, h.auditActor(c))
	if err != nil {
		return storeError(err)
	}
	h.totals.invalidate()
	back := c.FormValue("back")
	if back == "" {
		back = views.UserURL(id)
	}
	return done(c, back, views.Tf(langOf(c), "flash.sessions_revoked", n))
}
