// sys/locked-users over HTTP: userpass users and AppRole role IDs locked by failed logins are listed and unlocked.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  client,
  startDevServer,
  startServerInTempDir,
  storageConfig,
  type TestServer,
} from '../helpers/server.ts'

describe('sys/locked-users', () => {
  let t: TestServer
  let userpass: string
  let approle: string
  let roleId: string
  let secretId: string
  const lockoutConfig = { lockout_threshold: 2, lockout_duration: '10m', lockout_counter_reset: '5m' }

  before(async () => {
    t = await startDevServer()
    for (const type of ['userpass', 'approle']) {
      assert.equal((await t.call('POST', `sys/auth/${type}`, { body: { type } })).status, 204)
      const tuned = await t.call('POST', `sys/auth/${type}/tune`, {
        body: { user_lockout_config: lockoutConfig },
      })
      assert.equal(tuned.status, 204)
    }
    const mounts = (await t.call('GET', 'sys/auth')).body.data
    userpass = mounts['userpass/'].accessor
    approle = mounts['approle/'].accessor
    await t.call('POST', 'auth/userpass/users/alice', { body: { password: 'correct-horse' } })
    await t.call('POST', 'auth/approle/role/ci', { body: { token_policies: 'default' } })
    roleId = (await t.call('GET', 'auth/approle/role/ci/role-id')).body.data.role_id
    secretId = (await t.call('POST', 'auth/approle/role/ci/secret-id')).body.data.secret_id
  })
  after(() => t.close())

  const userLogin = (password: string) =>
    t.call('POST', 'auth/userpass/login/alice', { token: '', body: { password } })
  const roleLogin = (secret: string) =>
    t.call('POST', 'auth/approle/login', { token: '', body: { role_id: roleId, secret_id: secret } })

  it('lists nothing while nobody is locked out', async () => {
    const res = await t.call('GET', 'sys/locked-users')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.data, { by_namespace: [], total: 0 })
  })

  it('lists a locked user and a locked role ID under their mounts, and unlocks each', async () => {
    for (let i = 0; i < 2; i++) {
      assert.equal((await userLogin('wrong')).status, 400)
      assert.equal((await roleLogin('00000000-0000-0000-0000-000000000000')).status, 400)
    }
    assert.equal((await userLogin('correct-horse')).status, 403, 'alice is locked out')
    assert.equal((await roleLogin(secretId)).status, 403, 'the role ID is locked out')

    const all = await t.call('GET', 'sys/locked-users')
    assert.equal(all.status, 200)
    assert.equal(all.body.data.total, 2)
    const [namespace] = all.body.data.by_namespace
    assert.equal(namespace.namespace_id, 'root')
    assert.equal(namespace.counts, 2)
    const byAccessor = Object.fromEntries(
      namespace.mount_accessors.map((m: { mount_accessor: string }) => [m.mount_accessor, m]),
    )
    assert.deepEqual(byAccessor[userpass], {
      mount_accessor: userpass,
      counts: 1,
      alias_identifiers: ['alice'],
    })
    assert.deepEqual(byAccessor[approle], { mount_accessor: approle, counts: 1, alias_identifiers: [roleId] })

    const one = await t.call('GET', `sys/locked-users?mount_accessor=${userpass}`)
    assert.deepEqual(one.body.data.by_namespace[0].mount_accessors, [byAccessor[userpass]])

    // Usernames are matched as logins match them: case and surrounding spaces aside.
    assert.equal((await t.call('POST', `sys/locked-users/${userpass}/unlock/ALICE`)).status, 204)
    assert.equal((await userLogin('correct-horse')).status, 200)
    assert.equal((await roleLogin(secretId)).status, 403, 'unlocking alice leaves the role locked')
    assert.equal((await t.call('POST', `sys/locked-users/${approle}/unlock/${roleId}`)).status, 204)
    assert.equal((await roleLogin(secretId)).status, 200)
    assert.equal((await t.call('GET', 'sys/locked-users')).body.data.total, 0)
  })

  it('refuses unknown mounts and mounts without lockout, and needs a policy that allows it', async () => {
    const unknown = await t.call('GET', 'sys/locked-users?mount_accessor=auth_userpass_00000000')
    assert.equal(unknown.status, 400)
    assert.match(unknown.body.errors[0], /no auth mount with accessor/)
    const tokenMount = (await t.call('GET', 'sys/auth')).body.data['token/'].accessor
    const noLockout = await t.call('POST', `sys/locked-users/${tokenMount}/unlock/someone`)
    assert.equal(noLockout.status, 400)
    assert.match(noLockout.body.errors[0], /has no user lockout/)
    // Unlocking someone who is not locked is not an error.
    assert.equal((await t.call('POST', `sys/locked-users/${userpass}/unlock/nobody`)).status, 204)
    const plain = (await t.call('POST', 'auth/token/create', { body: { policies: ['default'] } })).body.auth
    assert.equal((await t.call('GET', 'sys/locked-users', { token: plain.client_token })).status, 403)
  })
})

describe('user_lockout in the server config', () => {
  it("sets lockout for every mount of a type, under each mount's own tune", async () => {
    const server = await startServerInTempDir((dir) => ({
      config: {
        listeners: [{ type: 'tcp', address: '127.0.0.1:0', tlsDisable: true, maxRequestSize: 1 << 20 }],
        storage: storageConfig('sqlite', dir),
        defaultLeaseTtl: 3600,
        maxLeaseTtl: 3600,
        logLevel: 'error',
        disableMlock: true,
        ui: false,
        userLockout: { all: { threshold: 50 }, userpass: { threshold: 2, duration: 600 } },
      },
    }))
    try {
      const anon = client(server.address, '')
      const init = (await anon('PUT', 'sys/init', { body: { secret_shares: 1, secret_threshold: 1 } })).body
      await anon('PUT', 'sys/unseal', { body: { key: init.keys[0] } })
      const call = client(server.address, init.root_token)
      for (const path of ['userpass', 'strict'])
        assert.equal((await call('POST', `sys/auth/${path}`, { body: { type: 'userpass' } })).status, 204)
      // One mount tunes its own threshold, which wins over the config file's.
      await call('POST', 'sys/auth/strict/tune', { body: { user_lockout_config: { lockout_threshold: 1 } } })
      for (const path of ['userpass', 'strict'])
        await call('POST', `auth/${path}/users/erin`, { body: { password: 'right-password' } })
      const login = (path: string, password: string) =>
        call('POST', `auth/${path}/login/erin`, { token: '', body: { password } })

      assert.equal((await login('strict', 'wrong')).status, 400)
      assert.equal(
        (await login('strict', 'right-password')).status,
        403,
        'locked after one failure (mount tune)',
      )
      assert.equal((await login('userpass', 'wrong')).status, 400)
      assert.equal(
        (await login('userpass', 'right-password')).status,
        200,
        'one failure is under the threshold',
      )
      assert.equal((await login('userpass', 'wrong')).status, 400)
      assert.equal((await login('userpass', 'wrong')).status, 400)
      assert.equal(
        (await login('userpass', 'right-password')).status,
        403,
        'locked at the config threshold of 2',
      )
    } finally {
      await server.close()
    }
  })
})
