package web

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/static"
)

// Register mounts the console at /admin and its assets at /static.
func (h *Handler) Register(app *fiber.App) {
	app.Use(static.Prefix[:len(static.Prefix)-1], h.securityHeaders, staticFiles())

	// Every /admin request: headers, timing, text-only fields, the session cookie, and CSRF
	// on POST.
	a := app.Group("/admin", h.securityHeaders, serverTiming, textInput, h.sessionMiddleware, h.csrfMiddleware)
	a.Get("/login", h.loginShow)
	a.Post("/login", h.loginSubmit)
	a.Get("/lang", h.langSwitch)

	// Per route, not per group: a Fiber group's middleware would run on every /admin
	// path, the sign-in page included. Viewers and admins read; only admins change.
	r := func(path string, fn fiber.Handler) { a.Get(path, h.requireOperator, fn) }
	w := func(method, path string, fn fiber.Handler) {
		a.Add(method, path, h.requireOperator, h.requireAdmin, fn)
	}
	a.Post("/logout", h.requireOperator, h.logout)
	// The code step of a two-factor sign-in, and the operator's own settings (where an
	// operator who must enrol is sent): requireOperator checks the session's stage.
	a.Get("/login/totp", h.requireOperator, h.loginTOTPShow)
	a.Post("/login/totp", h.requireOperator, h.loginTOTPSubmit)
	r("/settings", h.settingsShow)
	a.Post("/settings/password", h.requireOperator, h.settingsPassword)
	a.Post("/settings/totp/start", h.requireOperator, h.totpStart)
	a.Post("/settings/totp/confirm", h.requireOperator, h.totpConfirm)
	r("/", h.overview)

	r("/users", h.usersList)
	w(fiber.MethodGet, "/users/export.csv", h.usersExport)
	r("/users/:id<int>", h.userShow)
	w(fiber.MethodPost, "/users/:id<int>/sessions/revoke", h.userSessionsRevoke)
	w(fiber.MethodPost, "/users/:id<int>/erase", h.userErase)
	w(fiber.MethodPost, "/users/:id<int>/block", h.userBlock)
	w(fiber.MethodPost, "/users/:id<int>/unblock", h.userUnblock)
	w(fiber.MethodPost, "/users/:id<int>/phone", h.userPhoneReveal)

	r("/sessions", h.sessionsList)
	w(fiber.MethodPost, "/sessions/:id<int>/revoke", h.sessionRevoke)

	r("/accounts", h.accountsList)
	w(fiber.MethodPost, "/accounts", h.accountCreate)
	w(fiber.MethodPost, "/accounts/import", h.accountsImport)
	w(fiber.MethodPost, "/accounts/:id<int>/password", h.accountPassword)
	w(fiber.MethodPost, "/accounts/:id<int>/disable", h.accountDisable)
	w(fiber.MethodPost, "/accounts/:id<int>/enable", h.accountEnable)
	w(fiber.MethodPost, "/accounts/:id<int>/unlock", h.accountUnlock)

	r("/bindings", h.bindingsList)
	w(fiber.MethodPost, "/bindings", h.bindingCreate)
	w(fiber.MethodPost, "/bindings/:id<int>/unbind", h.bindingUnbind)

	r("/audit", h.auditList)
	r("/integrate", h.integrate)
	r("/api", h.apiRef)
	w(fiber.MethodGet, "/audit/export.csv", h.auditExport)

	w(fiber.MethodGet, "/operators", h.operatorsList)
	w(fiber.MethodPost, "/operators", h.operatorCreate)
	w(fiber.MethodPost, "/operators/:id<int>/disable", h.operatorDisable)
	w(fiber.MethodPost, "/operators/:id<int>/enable", h.operatorEnable)
	w(fiber.MethodPost, "/operators/:id<int>/role", h.operatorRole)
	w(fiber.MethodPost, "/operators/:id<int>/password", h.operatorPassword)
	w(fiber.MethodPost, "/operators/:id<int>/totp/reset", h.operatorTOTPReset)
	w(fiber.MethodPost, "/operators/require-2fa", h.operatorsRequireTOTP)

	w(fiber.MethodGet, "/apps", h.appsList)
	w(fiber.MethodPost, "/apps", h.appCreate)
	w(fiber.MethodPost, "/apps/:appid/disable", h.appDisable)
	w(fiber.MethodPost, "/apps/:appid/enable", h.appEnable)
	w(fiber.MethodPost, "/apps/:appid/link/on", h.appLinkOn)
	w(fiber.MethodPost, "/apps/:appid/link/off", h.appLinkOff)
	w(fiber.MethodPost, "/apps/:appid/secret", h.appSecret)

	if h.cfg.Simulator {
		r("/playground", h.playgroundShow)
		w(fiber.MethodPost, "/playground/login", h.playgroundLogin)
		w(fiber.MethodPost, "/playground/checkbind", h.playgroundCheckBind)
		w(fiber.MethodPost, "/playground/bind", h.playgroundBind)
		w(fiber.MethodPost, "/playground/reset", h.playgroundReset)
	}
}
