package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"miniauth/api/wechat"
	"miniauth/db"
)

// profileRequest is the body of POST /api/user/profile: plain fields (what the avatar and
// nickname fill-in gives today) or one of the legacy signed/encrypted forms.
type profileRequest struct {
	NickName  *string `json:"nickName"`
	AvatarURL *string `json:"avatarUrl"`
	Gender    *int    `json:"gender"`
	Province  *string `json:"province"`
	City      *string `json:"city"`
	Country   *string `json:"country"`
	Language  *string `json:"language"`

	RawData       string `json:"rawData"`
	Signature     string `json:"signature"`
	EncryptedData string `json:"encryptedData"`
	IV            string `json:"iv"`
}

// prevKeyGrace is how long after a session_key rotation data signed with the previous key
// is still accepted: wx.login racing a getUserProfile call rotates the key under it.
const prevKeyGrace = 5 * time.Minute

// wechatAvatarHosts are the hosts WeChat serves avatars from.
var wechatAvatarHosts = map[string]bool{"thirdwx.qlogo.cn": true, "wx.qlogo.cn": true}

// userProfile updates the caller's profile.
func (h *Handler) userProfile(c *fiber.Ctx) error {
	s, err := h.authenticate(c)
	if err != nil {
		return err
	}
	var req profileRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := h.liveUser(c, s)
	if err != nil {
		return err
	}
	p := u.Profile
	switch {
	case req.RawData != "" || req.Signature != "":
		info, err := h.verifiedUserInfo(u, req.RawData, req.Signature)
		if err != nil {
			return err
		}
		p = fromWeChat(info)
	case req.EncryptedData != "" || req.IV != "":
		info, err := h.decryptedUserInfo(u, req.EncryptedData, req.IV)
		if err != nil {
			return err
		}
		p = fromWeChat(info)
	default:
		if err := applyPlain(&p, req); err != nil {
			return err
		}
	}
	if err := h.checkProfile(c, &p); err != nil {
		return err
	}
	u, err = h.store.UpdateProfile(c.UserContext(), u.ID, p, db.UserActor(u.ID, h.clientIP(c)))
	if errors.Is(err, db.ErrNotFound) {
		return unauthorized("this user no longer exists: log in again")
	}
	if errors.Is(err, db.ErrNoAvatar) {
		return badRequest("avatarUrl names an uploaded avatar that is no longer stored: upload it again")
	}
	if err != nil {
		return storeUnavailable(err)
	}
	return c.JSON(fiber.Map{"user": newUserView(h.shown(c, u))})
}

func applyPlain(p *db.Profile, req profileRequest) error {
	if req.NickName == nil && req.AvatarURL == nil && req.Gender == nil && req.Province == nil &&
		req.City == nil && req.Country == nil && req.Language == nil {
		return badRequest("nothing to update: send nickName, avatarUrl, gender, province, city, country or language (or rawData+signature, or encryptedData+iv)")
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&p.NickName, req.NickName)
	set(&p.AvatarURL, req.AvatarURL)
	set(&p.Province, req.Province)
	set(&p.City, req.City)
	set(&p.Country, req.Country)
	set(&p.Language, req.Language)
	if req.Gender != nil {
		p.Gender = *req.Gender
	}
	return nil
}

func fromWeChat(info wechat.UserInfo) db.Profile {
	avatar := info.AvatarURL
	// Signed legacy data names WeChat's hosts over http; the same files are served over https.
	if strings.HasPrefix(avatar, "http://") {
		if u, err := url.Parse(avatar); err == nil && wechatAvatarHosts[u.Hostname()] {
			avatar = "https://" + strings.TrimPrefix(avatar, "http://")
		}
	}
	return db.Profile{NickName: info.NickName, AvatarURL: avatar, Gender: info.Gender,
		Province: info.Province, City: info.City, Country: info.Country, Language: info.Language}
}

// checkProfile validates every field, whatever its source.
func (h *Handler) checkProfile(c *fiber.Ctx, p *db.Profile) error {
	fields := []struct {
		name string
		v    string
		max  int
	}{
		{"nickName", p.NickName, 64}, {"province", p.Province, 64}, {"city", p.City, 64},
		{"country", p.Country, 64}, {"language", p.Language, 16},
	}
	for _, f := range fields {
		if err := checkText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if p.Gender < 0 || p.Gender > 2 {
		return badRequest("gender must be 0 (unknown), 1 (male) or 2 (female)")
	}
	if p.AvatarURL != "" {
		stored, ok := h.storedAvatar(c, p.AvatarURL)
		if !ok {
			return badRequest("avatarUrl must be an https URL on thirdwx.qlogo.cn or wx.qlogo.cn, or one returned by /api/user/avatar")
		}
		p.AvatarURL = stored
	}
	return nil
}

func checkText(name, v string, max int) error {
	if !utf8.ValidString(v) {
		return badRequest("%s is not valid UTF-8", name)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return badRequest("%s is too long (%d characters, at most %d)", name, n, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return badRequest("%s must not contain control characters", name)
		}
	}
	return nil
}

// storedAvatar checks an avatarUrl and returns what is stored for it: a WeChat https URL
// as it is; one of our own avatars — its path, or the absolute URL this server answers
// with — as the path only, so no host a request named is ever stored.
func (h *Handler) storedAvatar(c *fiber.Ctx, raw string) (string, bool) {
	if len(raw) > 512 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.RawQuery != "" && !wechatAvatarHosts[u.Hostname()] {
		return "", false
	}
	if u.Scheme == "https" && wechatAvatarHosts[u.Hostname()] && u.Port() == "" {
		return raw, true
	}
	path := strings.TrimPrefix(raw, h.baseURL(c))
	if name, ok := strings.CutPrefix(path, avatarPath); ok && validAvatarName(name) {
		return path, true
	}
	return "", false
}

// sessionKeys returns the keys signed data may be under: the current one, then the previous
// one while it is fresh from a rotation.
func (h *Handler) sessionKeys(u db.WxUser) []string {
	keys := []string{u.SessionKey}
	if u.PrevSessionKey != "" && h.now().Sub(u.SessionKeyRotatedAt) < prevKeyGrace {
		keys = append(keys, u.PrevSessionKey)
	}
	return keys
}

func (h *Handler) verifiedUserInfo(u db.WxUser, rawData, signature string) (wechat.UserInfo, error) {
	if rawData == "" || signature == "" {
		return wechat.UserInfo{}, badRequest("rawData and signature go together")
	}
	for _, k := range h.sessionKeys(u) {
		if k != "" && wechat.VerifyRawData(rawData, signature, k) {
			info, err := wechat.ParseUserInfo([]byte(rawData))
			if err != nil {
				return wechat.UserInfo{}, badRequest("rawData is not a user info object: %v", err)
			}
			return info, nil
		}
	}
	return wechat.UserInfo{}, newError(http.StatusBadRequest, "invalid_signature",
		"signature does not match rawData for this session: call wx.login and getUserProfile again")
}

func (h *Handler) decryptedUserInfo(u db.WxUser, enc, iv string) (wechat.UserInfo, error) {
	if enc == "" || iv == "" {
		return wechat.UserInfo{}, badRequest("encryptedData and iv go together")
	}
	for _, k := range h.sessionKeys(u) {
		if k == "" {
			continue
		}
		plain, err := wechat.Decrypt(u.AppID, k, enc, iv)
		if errors.Is(err, wechat.ErrWatermark) {
			return wechat.UserInfo{}, newError(http.StatusBadRequest, "invalid_signature",
				"encryptedData was made for another mini-program (watermark appid mismatch)")
		}
		if err != nil {
			continue // wrong key: try the previous one
		}
		info, err := wechat.ParseUserInfo(plain)
		if err != nil {
			return wechat.UserInfo{}, badRequest("encryptedData does not hold a user info object: %v", err)
		}
		return info, nil
	}
	return wechat.UserInfo{}, newError(http.StatusBadRequest, "invalid_signature",
		"encryptedData cannot be decrypted with this session's key: call wx.login and getUserProfile again")
}
