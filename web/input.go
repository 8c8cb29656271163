package web

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"miniauth/caller"
)

// textInput refuses, with a 400 page naming the field, a console request whose query
// parameters or form fields are not text: invalid UTF-8 or a NUL byte. Such values would
// reach SQL (searches, filters, names, reasons), and PostgreSQL refuses them with an error
// the console could only show as "database unavailable". Uploaded files are not fields:
// their content is judged by the importer.
func textInput(c *fiber.Ctx) error {
	bad := ""
	check := func(k, v []byte) {
		if bad == "" && (!isText(k) || !isText(v)) {
			bad = strings.ToValidUTF8(strings.ReplaceAll(string(k), "\x00", ""), "\uFFFD")
		}
	}
	c.Request().URI().QueryArgs().VisitAll(check)
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		c.Request().PostArgs().VisitAll(check)
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if form, err := c.MultipartForm(); err == nil {
			for k, vs := range form.Value {
				for _, v := range vs {
					check([]byte(k), []byte(v))
				}
			}
		}
	}
	if bad != "" {
		return &pageError{status: fiber.StatusBadRequest, key: "error.text_invalid", detail: bad}
	}
	return c.Next()
}

func isText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// userAgent is the request's User-Agent in the form a session row keeps.
func userAgent(c *fiber.Ctx) string { return caller.CleanUserAgent(c.Get(fiber.HeaderUserAgent)) }
