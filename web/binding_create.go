package web

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// bindingCreate is POST /admin/bindings: an operator binds a WeChat user to an account
// (wx_user_id, username, reason), for support cases.
func (h *Handler) bindingCreate(c *fiber.Ctx) error {
	back := c.FormValue("back", views.PathBindings)
	wxUserID, err := strconv.ParseInt(strings.TrimSpace(c.FormValue("wx_user_id")), 10, 64)
	username := strings.TrimSpace(c.FormValue("username"))
	reason := strings.TrimSpace(c.FormValue("reason"))
	if err != nil || wxUserID <= 0 || username == "" || reason == "" {
		return failed(c, back, t(c, "error.status.422"))
	}
	a, err := h.store.AccountByUsername(c.UserContext(), username)
	if errors.Is(err, db.ErrNotFound) {
		return failed(c, back, t(c, "error.not_found_account")+": "+username)
	}
	if err != nil {
		return storeError(err)
	}
	err = h.store.OperatorBind(c.UserContext(), wxUserID, a.ID, reason, h.auditActor(c))
	switch {
	case err == nil:
		h.totals.invalidate()
		return done(c, back, t(c, "flash.bound"))
	case errors.Is(err, db.ErrNotFound):
		return failed(c, back, t(c, "error.not_found_user"))
	case errors.Is(err, db.ErrConflict), errors.Is(err, db.ErrAccountDisabled), errors.Is(err, db.ErrUserDisabled):
		return failed(c, back, bindRefusal(c, err))
	}
	return storeError(err)
}

// bindRefusal says why the store refused a bind in its own words ("the account is
// already bound to another WeChat user"), without the operation chain wrapped around them.
func bindRefusal(c *fiber.Ctx, err error) string {
	for _, known := range []error{db.ErrWxUserBound, db.ErrAccountBound, db.ErrAccountDisabled, db.ErrUserDisabled} {
		if errors.Is(err, known) {
			msg := strings.TrimPrefix(strings.TrimPrefix(known.Error(), "db: "), "conflict: ")
			return t(c, "error.status.409") + ": " + msg
		}
	}
	return t(c, "error.status.409")
}
