package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"miniauth/db"
	"miniauth/privacy"
)

// userView is the `user` object of the API. It never carries an openid, unionid or
// session_key, and the phone number is masked.
type userView struct {
	ID          int64  `json:"id"`
	NickName    string `json:"nickName"`
	AvatarURL   string `json:"avatarUrl"`
	Gender      int    `json:"gender"`
	Province    string `json:"province"`
	City        string `json:"city"`
	Country     string `json:"country"`
	Language    string `json:"language"`
	PhoneNumber string `json:"phoneNumber"`
}

// accountView is the `account` object: the platform account a WeChat user is bound to.
type accountView struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

// shown returns u as the API shows it: the stored path of an uploaded avatar becomes an
// absolute URL on MINIAUTH_PUBLIC_URL, or without one on the request's own scheme and
// host, built for this answer only and never stored.
func (h *Handler) shown(c *fiber.Ctx, u db.WxUser) db.WxUser {
	u.AvatarURL = h.avatarURL(c, u.AvatarURL)
	return u
}

// avatarURL makes a stored avatar path absolute; other values (WeChat URLs, "") are kept.
func (h *Handler) avatarURL(c *fiber.Ctx, stored string) string {
	if strings.HasPrefix(stored, avatarPath) {
		return h.baseURL(c) + stored
	}
	return stored
}

func newUserView(u db.WxUser) userView {
	return userView{
		ID: u.ID, NickName: u.NickName, AvatarURL: u.AvatarURL, Gender: u.Gender,
		Province: u.Province, City: u.City, Country: u.Country, Language: u.Language,
		PhoneNumber: privacy.MaskPhone(u.Phone),
	}
}
