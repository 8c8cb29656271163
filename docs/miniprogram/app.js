// app.js — one miniauth client for the whole mini-program. Copy miniauth.js (served by
// your server at /static/sdk/miniauth.js) next to this file.
const miniauth = require('./miniauth.js')

App({
  auth: miniauth.createClient({ baseURL: 'https://auth.example.com' })
})
