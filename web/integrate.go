package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/views"
)

// integrate is GET /admin/integrate: how a mini-program uses the SDK with this server, its
// public URL filled in (MINIAUTH_PUBLIC_URL, else the origin this page was asked on).
func (h *Handler) integrate(c *fiber.Ctx) error {
	base := strings.TrimRight(h.cfg.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	v := views.IntegrateView{BaseURL: base, SDKURL: base + "/static/sdk/miniauth.js", SpecURL: base + "/api/openapi.json"}
	return render(c, fiber.StatusOK, views.IntegratePage(h.page(c, views.NavIntegrate), v))
}
