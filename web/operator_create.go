package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/password"
	"miniauth/views"
)

// operatorCreate is POST /admin/operators: username, password, role.
func (h *Handler) operatorCreate(c *fiber.Ctx) error {
	username := strings.TrimSpace(c.FormValue("username"))
	pw := c.FormValue("password")
	role := c.FormValue("role")
	if username == "" || password.CheckNew(pw) != nil || !db.ValidRole(role) {
		return failed(c, views.PathOperators, t(c, "error.status.422"))
	}
	hash, err := h.hasher.Hash(c.UserContext(), pw)
	if err != nil {
		return failed(c, views.PathOperators, hashProblem(c, err))
	}
	_, err = h.store.CreateOperator(c.UserContext(), username, hash, role, h.auditActor(c))
	if errors.Is(err, db.ErrConflict) {
		return failed(c, views.PathOperators, t(c, "error.status.409")+": "+username)
	}
	if errors.Is(err, db.ErrInvalidUsername) {
		return failed(c, views.PathOperators, t(c, "error.username_invalid"))
	}
	if err != nil {
		return storeError(err)
	}
	return done(c, views.PathOperators, views.Tf(langOf(c), "flash.operator_created", username))
}
