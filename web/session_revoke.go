package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// sessionRevoke is POST /admin/sessions/:id/revoke: the session ends now; this instance
// forgets its token at once and the others within a second (the revocations feed), so
// the mini-program's next call answers 401.
func (h *Handler) sessionRevoke(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	back := c.FormValue("back")
	sess, err := h.store.SessionByID(c.UserContext(), id)
	if err != nil {
		return storeError(err)
	}
	err = h.store.RevokeSession(c.UserContext(), id, actor(c))
	if errors.Is(err, db.ErrNotFound) {
		return done(c, back, t(c, "flash.session_revoked")) // already ended: the operator's goal holds
	}
	if err != nil {
		return storeError(err)
	}
	h.audit(c, "session.revoke", fmt.Sprintf("wx_user:%d", sess.WxUserID), fmt.Sprintf("session %d", id))
	h.totals.invalidate()
	return done(c, back, t(c, "flash.session_revoked"))
}
