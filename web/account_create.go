package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/password"
	"miniauth/views"
)

// hashProblem words a failure to hash a new password for the operator.
func hashProblem(c *fiber.Ctx, err error) string {
	switch {
	case errors.Is(err, password.ErrTooLong):
		return t(c, "error.password_too_long")
	case errors.Is(err, password.ErrBusy):
		return t(c, "error.busy")
	}
	return t(c, "error.status.500")
}

// accountCreate is POST /admin/accounts: username, name, password.
func (h *Handler) accountCreate(c *fiber.Ctx) error {
	username := strings.TrimSpace(c.FormValue("username"))
	name := strings.TrimSpace(c.FormValue("name"))
	pw := c.FormValue("password")
	if username == "" || pw == "" {
		return failed(c, views.PathAccounts, t(c, "error.status.422"))
	}
	hash, err := h.hasher.Hash(c.UserContext(), pw)
	if err != nil {
		return failed(c, views.PathAccounts, hashProblem(c, err))
	}
	a, err := h.store.CreateAccount(c.UserContext(), username, name, hash, h.auditActor(c))
	switch {
	case errors.Is(err, db.ErrConflict):
		return failed(c, views.PathAccounts, t(c, "error.status.409")+": "+username)
	case errors.Is(err, db.ErrInvalidUsername):
		return failed(c, views.PathAccounts, t(c, "error.username_invalid"))
	case errors.Is(err, db.ErrInvalidAccountName):
		return failed(c, views.PathAccounts, t(c, "error.status.422"))
	case err != nil:
		return storeError(err)
	}
	h.totals.invalidate()
	return done(c, views.AccountURL(a.Username), views.Tf(langOf(c), "flash.account_created", a.Username))
}
