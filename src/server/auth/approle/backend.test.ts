// The approle backend: roles, role IDs, secret IDs (hashed, counted, expiring), login and its refusals.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type AuthHarness, failure, makeAuth, storedText } from '../userpass/test-helpers.ts'
import { approleBackend } from './backend.ts'
import { INVALID_CREDENTIALS, LOCKED_OUT } from './path-login.ts'

const make = () => makeAuth(approleBackend, 'approle')

async function setup(
  h: AuthHarness,
  role: Record<string, unknown> = {},
  secret: Record<string, unknown> = {},
) {
  await h.call('create', 'role/App', { token_policies: 'dev', token_ttl: '20m', ...role })
  const roleId = (await h.call('read', 'role/app/role-id'))?.data?.['role_id'] as string
  const issued = (await h.call('update', 'role/app/secret-id', secret))?.data ?? {}
  return { roleId, secretId: issued['secret_id'] as string, accessor: issued['secret_id_accessor'] as string }
}

const login = (h: AuthHarness, role_id: string, secret_id?: string, remoteAddress = '127.0.0.1') =>
  h.call('update', 'login', { role_id, ...(secret_id === undefined ? {} : { secret_id }) }, { remoteAddress })

describe('approle', () => {
  it('null clears token_policies and token_bound_cidrs (Vault’s decoding), so a null meant to drop them does', async () => {
    const h = await make()
    await h.call('create', 'role/app', { token_policies: 'admin', token_bound_cidrs: '10.0.0.0/8' })
    await h.call('update', 'role/app', { token_policies: null, token_bound_cidrs: null, token_ttl: null })
    const data = (await h.call('read', 'role/app'))?.data
    assert.deepEqual(data?.['token_policies'], [])
    assert.deepEqual(data?.['token_bound_cidrs'], [])
    await h.call('update', 'role/app', { policies: 'a' })
    await h.call('update', 'role/app', { policies: null })
    assert.deepEqual((await h.call('read', 'role/app'))?.data?.['token_policies'], [], 'the legacy name too')
  })

  it("reads exactly Vault's keys, with the legacy policies and period only when the role set them non-empty", async () => {
    const h = await make()
    await h.call('create', 'role/modern', { token_policies: 'a', token_period: 60 })
    await h.call('create', 'role/legacy-empty', { policies: '', period: 0 })
    const tokenKeys = [
      'token_bound_cidrs',
      'token_explicit_max_ttl',
      'token_max_ttl',
      'token_no_default_policy',
      'token_num_uses',
      'token_period',
      'token_policies',
      'token_ttl',
      'token_type',
    ]
    const roleKeys = [
      'bind_secret_id',
      'local_secret_ids',
      'secret_id_bound_cidrs',
      'secret_id_num_uses',
      'secret_id_ttl',
    ]
    const expected = [...roleKeys, ...tokenKeys].sort()
    for (const name of ['modern', 'legacy-empty']) {
      const data = (await h.call('read', `role/${name}`))?.data ?? {}
      assert.deepEqual(Object.keys(data).sort(), expected, name)
    }
    await h.call('update', 'role/legacy-empty', { policies: 'p', period: 30 })
    const data = (await h.call('read', 'role/legacy-empty'))?.data ?? {}
    assert.deepEqual(data['policies'], ['p'])
    assert.equal(data['period'], 30)
  })

  it('creates, reads, lists and deletes roles in Vault’s shape', async () => {
    const h = await make()
    await h.call('create', 'role/app', {
      secret_id_ttl: '10m',
      secret_id_num_uses: 40,
      policies: 'a,b',
      period: 60,
    })
    const data = (await h.call('read', 'role/app'))?.data
    assert.equal(data?.['bind_secret_id'], true)
    assert.equal(data?.['secret_id_ttl'], 600)
    assert.equal(data?.['secret_id_num_uses'], 40)
    assert.deepEqual(data?.['token_policies'], ['a', 'b'])
    assert.deepEqual(data?.['policies'], ['a', 'b'])
    assert.equal(data?.['period'], 60)
    assert.equal(data?.['token_period'], 60)
    assert.deepEqual((await h.call('list', 'role/'))?.data, { keys: ['app'] })
    await h.call('delete', 'role/app')
    assert.equal(await h.call('read', 'role/app'), undefined)
    assert.equal(await h.call('list', 'role/'), undefined)
  })

  it('refuses roles without a constraint, bad CIDRs and changing local_secret_ids', async () => {
    const h = await make()
    assert.match(
      (await failure(() => h.call('create', 'role/x', { bind_secret_id: false }))).message,
      /at least one constraint/,
    )
    assert.match(
      (await failure(() => h.call('create', 'role/x', { secret_id_bound_cidrs: 'bad' }))).message,
      /secret_id_bound_cidrs: bad/,
    )
    assert.match((await failure(() => h.call('create', 'role/x y/z', {}))).message, /.+/)
    await h.call('create', 'role/x', { local_secret_ids: true })
    assert.match(
      (await failure(() => h.call('update', 'role/x', { local_secret_ids: false }))).message,
      /only be modified during role creation/,
    )
  })

  it('logs in with role_id and secret_id; metadata carries role_name and the secret ID metadata', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h, {}, { metadata: '{"tag":"prod"}' })
    const auth = (await login(h, roleId, secretId))?.auth
    assert.deepEqual(auth?.policies, ['dev'])
    assert.equal(auth?.ttl, 1200)
    assert.deepEqual(auth?.metadata, { tag: 'prod', role_name: 'app' })
  })

  it('stores neither the secret ID nor anything it can be read back from', async () => {
    const h = await make()
    const { secretId } = await setup(h)
    const custom = 'my-custom-secret-id-value'
    await h.call('update', 'role/app/custom-secret-id', { secret_id: custom })
    const text = await storedText(h.storage)
    assert.ok(!text.includes(secretId))
    assert.ok(!text.includes(custom))
  })

  it('answers an unknown role, a wrong secret ID and a missing secret ID with clear 400s', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h)
    const invalid = { status: 400, message: INVALID_CREDENTIALS }
    assert.deepEqual(await failure(() => login(h, 'no-such-role', secretId)), invalid)
    assert.deepEqual(await failure(() => login(h, roleId, 'wrong-secret')), invalid)
    assert.deepEqual(await failure(() => login(h, roleId)), { status: 400, message: 'missing secret_id' })
    assert.deepEqual(await failure(() => h.call('update', 'login', {})), {
      status: 400,
      message: 'missing role_id',
    })
  })

  it('spends a single-use secret ID once, even under concurrent logins', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h, {}, { num_uses: 1 })
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => login(h, roleId, secretId)))
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    assert.deepEqual(await failure(() => login(h, roleId, secretId)), {
      status: 400,
      message: INVALID_CREDENTIALS,
    })
    assert.equal(await h.call('list', 'role/app/secret-id/'), undefined, 'the used-up secret ID is gone')
  })

  it('counts down limited uses durably', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h, {}, { num_uses: 3 })
    await login(h, roleId, secretId)
    const restarted = await h.restart()
    const looked = await restarted.call('update', 'role/app/secret-id/lookup', { secret_id: secretId })
    assert.equal(looked?.data?.['secret_id_num_uses'], 2)
    await login(restarted, roleId, secretId)
    await login(restarted, roleId, secretId)
    assert.equal((await failure(() => login(restarted, roleId, secretId))).status, 400)
  })

  it('refuses an expired secret ID, and tidy removes it', async () => {
    const h = await make()
    const { roleId, secretId, accessor } = await setup(h, { secret_id_ttl: '1h' }, { ttl: 60 })
    h.clock.now += 61_000
    assert.deepEqual(await failure(() => login(h, roleId, secretId)), {
      status: 400,
      message: INVALID_CREDENTIALS,
    })
    assert.deepEqual((await h.call('list', 'role/app/secret-id/'))?.data, { keys: [accessor] })
    const tidy = await h.call('update', 'tidy/secret-id')
    assert.equal(tidy?.data?.['secret_ids_removed'], 1)
    assert.equal(await h.call('list', 'role/app/secret-id/'), undefined)
  })

  it('enforces secret ID and role CIDRs at login with a 403', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h, {}, { cidr_list: '10.0.0.0/8' })
    const refused = await failure(() => login(h, roleId, secretId, '192.168.0.1'))
    assert.equal(refused.status, 403)
    assert.match(refused.message, /cidr_list/)
    assert.ok((await login(h, roleId, secretId, '10.9.9.9'))?.auth)
    await h.call('update', 'role/app', { secret_id_bound_cidrs: '172.16.0.0/12' })
    assert.match(
      (await failure(() => login(h, roleId, secretId, '10.9.9.9'))).message,
      /secret_id_bound_cidrs/,
    )
  })

  it('logs in without a secret ID when bind_secret_id is off and a CIDR binds the role', async () => {
    const h = await make()
    await h.call('create', 'role/open', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.0/8' })
    const roleId = (await h.call('read', 'role/open/role-id'))?.data?.['role_id'] as string
    assert.ok((await login(h, roleId))?.auth)
    assert.match(
      (await failure(() => h.call('update', 'role/open/secret-id', {}))).message,
      /bind_secret_id is not set/,
    )
  })

  it('validates secret ID requests against the role', async () => {
    const h = await make()
    await h.call('create', 'role/r', {
      secret_id_num_uses: 5,
      secret_id_ttl: 600,
      token_bound_cidrs: '10.0.0.0/8',
    })
    const issue = (body: Record<string, unknown>) => failure(() => h.call('update', 'role/r/secret-id', body))
    assert.match((await issue({ num_uses: 6 })).message, /num_uses cannot be higher/)
    assert.match((await issue({ ttl: 601 })).message, /ttl cannot be longer/)
    assert.match((await issue({ token_bound_cidrs: '11.0.0.0/8' })).message, /not within the role's blocks/)
    assert.match((await issue({ metadata: '{not json' })).message, /failed to parse metadata/)
    assert.match(
      (await failure(() => h.call('update', 'role/ghost/secret-id', {}))).message,
      /role "ghost" does not exist/,
    )
    const ok = await h.call('update', 'role/r/secret-id', { token_bound_cidrs: '10.1.0.0/16' })
    assert.equal(ok?.data?.['secret_id_num_uses'], 5, 'the role default applies')
    assert.equal(ok?.data?.['secret_id_ttl'], 600)
  })

  it('looks up and destroys secret IDs by value and by accessor', async () => {
    const h = await make()
    const { secretId, accessor } = await setup(h, {}, { metadata: { a: 'b' } })
    const byValue = await h.call('update', 'role/app/secret-id/lookup', { secret_id: secretId })
    assert.equal(byValue?.data?.['secret_id_accessor'], accessor)
    assert.deepEqual(byValue?.data?.['metadata'], { a: 'b' })
    assert.equal(byValue?.data?.['expiration_time'], '0001-01-01T00:00:00Z')
    const byAccessor = await h.call('update', 'role/app/secret-id-accessor/lookup', {
      secret_id_accessor: accessor,
    })
    assert.deepEqual(byAccessor?.data, byValue?.data)
    await h.call('update', 'role/app/secret-id-accessor/destroy', { secret_id_accessor: accessor })
    assert.equal(await h.call('update', 'role/app/secret-id/lookup', { secret_id: secretId }), undefined)
    assert.equal(
      (
        await failure(() =>
          h.call('update', 'role/app/secret-id-accessor/lookup', { secret_id_accessor: accessor }),
        )
      ).status,
      404,
    )
    const second = await setup(h)
    await h.call('update', 'role/app/secret-id/destroy', { secret_id: second.secretId })
    assert.deepEqual(await failure(() => login(h, second.roleId, second.secretId)), {
      status: 400,
      message: INVALID_CREDENTIALS,
    })
  })

  it('sets a custom role ID, refusing one already in use, and the old one stops working', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h)
    await h.call('create', 'role/other', {})
    await h.call('update', 'role/app/role-id', { role_id: 'custom-role-id' })
    assert.equal((await h.call('read', 'role/app/role-id'))?.data?.['role_id'], 'custom-role-id')
    assert.ok((await login(h, 'custom-role-id', secretId))?.auth)
    assert.equal((await failure(() => login(h, roleId, secretId))).status, 400)
    assert.match(
      (await failure(() => h.call('update', 'role/other/role-id', { role_id: 'custom-role-id' }))).message,
      /already in use/,
    )
    assert.equal(
      (await failure(() => h.call('update', 'role/app/custom-secret-id', { secret_id: secretId }))).message,
      'SecretID is already registered',
    )
  })

  it('locks a role ID out after repeated failures', async () => {
    const h = await make()
    h.lockout.threshold = 2
    const { roleId, secretId } = await setup(h)
    await failure(() => login(h, roleId, 'wrong'))
    await failure(() => login(h, roleId, 'wrong'))
    assert.deepEqual(await failure(() => login(h, roleId, secretId)), { status: 403, message: LOCKED_OUT })
  })

  it('deleting a role removes its secret IDs', async () => {
    const h = await make()
    const { roleId, secretId } = await setup(h)
    await h.call('delete', 'role/app')
    await h.call('create', 'role/app', { role_id: roleId })
    assert.equal((await failure(() => login(h, roleId, secretId))).status, 400)
    assert.ok(!(await storedText(h.storage)).includes('accessor/'), 'no accessor is left behind')
  })
})
