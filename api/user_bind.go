package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/httperr"
	"miniauth/password"
)

// bindRequest is the body of POST /api/user/bind. Without bindTicket the caller proves who
// they are with Authorization: Bearer.
type bindRequest struct {
	BindTicket string `json:"bindTicket"`
	Username   string `json:"username"`
	Password   string `json:"password"`
}

func invalidTicket(msg string) *Error {
	return newError(http.StatusUnauthorized, "invalid_ticket", "%s", msg)
}

// bindWho is the WeChat user a bind is for, and its proof.
type bindWho struct {
	wxUserID   int64
	appID      string
	ticketHash []byte // ticket flow
	sessionID  int64  // Bearer flow
}

// bindSubject resolves the Bearer session to the WeChat user binding, or takes the ticket's
// hash; the ticket itself is read with the throttling state and the account (Store.ReserveBind).
func (h *Handler) bindSubject(c *fiber.Ctx, ticket string) (bindWho, error) {
	if ticket == "" {
		if bearerToken(c) == "" {
			return bindWho{}, invalidTicket("bindTicket is required (from checkBind), or send Authorization: Bearer <token>")
		}
		s, err := h.authenticate(c)
		if err != nil {
			return bindWho{}, err
		}
		return bindWho{wxUserID: s.WxUserID, appID: s.AppID, sessionID: s.ID}, nil
	}
	hash := hashToken(ticket)
	if hash == nil {
		return bindWho{}, invalidTicket("the bind ticket is malformed")
	}
	return bindWho{ticketHash: hash}, nil
}

// retryAfter rounds a wait up to whole seconds for Retry-After.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// countBind is bind, counted by outcome (miniauth_binds_total): ok or the error code.
func (h *Handler) countBind(c *fiber.Ctx) error {
	err := h.bind(c)
	outcome := "ok"
	if err != nil {
		outcome = AsError(err).Code
	}
	h.metrics.binds.WithLabelValues(outcome).Inc()
	return err
}

// bindThrottle names the limit behind a bind's wait. The store answers one wait for the
// per-key limits and the hourly backstop; only the backstop makes one longer than the
// longest per-key wait.
func bindThrottle(wait time.Duration) string {
	if wait > db.ThrottleMaxWait {
		return ThrottleBindBackstop
	}
	return ThrottleBindKeyWait
}

// hasherError maps a failed password check that is not a wrong password.
func (h *Handler) hasherError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, password.ErrBusy):
		h.metrics.Busy(BusyPassword)
		return &Error{Status: http.StatusServiceUnavailable, Code: "server_busy",
			Message: "too many sign-ins at once, try again in a moment", RetryAfter: 1}
	case ctx.Err() != nil:
		return &Error{Status: http.StatusServiceUnavailable, Code: "server_busy",
			Message: "request cancelled while waiting to check the password", RetryAfter: 1, Cause: err}
	}
	return internalError(err)
}

// bind binds the caller's WeChat user to a platform account proven by its password. The
// order of checks is fixed: ticket (or Bearer session), throttling, password (an unknown
// username checks a dummy hash: same answer, same time), disabled account, conflict.
func (h *Handler) bind(c *fiber.Ctx) error {
	var req bindRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	username, err := db.NormalizeUsername(req.Username)
	if err != nil {
		return badRequest("username is required (1 to %d characters)", db.MaxUsernameLen)
	}
	if req.Password == "" {
		return badRequest("password is required")
	}
	if len(req.Password) > password.MaxLen {
		return badRequest("password is longer than %d bytes", password.MaxLen)
	}
	ctx := c.UserContext()
	who, err := h.bindSubject(c, req.BindTicket)
	if err != nil {
		return err
	}
	ip := h.clientIP(c)
	// One write reserves the try before any hash: the ticket and the throttling are
	// checked and, if they allow it, the try is counted as a failure, atomically. A try
	// past a limit is refused here, whatever its password; answered in order.
	chk, err := h.store.ReserveBind(ctx, db.ReserveBindInput{TicketHash: who.ticketHash, WxUserID: who.wxUserID,
		Username: username, IP: ip})
	if err != nil {
		return storeUnavailable(err)
	}
	if who.ticketHash != nil {
		if chk.Ticket.WxUserID == 0 {
			h.metrics.Throttled(ThrottleBindTicketDead)
			return invalidTicket("the bind ticket is invalid, expired, used or has too many failures: call checkBind again")
		}
		who.wxUserID, who.appID = chk.Ticket.WxUserID, chk.Ticket.AppID
	}
	key := db.ThrottleKey{Username: username, IP: ip, WxUserID: who.wxUserID}
	if chk.Wait > 0 {
		h.metrics.Throttled(bindThrottle(chk.Wait))
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "too many failed sign-ins for this account: retry later", RetryAfter: retryAfter(chk.Wait)}
	}

	acc := chk.Account                                                      // ID 0: unknown username
	ok, rehash, err := h.hasher.Verify(ctx, acc.PasswordHash, req.Password) // "" checks a dummy
	if err != nil {
		h.releaseAttempt(ctx, chk.AttemptID, who.ticketHash) // no verdict
		return h.hasherError(ctx, err)
	}
	actor := db.UserActor(who.wxUserID, ip)
	if !ok {
		if _, err := h.store.RecordBindFailure(ctx, db.BindFailure{ThrottleKey: key, AccountID: acc.ID,
			AttemptID: chk.AttemptID, TicketHash: who.ticketHash, Actor: actor}); err != nil {
			return storeUnavailable(err)
		}
		return newError(http.StatusUnauthorized, "invalid_credentials", "wrong username or password")
	}
	if acc.Disabled {
		h.releaseAttempt(ctx, chk.AttemptID, who.ticketHash)
		return accountDisabled()
	}

	iss := h.issue(c)
	res, err := h.store.Bind(ctx, db.BindInput{TicketHash: who.ticketHash, SessionID: who.sessionID,
		WxUserID: who.wxUserID, AppID: who.appID, AccountID: acc.ID, Username: username, AttemptID: chk.AttemptID,
		Session: iss.NewSession, Actor: actor})
	if err != nil {
		h.releaseAttempt(ctx, chk.AttemptID, who.ticketHash)
		return bindStoreError(err)
	}
	if rehash {
		h.rehash(ctx, acc, req.Password)
	}
	return c.JSON(boundResponse{Code: bindCodeOK, Msg: "bound", tokenPair: iss.pairFor(res.Session),
		UserInfo: newUserInfo(res.Account, h.shown(c, res.User))})
}

// releaseAttempt gives back a reserved try that is not a wrong password: the hasher gave no
// verdict, or the right password met another refusal (disabled account, conflict). The
// request may be gone already; a failed release only leaves the try counted.
func (h *Handler) releaseAttempt(ctx context.Context, attemptID int64, ticketHash []byte) {
	if err := h.store.ReleaseBindAttempt(context.WithoutCancel(ctx), attemptID, ticketHash); err != nil && h.log != nil {
		h.log.WarnContext(ctx, "release of a reserved bind attempt failed; it counts as a failure", "err", err)
	}
}

func accountDisabled() *Error {
	return newError(http.StatusForbidden, "account_disabled", "this account is disabled: contact the platform's support")
}

// bindStoreError maps the refusals of Store.Bind.
func bindStoreError(err error) error {
	switch {
	case errors.Is(err, db.ErrTicketInvalid):
		return invalidTicket("the bind ticket was used or expired meanwhile: call checkBind again")
	case errors.Is(err, db.ErrNotFound):
		return unauthorized("the session or user ended meanwhile: log in again")
	case errors.Is(err, db.ErrAccountDisabled):
		return accountDisabled()
	case errors.Is(err, db.ErrUserDisabled):
		return userBlocked()
	case errors.Is(err, db.ErrWxUserBound):
		return newError(http.StatusConflict, "conflict", "this WeChat user is already bound to an account: unbind it first")
	case errors.Is(err, db.ErrAccountBound):
		return newError(http.StatusConflict, "conflict", "this account is already bound to another WeChat user: unbind it there, or ask an operator")
	}
	return storeUnavailable(err)
}

// rehash replaces a verified password's hash (bcrypt, or argon2id under old parameters)
// with one under the current parameters. A failure only delays it to the next sign-in.
func (h *Handler) rehash(ctx context.Context, acc db.Account, pw string) {
	enc, err := h.hasher.Hash(ctx, pw)
	if err == nil {
		err = h.store.RehashPassword(ctx, acc.ID, acc.PasswordHash, enc)
	}
	if err != nil && h.log != nil {
		h.log.WarnContext(ctx, "password rehash failed; will retry at the next sign-in", "account", acc.ID, "err", err)
	}
}

// userBlocked is the 403 of a WeChat user an operator blocked (login, checkBind, bind).
func userBlocked() *Error {
	return newError(http.StatusForbidden, "user_blocked", httperr.UserBlockedMessage)
}
