package wechat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
)

// SessionSignature is the signature checkSessionKey and resetUserSessionKey expect: lower
// hex HMAC-SHA256 of the empty message, keyed with the session_key string's bytes as they
// are (not base64-decoded).
func SessionSignature(sessionKey string) string {
	m := hmac.New(sha256.New, []byte(sessionKey))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckSession asks WeChat whether sessionKey is still the user's current session key. It
// returns nil if so; a key that was rotated or is wrong gives an *Error with Code 87009.
func (c *Client) CheckSession(ctx context.Context, openid, sessionKey string) error {
	const api = "checksession"
	sig := SessionSignature(sessionKey)
	res, err := c.withToken(ctx, api, func(tok string) attempt {
		k := call{api: api, method: http.MethodGet, path: "/wxa/checksession", query: url.Values{
			"access_token": {tok},
			"openid":       {openid},
			"signature":    {sig},
			"sig_method":   {"hmac_sha256"},
		}}
		return classify(c.once(ctx, k, nil))
	})
	if err != nil {
		return err
	}
	if res.env.Code != 0 {
		return &Error{API: api, Code: res.env.Code, Msg: res.env.Msg}
	}
	return nil
}
