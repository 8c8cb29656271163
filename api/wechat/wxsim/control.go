package wxsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// decodeControl reads a control call's JSON body into v.
func decodeControl(c *fiber.Ctx, v any) error {
	body := c.Request().Body()
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("body is not the expected JSON: %v", err)
	}
	return nil
}

// identity resolves the default appid and derives the person's openid, outside the lock.
func (s *Sim) identity(appid, name string) (string, string) {
	if appid == "" {
		s.mu.Lock()
		appid = s.st.defaultApp
		s.mu.Unlock()
	}
	return appid, deriveID(s.secret, appid, name)
}

// resolveApp picks the named app or the default one. Call with s.mu held.
func (s *Sim) resolveApp(appid string) (*appState, error) {
	if appid == "" {
		appid = s.st.defaultApp
	}
	app, ok := s.st.apps[appid]
	if !ok {
		return nil, fmt.Errorf("unknown appid %q: add it with POST /sim/apps", appid)
	}
	return app, nil
}

type personRequest struct {
	User  string `json:"user"`
	AppID string `json:"appid"`
}

// simLogin is POST /sim/login: what wx.login gives the simulated person.
func (s *Sim) simLogin(c *fiber.Ctx) error {
	var req personRequest
	if err := decodeControl(c, &req); err != nil {
		return badRequest(c, "%v", err)
	}
	if req.User == "" {
		return badRequest(c, "user is required")
	}
	code := newLoginCode()
	appid, openid := s.identity(req.AppID, req.User)
	s.mu.Lock()
	app, err := s.resolveApp(appid)
	if err == nil {
		s.issueCode(s.person(app.AppID, req.User, openid), code)
	}
	s.mu.Unlock()
	if err != nil {
		return badRequest(c, "%v", err)
	}
	return c.JSON(fiber.Map{"code": code})
}

// simUser is GET /sim/users/:user?appid=: what WeChat knows of that person.
func (s *Sim) simUser(c *fiber.Ctx) error {
	name, err := url.PathUnescape(c.Params("user"))
	if err != nil || name == "" {
		return badRequest(c, "bad user in path")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app, err := s.resolveApp(c.Query("appid"))
	if err != nil {
		return badRequest(c, "%v", err)
	}
	u, ok := s.st.users[app.AppID+"\x00"+name]
	if !ok {
		return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "not_found",
			"message": "no such simulated user: POST /sim/login creates one"})
	}
	return c.JSON(fiber.Map{"openid": u.openid, "unionid": s.unionID(app, u), "session_key": u.key})
}

// loggedIn finds a user who has a session_key, for the calls that sign or encrypt with it.
// Call with s.mu held.
func (s *Sim) loggedIn(appid, name string) (*appState, *user, error) {
	app, err := s.resolveApp(appid)
	if err != nil {
		return nil, nil, err
	}
	u, ok := s.st.users[app.AppID+"\x00"+name]
	if !ok || u.key == "" {
		return nil, nil, fmt.Errorf("user %q has no session_key yet: exchange a /sim/login code first", name)
	}
	return app, u, nil
}

type userInfoRequest struct {
	User           string          `json:"user"`
	AppID          string          `json:"appid"`
	UserInfo       json.RawMessage `json:"userInfo"`
	WatermarkAppID string          `json:"watermarkAppid"`
	Legacy         bool            `json:"legacy"` // include openId and unionId as old getUserInfo did
}

// userInfoKeys is the order the WeChat app writes rawData in.
var userInfoKeys = []string{"nickName", "gender", "language", "city", "province", "country", "avatarUrl"}

// simUserInfo is POST /sim/userinfo: rawData, its signature and the encrypted userInfo,
// made with the person's current session_key and watermarked with the app and now.
func (s *Sim) simUserInfo(c *fiber.Ctx) error {
	var req userInfoRequest
	if err := decodeControl(c, &req); err != nil {
		return badRequest(c, "%v", err)
	}
	if req.User == "" {
		return badRequest(c, "user is required")
	}
	fields := map[string]json.RawMessage{}
	if len(req.UserInfo) > 0 && string(req.UserInfo) != "null" {
		if err := json.Unmarshal(req.UserInfo, &fields); err != nil {
			return badRequest(c, "userInfo must be a JSON object")
		}
	}
	raw := rawData(fields)

	s.mu.Lock()
	app, u, err := s.loggedIn(req.AppID, req.User)
	var key, openid, unionid string
	var now time.Time
	if err == nil {
		key, openid, unionid, now = u.key, u.openid, s.unionID(app, u), s.now()
	}
	s.mu.Unlock()
	if err != nil {
		return badRequest(c, "%v", err)
	}
	wm := app.AppID
	if req.WatermarkAppID != "" {
		wm = req.WatermarkAppID
	}
	plain := bytes.TrimSuffix([]byte(raw), []byte("}"))
	if req.Legacy {
		plain = appendJSONField(plain, "openId", openid)
		plain = appendJSONField(plain, "unionId", unionid)
	}
	plain = appendJSONField(plain, "watermark", watermark{Timestamp: now.Unix(), AppID: wm})
	plain = append(plain, '}')
	enc, iv, err := encrypt(key, plain)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"rawData": raw, "signature": signRawData(raw, key), "encryptedData": enc, "iv": iv})
}

// rawData writes the profile as the WeChat app does: the known keys in its order (absent
// ones empty), then any extra keys sorted.
func rawData(fields map[string]json.RawMessage) string {
	b := []byte{'{'}
	for _, k := range userInfoKeys {
		v, ok := fields[k]
		if !ok {
			if k == "gender" {
				v = json.RawMessage("0")
			} else {
				v = json.RawMessage(`""`)
			}
		}
		b = appendJSONField(b, k, v)
	}
	extra := make([]string, 0, len(fields))
	for k := range fields {
		if !slices.Contains(userInfoKeys, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		b = appendJSONField(b, k, fields[k])
	}
	return string(append(b, '}'))
}

// appendJSONField appends "key":value to an object being written, with a comma unless it
// is the first field.
func appendJSONField(b []byte, key string, v any) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	kb, _ := json.Marshal(key)
	b = append(b, kb...)
	b = append(b, ':')
	if raw, ok := v.(json.RawMessage); ok {
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			return append(b, buf.Bytes()...)
		}
	}
	vb, _ := json.Marshal(v)
	return append(b, vb...)
}

type phoneCodeRequest struct {
	User                string `json:"user"`
	AppID               string `json:"appid"`
	PhoneNumber         string `json:"phoneNumber"`
	CountryCode         string `json:"countryCode"`
	CountryCodeAsNumber bool   `json:"countryCodeAsNumber"`
	WatermarkAppID      string `json:"watermarkAppid"`
}

// phoneFields checks a phone request and returns the full and pure numbers and the
// country code.
func phoneFields(req phoneCodeRequest) (full, pure, cc string, err error) {
	if req.User == "" || req.PhoneNumber == "" {
		return "", "", "", fmt.Errorf("user and phoneNumber are required")
	}
	cc = strings.TrimPrefix(req.CountryCode, "+")
	if cc == "" {
		cc = "86"
	}
	if len(cc) > 4 || strings.Trim(cc, "0123456789") != "" {
		return "", "", "", fmt.Errorf("countryCode must be 1 to 4 digits")
	}
	pure = req.PhoneNumber
	if len(pure) > 20 || strings.Trim(pure, "0123456789") != "" {
		return "", "", "", fmt.Errorf("phoneNumber must be digits only, without the country code")
	}
	full = pure
	if cc != "86" {
		full = "+" + cc + " " + pure
	}
	return full, pure, cc, nil
}

// simPhoneCode is POST /sim/phonecode: a getPhoneNumber code for the person.
func (s *Sim) simPhoneCode(c *fiber.Ctx) error {
	var req phoneCodeRequest
	if err := decodeControl(c, &req); err != nil {
		return badRequest(c, "%v", err)
	}
	full, pure, cc, err := phoneFields(req)
	if err != nil {
		return badRequest(c, "%v", err)
	}
	code := newPhoneCode()
	appid, openid := s.identity(req.AppID, req.User)
	s.mu.Lock()
	app, err := s.resolveApp(appid)
	if err == nil {
		u := s.person(app.AppID, req.User, openid)
		s.issuePhoneCode(code, &phoneCode{u: u, phone: full, pure: pure, cc: cc, ccAsNumber: req.CountryCodeAsNumber})
	}
	s.mu.Unlock()
	if err != nil {
		return badRequest(c, "%v", err)
	}
	return c.JSON(fiber.Map{"code": code})
}

// simPhoneData is POST /sim/phonedata: the legacy encrypted phone payload
// (getPhoneNumber's encryptedData before phone codes), under the current session_key.
func (s *Sim) simPhoneData(c *fiber.Ctx) error {
	var req phoneCodeRequest
	if err := decodeControl(c, &req); err != nil {
		return badRequest(c, "%v", err)
	}
	full, pure, cc, err := phoneFields(req)
	if err != nil {
		return badRequest(c, "%v", err)
	}
	s.mu.Lock()
	app, u, err := s.loggedIn(req.AppID, req.User)
	var key string
	var now time.Time
	if err == nil {
		key, now = u.key, s.now()
	}
	s.mu.Unlock()
	if err != nil {
		return badRequest(c, "%v", err)
	}
	wm := app.AppID
	if req.WatermarkAppID != "" {
		wm = req.WatermarkAppID
	}
	plain, _ := json.Marshal(phoneInfo{PhoneNumber: full, PurePhoneNumber: pure, CountryCode: cc,
		Watermark: watermark{Timestamp: now.Unix(), AppID: wm}})
	enc, iv, err := encrypt(key, plain)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"encryptedData": enc, "iv": iv})
}

type faultRequest struct {
	API     string `json:"api"`
	AppID   string `json:"appid"`
	User    string `json:"user"`
	Errcode *int   `json:"errcode"`
	DelayMS int64  `json:"delay_ms"`
	Times   int    `json:"times"`
	Mode    string `json:"mode"`
}

// simFaults is POST /sim/faults: make the next times matching calls misbehave.
func (s *Sim) simFaults(c *fiber.Ctx) error {
	var req faultRequest
	if err := decodeControl(c, &req); err != nil {
		return badRequest(c, "%v", err)
	}
	f := &fault{api: req.API, appid: req.AppID, user: req.User, times: req.Times,
		delay: time.Duration(req.DelayMS) * time.Millisecond, mode: req.Mode}
	switch {
	case !faultAPIs[req.API]:
		return badRequest(c, "api must be one of jscode2session, token, stable_token, checksession, resetusersessionkey, getuserphonenumber")
	case req.Times < 1:
		return badRequest(c, "times must be at least 1")
	case req.DelayMS < 0 || req.DelayMS > 60_000:
		return badRequest(c, "delay_ms must be between 0 and 60000")
	}
	switch req.Mode {
	case "":
		switch {
		case req.Errcode != nil:
			f.mode = "errcode"
		case req.DelayMS > 0:
			f.mode = "delay"
		default:
			return badRequest(c, "say what to inject: errcode, delay_ms or mode")
		}
	case "errcode":
		if req.Errcode == nil {
			return badRequest(c, "mode errcode needs errcode")
		}
	case "drop", "garbage", "text_plain":
	default:
		return badRequest(c, "mode must be errcode, drop, garbage or text_plain")
	}
	if f.mode == "errcode" {
		if *req.Errcode == 0 {
			return badRequest(c, "errcode 0 is not an error")
		}
		f.errcode = *req.Errcode
	}
	s.mu.Lock()
	s.st.faults = append(s.st.faults, f)
	s.mu.Unlock()
	return c.JSON(fiber.Map{"ok": true})
}

type appRequest struct {
	AppID          string   `json:"appid"`
	Secret         string   `json:"secret"`
	OpenPlatformID string   `json:"openPlatformId"`
	IPWhitelist    []string `json:"ipWhitelist"`
}

// simApps is POST /sim/apps: add a mini-program, or replace one's secret, Open Platform
// binding and IP whitelist (its users and tokens stay).
func (s *Sim) simApps(c *fiber.Ctx) error {
	var req appRequest
	if err := decodeControl(c, &req); err != nil {
		return badRequest(c, "%v", err)
	}
	if req.AppID == "" || req.Secret == "" {
		return badRequest(c, "appid and secret are required")
	}
	for _, ip := range req.IPWhitelist {
		if net.ParseIP(ip) == nil {
			return badRequest(c, "ipWhitelist entry %q is not an IP address", ip)
		}
	}
	a := App{AppID: req.AppID, Secret: req.Secret, OpenPlatformID: req.OpenPlatformID, IPWhitelist: req.IPWhitelist}
	s.mu.Lock()
	if cur, ok := s.st.apps[a.AppID]; ok {
		cur.App = a
	} else {
		s.st.apps[a.AppID] = &appState{App: a}
		if s.st.defaultApp == "" {
			s.st.defaultApp = a.AppID
		}
	}
	s.mu.Unlock()
	return c.JSON(fiber.Map{"appid": a.AppID})
}

type clockRequest struct {
	AdvanceMS *int64 `json:"advance_ms"`
	NowMS     *int64 `json:"now_ms"`
}

// simClock is GET or POST /sim/clock: read the simulated time, or move it by advance_ms or
// to now_ms (it keeps running from there).
func (s *Sim) simClock(c *fiber.Ctx) error {
	var req clockRequest
	if c.Method() == fiber.MethodPost {
		if err := decodeControl(c, &req); err != nil {
			return badRequest(c, "%v", err)
		}
		if (req.AdvanceMS == nil) == (req.NowMS == nil) {
			return badRequest(c, "give exactly one of advance_ms and now_ms")
		}
	}
	s.mu.Lock()
	switch {
	case req.AdvanceMS != nil:
		s.offset += time.Duration(*req.AdvanceMS) * time.Millisecond
	case req.NowMS != nil:
		s.offset = time.UnixMilli(*req.NowMS).Sub(s.clock())
	}
	now := s.now()
	s.mu.Unlock()
	return c.JSON(fiber.Map{"now_ms": now.UnixMilli()})
}

// simStats is GET /sim/stats: WeChat API requests received per api since the last reset.
func (s *Sim) simStats(c *fiber.Ctx) error {
	s.mu.Lock()
	calls := make(map[string]int, len(s.st.calls))
	for k, v := range s.st.calls {
		calls[k] = v
	}
	s.mu.Unlock()
	return c.JSON(fiber.Map{"calls": calls})
}

// simReset is POST /sim/reset.
func (s *Sim) simReset(c *fiber.Ctx) error {
	s.Reset()
	return c.JSON(fiber.Map{"ok": true})
}
