package wxsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"

	"github.com/gofiber/fiber/v2"
)

// okAnswer is the success body of the calls that report errcode 0.
type okAnswer struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

// resetAnswer is resetUserSessionKey's success body.
type resetAnswer struct {
	Code       int    `json:"errcode"`
	Msg        string `json:"errmsg"`
	OpenID     string `json:"openid"`
	SessionKey string `json:"session_key"`
}

// keySignature is hex HMAC-SHA256 of the empty message keyed with the session_key string
// itself (not its base64 decoding), as WeChat defines it.
func keySignature(sessionKey string) string {
	return hex.EncodeToString(hmac.New(sha256.New, []byte(sessionKey)).Sum(nil))
}

// checkSession is GET /wxa/checksession: is signature made with the user's current key?
func (s *Sim) checkSession(c *fiber.Ctx) error {
	ans, errcode, done, err := s.keyCall(c, "checksession", "")
	if done {
		return err
	}
	if errcode != 0 {
		return sendErr(c, errcode)
	}
	return send(c, ans)
}

// resetSessionKey is GET /wxa/resetusersessionkey: with a valid signature, the user gets a
// new session_key and the old one stops working.
func (s *Sim) resetSessionKey(c *fiber.Ctx) error {
	ans, errcode, done, err := s.keyCall(c, "resetusersessionkey", newSessionKey())
	if done {
		return err
	}
	if errcode != 0 {
		return sendErr(c, errcode)
	}
	return send(c, ans)
}

// keyCall is the shared body of checksession and resetusersessionkey; a non-empty
// freshKey replaces the user's key on success.
func (s *Sim) keyCall(c *fiber.Ctx, api, freshKey string) (any, int, bool, error) {
	tok, openid := c.Query("access_token"), c.Query("openid")
	sig, method := c.Query("signature"), c.Query("sig_method")
	s.mu.Lock()
	f := s.enter(api, func() (string, string) {
		appid := s.peekTokenAppID(tok)
		if u, ok := s.st.byOpenID[appid+"\x00"+openid]; ok {
			return appid, u.name
		}
		return appid, ""
	})
	s.mu.Unlock()
	if done, err := apply(c, f); done {
		return nil, 0, true, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	app, errcode := s.tokenApp(tok)
	switch {
	case errcode != 0:
		return nil, errcode, false, nil
	case method != "hmac_sha256":
		return nil, 87008, false, nil
	case openid == "":
		return nil, 41009, false, nil
	}
	u, ok := s.st.byOpenID[app.AppID+"\x00"+openid]
	if !ok || u.key == "" {
		return nil, 40003, false, nil
	}
	if !hmac.Equal([]byte(sig), []byte(keySignature(u.key))) {
		return nil, 87009, false, nil
	}
	if freshKey == "" {
		return okAnswer{Code: 0, Msg: "ok"}, 0, false, nil
	}
	u.key = freshKey // keeps keyAt: the new key inherits the old one's age
	return resetAnswer{Code: 0, Msg: "ok", OpenID: u.openid, SessionKey: u.key}, 0, false, nil
}
