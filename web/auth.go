package web

import (
	"crypto/sha256"
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// touchEvery bounds how often a request moves an operator session's last activity: the
// idle end is 12 hours, so a minute of slack costs nothing and saves a write per page.
const touchEvery = 1e9 * 60

// requireOperator lets signed-in operators through and sends everyone else to the
// sign-in page (GET) or refuses them (other methods).
func (h *Handler) requireOperator(c *fiber.Ctx) error {
	cs := sessionOf(c)
	token := cs.str(valToken)
	if token != "" {
		hash := sha256.Sum256([]byte(token))
		now := h.now()
		os, err := h.store.OperatorSessionByHash(c.UserContext(), hash[:], SessionIdle)
		switch {
		case err == nil:
			if now.Sub(os.LastSeenAt) > touchEvery {
				if err := h.store.TouchOperatorSession(c.UserContext(), hash[:]); err != nil {
					h.log.WarnContext(c.UserContext(), "console: touch operator session", "err", err)
				}
			}
			c.Locals(localOperator, os.Operator)
			return c.Next()
		case errors.Is(err, db.ErrNotFound):
			cs.signOut() // expired, signed out elsewhere, or operator disabled
		default:
			return storeError(err)
		}
	}
	if c.Method() != fiber.MethodGet {
		return &pageError{status: fiber.StatusUnauthorized}
	}
	next := string(c.Request().URI().RequestURI())
	return c.Redirect(views.PathLogin+"?"+url.Values{"next": {views.SafeBack(next)}}.Encode(), fiber.StatusSeeOther)
}

// requireAdmin refuses viewers: every change goes through it, whatever the page shows.
func (h *Handler) requireAdmin(c *fiber.Ctx) error {
	if operatorOf(c).Role != db.RoleAdmin {
		return &pageError{status: fiber.StatusForbidden, key: "error.forbidden"}
	}
	return c.Next()
}

// operatorOf returns the signed-in operator (zero when none).
func operatorOf(c *fiber.Ctx) db.Operator {
	o, _ := c.Locals(localOperator).(db.Operator)
	return o
}

// auditActor is the signed-in operator, from this request's address, as every store
// command records who made its change.
func (h *Handler) auditActor(c *fiber.Ctx) db.AuditActor {
	return db.OperatorActor(operatorOf(c), h.clientIP(c))
}
