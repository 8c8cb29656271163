package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gorilla/sessions"

	"miniauth/views"
)

// cookieName is the console cookie (Path=/admin).
const cookieName = "miniauth_console"

// Keys of the values the console cookie holds. Nothing else goes in it: the operator
// session token, the CSRF token, and a one-time flash message.
const (
	valToken     = "sid"
	valCSRF      = "csrf"
	valFlashKind = "flash_kind"
	valFlashMsg  = "flash"
)

// Locals keys.
const (
	localSession     = "web.session"
	localOperator    = "web.operator"
	localSessionHash = "web.session_hash"
	localSim         = "web.simulator"
)

// consoleSession is this request's gorilla session and the request it was read from.
type consoleSession struct {
	r     *http.Request
	s     *sessions.Session
	dirty bool
}

// sessionMiddleware converts the request once with Fiber's adaptor, reads the gorilla
// session into Locals, and after the handler writes the cookie back when it changed.
func (h *Handler) sessionMiddleware(c *fiber.Ctx) error {
	c.Locals(localSim, h.cfg.Simulator)
	r, err := adaptor.ConvertRequest(c, false)
	if err != nil {
		return err
	}
	// A cookie that no longer decodes (keys rotated out, tampering) gives a new session.
	s, _ := h.cookies.Get(r, cookieName)
	cs := &consoleSession{r: r, s: s}
	c.Locals(localSession, cs)
	err = c.Next()
	if cs.dirty {
		if serr := h.saveSession(c, cs); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

// saveSession encodes the session with gorilla and copies each Set-Cookie to the Fiber
// response with Header.Add (c.Set would keep only one cookie).
func (h *Handler) saveSession(c *fiber.Ctx, cs *consoleSession) error {
	w := headerWriter{http.Header{}}
	if err := h.cookies.Save(cs.r, w, cs.s); err != nil {
		return err
	}
	for _, v := range w.h.Values("Set-Cookie") {
		c.Response().Header.Add(fiber.HeaderSetCookie, v)
	}
	return nil
}

// headerWriter is the http.ResponseWriter gorilla writes its Set-Cookie header into.
type headerWriter struct{ h http.Header }

func (w headerWriter) Header() http.Header         { return w.h }
func (w headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w headerWriter) WriteHeader(int)             {}

// sessionOf returns the request's console session (a blank one outside the middleware).
func sessionOf(c *fiber.Ctx) *consoleSession {
	if cs, ok := c.Locals(localSession).(*consoleSession); ok {
		return cs
	}
	return &consoleSession{s: sessions.NewSession(nil, cookieName)}
}

func (cs *consoleSession) str(key string) string {
	v, _ := cs.s.Values[key].(string)
	return v
}

func (cs *consoleSession) set(key string, v any) {
	cs.s.Values[key] = v
	cs.dirty = true
}

// csrfToken returns the session's CSRF token, creating one when there is none.
func (cs *consoleSession) csrfToken() string {
	if t := cs.str(valCSRF); t != "" {
		return t
	}
	t := randomToken()
	cs.set(valCSRF, t)
	return t
}

// flash queues a one-time message for the next page.
func (cs *consoleSession) flash(kind views.FlashKind, msg string) {
	cs.set(valFlashKind, string(kind))
	cs.set(valFlashMsg, msg)
}

// takeFlash returns and clears the queued message.
func (cs *consoleSession) takeFlash() views.Flash {
	msg := cs.str(valFlashMsg)
	if msg == "" {
		return views.Flash{}
	}
	f := views.Flash{Kind: views.FlashKind(cs.str(valFlashKind)), Message: msg}
	delete(cs.s.Values, valFlashKind)
	delete(cs.s.Values, valFlashMsg)
	cs.dirty = true
	return f
}

// signIn replaces every value by a new operator token and a new CSRF token, so that
// nothing from before the sign-in (a planted CSRF token) survives it.
func (cs *consoleSession) signIn(token string) {
	cs.s.Values = map[any]any{valToken: token, valCSRF: randomToken()}
	cs.dirty = true
}

// signOut forgets the operator token and rotates the CSRF token.
func (cs *consoleSession) signOut() {
	delete(cs.s.Values, valToken)
	cs.set(valCSRF, randomToken())
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
