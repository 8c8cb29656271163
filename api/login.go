package api

import (
	"errors"

	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// loginRequest is the body of POST /api/login.
type loginRequest struct {
	Code  string `json:"code"`
	AppID string `json:"appid"` // optional: else the Referer's, else the default app
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
	wx, err := h.requestApp(c, req.AppID)
	if err != nil {
		return err
	}
	res, err := h.codeLogin(c, wx, strings.TrimSpace(req.Code), false)
	if err != nil {
		return err
	}
	resp, err := h.sessionResponse(c, res.pair, res.User, res.Session)
	if err != nil {
		return err
	}
	return c.JSON(resp)
}

// codeLoginResult is the outcome of a code exchange: the user and, when a session
// started, its tokens; for checkBind's unbound user, the raw bind ticket instead.
type codeLoginResult struct {
	db.CheckBindResult           // User; AccountID (0: not bound); Session (ID 0: none)
	pair               tokenPair // the new session's tokens
	ticket             string    // checkBind, not bound: the bind ticket only the client gets
}

// codeLogin is the one code-login path, /api/login's and checkBind's, with the client of
// the request's app (requestApp): WeChat's
// code2Session (concurrent calls with one code share one exchange, see
// wechat.Client.Code2Session), the errcode mapping (wechatError), the user upsert with the
// disabled-user and disabled-account checks and the new session (db.Store.Login, or
// db.Store.CheckBind when withTicket: a bound user gets a session, the others a bind
// ticket; both run the store's one codeLogin), and the miniauth_logins_total count of
// every outcome.
func (h *Handler) codeLogin(c *fiber.Ctx, wx WeChat, code string, withTicket bool) (codeLoginResult, error) {
	ctx := c.UserContext()
	ws, err := wx.Code2Session(ctx, code)
	if err != nil {
		h.metrics.logins.WithLabelValues("wechat_error").Inc()
		return codeLoginResult{}, h.wechatError(ctx, err)
	}
	iss := h.issue(c)
	in := db.LoginInput{AppID: wx.AppID(), OpenID: ws.OpenID, UnionID: ws.UnionID,
		SessionKey: ws.SessionKey, Session: iss.NewSession}
	var out codeLoginResult
	if withTicket {
		var ticketHash []byte
		out.ticket, ticketHash = newToken()
		out.CheckBindResult, err = h.store.CheckBind(ctx, db.CheckBindInput{LoginInput: in, TicketHash: ticketHash})
	} else {
		out.User, out.Session, err = h.store.Login(ctx, in)
		out.AccountID = out.Session.AccountID
	}
	switch {
	case errors.Is(err, db.ErrUserDisabled):
		h.metrics.logins.WithLabelValues("disabled").Inc()
		return codeLoginResult{}, userBlocked()
	case errors.Is(err, db.ErrAccountDisabled):
		h.metrics.logins.WithLabelValues("disabled").Inc()
		return codeLoginResult{}, accountDisabled()
	case err != nil:
		h.metrics.logins.WithLabelValues("store_error").Inc()
		return codeLoginResult{}, storeUnavailable(err)
	case out.Session.ID == 0:
		h.metrics.logins.WithLabelValues("not_bound").Inc()
		return out, nil
	}
	h.metrics.logins.WithLabelValues("ok").Inc()
	out.ticket, out.pair = "", iss.pairFor(out.Session)
	return out, nil
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
