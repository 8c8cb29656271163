package wxsim

import (
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

// fault is an injected misbehaviour for the next times matching calls.
type fault struct {
	api, appid, user string
	errcode          int
	delay            time.Duration
	times            int
	mode             string // errcode, delay, drop, garbage, text_plain
}

// faultAPIs are the names faults and call counts use.
var faultAPIs = map[string]bool{
	"jscode2session": true, "token": true, "stable_token": true, "checksession": true,
	"resetusersessionkey": true, "getuserphonenumber": true,
}

// enter counts a call to api and takes the first fault matching it; who resolves the
// appid and user the call is about (only consulted when faults exist). Call with s.mu
// held.
func (s *Sim) enter(api string, who func() (appid, user string)) *fault {
	st := s.st
	st.calls[api]++
	if len(st.faults) == 0 {
		return nil
	}
	appid, name := who()
	for i, f := range st.faults {
		if f.api != api || (f.appid != "" && f.appid != appid) || (f.user != "" && f.user != name) {
			continue
		}
		taken := *f
		f.times--
		if f.times <= 0 {
			st.faults = append(st.faults[:i:i], st.faults[i+1:]...)
		}
		return &taken
	}
	return nil
}

// apply carries out a fault. It reports true when the fault answered (or dropped) the
// call, false when the real answer should follow (after a delay, or as text/plain).
func apply(c *fiber.Ctx, f *fault) (bool, error) {
	if f == nil {
		return false, nil
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	switch f.mode {
	case "errcode":
		return true, sendErr(c, f.errcode)
	case "drop":
		ctx := c.Context()
		ctx.HijackSetNoResponse(true)
		ctx.Hijack(func(conn net.Conn) { _ = conn.Close() })
		return true, nil
	case "garbage":
		c.Set(fiber.HeaderContentType, "text/html")
		return true, c.Status(fiber.StatusOK).SendString("<html><body><h1>502 Bad Gateway</h1></body></html>")
	case "text_plain":
		c.Locals(localTextPlain, true)
	}
	return false, nil
}
