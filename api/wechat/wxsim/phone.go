package wxsim

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"
)

type phoneRequest struct {
	Code   string `json:"code"`
	OpenID string `json:"openid"`
}

type watermark struct {
	Timestamp int64  `json:"timestamp"`
	AppID     string `json:"appid"`
}

type phoneInfo struct {
	PhoneNumber     string    `json:"phoneNumber"`
	PurePhoneNumber string    `json:"purePhoneNumber"`
	CountryCode     any       `json:"countryCode"` // "86", or 86 when asked to mimic the doc example
	Watermark       watermark `json:"watermark"`
}

type phoneAnswer struct {
	Code      int       `json:"errcode"`
	Msg       string    `json:"errmsg"`
	PhoneInfo phoneInfo `json:"phone_info"`
}

// phoneNumber is POST /wxa/business/getuserphonenumber?access_token=: spends a phone code.
// With an openid in the body, the code must belong to that user.
func (s *Sim) phoneNumber(c *fiber.Ctx) error {
	tok := c.Query("access_token")
	var req phoneRequest
	bodyErr := json.Unmarshal(c.Request().Body(), &req)
	s.mu.Lock()
	f := s.enter("getuserphonenumber", func() (string, string) {
		if pc, ok := s.st.phones[req.Code]; ok {
			return pc.u.appid, pc.u.name
		}
		return s.peekTokenAppID(tok), ""
	})
	s.mu.Unlock()
	if done, err := apply(c, f); done {
		return err
	}

	s.mu.Lock()
	ans, errcode := s.spendPhoneCode(tok, req, bodyErr != nil)
	s.mu.Unlock()
	if errcode != 0 {
		return sendErr(c, errcode)
	}
	return send(c, ans)
}

// spendPhoneCode checks the token and the code and spends it. Call with s.mu held.
func (s *Sim) spendPhoneCode(tok string, req phoneRequest, badBody bool) (phoneAnswer, int) {
	app, errcode := s.tokenApp(tok)
	switch {
	case errcode != 0:
		return phoneAnswer{}, errcode
	case badBody:
		return phoneAnswer{}, 47001
	case req.Code == "":
		return phoneAnswer{}, 41008
	}
	now := s.now()
	pc, ok := s.st.phones[req.Code]
	switch {
	case !ok || pc.used || !now.Before(pc.expires):
		return phoneAnswer{}, 40029
	case pc.u.appid != app.AppID:
		return phoneAnswer{}, 40013
	case req.OpenID != "" && req.OpenID != pc.u.openid:
		return phoneAnswer{}, 40029
	}
	pc.used = true
	var cc any = pc.cc
	if pc.ccAsNumber {
		cc = json.Number(pc.cc)
	}
	return phoneAnswer{Code: 0, Msg: "ok", PhoneInfo: phoneInfo{
		PhoneNumber:     pc.phone,
		PurePhoneNumber: pc.pure,
		CountryCode:     cc,
		Watermark:       watermark{Timestamp: now.Unix(), AppID: app.AppID},
	}}, 0
}

// issuePhoneCode records a phone code, dropping expired ones first. Call with s.mu held.
func (s *Sim) issuePhoneCode(code string, pc *phoneCode) {
	st := s.st
	now := s.now()
	st.phoneQ = sweep(st.phoneQ, now, func(k string) { delete(st.phones, k) })
	pc.expires = now.Add(codeTTL)
	st.phones[code] = pc
	st.phoneQ = append(st.phoneQ, queued{key: code, expires: pc.expires})
}
