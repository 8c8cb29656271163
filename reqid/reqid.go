// Package reqid gives every request an id that follows it through the answer, the error
// body and every log line written for it, so a report ("my bind failed, here is the
// request id") leads to the log lines of that request.
package reqid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/netip"

	"github.com/gofiber/fiber/v2"

	"miniauth/caller"
)

// Header is the request and response header that carries the id.
const Header = "X-Request-Id"

// local is the Fiber Locals key of the id.
const local = "miniauth.request_id"

// MaxLen is the longest id taken from a proxy.
const MaxLen = 128

type ctxKey struct{}

// Middleware gives each request its id: the X-Request-Id a trusted proxy sent (the TCP
// peer is in trusted), when it is sane (1 to MaxLen characters of [A-Za-z0-9._:-]), or a
// new random one. The id is answered in X-Request-Id, kept in the ctx Locals (Get) and in
// the request's context (FromContext), which the Handler below adds to log lines.
func Middleware(trusted []netip.Prefix) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := ""
		if len(trusted) > 0 && caller.FromTrustedProxy(c, trusted) {
			if v := c.Get(Header); Valid(v) {
				id = v
			}
		}
		if id == "" {
			id = New()
		}
		c.Locals(local, id)
		c.Set(Header, id)
		c.SetUserContext(context.WithValue(c.UserContext(), ctxKey{}, id))
		return c.Next()
	}
}

// Valid tells an id a proxy may hand over: 1 to MaxLen characters of [A-Za-z0-9._:-].
// Anything else could forge log lines or carry personal data.
func Valid(v string) bool {
	if v == "" || len(v) > MaxLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9',
			b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

// New is a fresh random id: 16 bytes, hex.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Get is the id of the request c ("" outside the middleware).
func Get(c *fiber.Ctx) string {
	id, _ := c.Locals(local).(string)
	return id
}

// FromContext is the id carried by a request's context ("" if none).
func FromContext(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Handler wraps a slog.Handler: records logged with a request's context (log.InfoContext(
// c.UserContext(), …)) get its "request_id" attribute.
type Handler struct{ slog.Handler }

// NewLogger is log whose handler adds the request id of the context it is given.
func NewLogger(log *slog.Logger) *slog.Logger {
	if _, ok := log.Handler().(Handler); ok {
		return log
	}
	return slog.New(Handler{log.Handler()})
}

// Handle adds the request id, when the record's context has one.
func (h Handler) Handle(ctx context.Context, r slog.Record) error {
	if id := FromContext(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapping.
func (h Handler) WithAttrs(as []slog.Attr) slog.Handler { return Handler{h.Handler.WithAttrs(as)} }

// WithGroup keeps the wrapping.
func (h Handler) WithGroup(name string) slog.Handler { return Handler{h.Handler.WithGroup(name)} }
