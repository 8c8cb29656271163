package wxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"miniauth/api/wechat"
	"miniauth/api/wechat/wxsim"
)

func TestPhoneCodeFlow(t *testing.T) {
	e := start(t, wxsim.Options{})
	c := e.client(appA, secretA)
	ctx := context.Background()
	s, err := c.Code2Session(ctx, e.login("ray", appA))
	if err != nil {
		t.Fatal(err)
	}
	code := e.ok("/sim/phonecode", map[string]any{"user": "ray", "phoneNumber": "13812345678"})["code"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(code) {
		t.Fatalf("phone code shape %q", code)
	}
	p, err := c.PhoneNumber(ctx, code, s.OpenID)
	want := wechat.Phone{PhoneNumber: "13812345678", PurePhoneNumber: "13812345678", CountryCode: "86", Timestamp: e.clk.now().Unix()}
	if err != nil || p != want {
		t.Fatalf("%+v %v", p, err)
	}
	var we *wechat.Error
	if _, err := c.PhoneNumber(ctx, code, s.OpenID); !errors.As(err, &we) || we.Code != 40029 || errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("reused phone code: %v", err)
	}

	// Another user's code with our openid is refused and not spent.
	other := e.ok("/sim/phonecode", map[string]any{"user": "sue", "phoneNumber": "13900000000"})["code"].(string)
	if _, err := c.PhoneNumber(ctx, other, s.OpenID); !errors.As(err, &we) || we.Code != 40029 {
		t.Fatalf("foreign code: %v", err)
	}
	if p, err := c.PhoneNumber(ctx, other, ""); err != nil || p.PurePhoneNumber != "13900000000" {
		t.Fatalf("without openid check: %+v %v", p, err)
	}

	// A code of another app: 40013.
	codeB := e.ok("/sim/phonecode", map[string]any{"user": "ray", "appid": appB, "phoneNumber": "1"})["code"].(string)
	if _, err := c.PhoneNumber(ctx, codeB, ""); !errors.As(err, &we) || we.Code != 40013 {
		t.Fatalf("other app's code: %v", err)
	}

	// Foreign number, countryCode sent as a bare number like the doc example.
	intl := e.ok("/sim/phonecode", map[string]any{"user": "ray", "phoneNumber": "2025550123", "countryCode": "1", "countryCodeAsNumber": true})["code"].(string)
	if p, err := c.PhoneNumber(ctx, intl, s.OpenID); err != nil || p.CountryCode != "1" || p.PurePhoneNumber != "2025550123" || p.PhoneNumber != "+1 2025550123" {
		t.Fatalf("foreign: %+v %v", p, err)
	}

	// Codes expire after five minutes.
	late := e.ok("/sim/phonecode", map[string]any{"user": "ray", "phoneNumber": "13812345678"})["code"].(string)
	e.clk.advance(5 * time.Minute)
	if _, err := c.PhoneNumber(ctx, late, s.OpenID); !errors.As(err, &we) || we.Code != 40029 {
		t.Fatalf("expired phone code: %v", err)
	}
}

func TestUserInfoRoundTrip(t *testing.T) {
	e := start(t, wxsim.Options{})
	c := e.client(appA, secretA)
	s, err := c.Code2Session(context.Background(), e.login("uma", appA))
	if err != nil {
		t.Fatal(err)
	}
	signed := e.ok("/sim/userinfo", map[string]any{"user": "uma", "userInfo": map[string]any{
		"nickName": "Uma <3", "gender": "2", "city": "Shenzhen", "avatarUrl": "https://thirdwx.qlogo.cn/mmopen/x/132"}})
	raw, sig := signed["rawData"].(string), signed["signature"].(string)
	if !wechat.VerifyRawData(raw, sig, s.SessionKey) {
		t.Fatalf("signature does not verify: %v", signed)
	}
	if !regexp.MustCompile(`^\{"nickName":.*"gender":"2","language":"","city":"Shenzhen".*"avatarUrl":`).MatchString(raw) {
		t.Fatalf("rawData order: %s", raw)
	}
	info, err := wechat.ParseUserInfo([]byte(raw))
	if err != nil || info.NickName != "Uma <3" || info.Gender != 2 || info.City != "Shenzhen" {
		t.Fatalf("rawData: %+v %v", info, err)
	}
	plain, err := wechat.Decrypt(appA, s.SessionKey, signed["encryptedData"].(string), signed["iv"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenID    *string `json:"openId"`
		Watermark struct {
			AppID     string `json:"appid"`
			Timestamp int64  `json:"timestamp"`
		} `json:"watermark"`
	}
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Watermark.AppID != appA || doc.Watermark.Timestamp != e.clk.now().Unix() || doc.OpenID != nil {
		t.Fatalf("plaintext %s", plain)
	}
	if info2, err := wechat.ParseUserInfo(plain); err != nil || info2 != info {
		t.Fatalf("decrypted info %+v vs %+v", info2, info)
	}

	// Legacy payloads carry openId and unionId.
	legacy := e.ok("/sim/userinfo", map[string]any{"user": "uma", "legacy": true, "userInfo": map[string]any{"nickName": "U"}})
	plain, err = wechat.Decrypt(appA, s.SessionKey, legacy["encryptedData"].(string), legacy["iv"].(string))
	if err != nil || json.Unmarshal(plain, &doc) != nil || doc.OpenID == nil || *doc.OpenID != s.OpenID {
		t.Fatalf("legacy: %s %v", plain, err)
	}

	// Watermark of another app.
	foreign := e.ok("/sim/userinfo", map[string]any{"user": "uma", "watermarkAppid": "wxsomeoneelse00000", "userInfo": map[string]any{}})
	if _, err := wechat.Decrypt(appA, s.SessionKey, foreign["encryptedData"].(string), foreign["iv"].(string)); !errors.Is(err, wechat.ErrWatermark) {
		t.Fatalf("foreign watermark: %v", err)
	}

	// A later login rotates the key: the old data no longer opens with the new key.
	s2, err := c.Code2Session(context.Background(), e.login("uma", appA))
	if err != nil {
		t.Fatal(err)
	}
	if wechat.VerifyRawData(raw, sig, s2.SessionKey) {
		t.Fatal("stale signature verified with the new key")
	}
	if _, err := wechat.Decrypt(appA, s2.SessionKey, signed["encryptedData"].(string), signed["iv"].(string)); err == nil || errors.Is(err, wechat.ErrWatermark) {
		t.Fatalf("stale data with the new key: %v", err)
	}

	// Legacy encrypted phone payload.
	pd := e.ok("/sim/phonedata", map[string]any{"user": "uma", "phoneNumber": "13700000000"})
	plain, err = wechat.Decrypt(appA, s2.SessionKey, pd["encryptedData"].(string), pd["iv"].(string))
	var ph map[string]any
	if err != nil || json.Unmarshal(plain, &ph) != nil || ph["purePhoneNumber"] != "13700000000" || ph["countryCode"] != "86" {
		t.Fatalf("phone data: %s %v", plain, err)
	}
}
