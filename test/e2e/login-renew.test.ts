// Renewing a login token asks its auth method first: a deleted user or role, changed policies or a disabled mount stop renewals.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'

describe('login token renewal checks with the auth method', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/userpass', { body: { type: 'userpass' } })).status, 204)
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
  })
  after(() => t.close())

  const renewSelf = (token: string) =>
    t.call('POST', 'auth/token/renew-self', { token, body: { increment: '1h' } })

  it('userpass: renews while the user exists with the same policies', async () => {
    await t.call('POST', 'auth/userpass/users/alice', {
      body: { password: 'correct horse', token_policies: 'reader' },
    })
    const login = await t.call('POST', 'auth/userpass/login/alice', {
      token: '',
      body: { password: 'correct horse' },
    })
    assert.equal(login.status, 200)
    const token = login.body.auth.client_token as string
    assert.equal((await renewSelf(token)).status, 200)

    await t.call('POST', 'auth/userpass/users/alice/policies', { body: { token_policies: 'reader,writer' } })
    const changed = await renewSelf(token)
    assert.equal(changed.status, 400)
    assert.match(changed.body.errors[0], /policies have changed/)

    await t.call('POST', 'auth/userpass/users/alice/policies', { body: { token_policies: 'reader' } })
    assert.equal((await renewSelf(token)).status, 200)

    await t.call('DELETE', 'auth/userpass/users/alice')
    const gone = await renewSelf(token)
    assert.equal(gone.status, 400)
    assert.match(gone.body.errors[0], /user no longer exists/)
  })

  it('approle: renews while the role exists', async () => {
    await t.call('POST', 'auth/approle/role/web', { body: { token_policies: 'reader' } })
    const roleId = (await t.call('GET', 'auth/approle/role/web/role-id')).body.data.role_id
    const secretId = (await t.call('POST', 'auth/approle/role/web/secret-id')).body.data.secret_id
    const login = await t.call('POST', 'auth/approle/login', {
      token: '',
      body: { role_id: roleId, secret_id: secretId },
    })
    const token = login.body.auth.client_token as string
    assert.equal((await renewSelf(token)).status, 200)
    await t.call('DELETE', 'auth/approle/role/web')
    const gone = await renewSelf(token)
    assert.equal(gone.status, 400)
    assert.match(gone.body.errors[0], /role no longer exists/)
  })

  it('disabling an auth method revokes its tokens and drops its identity aliases; auth/token tokens still renew', async () => {
    await t.call('POST', 'sys/auth/people', { body: { type: 'userpass' } })
    await t.call('POST', 'auth/people/users/bob', {
      body: { password: 'pw-for-bob-1', token_policies: 'reader' },
    })
    const login = await t.call('POST', 'auth/people/login/bob', {
      token: '',
      body: { password: 'pw-for-bob-1' },
    })
    const token = login.body.auth.client_token as string
    const entityId = login.body.auth.entity_id as string
    assert.equal((await t.call('GET', `identity/entity/id/${entityId}`)).body.data.aliases.length, 1)
    // Disabling an auth method revokes the tokens it issued and drops its identity aliases, as in Vault.
    await t.call('DELETE', 'sys/auth/people')
    const entity = await t.call('GET', `identity/entity/id/${entityId}`)
    assert.equal(entity.status, 200, 'the entity itself stays')
    assert.equal(entity.body.data.aliases.length, 0)
    assert.equal((await renewSelf(token)).status, 403)
    assert.equal((await t.call('GET', 'auth/token/lookup-self', { token })).status, 403)
    const plain = await t.call('POST', 'auth/token/create', { body: { policies: ['reader'], ttl: '1h' } })
    assert.equal((await renewSelf(plain.body.auth.client_token)).status, 200)
  })

  it('the default policy lets a login token read its own entity, and only its own', async () => {
    await t.call('POST', 'auth/userpass/users/carol', { body: { password: 'carol-password-1' } })
    await t.call('POST', 'auth/userpass/users/dave', { body: { password: 'dave-password-1' } })
    const carol = (
      await t.call('POST', 'auth/userpass/login/carol', { token: '', body: { password: 'carol-password-1' } })
    ).body.auth
    const dave = (
      await t.call('POST', 'auth/userpass/login/dave', { token: '', body: { password: 'dave-password-1' } })
    ).body.auth
    const own = await t.call('GET', `identity/entity/id/${carol.entity_id}`, { token: carol.client_token })
    assert.equal(own.status, 200)
    assert.equal(own.body.data.id, carol.entity_id)
    const other = await t.call('GET', `identity/entity/id/${dave.entity_id}`, { token: carol.client_token })
    assert.equal(other.status, 403)
    const byName = await t.call('GET', `identity/entity/name/${own.body.data.name}`, {
      token: carol.client_token,
    })
    assert.equal(byName.status, 200)
  })
})

// Vault's login renew handlers hand back the role's current token_max_ttl, which CalculateTTL measures from the
// token's creation: lowering it on the role curtails tokens already issued (a leaked token stops renewing).
describe("login token renewal under the role's current token_max_ttl", () => {
  let t: TestServer
  const clock = new ManualClock()
  before(async () => {
    t = await startDevServer({ clock })
    for (const type of ['userpass', 'approle'])
      assert.equal((await t.call('POST', `sys/auth/${type}`, { body: { type } })).status, 204)
  })
  after(() => t.close())

  const renewSelf = (token: string, increment = '1h') =>
    t.call('POST', 'auth/token/renew-self', { token, body: { increment } })

  /** Two hours after login under a 24h max, the role's max drops to 1h: past it, the token renews no more. */
  async function curtailed(token: string, lower: () => Promise<unknown>, raise: () => Promise<unknown>) {
    clock.advance(2 * 3600)
    assert.equal((await renewSelf(token)).status, 200, 'renews under the max TTL it was issued with')
    await lower()
    const refused = await renewSelf(token)
    assert.equal(refused.status, 400, JSON.stringify(refused.body))
    assert.match(refused.body.errors[0], /max(imum)? TTL/)
    // Raising it again lets the token renew, but never past the max it was issued with.
    await raise()
    const again = await renewSelf(token, '48h')
    assert.equal(again.status, 200, JSON.stringify(again.body))
    assert.ok(again.body.auth.lease_duration <= 22 * 3600, String(again.body.auth.lease_duration))
  }

  it("userpass: lowering the user's token_max_ttl ends renewals of older tokens", async () => {
    const user = (max: string) =>
      t.call('POST', 'auth/userpass/users/carol', {
        body: { password: 'correct horse', token_policies: 'reader', token_max_ttl: max },
      })
    await user('24h')
    const login = await t.call('POST', 'auth/userpass/login/carol', {
      token: '',
      body: { password: 'correct horse' },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    await curtailed(
      login.body.auth.client_token,
      () => user('1h'),
      () => user('24h'),
    )
  })

  it("approle: lowering the role's token_max_ttl ends renewals of older tokens", async () => {
    const role = (max: string) =>
      t.call('POST', 'auth/approle/role/batchjob', { body: { token_policies: 'reader', token_max_ttl: max } })
    await role('24h')
    const roleId = (await t.call('GET', 'auth/approle/role/batchjob/role-id')).body.data.role_id
    const secretId = (await t.call('POST', 'auth/approle/role/batchjob/secret-id')).body.data.secret_id
    const login = await t.call('POST', 'auth/approle/login', {
      token: '',
      body: { role_id: roleId, secret_id: secretId },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    await curtailed(
      login.body.auth.client_token,
      () => role('1h'),
      () => role('24h'),
    )
  })
})

// Vault's login renew handlers hand back the role's current token_ttl, token_max_ttl and token_period, and
// CalculateTTL applies them afresh at every renewal: the max counted from the token's creation (raised or lowered),
// the ttl when no increment is asked for, and the period, which frees the token from the max TTL.
describe("login token renewal under the role's current token settings", () => {
  let t: TestServer
  const clock = new ManualClock()
  before(async () => {
    t = await startDevServer({ clock })
    assert.equal((await t.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
  })
  after(() => t.close())

  let roles = 0
  /** A new role with `settings`, a login under it, and a function that rewrites the role's settings. */
  async function loginUnder(settings: Record<string, string>) {
    const name = `role-${++roles}`
    const write = (body: Record<string, string>) =>
      t.call('POST', `auth/approle/role/${name}`, { body: { token_policies: 'reader', ...body } })
    assert.equal((await write(settings)).status, 204)
    const roleId = (await t.call('GET', `auth/approle/role/${name}/role-id`)).body.data.role_id
    const secretId = (await t.call('POST', `auth/approle/role/${name}/secret-id`)).body.data.secret_id
    const login = await t.call('POST', 'auth/approle/login', {
      token: '',
      body: { role_id: roleId, secret_id: secretId },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    return { token: login.body.auth.client_token as string, rewrite: write, login }
  }

  const renewSelf = (token: string, body: Record<string, string> = {}) =>
    t.call('POST', 'auth/token/renew-self', { token, body })

  it('raising token_max_ttl lets a token issued under the lower max renew up to the new one', async () => {
    const { token, rewrite } = await loginUnder({ token_ttl: '3h', token_max_ttl: '24h' })
    clock.advance(2 * 3600)
    await rewrite({ token_ttl: '3h', token_max_ttl: '48h' })
    const renewed = await renewSelf(token, { increment: '100h' })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    // 48h from the login, two hours ago.
    assert.equal(renewed.body.auth.lease_duration, 46 * 3600)
    assert.match(renewed.body.warnings?.[0] ?? '', /exceeded the effective max_ttl/)
  })

  it("without an increment, a renewal grants the role's token_ttl as it is now", async () => {
    const { token, rewrite } = await loginUnder({ token_ttl: '1h', token_max_ttl: '24h' })
    await rewrite({ token_ttl: '3h', token_max_ttl: '24h' })
    const renewed = await renewSelf(token)
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal(renewed.body.auth.lease_duration, 3 * 3600)
    // An increment is granted as asked, beyond the token_ttl, up to the max.
    const longer = await renewSelf(token, { increment: '5h' })
    assert.equal(longer.body.auth.lease_duration, 5 * 3600)
  })

  it('a token_period set on the role since the login makes renewals periodic, past the max TTL', async () => {
    const { token, rewrite } = await loginUnder({ token_ttl: '1h', token_max_ttl: '2h' })
    await rewrite({ token_period: '6h', token_max_ttl: '0' })
    clock.advance(1800)
    const renewed = await renewSelf(token, { increment: '1h' })
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal(renewed.body.auth.lease_duration, 6 * 3600)
    // Past the max TTL the token was issued under, still renewing to the period.
    clock.advance(5 * 3600)
    const later = await renewSelf(token)
    assert.equal(later.status, 200, JSON.stringify(later.body))
    assert.equal(later.body.auth.lease_duration, 6 * 3600)
  })

  it("a login under a period longer than the role's token_max_ttl gets the max, as Vault's login does", async () => {
    const { token, login } = await loginUnder({ token_period: '6h', token_max_ttl: '2h' })
    assert.equal(login.body.auth.lease_duration, 2 * 3600)
    assert.deepEqual(login.body.warnings, [
      'period of "6h0m0s" exceeded the effective max_ttl of "2h0m0s"; period value is capped accordingly',
    ])
    const looked = await t.call('GET', 'auth/token/lookup-self', { token })
    assert.equal(looked.body.data.ttl, 2 * 3600)
  })

  it("a period longer than the role's token_max_ttl is cut to it, and still renews past it", async () => {
    const { token, rewrite } = await loginUnder({ token_ttl: '1h', token_max_ttl: '2h' })
    await rewrite({ token_period: '6h', token_max_ttl: '2h' })
    clock.advance(1800)
    const renewed = await renewSelf(token)
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    assert.equal(renewed.body.auth.lease_duration, 2 * 3600)
    assert.match(
      renewed.body.warnings?.[0] ?? '',
      /period of "6h0m0s" exceeded the effective max_ttl of "2h0m0s"/,
    )
    // Past the 2h max counted from the login, which binds no periodic token.
    clock.advance(1.9 * 3600)
    const later = await renewSelf(token)
    assert.equal(later.status, 200, JSON.stringify(later.body))
    assert.equal(later.body.auth.lease_duration, 2 * 3600)
  })

  it('a token_period removed from the role ends the period: renewals fall back under the max TTL', async () => {
    const { token, rewrite } = await loginUnder({ token_period: '6h', token_max_ttl: '8h' })
    clock.advance(3600)
    assert.equal((await renewSelf(token)).body.auth.lease_duration, 6 * 3600)
    await rewrite({ token_period: '0', token_ttl: '4h', token_max_ttl: '8h' })
    clock.advance(3 * 3600)
    const renewed = await renewSelf(token)
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body))
    // Four hours after the login, under an 8h max: the whole token_ttl fits.
    assert.equal(renewed.body.auth.lease_duration, 4 * 3600)
    clock.advance(3 * 3600)
    const capped = await renewSelf(token)
    assert.equal(capped.status, 200, JSON.stringify(capped.body))
    assert.equal(capped.body.auth.lease_duration, 3600)
    assert.match(capped.body.warnings?.[0] ?? '', /exceeded the effective max_ttl/)
  })
})
