// The userpass backend: user CRUD, token fields, login, lockout and the unknown-user answer.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { userpassBackend } from './backend.ts'
import { INVALID_CREDENTIALS, LOCKED_OUT } from './path-login.ts'
import { type AuthHarness, failure, makeAuth, storedText } from './test-helpers.ts'

const make = () => makeAuth(userpassBackend, 'userpass')

async function login(h: AuthHarness, name: string, password: string, remoteAddress = '127.0.0.1') {
  return h.call('update', `login/${name}`, { password }, { remoteAddress })
}

describe('userpass', () => {
  it('creates, reads, lists, updates and deletes users without ever storing the password', async () => {
    const h = await make()
    await h.call('create', 'users/Mary', {
      password: 's3cret-pw',
      token_policies: 'dev,ops',
      token_ttl: '1h',
    })
    const read = await h.call('read', 'users/mary')
    assert.deepEqual(read?.data, {
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 0,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['dev', 'ops'],
      token_ttl: 3600,
      token_type: 'default',
    })
    assert.deepEqual((await h.call('list', 'users/'))?.data, { keys: ['mary'] })
    assert.ok(!(await storedText(h.storage)).includes('s3cret-pw'))
    await h.call('update', 'users/mary', { token_num_uses: 3 })
    assert.equal((await h.call('read', 'users/mary'))?.data?.['token_num_uses'], 3)
    assert.ok(await login(h, 'mary', 's3cret-pw'), 'an update without password keeps the old one')
    await h.call('delete', 'users/mary')
    assert.equal(await h.call('read', 'users/mary'), undefined)
    assert.equal(await h.call('list', 'users/'), undefined)
  })

  it('shows legacy names only when they were used, and lets the new name win', async () => {
    const h = await make()
    await h.call('create', 'users/old', {
      password: 'pw',
      policies: ['a'],
      ttl: 60,
      bound_cidrs: '10.0.0.0/8',
    })
    const data = (await h.call('read', 'users/old'))?.data
    assert.deepEqual(data?.['policies'], ['a'])
    assert.deepEqual(data?.['token_policies'], ['a'])
    assert.equal(data?.['ttl'], 60)
    assert.deepEqual(data?.['bound_cidrs'], ['10.0.0.0/8'])
    await h.call('update', 'users/old', { token_policies: ['b'] })
    const after = (await h.call('read', 'users/old'))?.data
    assert.deepEqual(after?.['token_policies'], ['b'])
    assert.equal(after?.['policies'], undefined)
  })

  it('refuses bad input with a 400 naming the problem', async () => {
    const h = await make()
    assert.deepEqual(await failure(() => h.call('create', 'users/x', {})), {
      status: 400,
      message: 'missing password',
    })
    assert.match(
      (await failure(() => h.call('create', 'users/x', { password: 'p', token_bound_cidrs: 'nope' })))
        .message,
      /token_bound_cidrs: nope/,
    )
    assert.match(
      (await failure(() => h.call('create', 'users/x', { password: 'p', token_type: 'odd' }))).message,
      /invalid token_type "odd"/,
    )
    assert.match(
      (await failure(() => h.call('create', 'users/x', { password: 'p', token_ttl: 'soon' }))).message,
      /token_ttl/,
    )
    assert.match(
      (await failure(() => h.call('create', 'users/x', { password: 'p', token_ttl: 100, token_max_ttl: 10 })))
        .message,
      /token_max_ttl/,
    )
    assert.match(
      (await failure(() => h.call('create', 'users/x', { password_hash: '$2a$10$abc' }))).message,
      /not supported/,
    )
    assert.equal(
      (await failure(() => h.call('update', 'users/ghost/password', { password: 'p' }))).status,
      404,
    )
    assert.equal(await h.call('read', 'users/x'), undefined, 'nothing was written')
  })

  it('logs in and grants the user token settings, username as metadata', async () => {
    const h = await make()
    await h.call('create', 'users/mitchellh', {
      password: 'foo',
      token_policies: ['admins'],
      token_ttl: '10m',
      token_max_ttl: '1h',
      token_num_uses: 4,
      token_period: 0,
      token_no_default_policy: true,
      token_bound_cidrs: ['127.0.0.0/8'],
      token_explicit_max_ttl: '2h',
    })
    const response = await login(h, 'MitchellH', 'foo')
    assert.deepEqual(response?.auth, {
      policies: ['admins'],
      ttl: 600,
      maxTtl: 3600,
      explicitMaxTtl: 7200,
      period: 0,
      numUses: 4,
      noDefaultPolicy: true,
      tokenType: 'default',
      boundCidrs: ['127.0.0.0/8'],
      renewable: true,
      displayName: 'mitchellh',
      metadata: { username: 'mitchellh' },
      internal: { username: 'mitchellh' },
      alias: { name: 'mitchellh' },
    })
  })

  it('answers a wrong password and an unknown user with the same 400', async () => {
    const h = await make()
    await h.call('create', 'users/alice', { password: 'right' })
    const wrong = await failure(() => login(h, 'alice', 'wrong'))
    const unknown = await failure(() => login(h, 'nobody', 'wrong'))
    assert.deepEqual(wrong, { status: 400, message: INVALID_CREDENTIALS })
    assert.deepEqual(unknown, wrong)
    assert.deepEqual(await failure(() => login(h, 'alice', '')), { status: 400, message: 'missing password' })
  })

  it('refuses a login from outside token_bound_cidrs with a 403', async () => {
    const h = await make()
    await h.call('create', 'users/bob', { password: 'pw', token_bound_cidrs: '10.0.0.0/8' })
    assert.deepEqual(await failure(() => login(h, 'bob', 'pw', '192.168.1.1')), {
      status: 403,
      message: 'permission denied',
    })
    assert.ok((await login(h, 'bob', 'pw', '10.1.2.3'))?.auth)
  })

  it('locks a user out after the threshold, even with the right password, and lifts it after the duration', async () => {
    const h = await make()
    h.lockout.threshold = 3
    h.lockout.duration = 60
    await h.call('create', 'users/carol', { password: 'right' })
    for (let i = 0; i < 3; i++) await failure(() => login(h, 'carol', 'wrong'))
    assert.deepEqual(await failure(() => login(h, 'carol', 'right')), { status: 403, message: LOCKED_OUT })
    const restarted = await h.restart()
    restarted.lockout.threshold = 3
    restarted.lockout.duration = 60
    assert.equal(
      (await failure(() => login(restarted, 'carol', 'right'))).status,
      403,
      'the lock survives a restart',
    )
    h.clock.now += 61_000
    assert.ok((await login(restarted, 'carol', 'right'))?.auth)
  })

  it('locks unknown users the same way, and forgets failures after the counter reset', async () => {
    const h = await make()
    h.lockout.threshold = 2
    h.lockout.counterReset = 30
    await failure(() => login(h, 'ghost', 'x'))
    h.clock.now += 31_000
    const invalid = { status: 400, message: INVALID_CREDENTIALS }
    assert.deepEqual(await failure(() => login(h, 'ghost', 'x')), invalid, 'the first failure was forgotten')
    assert.deepEqual(
      await failure(() => login(h, 'ghost', 'x')),
      invalid,
      'the failure that reaches the threshold',
    )
    assert.deepEqual(await failure(() => login(h, 'ghost', 'x')), { status: 403, message: LOCKED_OUT })
  })

  it('does not lock when lockout is disabled, and a success resets the count', async () => {
    const h = await make()
    await h.call('create', 'users/dave', { password: 'right' })
    h.lockout.threshold = 2
    await failure(() => login(h, 'dave', 'wrong'))
    assert.ok(await login(h, 'dave', 'right'))
    await failure(() => login(h, 'dave', 'wrong'))
    assert.ok(await login(h, 'dave', 'right'), 'the earlier failure was forgotten')
    h.lockout.disable = true
    for (let i = 0; i < 3; i++) await failure(() => login(h, 'dave', 'wrong'))
    assert.ok(await login(h, 'dave', 'right'))
  })

  it('changes the password and the policies through their own paths', async () => {
    const h = await make()
    await h.call('create', 'users/erin', { password: 'one' })
    await h.call('update', 'users/erin/password', { password: 'two' })
    await failure(() => login(h, 'erin', 'one'))
    assert.ok(await login(h, 'erin', 'two'))
    await h.call('update', 'users/erin/policies', { policies: 'x,y' })
    assert.deepEqual((await h.call('read', 'users/erin'))?.data?.['token_policies'], ['x', 'y'])
    assert.equal((await failure(() => h.call('update', 'users/erin/policies', {}))).status, 400)
  })
})
