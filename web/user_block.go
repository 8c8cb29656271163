package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// userBlock is POST /admin/users/:id/block (reason): the store blocks the WeChat user,
// ends their sessions and writes the "user.block" audit event with the reason. Login,
// checkBind and bind then answer 403 user_blocked. Blocking a blocked user changes nothing.
func (h *Handler) userBlock(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	back := views.UserURL(id)
	_, err = h.store.BlockWxUser(c.UserContext(), id, c.FormValue("reason"), h.auditActor(c))
	switch {
	case errors.Is(err, db.ErrBlockReason):
		return failed(c, back, t(c, "flash.block_reason"))
	case errors.Is(err, db.ErrNotFound):
		return &pageError{status: fiber.StatusNotFound}
	case err != nil:
		return storeError(err)
	}
	h.totals.invalidate()
	return done(c, back, t(c, "flash.user_blocked"))
}

// userUnblock is POST /admin/users/:id/unblock: the block is lifted ("user.unblock").
func (h *Handler) userUnblock(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	_, err = h.store.UnblockWxUser(c.UserContext(), id, h.auditActor(c))
	switch {
	case errors.Is(err, db.ErrNotFound):
		return &pageError{status: fiber.StatusNotFound}
	case err != nil:
		return storeError(err)
	}
	return done(c, views.UserURL(id), t(c, "flash.user_unblocked"))
}
