// End-to-end: sys/leases/revoke-prefix (and revoke-force) under auth/ ends the tokens created there, as Vault's
// token leases do, so an operator revoking a compromised auth method's tokens by prefix is not answered 204 for nothing.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RaceServer, startRaceServer } from '../helpers/race.ts'

describe('revoke-prefix under auth/ revokes tokens', () => {
  let s: RaceServer
  before(async () => {
    s = await startRaceServer()
    const creator = 'path "auth/token/create" { capabilities = ["update"] }'
    assert.equal((await s.call('PUT', 'sys/policies/acl/creator', { body: { policy: creator } })).status, 204)
  })
  after(async () => {
    await s?.close()
  })

  const alive = async (token: string) =>
    (await s.call('GET', 'auth/token/lookup-self', { token })).status === 200

  const created = async (body: Record<string, unknown>, token?: string): Promise<string> => {
    const reply = await s.call('POST', 'auth/token/create', { body, ...(token ? { token } : {}) })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body.auth.client_token
  }

  const approleLogin = async (): Promise<string> => {
    const login = await s.call('POST', 'auth/approle/login', {
      token: '',
      body: {
        role_id: (await s.call('GET', 'auth/approle/role/app/role-id')).body.data.role_id,
        secret_id: (await s.call('POST', 'auth/approle/role/app/secret-id')).body.data.secret_id,
      },
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    return login.body.auth.client_token
  }

  it('by folder: the tokens created under it with a TTL, and their children; not others', async () => {
    assert.equal((await s.call('POST', 'sys/auth/approle', { body: { type: 'approle' } })).status, 204)
    assert.equal(
      (
        await s.call('POST', 'auth/approle/role/app', {
          body: { token_policies: ['default'], token_ttl: '1h' },
        })
      ).status,
      204,
    )
    const leased = await created({ policies: ['creator'], ttl: '1h' })
    const child = await created({ policies: ['default'], ttl: '1h' }, leased)
    // A root child with the root policy and no TTL never expires: it has no lease to revoke, in Vault either.
    const forever = await created({})
    assert.equal((await s.call('GET', 'auth/token/lookup-self', { token: forever })).body.data.ttl, 0)
    const fromApprole = await approleLogin()

    // Not a folder of token leases: nothing goes.
    assert.equal((await s.call('PUT', 'sys/leases/revoke-prefix/auth/token/cre')).status, 204)
    assert.equal(await alive(leased), true)

    assert.equal((await s.call('PUT', 'sys/leases/revoke-prefix/auth/token/create')).status, 204)
    assert.equal(await alive(leased), false, 'a token with a lease under the prefix is revoked')
    assert.equal(await alive(child), false, 'its child goes with it')
    assert.equal(await alive(forever), true, 'a token without a TTL has no lease, as in Vault')
    assert.equal(await alive(fromApprole), true, 'another auth path is untouched')
    assert.equal(await alive(s.rootToken), true)

    assert.equal((await s.call('PUT', 'sys/leases/revoke-force/auth/approle/')).status, 204)
    assert.equal(await alive(fromApprole), false)
    assert.equal(await alive(forever), true)
  })

  it('holds under concurrent logins and lookups: after it answers, none of the tokens works', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => approleLogin()))
    const lookups = tokens.map((token) => ({ method: 'GET', path: 'auth/token/lookup-self', token }))
    const replies = await s.burst([
      ...lookups,
      { method: 'PUT', path: 'sys/leases/revoke-prefix/auth/approle/login' },
      ...lookups,
    ])
    assert.equal(replies[10]!.status, 204)
    for (const token of tokens) assert.equal(await alive(token), false)
  })
})
