package wechat

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Session is what code2Session returns. UnionID is empty unless the mini-program is bound
// to an Open Platform account.
type Session struct{ OpenID, UnionID, SessionKey string }

type sessionAnswer struct {
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid"`
	SessionKey string `json:"session_key"`
}

// Code2Session exchanges a wx.login code for the user's identity and session key.
//
// Concurrent calls with the same code share one upstream exchange (in flight only; nothing
// is cached afterwards, so the same code later gets WeChat's 40163). The shared exchange
// keeps running if the caller that started it gives up, so the others still get the
// answer; each caller waits only as long as its own ctx allows.
func (c *Client) Code2Session(ctx context.Context, code string) (Session, error) {
	ch := c.logins.DoChan(code, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.flightLimit)
		defer cancel()
		return c.code2Session(fctx, code)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return Session{}, r.Err
		}
		return r.Val.(Session), nil
	case <-ctx.Done():
		return Session{}, &unavailable{api: "jscode2session", tries: 0,
			last: fmt.Errorf("gave up waiting for the shared exchange: %w", ctx.Err())}
	}
}

func (c *Client) code2Session(ctx context.Context, code string) (Session, error) {
	const api = "jscode2session"
	k := call{api: api, method: http.MethodGet, path: "/sns/jscode2session", query: url.Values{
		"appid":      {c.appID},
		"secret":     {c.secret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}}
	var out sessionAnswer
	res, err := c.retry(ctx, api, func(int) attempt {
		out = sessionAnswer{}
		env, err := c.once(ctx, k, &out)
		if err == nil && env.Code == 0 && (out.OpenID == "" || out.SessionKey == "") {
			err = fmt.Errorf("GET %s: success without openid or session_key: %w", k.path, errGarbage)
		}
		return classify(env, err)
	})
	if err != nil {
		return Session{}, err
	}
	return c.sessionResult(api, res, out)
}

// sessionResult turns the final try into the answer. A 40163 after a try whose outcome we
// never saw means our own lost try may have spent the code: that is our failure, not the
// caller's bad code.
func (c *Client) sessionResult(api string, res attempt, out sessionAnswer) (Session, error) {
	if res.env.Code != 0 {
		we := &Error{API: api, Code: res.env.Code, Msg: res.env.Msg}
		if we.Code == 40163 && res.retried {
			c.log.Warn("wechat says the code was used, but an earlier try of ours was lost", "api", api)
			return Session{}, &unavailable{api: api, tries: res.tries, last: we}
		}
		return Session{}, we
	}
	return Session{OpenID: out.OpenID, UnionID: out.UnionID, SessionKey: out.SessionKey}, nil
}
