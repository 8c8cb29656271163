package api

import (
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/httperr"
)

// Error is the API's failure: httperr's one error type, under a short name for handlers.
type Error = httperr.Error

// Shorthands for the constructors handlers use most.
var (
	newError         = httperr.New
	badRequest       = httperr.BadRequest
	unauthorized     = httperr.Unauthorized
	storeUnavailable = httperr.StoreUnavailable
	internalError    = httperr.Internal
)

// AsError turns any error into an API error (httperr.From): unknown errors are internal.
func AsError(err error) *Error { return httperr.From(err) }

// ErrorHandler is the Fiber error handler for the mini-program API: every error under /api
// is answered by httperr.Write. fallback handles paths outside /api (the console renders
// its own error pages); nil means JSON everywhere.
func ErrorHandler(log *slog.Logger, fallback fiber.ErrorHandler) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		if fallback != nil && !isAPIPath(c.Path()) {
			return fallback(c, err)
		}
		return httperr.Write(c, log, err)
	}
}

func isAPIPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/")
}
