// node-vault's token commands whose target token is gone or cannot renew: the answers (status and message) Vault gives.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import vault from 'node-vault'
import { startDevServer, type TestServer } from '../helpers/server.ts'

let server: TestServer

before(async () => {
  server = await startDevServer({ storage: 'inmem' })
})

after(() => server.close())

function client(token: string): ReturnType<typeof vault> {
  return vault({ endpoint: server.address, token })
}

/** node-vault rejects with an ApiResponseError carrying the status and body; return what a caller can see. */
async function refusal(promise: Promise<unknown>): Promise<{ statusCode: number; message: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as Error & { response?: { statusCode: number } }
    assert.ok(e.response, `expected an API error, got ${String(error)}`)
    return { statusCode: e.response.statusCode, message: e.message }
  }
  assert.fail('expected the request to be rejected')
}

async function revokedToken(): Promise<string> {
  const created = await client(server.rootToken).tokenCreate({ ttl: '1h' })
  const token = created.auth.client_token as string
  await client(server.rootToken).tokenRevoke({ token })
  return token
}

test('tokenRenew of a revoked token is a 400 "token not found", not a 403 about the caller', async () => {
  const gone = await revokedToken()
  assert.deepEqual(await refusal(client(server.rootToken).tokenRenew({ token: gone, increment: 600 })), {
    statusCode: 400,
    message: 'token not found',
  })
  // The caller's own token still works: the refusal was about the target.
  const self = await client(server.rootToken).tokenLookupSelf()
  assert.equal(self.data.id, server.rootToken)
})

test('tokenRenew of a live token still renews it', async () => {
  const created = await client(server.rootToken).tokenCreate({ ttl: '1h' })
  const renewed = await client(server.rootToken).tokenRenew({
    token: created.auth.client_token,
    increment: 600,
  })
  assert.equal(renewed.auth.client_token, created.auth.client_token)
  assert.equal(renewed.auth.lease_duration, 600)
})

test('tokenRevokeOrphan of an unknown token is a 400 "token to revoke not found"', async () => {
  const gone = await revokedToken()
  assert.deepEqual(await refusal(client(server.rootToken).tokenRevokeOrphan({ token: gone })), {
    statusCode: 400,
    message: 'token to revoke not found',
  })
})

test('tokenLookup of an unknown token stays a 403 "bad token", as in Vault', async () => {
  const gone = await revokedToken()
  assert.deepEqual(await refusal(client(server.rootToken).tokenLookup({ token: gone })), {
    statusCode: 403,
    message: 'bad token',
  })
})

test('an empty token names Vault\'s "missing token ID" for renew, revoke and revoke-orphan', async () => {
  const root = client(server.rootToken)
  for (const call of [
    root.tokenRenew({ token: '' }),
    root.tokenRevoke({ token: '' }),
    root.tokenRevokeOrphan({ token: '' }),
  ])
    assert.deepEqual(await refusal(call), { statusCode: 400, message: 'missing token ID' })
})

test('tokenRenewSelf of a non-renewable token: 400 "lease is not renewable", and the token lives on', async () => {
  await client(server.rootToken).addPolicy({
    name: 'self-only',
    rules: 'path "auth/token/renew-self" { capabilities = ["update"] }',
  })
  const created = await client(server.rootToken).tokenCreate({
    renewable: false,
    ttl: '1h',
    policies: ['self-only'],
  })
  const token = created.auth.client_token as string
  assert.deepEqual(await refusal(client(token).tokenRenewSelf({ increment: '2h' })), {
    statusCode: 400,
    message: 'lease is not renewable',
  })
  const looked = await client(token).tokenLookupSelf()
  assert.equal(looked.data.renewable, false)
  assert.ok(looked.data.ttl > 3500 && looked.data.ttl <= 3600, `ttl ${looked.data.ttl}`)
})

test('a lookup naming no token looks up the caller, as Vault does, and only with auth/token/lookup allowed', async () => {
  await client(server.rootToken).addPolicy({
    name: 'lookup-any',
    rules: 'path "auth/token/lookup" { capabilities = ["read", "update"] }',
  })
  const allowed = await client(server.rootToken).tokenCreate({ policies: ['lookup-any'], ttl: '1h' })
  const token = allowed.auth.client_token as string
  const viaPost = await client(token).write('auth/token/lookup', {})
  assert.deepEqual([viaPost.data.id, viaPost.data.accessor], [token, allowed.auth.accessor])
  assert.equal((await client(token).read('auth/token/lookup')).data.id, token)

  // The default policy grants lookup-self, not lookup: the same request is refused.
  const plain = await client(server.rootToken).tokenCreate({ policies: ['default'], ttl: '1h' })
  assert.equal(
    (await refusal(client(plain.auth.client_token).write('auth/token/lookup', {}))).statusCode,
    403,
  )
})

test('a token that never expires reads as not renewable, and renewing it is refused as in Vault', async () => {
  const self = await client(server.rootToken).tokenLookupSelf()
  assert.deepEqual([self.data.ttl, self.data.expire_time, self.data.renewable], [0, null, false])
  assert.deepEqual(await refusal(client(server.rootToken).tokenRenewSelf()), {
    statusCode: 400,
    message: 'invalid lease ID',
  })
  // A non-expiring child made by root: the create answer and a later lookup agree.
  const child = await client(server.rootToken).tokenCreate({})
  assert.deepEqual([child.auth.lease_duration, child.auth.renewable], [0, false])
  const looked = await client(server.rootToken).tokenLookup({ token: child.auth.client_token })
  assert.equal(looked.data.renewable, false)
  assert.deepEqual(await refusal(client(server.rootToken).tokenRenew({ token: child.auth.client_token })), {
    statusCode: 400,
    message: 'invalid lease ID',
  })
})

test("a renewal the max TTL cuts short is granted up to the cap with Vault's warning; an uncut one has none", async () => {
  const capped = await client(server.rootToken).tokenCreate({
    policies: ['default'],
    ttl: '50s',
    explicit_max_ttl: '100s',
  })
  const renewed = await client(capped.auth.client_token).tokenRenewSelf({ increment: '1h' })
  const granted = renewed.auth.lease_duration as number
  assert.ok(granted > 90 && granted <= 100, `granted ${granted}`)
  assert.equal(renewed.warnings.length, 1)
  assert.match(
    renewed.warnings[0],
    /^TTL of "1h0m0s" exceeded the effective max_ttl of "1m\d{1,2}s"; TTL value is capped accordingly$/,
  )

  const free = await client(server.rootToken).tokenCreate({ policies: ['default'], ttl: '1h' })
  const plain = await client(free.auth.client_token).tokenRenewSelf({ increment: '30m' })
  assert.equal(plain.auth.lease_duration, 1800)
  assert.equal(plain.warnings, null)
})
