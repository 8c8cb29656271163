package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// checkBind, bind and unbind answer in the envelope mini-program code written for
// comparable products expects: `code` 1 (done), 301 (not bound: here is a bind ticket) or 0
// (failed, with the API's usual `error` and `message` beside `msg`: httperr.Write).
const (
	bindCodeOK       = 1
	bindCodeNotBound = 301
)

// userInfoView is the `userInfo` object: the bound account and the WeChat profile.
type userInfoView struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	NickName  string `json:"nickName"`
	AvatarURL string `json:"avatarUrl"`
}

func newUserInfo(a db.Account, u db.WxUser) userInfoView {
	return userInfoView{ID: a.ID, Username: a.Username, Name: a.Name, NickName: u.NickName, AvatarURL: u.AvatarURL}
}

// boundResponse is the answer of a checkBind or bind that ends with a session carrying the
// account.
type boundResponse struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	tokenPair
	UserInfo userInfoView `json:"userInfo"`
}

// notBoundResponse is the answer of a checkBind for a user without a binding.
type notBoundResponse struct {
	Code       int    `json:"code"`
	Msg        string `json:"msg"`
	BindTicket string `json:"bindTicket"`
	ExpiresIn  int64  `json:"expires_in"`
}

// checkBindCode reads the wx.login code, and the appid when one is named there, from the
// query, or from a JSON or form body (requestApp reads a query appid).
func checkBindCode(c *fiber.Ctx) (code, appid string, err error) {
	code = c.Query("code")
	if code == "" && c.Method() == fiber.MethodPost && len(c.Request().Body()) > 0 {
		ct := strings.ToLower(c.Get(fiber.HeaderContentType))
		switch {
		case strings.HasPrefix(ct, fiber.MIMEApplicationForm), strings.HasPrefix(ct, fiber.MIMEMultipartForm):
			code = c.FormValue("code")
			appid = c.FormValue("appid")
		default:
			var req loginRequest
			if err := decodeJSON(c, &req); err != nil {
				return "", "", err
			}
			code = req.Code
			appid = req.AppID
		}
	}
	if err := validCode(code); err != nil {
		return "", "", err
	}
	return strings.TrimSpace(code), appid, nil
}

// checkBind exchanges a wx.login code and tells whether the user is bound: bound users get
// a session carrying their account, the others a bind ticket for POST /api/user/bind.
func (h *Handler) checkBind(c *fiber.Ctx) error {
	code, appid, err := checkBindCode(c)
	if err != nil {
		return err
	}
	wx, err := h.requestApp(c, appid)
	if err != nil {
		return err
	}
	res, err := h.codeLogin(c, wx, code, true)
	if err != nil {
		return err
	}
	if res.AccountID == 0 {
		return c.JSON(notBoundResponse{Code: bindCodeNotBound,
			Msg:        "not bound: sign in with the platform account's username and password to bind it",
			BindTicket: res.ticket, ExpiresIn: int64(db.TicketTTL / time.Second)})
	}
	acc, err := h.store.AccountByID(c.UserContext(), res.AccountID)
	if err != nil {
		return storeUnavailable(err)
	}
	return c.JSON(boundResponse{Code: bindCodeOK, Msg: "bound: logged in", tokenPair: res.pair,
		UserInfo: newUserInfo(acc, h.shown(c, res.User))})
}
