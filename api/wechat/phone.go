package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Phone is the number a getPhoneNumber code stands for. CountryCode is "86" for mainland
// China; PhoneNumber includes the country code for foreign numbers. Timestamp is the
// watermark's unix time in seconds.
type Phone struct {
	PhoneNumber, PurePhoneNumber, CountryCode string
	Timestamp                                 int64
}

type phoneAnswer struct {
	PhoneInfo *struct {
		PhoneNumber     string       `json:"phoneNumber"`
		PurePhoneNumber string       `json:"purePhoneNumber"`
		CountryCode     looseString  `json:"countryCode"`
		Watermark       rawWatermark `json:"watermark"`
	} `json:"phone_info"`
}

// rawWatermark is the watermark WeChat stamps on data it hands out.
type rawWatermark struct {
	AppID     string     `json:"appid"`
	Timestamp looseInt64 `json:"timestamp"`
}

// looseString accepts a JSON string or number: WeChat's documentation shows countryCode as
// a bare number while real answers send a string.
type looseString string

// UnmarshalJSON takes a string, a number or null.
func (s *looseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = looseString(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number, got %.20s", b)
	}
	*s = looseString(n.String())
	return nil
}

// looseInt64 accepts a JSON integer or a string holding one.
type looseInt64 int64

// UnmarshalJSON takes an integer, a string holding one, or null.
func (v *looseInt64) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*v = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want an integer, got %.20s", b)
	}
	*v = looseInt64(n)
	return nil
}

// PhoneNumber exchanges a getPhoneNumber code (from <button open-type="getPhoneNumber">,
// not a wx.login code) for the user's number. With a non-empty openid WeChat also checks
// that the code belongs to that user. The answer's watermark must name this AppID, else
// the error wraps ErrWatermark.
//
// The call is retried on transient failures like every other; since a phone code is
// single-use, a 40029 on a retry after a lost try wraps ErrUnavailable rather than blaming
// the caller's code.
func (c *Client) PhoneNumber(ctx context.Context, code, openid string) (Phone, error) {
	const api = "getuserphonenumber"
	body := map[string]string{"code": code}
	if openid != "" {
		body["openid"] = openid
	}
	var out phoneAnswer
	res, err := c.withToken(ctx, api, func(tok string) attempt {
		out = phoneAnswer{}
		k := call{api: api, method: http.MethodPost, path: "/wxa/business/getuserphonenumber",
			query: url.Values{"access_token": {tok}}, body: body}
		env, err := c.once(ctx, k, &out)
		if err == nil && env.Code == 0 && (out.PhoneInfo == nil || out.PhoneInfo.PurePhoneNumber == "") {
			err = fmt.Errorf("POST %s: success without phone_info: %w", k.path, errGarbage)
		}
		return classify(env, err)
	})
	if err != nil {
		return Phone{}, err
	}
	if res.env.Code != 0 {
		we := &Error{API: api, Code: res.env.Code, Msg: res.env.Msg}
		if we.Code == 40029 && res.retried {
			return Phone{}, &unavailable{api: api, tries: res.tries, last: we}
		}
		return Phone{}, we
	}
	p := out.PhoneInfo
	if p.Watermark.AppID != c.appID {
		return Phone{}, fmt.Errorf("wechat: %s: %w: answer stamped for appid %q", api, ErrWatermark, p.Watermark.AppID)
	}
	return Phone{
		PhoneNumber:     p.PhoneNumber,
		PurePhoneNumber: p.PurePhoneNumber,
		CountryCode:     string(p.CountryCode),
		Timestamp:       int64(p.Watermark.Timestamp),
	}, nil
}
