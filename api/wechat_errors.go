package api

import (
	"context"
	"errors"
	"net/http"

	"miniauth/api/wechat"
)

// wechatError maps a failure of a WeChat call onto the API's error codes, as the design
// lays down: bad codes are the client's problem, throttling and blocks are passed on, and
// anything WeChat could not answer is a 503 the client may retry.
func (h *Handler) wechatError(ctx context.Context, err error) error {
	var we *wechat.Error
	hasCode := errors.As(err, &we)
	switch {
	case errors.Is(err, wechat.ErrUnavailable):
		e := &Error{Status: http.StatusServiceUnavailable, Code: "upstream_unavailable",
			Message: "WeChat did not answer, try again", Cause: err}
		if hasCode {
			e.WxErrcode = we.Code
		}
		return e
	case !hasCode:
		if ctx.Err() != nil {
			return &Error{Status: http.StatusServiceUnavailable, Code: "upstream_unavailable",
				Message: "request cancelled while waiting for WeChat", Cause: err}
		}
		return internalError(err)
	}
	e := &Error{WxErrcode: we.Code, Cause: err}
	switch we.Code {
	case 40029, 40163:
		e.Status, e.Code, e.Message = http.StatusUnauthorized, "invalid_code",
			"the login code is invalid, expired or already used: call wx.login again"
	case 45011:
		e.Status, e.Code, e.Message = http.StatusTooManyRequests, "rate_limited",
			"WeChat rate limit reached, retry in a minute"
		e.RetryAfter = 60
	case 40226:
		e.Status, e.Code, e.Message = http.StatusForbidden, "user_blocked",
			"WeChat blocked this user as high-risk"
	case -1:
		e.Status, e.Code, e.Message = http.StatusServiceUnavailable, "upstream_unavailable",
			"WeChat is busy, try again"
	case 40013, 40125, 41002, 41004, 40164, 40243, 40001, 40002:
		h.log.ErrorContext(ctx, "WeChat rejected our credentials or caller: check MINIAUTH_WECHAT_APPID, MINIAUTH_WECHAT_SECRET and the IP whitelist",
			"api", we.API, "errcode", we.Code)
		e.Status, e.Code, e.Message = http.StatusInternalServerError, "internal",
			"the server's WeChat configuration is wrong"
		e.Cause = nil // already logged with its reason
	default:
		e.Status, e.Code, e.Message = http.StatusServiceUnavailable, "upstream_unavailable",
			"WeChat refused the call"
	}
	return e
}
