package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/views"
)

// appsList is GET /admin/apps (admins only): the mini-programs, never their secrets.
func (h *Handler) appsList(c *fiber.Ctx) error {
	apps, err := h.store.Apps(c.UserContext())
	if err != nil {
		return storeError(err)
	}
	var v views.AppsView
	for _, a := range apps {
		v.Apps = append(v.Apps, views.AppRow{AppID: a.AppID, Name: a.Name, Enabled: a.Enabled,
			LinkUnionID: a.LinkUnionID, Default: a.AppID == h.cfg.DefaultApp, CreatedAt: a.CreatedAt})
	}
	return render(c, fiber.StatusOK, views.AppsPage(h.page(c, views.NavApps), v))
}

// appCreate is POST /admin/apps: appid, name, secret, link.
func (h *Handler) appCreate(c *fiber.Ctx) error {
	in := db.AppInput{AppID: strings.TrimSpace(c.FormValue("appid")), Name: strings.TrimSpace(c.FormValue("name")),
		Secret: strings.TrimSpace(c.FormValue("secret")), NoUnionIDLink: c.FormValue("link") != "1"}
	_, err := h.store.CreateApp(c.UserContext(), in, h.auditActor(c))
	switch {
	case errors.Is(err, db.ErrConflict):
		return failed(c, views.PathApps, t(c, "error.status.409")+": "+in.AppID)
	case errors.Is(err, db.ErrInvalidAppID), errors.Is(err, db.ErrInvalidAppName), errors.Is(err, db.ErrInvalidAppSecret):
		return failed(c, views.PathApps, t(c, "error.app_invalid"))
	case err != nil:
		return storeError(err)
	}
	return done(c, views.PathApps, views.Tf(langOf(c), "flash.app_created", in.AppID))
}

// pathAppID reads the :appid route parameter; a malformed one is 404.
func pathAppID(c *fiber.Ctx) (string, error) {
	appid := c.Params("appid")
	if !db.ValidAppID(appid) {
		return "", notFound()
	}
	return appid, nil
}

// appChanged answers an app change: back to the page with a flash, 404 for an unknown app.
func appChanged(c *fiber.Ctx, appid string, err error) error {
	switch {
	case errors.Is(err, db.ErrInvalidAppSecret):
		return failed(c, views.PathApps, t(c, "error.app_invalid"))
	case err != nil:
		return storeError(err)
	}
	return done(c, views.PathApps, views.Tf(langOf(c), "flash.app_changed", appid))
}

// appDisable is POST /admin/apps/:appid/disable: its logins are refused from then on.
func (h *Handler) appDisable(c *fiber.Ctx) error { return h.setAppEnabled(c, false) }

// appEnable is POST /admin/apps/:appid/enable.
func (h *Handler) appEnable(c *fiber.Ctx) error { return h.setAppEnabled(c, true) }

func (h *Handler) setAppEnabled(c *fiber.Ctx, enabled bool) error {
	appid, err := pathAppID(c)
	if err != nil {
		return err
	}
	return appChanged(c, appid, h.store.SetAppEnabled(c.UserContext(), appid, enabled, h.auditActor(c)))
}

// appLinkOn is POST /admin/apps/:appid/link/on: logins take over bindings by unionid.
func (h *Handler) appLinkOn(c *fiber.Ctx) error { return h.setAppLink(c, true) }

// appLinkOff is POST /admin/apps/:appid/link/off.
func (h *Handler) appLinkOff(c *fiber.Ctx) error { return h.setAppLink(c, false) }

func (h *Handler) setAppLink(c *fiber.Ctx, on bool) error {
	appid, err := pathAppID(c)
	if err != nil {
		return err
	}
	return appChanged(c, appid, h.store.SetAppLinkUnionID(c.UserContext(), appid, on, h.auditActor(c)))
}

// appSecret is POST /admin/apps/:appid/secret: the new AppSecret (write-only).
func (h *Handler) appSecret(c *fiber.Ctx) error {
	appid, err := pathAppID(c)
	if err != nil {
		return err
	}
	err = h.store.SetAppSecret(c.UserContext(), appid, strings.TrimSpace(c.FormValue("secret")), h.auditActor(c))
	return appChanged(c, appid, err)
}
