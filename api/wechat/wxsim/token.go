package wxsim

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
)

// tokenAnswer is the success body of both token endpoints: no errcode key.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// chinaDay numbers days in China Standard Time, where WeChat's daily quotas reset.
func chinaDay(t time.Time) int64 { return (t.Unix() + 8*3600) / 86400 }

// classicToken is GET /cgi-bin/token: every call issues a new token and leaves the previous
// one working for five more minutes.
func (s *Sim) classicToken(c *fiber.Ctx) error {
	appid, secret, grant := c.Query("appid"), c.Query("secret"), c.Query("grant_type")
	fresh := newAccessToken()
	s.mu.Lock()
	f := s.enter("token", func() (string, string) { return appid, "" })
	s.mu.Unlock()
	if done, err := apply(c, f); done {
		return err
	}
	s.mu.Lock()
	app, errcode := s.credentials(grant, appid, secret)
	var ans tokenAnswer
	if errcode == 0 && !s.ipAllowed(app, c) {
		errcode = 40164
	}
	if errcode == 0 {
		ans, errcode = s.issueClassic(app, fresh)
	}
	s.mu.Unlock()
	if errcode == 40164 {
		return ipRefused(c)
	}
	if errcode != 0 {
		return sendErr(c, errcode)
	}
	return send(c, ans)
}

// issueClassic is the body of /cgi-bin/token after the credential checks. Call with s.mu
// held.
func (s *Sim) issueClassic(app *appState, fresh string) (tokenAnswer, int) {
	now := s.now()
	if s.tokenQuota > 0 {
		if d := chinaDay(now); d != app.quotaDay {
			app.quotaDay, app.quotaUsed = d, 0
		}
		if app.quotaUsed >= s.tokenQuota {
			return tokenAnswer{}, 45009
		}
		app.quotaUsed++
	}
	if old := app.classicPrev; old != nil {
		delete(s.st.tokens, old.value) // twice replaced: gone
	}
	app.classicPrev = app.classic
	if prev := app.classicPrev; prev != nil {
		if dies := now.Add(tokenGrace); dies.Before(prev.expires) {
			prev.diesAt = dies
		}
	}
	app.classic = &token{value: fresh, appid: app.AppID, expires: now.Add(tokenLife)}
	s.st.tokens[fresh] = app.classic
	return tokenAnswer{AccessToken: fresh, ExpiresIn: int64(tokenLife / time.Second)}, 0
}

// stableRequest is the JSON body of /cgi-bin/stable_token.
type stableRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// stableToken is POST /cgi-bin/stable_token: the same token while it has more than five
// minutes left; force_refresh replaces it at once, at most 20 times a day and 30 s apart.
func (s *Sim) stableToken(c *fiber.Ctx) error {
	var req stableRequest
	bodyErr := json.Unmarshal(c.Request().Body(), &req)
	fresh := newAccessToken()
	s.mu.Lock()
	f := s.enter("stable_token", func() (string, string) { return req.AppID, "" })
	s.mu.Unlock()
	if done, err := apply(c, f); done {
		return err
	}
	if bodyErr != nil {
		return sendErr(c, 47001)
	}
	s.mu.Lock()
	app, errcode := s.credentials(req.GrantType, req.AppID, req.Secret)
	var ans tokenAnswer
	if errcode == 0 && !s.ipAllowed(app, c) {
		errcode = 40164
	}
	if errcode == 0 {
		ans, errcode = s.issueStable(app, req.ForceRefresh, fresh)
	}
	s.mu.Unlock()
	if errcode == 40164 {
		return ipRefused(c)
	}
	if errcode != 0 {
		return sendErr(c, errcode)
	}
	return send(c, ans)
}

// issueStable is the body of /cgi-bin/stable_token after the credential checks. Call with
// s.mu held.
func (s *Sim) issueStable(app *appState, force bool, fresh string) (tokenAnswer, int) {
	now := s.now()
	cur := app.stable
	if force {
		if d := chinaDay(now); d != app.forceDay {
			app.forceDay, app.forceUsed = d, 0
		}
		if app.forceUsed >= forceRefreshDay {
			return tokenAnswer{}, 45009
		}
		if !app.lastForce.IsZero() && now.Sub(app.lastForce) < forceRefreshGap {
			return tokenAnswer{}, 45011
		}
		app.forceUsed++
		app.lastForce = now
		if cur != nil {
			delete(s.st.tokens, cur.value) // a forced refresh kills the old token at once
			app.stable = nil
		}
	} else if cur != nil && cur.expires.Sub(now) > stableRenewal {
		return tokenAnswer{AccessToken: cur.value, ExpiresIn: int64(cur.expires.Sub(now) / time.Second)}, 0
	}
	if old := app.stablePrev; old != nil {
		delete(s.st.tokens, old.value)
	}
	app.stablePrev = app.stable // renewed near its end: it lives out its own life
	app.stable = &token{value: fresh, appid: app.AppID, expires: now.Add(tokenLife)}
	s.st.tokens[fresh] = app.stable
	return tokenAnswer{AccessToken: fresh, ExpiresIn: int64(tokenLife / time.Second)}, 0
}

// credentials checks grant_type, appid and secret of a token request. Call with s.mu held.
func (s *Sim) credentials(grant, appid, secret string) (*appState, int) {
	switch {
	case appid == "":
		return nil, 41002
	case secret == "":
		return nil, 41004
	case grant != "client_credential":
		return nil, 40002
	}
	app, ok := s.st.apps[appid]
	switch {
	case !ok:
		return nil, 40013
	case app.Secret != secret:
		return nil, 40125
	}
	return app, 0
}

func (s *Sim) ipAllowed(app *appState, c *fiber.Ctx) bool {
	if len(app.IPWhitelist) == 0 {
		return true
	}
	ip := c.Context().RemoteIP()
	return slices.ContainsFunc(app.IPWhitelist, func(w string) bool {
		p := net.ParseIP(w)
		return p != nil && p.Equal(ip)
	})
}

func ipRefused(c *fiber.Ctx) error {
	ip := c.Context().RemoteIP()
	v4 := ip.To4()
	if v4 == nil {
		return send(c, wxError{Code: 40164, Msg: fmt.Sprintf("invalid ip %s, not in whitelist, rid: %s", ip, rid())})
	}
	return send(c, wxError{Code: 40164,
		Msg: fmt.Sprintf("invalid ip %s ipv6 ::ffff:%s, not in whitelist, rid: %s", v4, v4, rid())})
}

// tokenApp resolves an access token to its app, or the errcode WeChat gives for it. Call
// with s.mu held.
func (s *Sim) tokenApp(tok string) (*appState, int) {
	if tok == "" {
		return nil, 41001
	}
	if !wellFormedToken(tok) {
		return nil, 40014
	}
	t, ok := s.st.tokens[tok]
	if !ok {
		return nil, 40001
	}
	now := s.now()
	if !t.diesAt.IsZero() && !now.Before(t.diesAt) {
		return nil, 40001
	}
	if !now.Before(t.expires) {
		return nil, 42001
	}
	app, ok := s.st.apps[t.appid]
	if !ok {
		return nil, 40001
	}
	return app, 0
}

// peekTokenAppID is the appid a token was issued for, "" if unknown; for fault matching.
// Call with s.mu held.
func (s *Sim) peekTokenAppID(tok string) string {
	if t, ok := s.st.tokens[tok]; ok {
		return t.appid
	}
	return ""
}
