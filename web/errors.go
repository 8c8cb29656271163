package web

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/httperr"
	"miniauth/views"
)

// pageError is a console failure with its status and, optionally, a catalogue key for the
// message shown on the error page.
type pageError struct {
	status int
	key    string
	detail string // shown after the message as is (a field name, say); never a secret
	cause  error
}

func (e *pageError) Error() string {
	msg := http.StatusText(e.status)
	if e.key != "" {
		msg += " (" + e.key + ")"
	}
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

func (e *pageError) Unwrap() error { return e.cause }

// storeError is a database failure: 404 for a missing row, 503 otherwise.
func storeError(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return &pageError{status: fiber.StatusNotFound, cause: err}
	}
	return &pageError{status: fiber.StatusServiceUnavailable, key: "error.store", cause: err}
}

func notFound() error { return &pageError{status: fiber.StatusNotFound} }

func badRequest() error { return &pageError{status: fiber.StatusBadRequest} }

// isConsolePath tells whether errors on path are rendered as console pages.
func isConsolePath(p string) bool {
	return p == "/admin" || strings.HasPrefix(p, "/admin/") || strings.HasPrefix(p, "/static/")
}

// ErrorHandler renders errors under /admin and /static as console error pages, in the
// operator's language, and answers every other path with httperr.Write (the JSON shape).
// Status and code come from httperr's table; a pageError only adds the page's message.
func ErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		if !isConsolePath(c.Path()) {
			return httperr.Write(c, log, err)
		}
		// Console answers hold personal data; error pages are no exception.
		c.Set(fiber.HeaderCacheControl, "no-store")
		var status int
		var code, key, detail string
		var pe *pageError
		if errors.As(err, &pe) {
			status, code, key, detail = pe.status, httperr.CodeFor(pe.status), pe.key, pe.detail
		} else {
			e := httperr.From(err)
			status, code = e.Status, e.Code
		}
		if status >= 500 && log != nil {
			log.ErrorContext(c.UserContext(), "console request failed", "method", c.Method(), "path", c.Path(), "status", status, "err", err)
		}
		lang := langOf(c)
		p := views.Page{Lang: lang, CurrentPath: string(c.Request().URI().RequestURI())}
		p.Simulator, _ = c.Locals(localSim).(bool)
		if o := operatorOf(c); o.Username != "" {
			p.Operator = views.Operator{ID: o.ID, Username: o.Username, Role: o.Role}
			p.CSRFToken = sessionOf(c).csrfToken()
		}
		msg := ""
		if key != "" {
			msg = views.T(lang, key)
		}
		if detail != "" {
			msg += " (" + detail + ")"
		}
		return render(c, status, views.ErrorPage(p, views.ErrorView{Status: status, Code: code, Message: msg}))
	}
}
