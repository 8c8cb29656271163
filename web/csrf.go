package web

import (
	"crypto/subtle"
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// csrfField is the form field every console POST carries.
const csrfField = "csrf"

// csrfMiddleware refuses, with exactly 403, a state-changing request that does not come
// from the console's own pages: its Origin (or, without one, Sec-Fetch-Site) must be this
// site, and its "csrf" field must equal the session's token.
func (h *Handler) csrfMiddleware(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if !h.sameOrigin(c) {
		return csrfError()
	}
	want := sessionOf(c).str(valCSRF)
	got := c.FormValue(csrfField)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return csrfError()
	}
	return c.Next()
}

// sameOrigin checks the browser's statement of where the request comes from. Clients
// that send neither header (scripts) are judged by the token alone.
func (h *Handler) sameOrigin(c *fiber.Ctx) bool {
	if origin := c.Get(fiber.HeaderOrigin); origin != "" {
		return origin == h.origin(c)
	}
	switch c.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

// origin is the console's own origin: from MINIAUTH_PUBLIC_URL, else from the request.
func (h *Handler) origin(c *fiber.Ctx) string {
	if h.cfg.PublicURL != "" {
		if u, err := url.Parse(h.cfg.PublicURL); err == nil {
			return u.Scheme + "://" + u.Host
		}
	}
	return c.Protocol() + "://" + c.Hostname()
}

func csrfError() error {
	return &pageError{status: fiber.StatusForbidden, key: "error.csrf"}
}
