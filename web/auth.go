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
			c.Locals(localSessionHash, hash[:])
			if to := stageRedirect(os.Stage, c.Path()); to != "" {
				if c.Method() != fiber.MethodGet {
					return &pageError{status: fiber.StatusForbidden, key: "error.forbidden"}
				}
				return c.Redirect(to, fiber.StatusSeeOther)
			}
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

// stageRedirect is where a session at stage must go instead of path ("" when path is
// open to it): a sign-in that owes its second factor reaches only the code page, one
// that must enrol only the settings page, and a signed-in one has no code page.
func stageRedirect(stage int, path string) string {
	if path == views.PathLogout {
		return ""
	}
	switch stage {
	case db.StageSignedIn:
		if path == views.PathLoginTOTP {
			return views.PathOverview
		}
		return ""
	case db.StageCodeDue:
		if path == views.PathLoginTOTP {
			return ""
		}
		return views.PathLoginTOTP
	default: // db.StageMustEnrol
		if path == views.PathSettings || path == views.PathTOTPStart || path == views.PathTOTPConfirm {
			return ""
		}
		return views.PathSettings
	}
}

// sessionHashOf is the SHA-256 of this request's operator-session token (nil when none).
func sessionHashOf(c *fiber.Ctx) []byte {
	h, _ := c.Locals(localSessionHash).([]byte)
	return h
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
