/*
 * miniauth mini-program SDK: login, tokens, profile, avatar, phone and account binding
 * against a miniauth server. One CommonJS file, no dependencies, ES2017, WeChat's `wx` only.
 *
 *   const miniauth = require('./miniauth.js')
 *   const client = miniauth.createClient({ baseURL: 'https://auth.example.com' })
 *   const { user } = await client.getUserInfo()   // logs in first when needed
 *
 * Rules it keeps:
 * - one login and one refresh in flight, shared by every concurrent caller;
 * - request() adds the Bearer token, logs in first when there is none, refreshes once and
 *   retries once on `token_expired`, logs in again once and retries once when the session
 *   has ended (`unauthorized`), and never loops;
 * - the tokens live in wx storage under one key; logout() and an ended session clear it;
 *   the bind ticket stays in memory; no openid, unionid or session_key ever reaches it;
 * - failures reject with a MiniauthError carrying status, code (the server's `error`),
 *   message, wxErrcode and requestId.
 */
'use strict'

const DEFAULT_STORAGE_KEY = 'miniauth'

/** MiniauthError is every failure: status 0 and code 'network_error' when no answer came. */
class MiniauthError extends Error {
  constructor (status, code, message, wxErrcode, requestId) {
    super(message || code)
    this.name = 'MiniauthError'
    this.status = status
    this.code = code
    this.wxErrcode = wxErrcode
    this.requestId = requestId
  }
}

function errorFrom (status, data) {
  const d = data && typeof data === 'object' ? data : {}
  return new MiniauthError(status, d.error || 'http_' + status, d.message || 'HTTP ' + status,
    d.wx_errcode, d.request_id)
}

function parseBody (data) {
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data)
  } catch (e) {
    return data
  }
}

/** share runs fn once for every caller that arrives while it is running. */
function shared (fn) {
  let running = null
  return function () {
    if (!running) {
      const done = function () { running = null }
      running = fn().then(function (v) { done(); return v }, function (e) { done(); throw e })
    }
    return running
  }
}

/**
 * createClient({ baseURL, storageKey?, language?, wx? }) returns the client. `language`
 * ('zh' or 'en') chooses the language of error messages; by default the WeChat app's.
 */
function createClient (options) {
  const opts = options || {}
  if (!opts.baseURL) throw new TypeError('miniauth: createClient needs { baseURL }')
  const baseURL = String(opts.baseURL).replace(/\/+$/, '')
  const key = opts.storageKey || DEFAULT_STORAGE_KEY
  /* global wx */
  const w = opts.wx || (typeof wx !== 'undefined' ? wx : null)
  if (!w) throw new TypeError('miniauth: no wx object')

  let language = opts.language
  if (!language) {
    try {
      const info = w.getAppBaseInfo ? w.getAppBaseInfo() : w.getSystemInfoSync()
      language = info && info.language
    } catch (e) {}
  }
  const acceptLanguage = language ? String(language).replace('_', '-') : ''

  let tokens = load()
  let ticket = null // { value, expiresAt }: the bind ticket, in memory only

  function load () {
    try {
      const t = w.getStorageSync(key)
      if (t && typeof t === 'object' && t.token && t.refresh_token) return t
    } catch (e) {}
    return null
  }

  // keep stores only the two tokens and their expiry times.
  function keep (answer) {
    const now = Date.now()
    tokens = {
      token: answer.token,
      refresh_token: answer.refresh_token,
      expires_at: now + answer.expires_in * 1000,
      refresh_expires_at: now + answer.refresh_expires_in * 1000
    }
    w.setStorageSync(key, tokens)
  }

  function clear () {
    tokens = null
    ticket = null
    try { w.removeStorageSync(key) } catch (e) {}
  }

  function headers (extra, token) {
    const h = {}
    if (acceptLanguage) h['Accept-Language'] = acceptLanguage
    if (extra) Object.keys(extra).forEach(function (k) { h[k] = extra[k] })
    if (token) h.Authorization = 'Bearer ' + token
    return h
  }

  // http sends one request; it resolves { status, data } for any answer and rejects only
  // when none came.
  function http (method, url, data, header, token) {
    return new Promise(function (resolve, reject) {
      w.request({
        url: /^https?:\/\//.test(url) ? url : baseURL + url,
        method: method || 'GET',
        data: data,
        header: headers(header, token),
        success: function (res) { resolve({ status: res.statusCode, data: parseBody(res.data) }) },
        fail: function (err) {
          reject(new MiniauthError(0, 'network_error', (err && err.errMsg) || 'request failed'))
        }
      })
    })
  }

  function upload (path, token) {
    return new Promise(function (resolve, reject) {
      w.uploadFile({
        url: baseURL + '/api/user/avatar',
        filePath: path,
        name: 'file',
        header: headers(null, token),
        success: function (res) { resolve({ status: res.statusCode, data: parseBody(res.data) }) },
        fail: function (err) {
          reject(new MiniauthError(0, 'network_error', (err && err.errMsg) || 'upload failed'))
        }
      })
    })
  }

  function wxCode () {
    return new Promise(function (resolve, reject) {
      w.login({
        success: function (res) {
          if (res && res.code) resolve(res.code)
          else reject(new MiniauthError(0, 'wx_login_failed', 'wx.login gave no code'))
        },
        fail: function (err) {
          reject(new MiniauthError(0, 'wx_login_failed', (err && err.errMsg) || 'wx.login failed'))
        }
      })
    })
  }

  function ok (res) {
    if (res.status >= 200 && res.status < 300) return res.data
    throw errorFrom(res.status, res.data)
  }

  const login = shared(async function () {
    const code = await wxCode()
    const data = ok(await http('POST', '/api/login', { code: code }))
    keep(data)
    return { user: data.user, bound: data.bound, account: data.account }
  })

  // refresh renews the pair; a session that has ended (401) clears the tokens.
  const refresh = shared(async function () {
    if (!tokens) throw new MiniauthError(401, 'unauthorized', 'not logged in')
    const res = await http('POST', '/api/token/refresh', { refresh_token: tokens.refresh_token })
    if (res.status === 401) clear()
    const data = ok(res)
    keep(data)
    return data
  })

  async function currentToken () {
    if (!tokens) await login()
    return tokens.token
  }

  // authed runs send(token) with the rules above: at most one refresh and one login, each
  // followed by one retry, at most four sends. A caller whose token another caller has
  // meanwhile renewed retries with the new one instead of renewing it again.
  async function authed (send) {
    let token = await currentToken()
    let res = await send(token)
    let sends = 1
    let refreshed = false
    let relogged = false
    while (res.status === 401 && sends < 4) {
      const code = res.data && res.data.error
      if (code !== 'token_expired' && code !== 'unauthorized') break
      if (tokens && tokens.token !== token) {
        // renewed by another caller while this call was out: retry with the new token
      } else if (code === 'token_expired' && !refreshed) {
        refreshed = true
        try {
          await refresh()
        } catch (e) {
          if (e.status !== 401 || relogged) throw e
          relogged = true
          await login() // the refresh found the session ended
        }
      } else if (!relogged) {
        relogged = true
        clear()
        await login()
      } else {
        if (code === 'unauthorized') clear()
        break
      }
      token = tokens.token
      res = await send(token)
      sends++
    }
    return ok(res)
  }

  function request (o) {
    const r = o || {}
    const url = String(r.url || '')
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) && url.indexOf(baseURL + '/') !== 0) {
      // the token is for this server only
      return Promise.reject(new MiniauthError(0, 'invalid_request', 'request() only calls ' + baseURL))
    }
    return authed(function (token) {
      return http(r.method || 'GET', r.url, r.data, r.header, token)
    })
  }

  function keepBound (data) {
    keep(data)
    ticket = null
    return { bound: true, account: data.userInfo }
  }

  const checkBind = shared(async function () {
    const code = await wxCode()
    const data = ok(await http('POST', '/api/user/checkBind', { code: code }))
    if (data.code === 1) return keepBound(data)
    ticket = { value: data.bindTicket, expiresAt: Date.now() + data.expires_in * 1000 }
    return { bound: false }
  })

  async function bind (o) {
    const body = { username: o && o.username, password: o && o.password }
    let data
    if (ticket && ticket.expiresAt > Date.now()) {
      body.bindTicket = ticket.value
      const res = await http('POST', '/api/user/bind', body)
      if (res.status === 401 && res.data && res.data.error === 'invalid_ticket') ticket = null
      data = ok(res)
    } else {
      ticket = null
      data = await authed(function (token) { return http('POST', '/api/user/bind', body, null, token) })
    }
    return { account: keepBound(data).account }
  }

  async function unbind () {
    const data = await authed(function (token) { return http('POST', '/api/user/unbind', {}, null, token) })
    keep(data)
    return { user: data.user }
  }

  // logout ends the session on the server (refreshing first if only the access token has
  // expired) and clears the tokens whatever the server answered.
  async function logout () {
    if (tokens) {
      try {
        let res = await http('POST', '/api/logout', null, null, tokens.token)
        if (res.status === 401 && res.data && res.data.error === 'token_expired') {
          await refresh()
          res = await http('POST', '/api/logout', null, null, tokens.token)
        }
      } catch (e) {} // the tokens are gone below whatever the server heard
    }
    clear()
  }

  return {
    login: login,
    request: request,
    getUserInfo: function () { return request({ url: '/api/user/info' }) },
    updateProfile: function (fields) {
      return request({ url: '/api/user/profile', method: 'POST', data: fields })
        .then(function (d) { return d.user })
    },
    uploadAvatar: function (tempFilePath) {
      return authed(function (token) { return upload(tempFilePath, token) })
        .then(function (d) { return d.avatarUrl })
    },
    getPhoneNumber: function (code) {
      return request({ url: '/api/user/phone', method: 'POST', data: { code: code } })
    },
    checkBind: checkBind,
    bind: bind,
    unbind: unbind,
    logout: logout,
    /** isLoggedIn tells whether tokens are stored (not whether the session still lives). */
    isLoggedIn: function () { return !!tokens }
  }
}

module.exports = { createClient: createClient, MiniauthError: MiniauthError }
