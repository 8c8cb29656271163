package web

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"miniauth/static"
)

// staticFiles serves the embedded assets. A request with the content hash in "v" (as
// static.URL writes it) may be cached for a year; anything else must revalidate.
func staticFiles() fiber.Handler {
	fs := filesystem.New(filesystem.Config{Root: http.FS(static.FS)})
	return func(c *fiber.Ctx) error {
		err := fs(c)
		if c.Response().StatusCode() == fiber.StatusOK {
			if c.Query("v") != "" {
				c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
			} else {
				c.Set(fiber.HeaderCacheControl, "no-cache")
			}
		}
		return err
	}
}
