// pages/index/index.js — the whole flow: log in, profile, avatar, phone, bind, logout.
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
})
