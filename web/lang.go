package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// langSwitch is GET /admin/lang?to=&back=: remember the language in a cookie and return.
// A display preference only, so a plain GET link without CSRF token is enough.
func (h *Handler) langSwitch(c *fiber.Ctx) error {
	if lang, ok := views.ParseLang(c.Query("to")); ok {
		c.Cookie(&fiber.Cookie{
			Name: langCookie, Value: lang, Path: "/admin", MaxAge: int(365 * 24 * time.Hour / time.Second),
			HTTPOnly: true, Secure: h.https(), SameSite: fiber.CookieSameSiteLaxMode,
		})
	}
	return c.Redirect(views.SafeBack(c.Query("back")), fiber.StatusSeeOther)
}
