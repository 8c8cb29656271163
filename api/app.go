package api

import (
	"bytes"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/valyala/fasthttp"

	"miniauth/httperr"
	"miniauth/reqid"
)

// AppOptions are the optional parts of an app: whose X-Request-Id (and X-Real-IP) is
// believed, and where the access log goes.
type AppOptions struct {
	TrustedProxies []netip.Prefix
	// AccessLog, when not nil, receives one info line per request (AccessLogger).
	AccessLog *slog.Logger
	// Language is the default language of error messages when a request's Accept-Language
	// names neither zh nor en: httperr.LangZH or httperr.LangEN ("" = English).
	Language string
}

// NewApp builds the Fiber app every miniauth listener runs on: the public and internal
// listeners of `miniauth serve`, and the apps the api, web and cmd tests drive, so a test
// exercises what ships. It sets the error handler (JSON under /api; pages, when not nil,
// answers every other path — the server passes the console's web.ErrorHandler, which api's
// own tests cannot import), the body limit and timeouts, and the middleware every request
// passes first: the request id (reqid), the access log when opts asks for one, panic
// recovery, the refusal of encoded bodies, nosniff. Routes are mounted by the caller
// (Handler.Register, web's Register, the simulator).
func NewApp(log *slog.Logger, pages fiber.ErrorHandler, opts ...AppOptions) *fiber.App {
	var o AppOptions
	if len(opts) > 0 {
		o = opts[0]
	}
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
	// Fasthttp reads a whole body before any handler runs: the limit must be chosen from
	// the request line, or a 16 KB JSON call could be made to buffer megabytes.
	app.Server().HeaderReceived = bodyLimit
	app.Use(reqid.Middleware(o.TrustedProxies))
	if o.AccessLog != nil {
		app.Use(AccessLogger(o.AccessLog, o.TrustedProxies))
	}
	if o.Language != "" {
		app.Use(func(c *fiber.Ctx) error {
			httperr.SetDefaultLanguage(c, o.Language)
			return c.Next()
		})
	}
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
// multipart overhead. Only the upload routes (uploadPaths) may send that much.
const BodyLimit = MaxAvatarBytes + 256<<10

// SmallBodyLimit is the body limit of every other route: JSON calls (which check their own
// 16 KB), console forms, the simulator, introspection.
const SmallBodyLimit = 64 << 10

// uploadPaths are the routes whose bodies may reach BodyLimit: the avatar upload and the
// console's CSV import.
var uploadPaths = [][]byte{[]byte("/api/user/avatar"), []byte("/admin/accounts/import")}

// bodyLimit picks a request's body limit from its request line, before the body is read.
// The path is matched the way Fiber routes it (case-insensitive, trailing slash optional,
// no unescaping); anything that does not match gets the small limit.
func bodyLimit(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if h.IsPost() && isUploadPath(h.RequestURI()) {
		return fasthttp.RequestConfig{MaxRequestBodySize: BodyLimit}
	}
	return fasthttp.RequestConfig{MaxRequestBodySize: SmallBodyLimit}
}

func isUploadPath(uri []byte) bool {
	if i := bytes.IndexAny(uri, "?#"); i >= 0 {
		uri = uri[:i]
	}
	if len(uri) > 0 && uri[0] != '/' { // absolute form: scheme://host/path
		i := bytes.Index(uri, []byte("://"))
		if i < 0 {
			return false
		}
		j := bytes.IndexByte(uri[i+3:], '/')
		if j < 0 {
			return false
		}
		uri = uri[i+3+j:]
	}
	uri = bytes.TrimSuffix(uri, []byte("/"))
	for _, p := range uploadPaths {
		if bytes.EqualFold(uri, p) {
			return true
		}
	}
	return false
}
