package api

import (
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// unbindResponse is the answer of an unbind: a fresh session without the account.
type unbindResponse struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
	tokenPair
	User userView `json:"user"`
}

// unbind removes the caller's binding. Every session carrying it ends, the calling one
// too, and the caller gets a fresh unbound session. Unbinding a user that is not bound is
// 409 conflict: the state does not allow it, and the caller's session is left alone.
func (h *Handler) unbind(c *fiber.Ctx) error {
	s, err := h.authenticate(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	iss := h.issue(c)
	ns := iss.NewSession
	fresh, err := h.store.Unbind(ctx, db.UnbindInput{WxUserID: s.WxUserID, SessionID: s.ID, Session: &ns,
		Actor: db.UserActor(s.WxUserID, h.clientIP(c))})
	if errors.Is(err, db.ErrNotFound) {
		return newError(http.StatusConflict, "conflict", "this WeChat user is not bound to an account")
	}
	if err != nil {
		return storeUnavailable(err)
	}
	u, err := h.store.WxUserByID(ctx, s.WxUserID)
	if err != nil {
		return storeUnavailable(err)
	}
	return c.JSON(unbindResponse{Code: bindCodeOK, Msg: "unbound", tokenPair: iss.pairFor(fresh), User: newUserView(h.shown(c, u))})
}
