package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/password"
	"miniauth/views"
)

// operatorChangeFailed turns the refusals of operator changes into flashes.
func operatorChangeFailed(c *fiber.Ctx, err error) error {
	switch {
	case errors.Is(err, db.ErrLastAdmin):
		return failed(c, views.PathOperators, t(c, "error.last_admin"))
	case errors.Is(err, db.ErrDisableSelf):
		return failed(c, views.PathOperators, t(c, "error.forbidden"))
	}
	return storeError(err)
}

// operatorRole is POST /admin/operators/:id/role: role. The operator's console sessions
// end; the last enabled admin cannot be demoted.
func (h *Handler) operatorRole(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	if !db.ValidRole(role) {
		return failed(c, views.PathOperators, t(c, "error.status.422"))
	}
	if err := h.store.SetOperatorRole(c.UserContext(), id, role, h.auditActor(c)); err != nil {
		return operatorChangeFailed(c, err)
	}
	return done(c, views.PathOperators, t(c, "flash.operator_role"))
}

// operatorPassword is POST /admin/operators/:id/password: a new password for another
// operator; their console sessions end.
func (h *Handler) operatorPassword(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	pw := c.FormValue("password")
	if err := password.CheckNew(pw); err != nil {
		if errors.Is(err, password.ErrTooLong) {
			return failed(c, views.PathOperators, t(c, "error.password_too_long"))
		}
		return failed(c, views.PathOperators, t(c, "settings.password_weak"))
	}
	hash, err := h.hasher.Hash(c.UserContext(), pw)
	if err != nil {
		return failed(c, views.PathOperators, hashProblem(c, err))
	}
	if err := h.store.SetOperatorPassword(c.UserContext(), id, hash, h.auditActor(c)); err != nil {
		return operatorChangeFailed(c, err)
	}
	return done(c, views.PathOperators, t(c, "flash.operator_password"))
}

// operatorTOTPReset is POST /admin/operators/:id/totp/reset: the operator loses their
// two-factor sign-in and recovery codes and is signed out.
func (h *Handler) operatorTOTPReset(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.store.ResetOperatorTOTP(c.UserContext(), id, h.auditActor(c)); err != nil {
		return operatorChangeFailed(c, err)
	}
	return done(c, views.PathOperators, t(c, "flash.operator_totp_reset"))
}

// operatorsRequireTOTP is POST /admin/operators/require-2fa: on=1|0.
func (h *Handler) operatorsRequireTOTP(c *fiber.Ctx) error {
	on := c.FormValue("on")
	if on != "1" && on != "0" {
		return &pageError{status: fiber.StatusBadRequest, key: "error.status.400", detail: "on"}
	}
	if err := h.store.SetRequireTOTP(c.UserContext(), on == "1", h.auditActor(c)); err != nil {
		return storeError(err)
	}
	if on == "1" {
		return done(c, views.PathOperators, t(c, "flash.require_totp_on"))
	}
	return done(c, views.PathOperators, t(c, "flash.require_totp_off"))
}
