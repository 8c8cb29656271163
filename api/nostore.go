package api

import (
	"github.com/gofiber/fiber/v2"

	"miniauth/httperr"
)

// noStoreAnswers marks every answer of the routes it guards as not to be stored
// (httperr.NoStore).
func noStoreAnswers(c *fiber.Ctx) error {
	httperr.NoStore(c)
	return c.Next()
}
