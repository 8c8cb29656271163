'use strict'
// A small stand-in for the mini-program's `wx` that makes real HTTP calls: wx.request,
// wx.uploadFile, wx.login (which asks the server's simulator for a code for the simulated
// person `user`), and storage. It counts every call by method and path; a test may set
// beforeRequest(path, data) to act (and be awaited) just before a request leaves, and
// afterResponse(path, status) to hear of each answer.
const fs = require('node:fs')
const path = require('node:path')

function createWx ({ base, user, language = 'en' }) {
  const storage = new Map()
  const calls = [] // { method, path, status, error }
  const wx = {
    user,
    storage,
    calls,
    count (method, p) { return calls.filter((c) => c.method === method && c.path === p).length },
    getAppBaseInfo () { return { language } },
    getStorageSync (k) { return storage.has(k) ? JSON.parse(storage.get(k)) : '' },
    setStorageSync (k, v) { storage.set(k, JSON.stringify(v)) },
    removeStorageSync (k) { storage.delete(k) },
    login ({ success, fail }) {
      fetch(base + '/wxsim/sim/login', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: wx.user })
      }).then((r) => r.json()).then((j) => { calls.push({ method: 'wx.login', path: '' }); success({ code: j.code, errMsg: 'login:ok' }) },
        (e) => fail({ errMsg: 'login:fail ' + e.message }))
    },
    request ({ url, method = 'GET', data, header = {}, success, fail }) {
      const u = new URL(url)
      const h = Object.assign({}, header)
      let body
      if (method === 'GET' && data && typeof data === 'object') {
        for (const [k, v] of Object.entries(data)) u.searchParams.set(k, String(v))
      } else if (data !== undefined && data !== null) {
        if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json'
        body = typeof data === 'string' ? data : JSON.stringify(data)
      }
      Promise.resolve(wx.beforeRequest && wx.beforeRequest(u.pathname, data)).then(() => fetch(u, { method, headers: h, body })).then(async (r) => {
        const text = await r.text()
        let parsed = text
        try { parsed = JSON.parse(text) } catch (e) {}
        calls.push({ method, path: u.pathname, status: r.status, error: parsed && parsed.error })
        if (wx.afterResponse) wx.afterResponse(u.pathname, r.status)
        success({ statusCode: r.status, data: parsed, header: Object.fromEntries(r.headers), errMsg: 'request:ok' })
      }, (e) => fail({ errMsg: 'request:fail ' + e.message }))
    },
    uploadFile ({ url, filePath, name, header = {}, formData = {}, success, fail }) {
      const form = new FormData()
      for (const [k, v] of Object.entries(formData)) form.set(k, v)
      form.set(name, new Blob([fs.readFileSync(filePath)]), path.basename(filePath))
      const u = new URL(url)
      fetch(u, { method: 'POST', headers: header, body: form }).then(async (r) => {
        const text = await r.text() // WeChat gives uploadFile's answer as a string
        let error
        try { error = JSON.parse(text).error } catch (e) {}
        calls.push({ method: 'POST', path: u.pathname, status: r.status, error })
        success({ statusCode: r.status, data: text, errMsg: 'uploadFile:ok' })
      }, (e) => fail({ errMsg: 'uploadFile:fail ' + e.message }))
    }
  }
  return wx
}

module.exports = { createWx }
