package web

import (
	"strconv"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"miniauth/caller"
	"miniauth/privacy"
	"miniauth/views"
)

// langCookie holds the operator's language choice (Path=/admin).
const langCookie = "miniauth_lang"

// render writes a templ component as the HTML answer.
func render(c *fiber.Ctx, status int, comp templ.Component) error {
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return comp.Render(c.UserContext(), c.Response().BodyWriter())
}

// langOf is the console language: the operator's choice, else the browser's.
func langOf(c *fiber.Ctx) string {
	if l, ok := views.ParseLang(c.Cookies(langCookie)); ok {
		return l
	}
	return views.NegotiateLang(c.Get(fiber.HeaderAcceptLanguage))
}

// page builds the parts of a page common to every console page.
func (h *Handler) page(c *fiber.Ctx, nav views.Nav) views.Page {
	cs := sessionOf(c)
	o := operatorOf(c)
	return views.Page{
		Lang:        langOf(c),
		Operator:    views.Operator{ID: o.ID, Username: o.Username, Role: o.Role},
		CSRFToken:   cs.csrfToken(),
		Flash:       cs.takeFlash(),
		Simulator:   h.cfg.Simulator,
		Nav:         nav,
		CurrentPath: string(c.Request().URI().RequestURI()),
		PageSize:    listSize(c),
	}
}

// t translates key in the request's language.
func t(c *fiber.Ctx, key string) string { return views.T(langOf(c), key) }

// done queues a success flash and redirects (POST-redirect-GET) to back, kept inside
// the console.
func done(c *fiber.Ctx, back, msg string) error {
	sessionOf(c).flash(views.FlashSuccess, msg)
	return c.Redirect(views.SafeBack(back), fiber.StatusSeeOther)
}

// failed queues an error flash and redirects to back.
func failed(c *fiber.Ctx, back, msg string) error {
	sessionOf(c).flash(views.FlashError, msg)
	return c.Redirect(views.SafeBack(back), fiber.StatusSeeOther)
}

// pathID reads a positive integer route parameter.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	n, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, notFound()
	}
	return n, nil
}

// clientIP is the operator's address as the audit log records it.
func (h *Handler) clientIP(c *fiber.Ctx) string { return caller.IP(c, h.cfg.TrustedProxies) }

// maskPhone masks a phone number for display.
func maskPhone(p string) string { return privacy.MaskPhone(p) }

// listSize is the valid ?size= of a list page, or 0 (the default).
func listSize(c *fiber.Ctx) int {
	n, err := pageSize(c)
	if err != nil {
		return 0
	}
	return n
}
