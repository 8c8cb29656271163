'use strict'
// The SDK against a real miniauth in simulator mode (server.js), through a `wx` stand-in
// making real HTTP calls (wx.js). Counts of calls, never timings, prove the sharing rules;
// the only waits are for the short access token lifetime to pass.
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { start, root } = require('../testlib/server.js')
const { createWx } = require('../testlib/wx.js')
const miniauth = require('../miniauth.js')

const TTL_MS = 3000
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const waitForExpiry = () => sleep(TTL_MS + 300)
const avatar = path.join(root, 'docs', 'sample-avatar.jpg')

let srv
test.before(async () => { srv = await start({ accessTTL: TTL_MS / 1000 + 's' }) })
test.after(async () => { if (srv) await srv.stop() })

function client (user, opts = {}) {
  const wx = createWx({ base: srv.base, user, language: opts.language })
  return { wx, c: miniauth.createClient(Object.assign({ baseURL: srv.base + '/', wx }, opts)) }
}

async function rejects (p, status, code) {
  try {
    await p
  } catch (e) {
    assert.ok(e instanceof miniauth.MiniauthError, 'a MiniauthError: ' + e)
    assert.equal(e.status, status, e.message)
    assert.equal(e.code, code, e.message)
    assert.ok(e.message && e.message !== code, 'a message: ' + e.message)
    return e
  }
  assert.fail('expected a rejection with ' + code)
}

// raw calls the server directly, as another device or the platform would.
async function raw (method, p, token, body) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = 'Bearer ' + token
  const r = await fetch(srv.base + p, { method, headers, body: body ? JSON.stringify(body) : undefined })
  return { status: r.status, body: await r.json() }
}

const stored = (wx) => wx.getStorageSync('miniauth')

test('login keeps only the tokens, under one key; no openid, unionid or session_key', async () => {
  const { wx, c } = client('ada')
  const r = await c.login()
  assert.equal(r.bound, false)
  assert.equal(typeof r.user.id, 'number')
  assert.deepEqual([...wx.storage.keys()], ['miniauth'])
  const s = stored(wx)
  assert.deepEqual(Object.keys(s).sort(), ['expires_at', 'refresh_expires_at', 'refresh_token', 'token'])
  const everything = JSON.stringify([...wx.storage.values()]) + JSON.stringify(r)
  for (const secret of ['openid', 'unionid', 'session_key']) assert.ok(!everything.includes(secret), secret)
  const info = await c.getUserInfo()
  assert.equal(info.user.id, r.user.id)
  assert.equal(info.account, null)
})

test('concurrent callers share one login; request() logs in first when there is no token', async () => {
  const { wx, c } = client('bea')
  const all = await Promise.all([c.login(), c.login(), c.getUserInfo(), c.getUserInfo(), c.request({ url: '/api/user/info' })])
  assert.equal(wx.count('wx.login', ''), 1)
  assert.equal(wx.count('POST', '/api/login'), 1)
  assert.equal(all[2].user.id, all[0].user.id)
  // A stored session is used as it is, with no new login.
  const again = miniauth.createClient({ baseURL: srv.base, wx })
  await again.getUserInfo()
  assert.equal(wx.count('POST', '/api/login'), 1)
})

test('profile, avatar and phone number', async () => {
  const { c } = client('cai')
  const user = await c.updateProfile({ nickName: 'Cai', gender: 1 })
  assert.equal(user.nickName, 'Cai')
  const url = await c.uploadAvatar(avatar)
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/avatars\/[0-9a-f]{64}\.jpg$/)
  assert.equal((await c.getUserInfo()).user.avatarUrl, url)
  const img = await fetch(url)
  assert.equal(img.status, 200)
  const phone = await c.getPhoneNumber(await srv.phoneCode('cai', '13812345678'))
  assert.equal(phone.purePhoneNumber, '13812345678')
  assert.equal((await c.getUserInfo()).user.phoneNumber, '138****5678')
})

test('failures carry status, code, message and wxErrcode; messages follow the language', async () => {
  const { wx, c } = client('dai')
  const e = await rejects(c.getPhoneNumber('not-a-real-code'), 401, 'invalid_code')
  assert.equal(typeof e.wxErrcode, 'number')
  await rejects(c.updateProfile({ gender: 7 }), 400, 'invalid_request')
  await rejects(c.request({ url: '/api/nowhere' }), 404, 'not_found')
  // The token never goes to another origin.
  const calls = wx.calls.length
  await rejects(c.request({ url: 'https://elsewhere.example/api/user/info' }), 0, 'invalid_request')
  assert.equal(wx.calls.length, calls)
  assert.ok(await c.request({ url: srv.base + '/api/user/info' }))
  const zh = client('dai', { language: 'zh_CN' }).c
  const ez = await rejects(zh.updateProfile({ gender: 7 }), 400, 'invalid_request')
  assert.match(ez.message, /[\u4e00-\u9fff]/)
})

test('a burst of requests with an expired access token makes exactly one refresh', async () => {
  const { wx, c } = client('eve')
  await c.login()
  const before = stored(wx).token
  await waitForExpiry()
  const n = 12
  const res = await Promise.all(Array.from({ length: n }, () => c.getUserInfo()))
  assert.equal(res.length, n)
  assert.equal(wx.count('POST', '/api/token/refresh'), 1)
  assert.equal(wx.count('POST', '/api/login'), 1)
  assert.ok(wx.calls.some((x) => x.error === 'token_expired'), 'the server said token_expired')
  assert.notEqual(stored(wx).token, before)
  // Each request was retried at most once after the refresh.
  assert.ok(wx.count('GET', '/api/user/info') <= 2 * n)

  // Requests sent with the old token that are answered only after the refresh has
  // rotated it away (401 unauthorized) retry with the new token: no second refresh, no login.
  await waitForExpiry()
  let refreshed
  const refreshDone = new Promise((resolve) => { refreshed = resolve })
  wx.afterResponse = (p) => { if (p === '/api/token/refresh') refreshed() }
  let sent = 0
  wx.beforeRequest = async (p) => {
    if (p === '/api/user/info' && sent++ >= 3 && sent <= 6) await refreshDone
  }
  await Promise.all(Array.from({ length: 6 }, () => c.getUserInfo()))
  wx.beforeRequest = wx.afterResponse = null
  assert.equal(wx.count('POST', '/api/token/refresh'), 2)
  assert.equal(wx.count('POST', '/api/login'), 1)
  assert.ok(wx.calls.some((x) => x.error === 'unauthorized'), 'late answers said unauthorized')

  // The avatar upload follows the same rules.
  await waitForExpiry()
  await c.uploadAvatar(avatar)
  assert.equal(wx.count('POST', '/api/token/refresh'), 3)
})

test('a session ended elsewhere: one new login, one retry, for every concurrent caller', async () => {
  const { wx, c } = client('fay')
  await c.login()
  const old = stored(wx).token
  assert.equal((await raw('POST', '/api/logout', old)).status, 200) // revoked mid-use
  const res = await Promise.all(Array.from({ length: 6 }, () => c.getUserInfo()))
  assert.equal(res.length, 6)
  assert.equal(wx.count('POST', '/api/login'), 2)
  assert.equal(wx.count('POST', '/api/token/refresh'), 0)
  assert.notEqual(stored(wx).token, old)

  // Expired, and ended while the refresh is on its way: the refresh fails (401), one login
  // follows. The session is ended by using its refresh token twice elsewhere, which makes
  // the client's copy a reuse.
  await waitForExpiry()
  wx.beforeRequest = async (p, data) => {
    if (p !== '/api/token/refresh') return
    wx.beforeRequest = null
    const r1 = await raw('POST', '/api/token/refresh', '', { refresh_token: data.refresh_token })
    await raw('POST', '/api/token/refresh', '', { refresh_token: r1.body.refresh_token })
  }
  await c.getUserInfo()
  assert.equal(wx.count('POST', '/api/token/refresh'), 1)
  assert.equal(wx.calls.find((x) => x.path === '/api/token/refresh').status, 401)
  assert.equal(wx.count('POST', '/api/login'), 3)
})

test('it never loops: a login that fails is not retried', async () => {
  const { wx, c } = client('gus')
  wx.login = ({ fail }) => fail({ errMsg: 'login:fail no network' })
  await rejects(c.getUserInfo(), 0, 'wx_login_failed')
  assert.equal(wx.count('POST', '/api/login'), 0)
  assert.equal(wx.count('GET', '/api/user/info'), 0)
})

test('logout ends the session and clears storage; stale stored tokens lead to one login', async () => {
  const { wx, c } = client('hal')
  await c.login()
  const tok = stored(wx).token
  await c.logout()
  assert.equal(wx.storage.size, 0)
  assert.equal((await raw('GET', '/api/checklogin', tok)).body.is_login, false)
  // An expired access token is refreshed first, so the session really ends.
  await c.login()
  await waitForExpiry()
  const ref = stored(wx).refresh_token
  await c.logout()
  assert.equal(wx.storage.size, 0)
  assert.equal((await raw('POST', '/api/token/refresh', '', { refresh_token: ref })).status, 401)

  wx.setStorageSync('miniauth', { token: 'A'.repeat(43), refresh_token: 'B'.repeat(43) })
  const c2 = miniauth.createClient({ baseURL: srv.base, wx })
  const logins = wx.count('POST', '/api/login')
  await c2.getUserInfo()
  assert.equal(wx.count('POST', '/api/login'), logins + 1)
})

test('checkBind, bind, conflicts, unbind', async () => {
  srv.account('carol', 'carol-password-1')
  const a = client('ivy')
  const b = client('jon')

  assert.deepEqual(await a.c.checkBind(), { bound: false })
  assert.ok(!JSON.stringify([...a.wx.storage.values()]).includes('icket'), 'the ticket is not stored')
  await rejects(a.c.bind({ username: 'carol', password: 'wrong' }), 401, 'invalid_credentials')
  const bound = await a.c.bind({ username: 'carol', password: 'carol-password-1' })
  assert.equal(bound.account.username, 'carol')
  assert.equal((await a.c.getUserInfo()).account.username, 'carol')
  const again = await a.c.checkBind()
  assert.equal(again.bound, true)
  assert.equal(again.account.username, 'carol')

  // The account is bound to another WeChat user: 409 conflict, with its message.
  assert.deepEqual(await b.c.checkBind(), { bound: false })
  const e = await rejects(b.c.bind({ username: 'carol', password: 'carol-password-1' }), 409, 'conflict')
  assert.match(e.message, /another WeChat user/)
  // This WeChat user is already bound (Bearer bind, no ticket): conflict too.
  srv.account('dave', 'dave-password-1')
  await rejects(a.c.bind({ username: 'dave', password: 'dave-password-1' }), 409, 'conflict')

  const un = await a.c.unbind()
  assert.equal(typeof un.user.id, 'number')
  assert.equal((await a.c.getUserInfo()).account, null)
  // Now jon can bind carol, with a Bearer session this time (after a login, no ticket).
  await b.c.login()
  assert.equal((await b.c.bind({ username: 'carol', password: 'carol-password-1' })).account.username, 'carol')
  await rejects(a.c.unbind(), 409, 'conflict')
})
