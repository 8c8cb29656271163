package views

import "fmt"

// IntegrateView is the Integrate page: how a mini-program uses the SDK with this server.
type IntegrateView struct {
	BaseURL string // this server's public origin, as the mini-program must call it
	SDKURL  string // where the SDK file is served
	SpecURL string // the OpenAPI document as JSON
}

// APIRefView is the API reference, built by the web layer from the embedded OpenAPI document.
type APIRefView struct {
	Title, Version, Description string
	Operations                  []APIOperation
	ErrorCodes                  []string // the contract's ErrorCode enum
}

// APIOperation is one method on one path.
type APIOperation struct {
	ID, Method, Path, Summary, Description string
	Auth                                   string // "bearer", "service key", "none", "bearer or none"
	Params                                 []APIField
	BodyType                               string // the request body's media types, "" when none
	Body                                   []APIField
	Responses                              []APIResponse
}

// APIField is a parameter or a top-level field of a request body.
type APIField struct {
	Name, In, Type, Description string
	Required                    bool
}

// APIResponse is one documented answer.
type APIResponse struct {
	Status, Description string
	Fields              []APIField // top-level fields of a JSON object answer
}

// appJS is the sample app.js with this server's origin.
func appJS(v IntegrateView) string {
	return fmt.Sprintf(`// app.js — one client for the whole mini-program
const miniauth = require('./miniauth.js') // downloaded from %s

App({
  auth: miniauth.createClient({ baseURL: '%s' })
})`, v.SDKURL, v.BaseURL)
}

// pageJS is the sample page: the whole flow (docs/miniprogram/pages/index/index.js).
const pageJS = `// pages/index/index.js
const { auth } = getApp()

Page({
  data: { user: null, account: null, needBind: false, error: '' },
  async onLoad () {
    const r = await auth.checkBind() // bound: logged in with the account; else a ticket in memory
    this.setData({ needBind: !r.bound })
    if (r.bound) await this.refresh()
  },
  async refresh () {
    const { user, account } = await auth.getUserInfo() // logs in, refreshes, retries by itself
    this.setData({ user, account })
  },
  run (p) { return p.then(() => this.refresh(), (e) => this.setData({ error: e.message })) },
  onNickname (e) { return this.run(auth.updateProfile({ nickName: e.detail.value })) },
  onAvatar (e) { return this.run(auth.uploadAvatar(e.detail.avatarUrl)) },
  onPhone (e) { return this.run(auth.getPhoneNumber(e.detail.code)) },
  onBind (e) {
    return this.run(auth.bind(e.detail.value).then(() => this.setData({ needBind: false })))
  },
  onUnbind () { return this.run(auth.unbind()) },
  async onLogout () {
    await auth.logout()
    this.setData({ user: null, account: null })
  }
})`

// errorJS shows how a page tells the errors apart.
const errorJS = `try {
  await auth.bind({ username, password })
} catch (e) {
  // e.status, e.code (the server's "error"), e.message (for the user), e.wxErrcode
  if (e.code === 'invalid_credentials') { /* ask again */ }
  else if (e.code === 'conflict') { /* already bound elsewhere */ }
  else if (e.code === 'rate_limited') { /* wait */ }
}`
