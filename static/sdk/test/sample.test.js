'use strict'
// The sample mini-program in docs/miniprogram runs its whole flow against a real server:
// its app.js and page are loaded as WeChat would (App, Page, getApp, wx), with the SDK
// beside them and the server's URL in place of the example's.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { start, root } = require('../testlib/server.js')
const { createWx } = require('../testlib/wx.js')

let srv
test.before(async () => { srv = await start() })
test.after(async () => { if (srv) await srv.stop() })

test('the sample page: checkBind, bind, profile, avatar, phone, unbind, logout', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniauth-sample-'))
  const sample = path.join(root, 'docs', 'miniprogram')
  fs.copyFileSync(path.join(root, 'static', 'sdk', 'miniauth.js'), path.join(dir, 'miniauth.js'))
  fs.writeFileSync(path.join(dir, 'app.js'),
    fs.readFileSync(path.join(sample, 'app.js'), 'utf8').replace('https://auth.example.com', srv.base))
  fs.mkdirSync(path.join(dir, 'pages', 'index'), { recursive: true })
  fs.copyFileSync(path.join(sample, 'pages', 'index', 'index.js'), path.join(dir, 'pages', 'index', 'index.js'))

  const wx = createWx({ base: srv.base, user: 'sam' })
  let app, page
  Object.assign(global, {
    wx,
    App: (o) => { app = o },
    getApp: () => app,
    Page: (o) => { page = o; page.setData = function (d) { Object.assign(this.data, d) } }
  })
  require(path.join(dir, 'app.js'))
  require(path.join(dir, 'pages', 'index', 'index.js'))
  srv.account('sam-account', 'sam-password-1')

  await page.onLoad()
  assert.equal(page.data.needBind, true)
  await page.onBind({ detail: { value: { username: 'sam-account', password: 'sam-password-1' } } })
  assert.equal(page.data.error, '')
  assert.equal(page.data.needBind, false)
  assert.equal(page.data.account.username, 'sam-account')
  await page.onNickname({ detail: { value: 'Sam' } })
  assert.equal(page.data.user.nickName, 'Sam')
  await page.onAvatar({ detail: { avatarUrl: path.join(root, 'docs', 'sample-avatar.jpg') } })
  assert.match(page.data.user.avatarUrl, /\/avatars\/[0-9a-f]{64}\.jpg$/)
  await page.onPhone({ detail: { code: await srv.phoneCode('sam', '13900001111') } })
  assert.equal(page.data.user.phoneNumber, '139****1111')
  await page.onUnbind()
  assert.equal(page.data.account, null)
  await page.onLogout()
  assert.equal(page.data.user, null)
  assert.equal(wx.storage.size, 0)
  assert.equal(page.data.error, '')
  fs.rmSync(dir, { recursive: true, force: true })
})
