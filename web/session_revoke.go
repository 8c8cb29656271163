package web

import (
	"github.com/gofiber/fiber/v2"
)

// sessionRevoke is POST /admin/sessions/:id/revoke: the session ends now; this instance
// forgets its token at once and the others within a second (the revocations feed), so
// the mini-program's next call answers 401.
func (h *Handler) sessionRevoke(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	// A session that had already ended answers the same: the operator's goal holds.
	if _, err := h.store.RevokeSession(c.UserContext(), id, h.auditActor(c)); err != nil {
		return storeError(err)
	}
	h.totals.invalidate()
	return done(c, c.FormValue("back"), t(c, "flash.session_revoked"))
}
