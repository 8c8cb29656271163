package web

import (
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/password"
	"miniauth/views"
)

// loginSubmit is POST /admin/login: check the password (throttled per username and
// address), record a server-side operator session, and put only its token in the cookie.
func (h *Handler) loginSubmit(c *fiber.Ctx) error {
	username := strings.TrimSpace(c.FormValue("username"))
	pw := c.FormValue("password")
	next := c.FormValue("next")
	ip := h.clientIP(c)
	again := func(status int, key string) error {
		return render(c, status, views.LoginPage(h.page(c, views.NavNone),
			views.LoginView{Username: username, Error: t(c, key), Next: next}))
	}
	if h.throttle.blocked(username, ip) {
		return again(fiber.StatusTooManyRequests, "login.throttled")
	}
	op, err := h.store.OperatorByUsername(c.UserContext(), username)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return storeError(err)
	}
	stored := op.PasswordHash
	if err != nil || op.Disabled {
		stored = "" // checks a dummy hash: unknown names cost the same time
	}
	ok, _, err := h.hasher.Verify(c.UserContext(), stored, pw)
	if errors.Is(err, password.ErrBusy) {
		return again(fiber.StatusServiceUnavailable, "error.status.503")
	}
	if err != nil || !ok {
		h.throttle.failed(username, ip)
		return again(fiber.StatusUnauthorized, "login.invalid")
	}
	h.throttle.succeeded(username, ip)

	token := randomToken()
	hash := sha256.Sum256([]byte(token))
	now := h.now()
	if err := h.store.CreateOperatorSession(c.UserContext(), hash[:], op.ID, ip, userAgent(c), now, now.Add(SessionMax)); err != nil {
		return storeError(err)
	}
	sessionOf(c).signIn(token)
	c.Locals(localOperator, op)
	h.audit(c, "operator.login", "operator:"+op.Username, "")
	return c.Redirect(views.SafeBack(next), fiber.StatusSeeOther)
}
