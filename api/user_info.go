package api

import "github.com/gofiber/fiber/v2"

// userInfoResponse is the answer of GET /api/user/info.
type userInfoResponse struct {
	User    userView     `json:"user"`
	Account *accountView `json:"account"`
}

// userInfo tells the caller who it is: its WeChat user and the account it is bound to.
// A cached session, user and account answer it without a database read.
func (h *Handler) userInfo(c *fiber.Ctx) error {
	s, err := h.authenticate(c)
	if err != nil {
		return err
	}
	u, err := h.shownUser(c, s)
	if err != nil {
		return err
	}
	resp := userInfoResponse{User: newUserView(h.shown(c, u))}
	if s.AccountID != 0 {
		if resp.Account, err = h.accountView(c, s.AccountID); err != nil {
			return err
		}
	}
	return c.JSON(resp)
}
