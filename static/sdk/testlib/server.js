'use strict'
// Starts a real miniauth in simulator mode for the SDK tests: the binary from MINIAUTH_BIN
// (the Go test that runs these builds it), else built here with `go build`; SQLite in a
// temporary directory; a free loopback port; a short access token lifetime.
const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const root = path.resolve(__dirname, '..', '..', '..')

function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

async function start ({ accessTTL = '3s' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniauth-sdk-'))
  let bin = process.env.MINIAUTH_BIN
  if (!bin) {
    bin = path.join(dir, 'miniauth')
    execFileSync('go', ['build', '-o', bin, './cmd/miniauth'], { cwd: root, stdio: 'inherit' })
  }
  const port = await freePort()
  const env = Object.assign({}, process.env, {
    MINIAUTH_ADDR: '127.0.0.1:' + port,
    MINIAUTH_INTERNAL_ADDR: 'off',
    MINIAUTH_DATABASE_URL: 'sqlite:' + path.join(dir, 'miniauth.db'),
    MINIAUTH_ACCESS_TTL: accessTTL,
    MINIAUTH_ADMIN_PASSWORD: 'sdk-test-admin-password',
    MINIAUTH_SHUTDOWN_DRAIN: '0',
    MINIAUTH_LOG_LEVEL: 'warn'
  })
  for (const k of ['MINIAUTH_WECHAT_APPID', 'MINIAUTH_WECHAT_SECRET', 'MINIAUTH_SECRET_KEYS', 'MINIAUTH_PUBLIC_URL']) delete env[k]
  const proc = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  proc.stderr.on('data', (b) => { stderr += b })
  const base = 'http://127.0.0.1:' + port
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error('miniauth exited: ' + stderr)
    try {
      const r = await fetch(base + '/healthz')
      if (r.ok) break
    } catch (e) {}
    if (i > 300) throw new Error('miniauth did not start: ' + stderr)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    base,
    // account creates a platform account through the CLI, as an operator would.
    account (username, password) {
      execFileSync(bin, ['account', 'create', username, '--name', username, '--password-stdin'],
        { env, input: password + '\n', stdio: ['pipe', 'ignore', 'pipe'] })
    },
    // phoneCode is what the phone button gives the simulated person.
    async phoneCode (user, phoneNumber) {
      const r = await fetch(base + '/wxsim/sim/phonecode', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, phoneNumber })
      })
      return (await r.json()).code
    },
    async stop () {
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.on('exit', resolve))
        proc.kill('SIGTERM')
        await exited
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

module.exports = { start, root }
