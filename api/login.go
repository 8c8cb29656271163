package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// loginRequest is the body of POST /api/login.
type loginRequest struct {
	Code string `json:"code"`
}

// loginResponse is the answer to a login and to a refresh.
type loginResponse struct {
	tokenPair
	User    userView     `json:"user"`
	Bound   bool         `json:"bound"`
	Account *accountView `json:"account"`
}

// maxCodeLen bounds a wx.login code; real ones are 32 characters.
const maxCodeLen = 128

func validCode(code string) error {
	code = strings.TrimSpace(code)
	switch {
	case code == "":
		return badRequest("code is required: pass the code from wx.login")
	case len(code) > maxCodeLen:
		return badRequest("code is too long (at most %d characters)", maxCodeLen)
	}
	return nil
}

// login exchanges a wx.login code for a new session of its WeChat user.
func (h *Handler) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := validCode(req.Code); err != nil {
		return err
	}
	resp, err := h.codeLogin(c, strings.TrimSpace(req.Code))
	if err != nil {
		return err
	}
	return c.JSON(resp)
}

// codeLogin is the shared core of login and checkBind: code2Session, upsert the user, open
// a session (carrying the bound account, if any).
func (h *Handler) codeLogin(c *fiber.Ctx, code string) (loginResponse, error) {
	ctx := c.UserContext()
	ws, err := h.wx.Code2Session(ctx, code)
	if err != nil {
		h.metrics.logins.WithLabelValues("wechat_error").Inc()
		return loginResponse{}, h.wechatError(ctx, err)
	}
	now := h.now()
	iss := h.issue(c, now, now.Add(h.cfg.SessionMax))
	u, s, err := h.store.Login(ctx, db.LoginInput{
		AppID: h.wx.AppID(), OpenID: ws.OpenID, UnionID: ws.UnionID, SessionKey: ws.SessionKey,
		Session: iss.NewSession,
	})
	if errors.Is(err, db.ErrUserDisabled) {
		h.metrics.logins.WithLabelValues("disabled").Inc()
		return loginResponse{}, newError(http.StatusForbidden, "forbidden", "this user has been disabled by an operator")
	}
	if errors.Is(err, db.ErrAccountDisabled) {
		h.metrics.logins.WithLabelValues("disabled").Inc()
		return loginResponse{}, accountDisabled()
	}
	if err != nil {
		return loginResponse{}, storeUnavailable(err)
	}
	h.metrics.logins.WithLabelValues("ok").Inc()
	return h.sessionResponse(c, iss.pair, u, s)
}

// sessionResponse builds the login-shaped answer for a session and its user.
func (h *Handler) sessionResponse(c *fiber.Ctx, pair tokenPair, u db.WxUser, s db.Session) (loginResponse, error) {
	resp := loginResponse{tokenPair: pair, User: newUserView(h.shown(c, u))}
	if s.AccountID != 0 {
		acc, err := h.accountView(c, s.AccountID)
		if err != nil {
			return loginResponse{}, err
		}
		resp.Bound, resp.Account = acc != nil, acc
	}
	return resp, nil
}
