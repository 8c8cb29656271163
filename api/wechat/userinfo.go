package wechat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// UserInfo is the profile in a getUserProfile rawData or decrypted userInfo. Gender is
// 0 (unknown), 1 (male) or 2 (female). Since 2022 WeChat sends a grey default avatar and
// the nickname 微信用户 here; treat it as user-supplied, not as identity.
type UserInfo struct {
	NickName  string `json:"nickName"`
	AvatarURL string `json:"avatarUrl"`
	Gender    int    `json:"gender"`
	Province  string `json:"province"`
	City      string `json:"city"`
	Country   string `json:"country"`
	Language  string `json:"language"`
}

// ParseUserInfo reads a rawData string or a decrypted userInfo plaintext. Gender may be a
// number or a numeric string; other keys (openId, unionId, watermark) are ignored.
func ParseUserInfo(plaintextOrRaw []byte) (UserInfo, error) {
	if t := bytes.TrimSpace(plaintextOrRaw); len(t) == 0 || t[0] != '{' {
		return UserInfo{}, fmt.Errorf("wechat: user info: not a JSON object")
	}
	var doc struct {
		UserInfo
		Gender json.RawMessage `json:"gender"`
	}
	if err := json.Unmarshal(plaintextOrRaw, &doc); err != nil {
		return UserInfo{}, fmt.Errorf("wechat: user info: %w", err)
	}
	info := doc.UserInfo
	g, err := parseGender(doc.Gender)
	if err != nil {
		return UserInfo{}, err
	}
	info.Gender = g
	return info, nil
}

func parseGender(raw json.RawMessage) (int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return 0, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, fmt.Errorf("wechat: user info: gender: %w", err)
		}
		if s == "" {
			return 0, nil
		}
	}
	g, err := strconv.Atoi(s)
	if err != nil || g < 0 || g > 2 {
		return 0, fmt.Errorf("wechat: user info: gender must be 0, 1 or 2, got %.20q", s)
	}
	return g, nil
}
