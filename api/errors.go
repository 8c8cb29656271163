package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Error is an API failure: the HTTP status and the `{"error","message"}` body every path
// under /api answers with. WxErrcode is set when WeChat caused it.
type Error struct {
	Status     int
	Code       string
	Message    string
	WxErrcode  int
	RetryAfter int // seconds; sets Retry-After when > 0
	cause      error
}

func (e *Error) Error() string {
	if e.cause != nil {
		return e.Code + ": " + e.Message + ": " + e.cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// errorBody is the JSON shape of an API error.
type errorBody struct {
	Error     string `json:"error"`
	Message   string `json:"message"`
	WxErrcode int    `json:"wx_errcode,omitempty"`
}

func newError(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, "invalid_request", format, args...)
}

func unauthorized(msg string) *Error {
	return newError(http.StatusUnauthorized, "unauthorized", "%s", msg)
}

// storeUnavailable wraps a database failure: the client should retry, its token is not judged.
func storeUnavailable(err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "store_unavailable",
		Message: "the session store is unavailable, try again shortly", cause: err}
}

func internalError(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal",
		Message: "internal error", cause: err}
}

// frameworkCode names the error code for a status Fiber produced itself (routing, body limit).
func frameworkCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "upstream_unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "invalid_request"
}

func frameworkMessage(status int, fe *fiber.Error) string {
	switch status {
	case http.StatusNotFound:
		return "no such endpoint"
	case http.StatusMethodNotAllowed:
		return "method not allowed for this endpoint"
	case http.StatusRequestEntityTooLarge:
		return "request body is too large"
	}
	if fe != nil && fe.Message != "" && status < 500 {
		return fe.Message
	}
	return strings.ToLower(http.StatusText(status))
}

// AsError turns any error into an API error; unknown errors are internal.
func AsError(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return &Error{Status: fe.Code, Code: frameworkCode(fe.Code), Message: frameworkMessage(fe.Code, fe)}
	}
	return internalError(err)
}

// WriteError answers with the JSON error shape and logs server-side failures.
func WriteError(c *fiber.Ctx, log *slog.Logger, err error) error {
	ae := AsError(err)
	// Errors are never cached either: some answer a request that carried a token.
	noStore(c)
	if ae.Status >= 500 && log != nil {
		log.Error("request failed", "method", c.Method(), "path", c.Path(),
			"status", ae.Status, "code", ae.Code, "err", ae.Error())
	}
	if ae.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(ae.RetryAfter))
	}
	if isBindPath(c.Path()) {
		return c.Status(ae.Status).JSON(bindFailure{Code: bindCodeFailed, Msg: ae.Message,
			Error: ae.Code, Message: ae.Message, WxErrcode: ae.WxErrcode})
	}
	body := errorBody{Error: ae.Code, Message: ae.Message, WxErrcode: ae.WxErrcode}
	return c.Status(ae.Status).JSON(body)
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

// ErrorHandler is the Fiber error handler for the mini-program API. fallback handles paths
// outside /api (the console renders its own error pages); nil means JSON everywhere.
func ErrorHandler(log *slog.Logger, fallback fiber.ErrorHandler) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		if fallback != nil && !isAPIPath(c.Path()) {
			return fallback(c, err)
		}
		return WriteError(c, log, err)
	}
}

func isAPIPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/")
}
