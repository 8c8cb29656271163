package httperr

import (
	"log/slog"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/reqid"
)

// body is the JSON shape of an error.
type body struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	WxErrcode int    `json:"wx_errcode,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// bindBody is the error body on the checkBind, bind and unbind paths: the envelope
// mini-program code written for comparable products expects (`code` 0 = failed, `msg`),
// beside the usual fields.
type bindBody struct {
	Code      int    `json:"code"`
	Msg       string `json:"msg"`
	Error     string `json:"error"`
	Message   string `json:"message"`
	WxErrcode int    `json:"wx_errcode,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// NoStore keeps an answer out of every cache: API answers carry tokens, bind tickets or
// personal data (RFC 6749 §5.1 asks this of every answer holding a token). Pragma is for
// HTTP/1.0 caches.
func NoStore(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
}

// Write answers err in the JSON error shape, its message in the request's language
// (Language), (with the request's id, which the client can
// quote to support), logs server-side failures (5xx) and sets
// Retry-After when the error asks for it. Errors are never cached either: some answer a
// request that carried a token.
func Write(c *fiber.Ctx, log *slog.Logger, err error) error {
	e := From(err)
	NoStore(c)
	id := reqid.Get(c)
	if e.Status >= 500 && log != nil {
		log.Error("request failed", "method", c.Method(), "path", c.Path(),
			"status", e.Status, "code", e.Code, "err", e.Error(), "request_id", id)
	}
	if e.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(e.RetryAfter))
	}
	msg := Localize(e, Language(c))
	if isBindPath(c.Path()) {
		return c.Status(e.Status).JSON(bindBody{Code: 0, Msg: msg,
			Error: e.Code, Message: msg, WxErrcode: e.WxErrcode, RequestID: id})
	}
	return c.Status(e.Status).JSON(body{Error: e.Code, Message: msg, WxErrcode: e.WxErrcode, RequestID: id})
}

// isBindPath tells the checkBind, bind and unbind paths, whose failures keep the code/msg
// envelope. Routing ignores case and a trailing slash, so this does too.
func isBindPath(p string) bool {
	p = strings.TrimRight(p, "/")
	for _, b := range []string{"/api/user/checkBind", "/api/user/bind", "/api/user/unbind"} {
		if strings.EqualFold(p, b) {
			return true
		}
	}
	return false
}
