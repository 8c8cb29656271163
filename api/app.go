package api

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
)

// NewApp builds the Fiber app every miniauth listener runs on: the public and internal
// listeners of `miniauth serve`, and the apps the api, web and cmd tests drive, so a test
// exercises what ships. It sets the error handler (JSON under /api; pages, when not nil,
// answers every other path — the server passes the console's web.ErrorHandler, which api's
// own tests cannot import), the body limit and timeouts, and the middleware every request
// passes first: panic recovery, the refusal of encoded bodies, nosniff. Routes are mounted
// by the caller (Handler.Register, web's Register, the simulator).
func NewApp(log *slog.Logger, pages fiber.ErrorHandler) *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "miniauth",
		ErrorHandler:          ErrorHandler(log, pages),
		BodyLimit:             BodyLimit,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          15 * time.Second,
		IdleTimeout:           120 * time.Second,
		ReadBufferSize:        8 << 10,
		DisableStartupMessage: true,
	})
	app.Use(recover.New())
	app.Use(func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		return c.Next()
	})
	// Before anything reads a body: no compressed bodies, which Fiber would inflate in full.
	app.Use(RefuseEncodedBodies)
	return app
}

// BodyLimit is the largest request body any listener reads: an avatar upload and its
// multipart overhead. JSON routes check their own 16 KB.
const BodyLimit = MaxAvatarBytes + 256<<10
