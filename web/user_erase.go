package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// userErase is POST /admin/users/:id/erase (confirm=yes): account cancellation on the
// user's behalf. The store revokes every session, removes the binding, erases the profile,
// deletes the uploaded avatar unless another user shows it, and writes the "user.delete"
// audit event with the operator as actor.
func (h *Handler) userErase(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return &pageError{status: fiber.StatusUnprocessableEntity}
	}
	err = h.store.DeleteWxUser(c.UserContext(), id, h.auditActor(c))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return storeError(err)
	}
	h.totals.invalidate()
	return done(c, views.UserURL(id), t(c, "flash.user_erased"))
}
