package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
)

// phoneRequest is the body of POST /api/user/phone: the code from a getPhoneNumber button.
type phoneRequest struct {
	Code string `json:"code"`
}

// phoneResponse is the caller's own number, in full: it is theirs, just confirmed by WeChat.
type phoneResponse struct {
	PhoneNumber     string `json:"phoneNumber"`
	PurePhoneNumber string `json:"purePhoneNumber"`
	CountryCode     string `json:"countryCode"`
}

// userPhone exchanges a getPhoneNumber code for the caller's number and stores it.
func (h *Handler) userPhone(c *fiber.Ctx) error {
	s, err := h.authenticate(c)
	if err != nil {
		return err
	}
	var req phoneRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	code := strings.TrimSpace(req.Code)
	if code == "" {
		return badRequest("code is required: pass e.detail.code from the getPhoneNumber button")
	}
	if len(code) > maxCodeLen {
		return badRequest("code is too long (at most %d characters)", maxCodeLen)
	}
	if wait := h.phone.take(s.WxUserID, h.now()); wait > 0 {
		h.metrics.Throttled(ThrottlePhoneRate)
		return &Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "too many phone number requests, retry later", RetryAfter: int(wait.Seconds()) + 1}
	}
	u, err := h.liveUser(c, s)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	wx, err := h.sessionApp(ctx, s.AppID)
	if err != nil {
		return err
	}
	p, err := wx.PhoneNumber(ctx, code, u.OpenID)
	if err != nil {
		return h.phoneError(ctx, err)
	}
	if err := h.store.SetPhone(ctx, u.ID, p.PhoneNumber, p.CountryCode, db.UserActor(u.ID, h.clientIP(c))); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return unauthorized("this user no longer exists: log in again")
		}
		return storeUnavailable(err)
	}
	return c.JSON(phoneResponse{PhoneNumber: p.PhoneNumber, PurePhoneNumber: p.PurePhoneNumber, CountryCode: p.CountryCode})
}

// phoneError is wechatError with the phone code's own wording.
func (h *Handler) phoneError(ctx context.Context, err error) error {
	e := AsError(h.wechatError(ctx, err))
	if e.Code == "invalid_code" {
		e.Message = "the phone code is invalid, expired or already used: ask the user to tap the button again"
	}
	return e
}

// userRate allows n events per key in each window; it is per process.
type userRate struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	seen   map[int64][]time.Time
	sweep  time.Time
}

func newUserRate(n int, window time.Duration) *userRate {
	return &userRate{n: n, window: window, seen: make(map[int64][]time.Time)}
}

// take records an event for key and returns 0, or how long to wait when over the limit.
func (r *userRate) take(key int64, now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.sweep) > r.window {
		for k, ts := range r.seen {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) > r.window {
				delete(r.seen, k)
			}
		}
		r.sweep = now
	}
	ts := r.seen[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= r.window {
		i++
	}
	ts = ts[i:]
	if len(ts) >= r.n {
		r.seen[key] = ts
		return r.window - now.Sub(ts[0])
	}
	r.seen[key] = append(ts, now)
	return 0
}
