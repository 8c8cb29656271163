package api

import "github.com/gofiber/fiber/v2"

// noStore keeps an answer out of every cache: /api answers carry tokens, bind tickets or
// personal data (RFC 6749 §5.1 asks this of every answer holding a token). Pragma is for
// HTTP/1.0 caches.
func noStore(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
}

// noStoreAnswers marks every answer of the routes it guards as not to be stored.
func noStoreAnswers(c *fiber.Ctx) error {
	noStore(c)
	return c.Next()
}
