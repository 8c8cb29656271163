package api

import (
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/caller"
	"miniauth/reqid"
)

// AccessLogger logs one info line per request, once it is answered: method, path (without
// its query), the query with every secret-bearing parameter redacted (RedactQuery), status,
// duration, bytes answered, client IP and request id. Bodies and headers (Authorization,
// Cookie) are never logged. Errors are answered here, through the app's error handler, so
// the line has the status and size the client got.
func AccessLogger(log *slog.Logger, trusted []netip.Prefix) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		size := c.Response().Header.ContentLength()
		if size < 0 {
			size = len(c.Response().Body())
		}
		log.Info("request", "method", c.Method(), "path", c.Path(),
			"query", RedactQuery(string(c.Request().URI().QueryString())),
			"status", c.Response().StatusCode(), "duration_ms", float64(time.Since(start).Microseconds())/1000,
			"bytes", size, "ip", caller.IP(c, trusted), "request_id", reqid.Get(c))
		return nil
	}
}

// secretParams are the query parameters whose values never reach a log: login and phone
// codes, tokens, bind tickets, passwords, keys, and the console's searches (q may be a
// phone number or a name). Compared case-insensitively, after unescaping.
var secretParams = map[string]bool{
	"code": true, "js_code": true, "token": true, "access_token": true, "refresh_token": true,
	"id_token": true, "ticket": true, "bindticket": true, "bind_ticket": true, "password": true,
	"pw": true, "secret": true, "appsecret": true, "session_key": true, "key": true,
	"signature": true, "encrypteddata": true, "iv": true, "rawdata": true, "q": true,
	"query": true, "search": true, "phone": true, "phonenumber": true, "csrf": true, "_csrf": true,
	// a URL to come back to carries another request's query, secrets included
	"next": true, "redirect": true, "return_to": true, "returnto": true, "back": true,
}

// RedactQuery hides the values of the parameters in secretParams. A name that cannot be
// unescaped is redacted too: it might be a secret's name spelled to slip past the list.
func RedactQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil || secretParams[strings.ToLower(strings.TrimSpace(name))] {
			parts[i] = k + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}
