package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image/png"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/password"
	"miniauth/views"
)

// settingsShow is GET /admin/settings: the operator's own password and two-factor
// sign-in. The TOTP secret is never on this page once the enrolment is confirmed.
func (h *Handler) settingsShow(c *fiber.Ctx) error {
	return h.renderSettings(c, fiber.StatusOK, views.SettingsView{})
}

func (h *Handler) renderSettings(c *fiber.Ctx, status int, v views.SettingsView) error {
	op := operatorOf(c)
	v.HasTOTP = op.HasTOTP
	p := h.page(c, views.NavNone)
	p.Title = t(c, "nav.settings")
	if v.MustEnrol = !op.HasTOTP && len(v.RecoveryCodes) == 0; v.MustEnrol {
		required, err := h.store.RequireTOTP(c.UserContext())
		if err != nil {
			return storeError(err)
		}
		v.MustEnrol = required
	}
	return render(c, status, views.SettingsPage(p, v))
}

// settingsPassword is POST /admin/settings/password: old, new, again. The old password
// is checked as a sign-in try is (reserved against the same limits, a wrong one
// audited); the operator's other console sessions end.
func (h *Handler) settingsPassword(c *fiber.Ctx) error {
	oldPW, newPW, again := c.FormValue("old"), c.FormValue("new"), c.FormValue("again")
	switch {
	case newPW != again:
		return failed(c, views.PathSettings, t(c, "settings.password_match"))
	case errors.Is(password.CheckNew(newPW), password.ErrTooLong):
		return failed(c, views.PathSettings, t(c, "error.password_too_long"))
	case password.CheckNew(newPW) != nil:
		return failed(c, views.PathSettings, t(c, "settings.password_weak"))
	}
	op := operatorOf(c)
	ip := h.clientIP(c)
	ctx := c.UserContext()
	res, err := h.store.ReserveOperatorSignIn(ctx, op.Username, ip)
	if err != nil {
		return storeError(err)
	}
	if res.Wait > 0 {
		return failed(c, views.PathSettings, t(c, "login.throttled"))
	}
	ok, _, err := h.hasher.Verify(ctx, res.Operator.PasswordHash, oldPW)
	if errors.Is(err, password.ErrBusy) || ctx.Err() != nil {
		_ = h.store.ReleaseOperatorSignIn(context.WithoutCancel(ctx), res.AttemptID)
		return failed(c, views.PathSettings, t(c, "error.busy"))
	}
	if err != nil || !ok {
		if err := h.store.OperatorSignInFailed(ctx, res.AttemptID, op.Username, ip); err != nil {
			return storeError(err)
		}
		return failed(c, views.PathSettings, t(c, "settings.password_wrong"))
	}
	hash, err := h.hasher.Hash(ctx, newPW)
	if err != nil {
		_ = h.store.ReleaseOperatorSignIn(context.WithoutCancel(ctx), res.AttemptID)
		return failed(c, views.PathSettings, hashProblem(c, err))
	}
	if err := h.store.ChangeOwnOperatorPassword(ctx, op.ID, hash, sessionHashOf(c), res.AttemptID, h.auditActor(c)); err != nil {
		return storeError(err)
	}
	return done(c, views.PathSettings, t(c, "flash.own_password"))
}

// totpStart is POST /admin/settings/totp/start: a new secret, kept sealed as pending,
// shown on this answer only (QR code and text), never in a URL.
func (h *Handler) totpStart(c *fiber.Ctx) error {
	op := operatorOf(c)
	secret, err := db.GenerateTOTPSecret(op.Username)
	if err != nil {
		return storeError(err)
	}
	err = h.store.BeginOperatorTOTP(c.UserContext(), op.ID, secret, h.auditActor(c))
	if errors.Is(err, db.ErrTOTPEnrolled) {
		return failed(c, views.PathSettings, t(c, "error.totp_enrolled"))
	}
	if err != nil {
		return storeError(err)
	}
	return h.renderEnrol(c, fiber.StatusOK, secret, "")
}

// renderEnrol draws the enrolment step: the QR code as a PNG data: URL (made here, so
// the secret never leaves this answer) and the secret as text.
func (h *Handler) renderEnrol(c *fiber.Ctx, status int, secret, errKey string) error {
	op := operatorOf(c)
	key, err := db.TOTPKey(op.Username, secret)
	if err != nil {
		return storeError(err)
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return storeError(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return storeError(err)
	}
	v := views.SettingsView{Enrol: &views.TOTPEnrol{
		QRDataURL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
		Secret:    secret,
	}}
	if errKey != "" {
		v.Error = t(c, errKey)
	}
	return h.renderSettings(c, status, v)
}

// totpConfirm is POST /admin/settings/totp/confirm: the code from the app. A right one
// switches two-factor sign-in on and shows the recovery codes, once.
func (h *Handler) totpConfirm(c *fiber.Ctx) error {
	op := operatorOf(c)
	ctx := c.UserContext()
	code := c.FormValue("code")
	codes, err := h.store.ConfirmOperatorTOTP(ctx, op.ID, code, sessionHashOf(c), h.auditActor(c))
	switch {
	case errors.Is(err, db.ErrCodeInvalid):
		secret, perr := h.store.PendingOperatorTOTP(ctx, op.ID)
		if perr != nil {
			return storeError(perr)
		}
		return h.renderEnrol(c, fiber.StatusUnprocessableEntity, secret, "settings.totp_invalid")
	case errors.Is(err, db.ErrNotFound):
		return c.Redirect(views.PathSettings, fiber.StatusSeeOther)
	case err != nil:
		return storeError(err)
	}
	op.HasTOTP = true
	c.Locals(localOperator, op)
	return h.renderSettings(c, fiber.StatusOK, views.SettingsView{RecoveryCodes: codes})
}
