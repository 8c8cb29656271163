package wxsim

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// sessionAnswer is code2Session's success body: no errcode key, as the real API.
type sessionAnswer struct {
	SessionKey string `json:"session_key"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid,omitempty"`
}

// jscode2session is GET /sns/jscode2session. Parameters come from the query only; a POST
// with a body therefore gets 41002 like the real API.
func (s *Sim) jscode2session(c *fiber.Ctx) error {
	appid, secret, code, grant := c.Query("appid"), c.Query("secret"), c.Query("js_code"), c.Query("grant_type")
	freshKey := newSessionKey() // outside the lock; used only if the key rotates

	s.mu.Lock()
	f := s.enter("jscode2session", func() (string, string) {
		if lc, ok := s.st.codes[code]; ok {
			return appid, lc.u.name
		}
		return appid, ""
	})
	s.mu.Unlock()
	if done, err := apply(c, f); done {
		return err
	}

	switch {
	case appid == "":
		return sendErr(c, 41002)
	case secret == "":
		return sendErr(c, 41004)
	case code == "":
		return sendErr(c, 41008)
	case grant != "authorization_code":
		return sendErr(c, 40002)
	}

	s.mu.Lock()
	ans, errcode := s.exchange(appid, secret, code, freshKey)
	s.mu.Unlock()
	if errcode != 0 {
		return sendErr(c, errcode)
	}
	return send(c, ans)
}

// exchange spends a login code. Call with s.mu held.
func (s *Sim) exchange(appid, secret, code, freshKey string) (sessionAnswer, int) {
	st := s.st
	app, ok := st.apps[appid]
	switch {
	case !ok:
		return sessionAnswer{}, 40013
	case app.Secret != secret:
		return sessionAnswer{}, 40125
	}
	now := s.now()
	lc, ok := st.codes[code]
	if !ok || !now.Before(lc.expires) || lc.u.appid != appid {
		return sessionAnswer{}, 40029
	}
	u := lc.u
	if s.userRate > 0 {
		if now.Sub(u.winStart) >= time.Minute || now.Before(u.winStart) {
			u.winStart, u.winCount = now, 0
		}
		u.winCount++
		if u.winCount > s.userRate {
			return sessionAnswer{}, 45011
		}
	}
	if lc.used {
		return sessionAnswer{}, 40163
	}
	lc.used = true
	if u.key == "" || s.rotateMin <= 0 || now.Sub(u.keyAt) >= s.rotateMin {
		u.key, u.keyAt = freshKey, now
	}
	return sessionAnswer{SessionKey: u.key, OpenID: u.openid, UnionID: s.unionID(app, u)}, 0
}

// unionID is the user's unionid under the app's current Open Platform binding. Call with
// s.mu held.
func (s *Sim) unionID(app *appState, u *user) string {
	if app.OpenPlatformID == "" {
		return ""
	}
	if u.unionFor != app.OpenPlatformID {
		u.unionid, u.unionFor = deriveID(s.secret, app.OpenPlatformID, u.name), app.OpenPlatformID
	}
	return u.unionid
}

// person returns the user name of app appid, creating it. openid is precomputed outside
// the lock. Call with s.mu held.
func (s *Sim) person(appid, name, openid string) *user {
	st := s.st
	k := appid + "\x00" + name
	u, ok := st.users[k]
	if !ok {
		u = &user{appid: appid, name: name, openid: openid}
		st.users[k] = u
		st.byOpenID[appid+"\x00"+openid] = u
	}
	return u
}

// issueCode records a new login code for u, dropping expired ones first. Call with s.mu
// held.
func (s *Sim) issueCode(u *user, code string) {
	st := s.st
	now := s.now()
	st.codeQ = sweep(st.codeQ, now, func(k string) { delete(st.codes, k) })
	exp := now.Add(codeTTL)
	st.codes[code] = &loginCode{u: u, expires: exp}
	st.codeQ = append(st.codeQ, queued{key: code, expires: exp})
}

// sweep drops the expired head of an issue-ordered queue (and anything beyond the hard
// cap), calling drop for each key.
func sweep(q []queued, now time.Time, drop func(string)) []queued {
	i := 0
	for i < len(q) && (!now.Before(q[i].expires) || len(q)-i > maxPendingCodes) {
		drop(q[i].key)
		i++
	}
	return q[i:]
}
