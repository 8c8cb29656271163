// Package httperr is miniauth's one error vocabulary over HTTP: the error type handlers
// return, the table that gives the store's errors and Fiber's statuses their status and
// public code, and the JSON writer of `{"error":"<code>","message":"<text>"}`. The API
// answers with Write; the console renders its error page with the status and code From
// gives.
package httperr

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// UserBlockedMessage is the message of a login, checkBind or bind refused because an
// operator blocked the WeChat user: written for the mini-program to show as it is.
const UserBlockedMessage = "this WeChat user has been blocked by the service: contact its support"

// Error is a failure as the client sees it: the HTTP status, the public code (the `error`
// field), a message for a person, and WxErrcode when WeChat caused it.
type Error struct {
	Status     int
	Code       string
	Message    string
	WxErrcode  int
	RetryAfter int   // seconds; sets Retry-After when > 0
	Cause      error // for the log and errors.Is; never shown
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// New is an error with a formatted message.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400 invalid_request saying what was wrong.
func BadRequest(format string, args ...any) *Error {
	return New(http.StatusBadRequest, "invalid_request", format, args...)
}

// Unauthorized is a 401: the caller's token (or ticket) does not hold.
func Unauthorized(msg string) *Error {
	return New(http.StatusUnauthorized, "unauthorized", "%s", msg)
}

// StoreUnavailable wraps a database failure: the client should retry, nothing is judged.
func StoreUnavailable(err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Code: "store_unavailable",
		Message: "the session store is unavailable, try again shortly", Cause: err}
}

// Internal is a 500 whose cause is logged, never shown.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal",
		Message: "internal error", Cause: err}
}

// sentinel is one row of the store's table: a db sentinel error and how it is answered.
// An empty message means the sentinel's own text, which is written for the client.
type sentinel struct {
	err     error
	status  int
	code    string
	message string
}

// storeErrors gives each store sentinel its answer when a handler passes it on as is.
// More specific errors come first: ErrWxUserBound and ErrAccountBound wrap ErrConflict.
// Handlers that know more (a missing session is 401, not 404) return their own *Error.
var storeErrors = []sentinel{
	{db.ErrWxUserBound, http.StatusConflict, "conflict", "this WeChat user is already bound to an account: unbind it first"},
	{db.ErrAccountBound, http.StatusConflict, "conflict", "this account is already bound to another WeChat user: unbind it there, or ask an operator"},
	{db.ErrLastAdmin, http.StatusConflict, "conflict", "the console keeps at least one enabled admin"},
	{db.ErrTOTPEnrolled, http.StatusConflict, "conflict", "two-factor sign-in is already set up: an admin resets it first"},
	{db.ErrCodeInvalid, http.StatusUnauthorized, "unauthorized", "the two-factor code is wrong, used or stale"},
	{db.ErrConflict, http.StatusConflict, "conflict", "the change collides with existing data"},
	{db.ErrNotFound, http.StatusNotFound, "not_found", "not found"},
	{db.ErrAccountDisabled, http.StatusForbidden, "account_disabled", "this account is disabled: contact the platform's support"},
	{db.ErrUserDisabled, http.StatusForbidden, "user_blocked", UserBlockedMessage},
	{db.ErrTicketInvalid, http.StatusUnauthorized, "invalid_ticket", "the bind ticket is invalid, used or expired: call checkBind again"},
	{db.ErrRefreshReused, http.StatusUnauthorized, "unauthorized", "refresh token was already used: the session has been ended, log in again"},
	{db.ErrInvalidUsername, http.StatusBadRequest, "invalid_request", ""}, // its own text
	{db.ErrInvalidAccountName, http.StatusBadRequest, "invalid_request", ""},
}

// statusCodes names the public code of a status Fiber (routing, body limit, a middleware)
// or a console page produced.
var statusCodes = map[int]string{
	http.StatusBadRequest:            "invalid_request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "payload_too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusServiceUnavailable:    "upstream_unavailable",
}

// CodeFor is the public code of a bare status.
func CodeFor(status int) string {
	if code, ok := statusCodes[status]; ok {
		return code
	}
	if status >= 500 {
		return "internal"
	}
	return "invalid_request"
}

// statusMessage is the message of a bare status; fe's own message is kept below 500.
func statusMessage(status int, fe *fiber.Error) string {
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

// From turns any error into an *Error: a handler's own *Error as is, a Fiber status, a
// store sentinel through the table; anything else is internal.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return &Error{Status: fe.Code, Code: CodeFor(fe.Code), Message: statusMessage(fe.Code, fe)}
	}
	if s, ok := lookup(err); ok {
		msg := s.message
		if msg == "" {
			msg = strings.TrimPrefix(s.err.Error(), "db: ")
		}
		return &Error{Status: s.status, Code: s.code, Message: msg, Cause: err}
	}
	return Internal(err)
}

// FromStatus is the error of a bare status (a console page's 403, a 404 for a path).
func FromStatus(status int) *Error {
	return &Error{Status: status, Code: CodeFor(status), Message: statusMessage(status, nil)}
}

func lookup(err error) (sentinel, bool) {
	for _, s := range storeErrors {
		if errors.Is(err, s.err) {
			return s, true
		}
	}
	return sentinel{}, false
}

// Codes is every public code this package's tables can give: the store sentinels', the bare
// statuses' and the constructors' (invalid_request, unauthorized, store_unavailable,
// internal). docs/api.md lists each; a test in api holds the two together.
func Codes() []string {
	seen := map[string]bool{"invalid_request": true, "unauthorized": true, "store_unavailable": true, "internal": true}
	for _, s := range storeErrors {
		seen[s.code] = true
	}
	for _, c := range statusCodes {
		seen[c] = true
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
