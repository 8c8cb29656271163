package web

import (
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// loginTOTPShow is GET /admin/login/totp: the second step of a sign-in whose password
// was right (requireOperator lets only such sessions through).
func (h *Handler) loginTOTPShow(c *fiber.Ctx) error {
	return render(c, fiber.StatusOK, views.LoginTOTPPage(h.codePage(c), views.LoginTOTPView{Next: c.Query("next")}))
}

// codePage is the page frame of the code step: no navigation, the operator is not in yet.
func (h *Handler) codePage(c *fiber.Ctx) views.Page {
	p := h.page(c, views.NavNone)
	p.Operator = views.Operator{}
	p.Title = t(c, "login.totp_title")
	return p
}

// loginTOTPSubmit is POST /admin/login/totp: a TOTP code or a recovery code. Tries are
// reserved against the sign-in limits first (as passwords are); a right code not used
// before replaces the pending session with a signed-in one under a new token.
func (h *Handler) loginTOTPSubmit(c *fiber.Ctx) error {
	code := strings.TrimSpace(c.FormValue("code"))
	next := c.FormValue("next")
	op := operatorOf(c)
	ip := h.clientIP(c)
	ctx := c.UserContext()
	again := func(status int, key string) error {
		return render(c, status, views.LoginTOTPPage(h.codePage(c), views.LoginTOTPView{Next: next, Error: t(c, key)}))
	}
	if code == "" || len(code) > 32 {
		return again(fiber.StatusUnprocessableEntity, "login.totp_invalid")
	}
	res, err := h.store.ReserveOperatorSignIn(ctx, op.Username, ip)
	if err != nil {
		return storeError(err)
	}
	if res.Wait > 0 {
		if h.cfg.Observer != nil {
			h.cfg.Observer.Throttled("console_signin_code")
		}
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(res.Wait.Seconds())))))
		return again(fiber.StatusTooManyRequests, "login.throttled")
	}
	token := randomToken()
	hash := sha256.Sum256([]byte(token))
	err = h.store.OperatorSecondFactor(ctx, sessionHashOf(c), hash[:], code, ip, userAgent(c), SessionMax)
	switch {
	case errors.Is(err, db.ErrCodeInvalid):
		if err := h.store.OperatorCodeFailed(context.WithoutCancel(ctx), res.AttemptID, op.Username, ip); err != nil {
			return storeError(err)
		}
		return again(fiber.StatusUnauthorized, "login.totp_invalid")
	case errors.Is(err, db.ErrNotFound):
		// Reset or signed out meanwhile: start again.
		_ = h.store.ReleaseOperatorSignIn(context.WithoutCancel(ctx), res.AttemptID)
		sessionOf(c).signOut()
		return c.Redirect(views.PathLogin, fiber.StatusSeeOther)
	case err != nil:
		_ = h.store.ReleaseOperatorSignIn(context.WithoutCancel(ctx), res.AttemptID)
		return storeError(err)
	}
	sessionOf(c).signIn(token)
	return c.Redirect(views.SafeBack(next), fiber.StatusSeeOther)
}
