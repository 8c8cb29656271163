package wechat

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// tokenMargin is how long before WeChat's expiry a cached access token is dropped. The
// stable token is renewed upstream in its last five minutes, so refreshing then gets the
// successor instead of a token about to die.
const tokenMargin = 300 * time.Second

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// AccessToken returns the mini-program's access token from POST /cgi-bin/stable_token,
// cached until five minutes before it expires. Only one refresh runs at a time; callers
// arriving meanwhile wait for it (or for their ctx) and then use its result.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	if tok, ok := c.cachedToken(); ok {
		return tok, nil
	}
	if err := c.lockRefresh(ctx); err != nil {
		return "", &unavailable{api: "stable_token", last: fmt.Errorf("waiting for the token refresh: %w", err)}
	}
	defer func() { <-c.refresh }()
	if tok, ok := c.cachedToken(); ok {
		return tok, nil
	}
	tok, ttl, err := c.fetchStableToken(ctx)
	if err != nil {
		return "", err
	}
	c.tokenMu.Lock()
	c.token, c.tokenUntil = tok, c.now().Add(ttl)
	c.tokenMu.Unlock()
	return tok, nil
}

// lockRefresh takes the refresh slot, giving up when ctx ends.
func (c *Client) lockRefresh(ctx context.Context) error {
	select {
	case c.refresh <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) cachedToken() (string, bool) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	if c.token != "" && c.now().Before(c.tokenUntil) {
		return c.token, true
	}
	return "", false
}

// dropToken forgets tok if it is still the cached one (a concurrent refresh may already have
// replaced it, and that newer token must stay).
func (c *Client) dropToken(tok string) {
	c.tokenMu.Lock()
	if c.token == tok {
		c.token, c.tokenUntil = "", time.Time{}
	}
	c.tokenMu.Unlock()
}

func (c *Client) fetchStableToken(ctx context.Context) (string, time.Duration, error) {
	const api = "stable_token"
	k := call{api: api, method: http.MethodPost, path: "/cgi-bin/stable_token", body: map[string]any{
		"grant_type":    "client_credential",
		"appid":         c.appID,
		"secret":        c.secret,
		"force_refresh": false,
	}}
	var out tokenAnswer
	res, err := c.retry(ctx, api, func(int) attempt {
		out = tokenAnswer{}
		env, err := c.once(ctx, k, &out)
		if err == nil && env.Code == 0 && (out.AccessToken == "" || out.ExpiresIn <= 0) {
			err = fmt.Errorf("POST %s: success without access_token or expires_in: %w", k.path, errGarbage)
		}
		return classify(env, err)
	})
	if err != nil {
		return "", 0, err
	}
	if res.env.Code != 0 {
		return "", 0, &Error{API: api, Code: res.env.Code, Msg: res.env.Msg}
	}
	life := time.Duration(out.ExpiresIn) * time.Second
	ttl := life - tokenMargin
	if ttl < life/2 {
		ttl = life / 2
	}
	return out.AccessToken, ttl, nil
}

// tokenDead reports the errcodes that mean "this access token no longer works".
func tokenDead(code int) bool { return code == 40001 || code == 40014 || code == 42001 }

// withToken runs a business call that takes the access token. If WeChat says the token is
// dead, the cached token is dropped and the call is made once more with a fresh one.
func (c *Client) withToken(ctx context.Context, api string, try func(tok string) attempt) (attempt, error) {
	for round := 0; ; round++ {
		tok, err := c.AccessToken(ctx)
		if err != nil {
			return attempt{}, err
		}
		res, err := c.retry(ctx, api, func(int) attempt { return try(tok) })
		if err != nil {
			return res, err
		}
		if tokenDead(res.env.Code) && round == 0 {
			c.log.InfoContext(ctx, "wechat refused the cached access token, fetching a new one", "api", api, "errcode", res.env.Code)
			c.dropToken(tok)
			continue
		}
		return res, nil
	}
}
