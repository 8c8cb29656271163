package web

import (
	"crypto/sha256"

	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// logout is POST /admin/logout: the operator session row is deleted, so the cookie is
// worthless even if it was copied.
func (h *Handler) logout(c *fiber.Ctx) error {
	cs := sessionOf(c)
	hash := sha256.Sum256([]byte(cs.str(valToken)))
	if err := h.store.SignOutOperator(c.UserContext(), hash[:], h.auditActor(c)); err != nil {
		return storeError(err)
	}
	cs.signOut()
	cs.flash(views.FlashInfo, t(c, "flash.signed_out"))
	return c.Redirect(views.PathLogin, fiber.StatusSeeOther)
}
