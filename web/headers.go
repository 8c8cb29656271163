package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// contentSecurityPolicy allows the console's own scripts and styles only, and avatars
// from WeChat's image hosts.
const contentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; " +
	"img-src 'self' data: https://thirdwx.qlogo.cn https://wx.qlogo.cn; frame-ancestors 'none'; " +
	"form-action 'self'; base-uri 'none'"

// securityHeaders sets the headers every /admin and /static answer carries.
func (h *Handler) securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	if h.https() {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000")
	}
	return c.Next()
}

// serverTiming reports the handler's time in a Server-Timing header (and keeps console
// pages, which hold personal data, out of caches).
func serverTiming(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	c.Set(fiber.HeaderCacheControl, "no-store")
	d := float64(time.Since(start).Microseconds()) / 1000
	c.Set("Server-Timing", "app;dur="+strconv.FormatFloat(d, 'f', 2, 64))
	return err
}
