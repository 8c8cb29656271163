package web

import (
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"net/url"

	"miniauth/db"
	"miniauth/password"
	"miniauth/views"
)

// loginSubmit is POST /admin/login: check the password (throttled in the database per
// username and per address, the try reserved before the hash), record a server-side
// operator session, and put only its token in the cookie.
func (h *Handler) loginSubmit(c *fiber.Ctx) error {
	username := strings.TrimSpace(c.FormValue("username"))
	pw := c.FormValue("password")
	next := c.FormValue("next")
	ip := h.clientIP(c)
	again := func(status int, key string) error {
		return render(c, status, views.LoginPage(h.page(c, views.NavNone),
			views.LoginView{Username: username, Error: t(c, key), Next: next}))
	}
	// One write reserves the try before any hash, shared by every instance: past the limits
	// of this username or address the answer is 429 whatever the password.
	ctx := c.UserContext()
	res, err := h.store.ReserveOperatorSignIn(ctx, username, ip)
	if err != nil {
		return storeError(err)
	}
	if res.Wait > 0 {
		if h.cfg.Observer != nil {
			kind := "console_signin_username"
			if res.ByIP {
				kind = "console_signin_ip"
			}
			h.cfg.Observer.Throttled(kind)
		}
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(res.Wait.Seconds())))))
		return again(fiber.StatusTooManyRequests, "login.throttled")
	}
	op := res.Operator
	stored := op.PasswordHash
	if op.ID == 0 || op.Disabled {
		stored = "" // checks a dummy hash: unknown names cost the same time
	}
	ok, _, err := h.hasher.Verify(ctx, stored, pw)
	if errors.Is(err, password.ErrBusy) || ctx.Err() != nil {
		if errors.Is(err, password.ErrBusy) && h.cfg.Observer != nil {
			h.cfg.Observer.Busy("password")
		}
		// No verdict: give the try back (the request may be gone already).
		if rerr := h.store.ReleaseOperatorSignIn(context.WithoutCancel(ctx), res.AttemptID); rerr != nil {
			h.log.WarnContext(ctx, "console: release of an unchecked sign-in try failed; it counts as a failure", "err", rerr)
		}
		return again(fiber.StatusServiceUnavailable, "error.status.503")
	}
	if err != nil || !ok || op.ID == 0 || op.Disabled {
		if err := h.store.OperatorSignInFailed(ctx, res.AttemptID, username, ip); err != nil {
			return storeError(err)
		}
		return again(fiber.StatusUnauthorized, "login.invalid")
	}

	// Two factors: the password opens only the code page (or, when two-factor sign-in
	// is required and not set up, only the enrolment).
	stage, to := db.StageSignedIn, views.SafeBack(next)
	if op.HasTOTP {
		stage, to = db.StageCodeDue, views.PathLoginTOTP+"?"+url.Values{"next": {views.SafeBack(next)}}.Encode()
	} else if required, err := h.store.RequireTOTP(ctx); err != nil {
		return storeError(err)
	} else if required {
		stage, to = db.StageMustEnrol, views.PathSettings
	}
	token := randomToken()
	hash := sha256.Sum256([]byte(token))
	if err := h.store.OperatorPasswordAccepted(ctx, hash[:], op, ip, userAgent(c), SessionMax, stage); err != nil {
		return storeError(err)
	}
	sessionOf(c).signIn(token)
	c.Locals(localOperator, op)
	return c.Redirect(to, fiber.StatusSeeOther)
}
