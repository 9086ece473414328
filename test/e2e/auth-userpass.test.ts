// userpass over HTTP: enable, users, login, the minted token's policies and bound CIDRs, lockout via tune, audit.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('userpass auth method', () => {
  let t: TestServer
  const auditFile = join(mkdtempSync(join(tmpdir(), 'coffer-userpass-')), 'audit.log')
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    await t.call('PUT', 'sys/policies/acl/reader', {
      body: { policy: 'path "secret/data/*" { capabilities = ["read"] }' },
    })
    await t.call('POST', 'secret/data/app', { body: { data: { k: 'v' } } })
  })
  after(() => t.close())

  it('logs a user in; the token carries the user policies and works', async () => {
    const created = await t.call('POST', 'auth/userpass/users/mitchellh', {
      body: { password: 'foo-bar-baz', token_policies: 'reader', token_ttl: '30m' },
    })
    assert.equal(created.status, 204)
    const login = await t.call('POST', 'auth/userpass/login/mitchellh', {
      token: '',
      body: { password: 'foo-bar-baz' },
    })
    assert.equal(login.status, 200)
    const auth = login.body.auth
    assert.deepEqual(auth.policies, ['default', 'reader'])
    assert.deepEqual(auth.metadata, { username: 'mitchellh' })
    assert.equal(auth.lease_duration, 1800)
    assert.equal(auth.token_type, 'service')
    assert.equal(auth.orphan, true)
    const read = await t.call('GET', 'secret/data/app', { token: auth.client_token })
    assert.equal(read.status, 200)
    const self = await t.call('GET', 'auth/token/lookup-self', { token: auth.client_token })
    assert.equal(self.body.data.display_name, 'userpass-mitchellh')
    assert.equal(self.body.data.path, 'auth/userpass/login/mitchellh')
    assert.equal((await t.call('GET', 'sys/policies/acl/reader', { token: auth.client_token })).status, 403)
  })

  it('lists users, and refuses users/ writes without a token', async () => {
    const list = await t.call('LIST', 'auth/userpass/users')
    assert.deepEqual(list.body.data.keys, ['mitchellh'])
    const anonymous = await t.call('POST', 'auth/userpass/users/eve', { token: '', body: { password: 'x' } })
    assert.equal(anonymous.status, 403)
  })

  it('gives a wrong password and an unknown user the same 400', async () => {
    const wrong = await t.call('POST', 'auth/userpass/login/mitchellh', {
      token: '',
      body: { password: 'nope' },
    })
    const unknown = await t.call('POST', 'auth/userpass/login/nobody', {
      token: '',
      body: { password: 'nope' },
    })
    assert.equal(wrong.status, 400)
    assert.deepEqual(wrong.body, { errors: ['invalid username or password'] })
    assert.deepEqual(unknown.body, wrong.body)
    assert.equal(unknown.status, 400)
  })

  it('enforces token_bound_cidrs when the token is used, not only at login', async () => {
    await t.call('POST', 'auth/userpass/users/bound', {
      body: { password: 'pw-bound', token_policies: 'reader', token_bound_cidrs: '127.0.0.0/8' },
    })
    const ok = await t.call('POST', 'auth/userpass/login/bound', {
      token: '',
      body: { password: 'pw-bound' },
    })
    assert.equal((await t.call('GET', 'secret/data/app', { token: ok.body.auth.client_token })).status, 200)
    const lookup = await t.call('GET', 'auth/token/lookup-self', { token: ok.body.auth.client_token })
    assert.deepEqual(lookup.body.data.bound_cidrs, ['127.0.0.0/8'])

    // A login from outside the user's CIDRs is refused outright.
    await t.call('POST', 'auth/userpass/users/bound', { body: { token_bound_cidrs: '10.0.0.0/8' } })
    const refused = await t.call('POST', 'auth/userpass/login/bound', {
      token: '',
      body: { password: 'pw-bound' },
    })
    assert.equal(refused.status, 403)
    assert.deepEqual(refused.body, { errors: ['permission denied'] })
  })

  it('takes user_lockout_config through sys/auth/:path/tune and locks out after the threshold', async () => {
    const tune = await t.call('POST', 'sys/auth/userpass/tune', {
      body: {
        user_lockout_config: { lockout_threshold: 2, lockout_duration: '10m', lockout_counter_reset: '5m' },
      },
    })
    assert.equal(tune.status, 204)
    const view = await t.call('GET', 'sys/auth/userpass/tune')
    assert.equal(view.body.data.user_lockout_threshold, 2)
    assert.equal(view.body.data.user_lockout_duration, 600)
    assert.equal(view.body.data.user_lockout_counter_reset_duration, 300)
    const bad = await t.call('POST', 'sys/auth/userpass/tune', {
      body: { user_lockout_config: { lockout_threshold: -1 } },
    })
    assert.equal(bad.status, 400)

    await t.call('POST', 'auth/userpass/users/lock-me', { body: { password: 'right-one' } })
    for (let i = 0; i < 2; i++) {
      const res = await t.call('POST', 'auth/userpass/login/lock-me', {
        token: '',
        body: { password: 'wrong' },
      })
      assert.equal(res.status, 400)
    }
    const locked = await t.call('POST', 'auth/userpass/login/lock-me', {
      token: '',
      body: { password: 'right-one' },
    })
    assert.equal(locked.status, 403)
    assert.match(locked.body.errors[0], /too many failed login attempts/)

    await t.call('POST', 'sys/auth/userpass/tune', {
      body: { user_lockout_config: { lockout_disable: true } },
    })
    const unlocked = await t.call('POST', 'auth/userpass/login/lock-me', {
      token: '',
      body: { password: 'right-one' },
    })
    assert.equal(unlocked.status, 200)
    assert.equal((await t.call('GET', 'sys/auth/userpass/tune')).body.data.user_lockout_threshold, 2)
  })

  it('leaves an audit record of a failed login, with the password HMAC’d', async () => {
    const enable = await t.call('PUT', 'sys/audit/file', {
      body: { type: 'file', options: { file_path: auditFile } },
    })
    assert.equal(enable.status, 204)
    const res = await t.call('POST', 'auth/userpass/login/mitchellh', {
      token: '',
      body: { password: 'wrong-password-xyz' },
    })
    assert.equal(res.status, 400)
    const text = readFileSync(auditFile, 'utf8')
    assert.ok(!text.includes('wrong-password-xyz'), 'the attempted password never appears in clear')
    const entries = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
    const response = entries.find(
      (e) => e.type === 'response' && e.request?.path === 'auth/userpass/login/mitchellh',
    )
    assert.ok(response, 'a response entry for the failed login')
    assert.equal(response.error, 'invalid username or password')
    assert.match(response.request.data.password, /^hmac-sha256:/)
  })
})
