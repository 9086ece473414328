// Compatibility with the npm node-vault client: init, unseal, policies, tokens, KV v2 (incl. the LIST verb), mounts, health.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import vault from 'node-vault'
import { startSealedServer, type TestServer } from '../helpers/server.ts'

type Client = ReturnType<typeof vault>

const POLICY_HCL =
  'path "secret/data/app/*" {\n  capabilities = ["read"]\n}\n\npath "secret/metadata/*" {\n  capabilities = ["list"]\n}\n'

let server: TestServer
let rootToken = ''
let appToken = ''

before(async () => {
  server = await startSealedServer()
})

after(async () => {
  await server.close()
})

function client(token?: string): Client {
  return vault({ endpoint: server.address, ...(token ? { token } : {}) })
}

/** node-vault rejects with an ApiResponseError carrying `response.statusCode`; return it for assertions. */
async function rejection(
  promise: Promise<unknown>,
): Promise<{ message: string; statusCode: number; body: unknown }> {
  try {
    await promise
  } catch (error) {
    const e = error as Error & { response?: { statusCode: number; body: unknown } }
    assert.ok(e.response, `expected an API error, got ${String(error)}`)
    return { message: e.message, statusCode: e.response.statusCode, body: e.response.body }
  }
  assert.fail('expected the request to be rejected')
}

test('a fresh server reports uninitialised and sealed through health, initialized and status', async () => {
  const anon = client()
  const health = await anon.health()
  assert.equal(health.initialized, false)
  assert.equal(health.sealed, true)
  assert.deepEqual(await anon.initialized(), { initialized: false })
  const status = await anon.status()
  assert.equal(status.initialized, false)
  assert.equal(status.sealed, true)
})

test('init with one share, then unseal with it', async () => {
  const anon = client()
  const init = await anon.init({ secret_shares: 1, secret_threshold: 1 })
  assert.equal(init.keys.length, 1)
  assert.equal(init.keys_base64.length, 1)
  assert.match(init.keys[0], /^[0-9a-f]+$/)
  assert.equal(Buffer.from(init.keys_base64[0], 'base64').toString('hex'), init.keys[0])
  assert.equal(typeof init.root_token, 'string')
  rootToken = init.root_token

  const sealed = await anon.status()
  assert.deepEqual(
    [sealed.initialized, sealed.sealed, sealed.t, sealed.n, sealed.progress],
    [true, true, 1, 1, 0],
  )

  const unsealed = await anon.unseal({ key: init.keys[0] })
  assert.equal(unsealed.sealed, false)
  assert.equal(unsealed.t, 1)
  assert.equal(unsealed.n, 1)
  assert.equal(unsealed.progress, 0)
  assert.equal((await anon.status()).sealed, false)

  const health = await anon.health()
  assert.equal(health.initialized, true)
  assert.equal(health.sealed, false)
  assert.equal(health.standby, false)
})

test('mount KV v2 at secret/ and see it in mounts', async () => {
  const root = client(rootToken)
  // node-vault sends its template argument (mount_point) in the body too; Vault ignores unknown fields.
  await root.mount({ mount_point: 'secret', type: 'kv', options: { version: '2' } })
  const mounts = await root.mounts()
  assert.equal(mounts.data['secret/'].type, 'kv')
  assert.deepEqual(mounts.data['secret/'].options, { version: '2' })
  assert.equal(mounts['secret/'].type, 'kv', 'sys/mounts repeats data at top level')
  assert.equal(mounts.data['sys/'].type, 'system')
})

test('policies: addPolicy, getPolicy, policies', async () => {
  const root = client(rootToken)
  await root.addPolicy({ name: 'app-reader', rules: POLICY_HCL })
  const policy = await root.getPolicy({ name: 'app-reader' })
  assert.equal(policy.name, 'app-reader')
  assert.equal(policy.rules, POLICY_HCL)
  assert.equal(policy.data.rules, POLICY_HCL)
  const list = await root.policies()
  assert.deepEqual(list.policies, ['app-reader', 'default', 'root'])
  assert.deepEqual(list.data.keys, ['app-reader', 'default', 'root'])
})

test('KV v2 write, read, update (merge-patch) and list with the LIST verb', async () => {
  const root = client(rootToken)
  const written = await root.write('secret/data/app/config', { data: { user: 'app', password: 's3cret' } })
  assert.equal(written.data.version, 1)
  await root.write('secret/data/app/other', { data: { k: 'v' } })
  await root.write('secret/data/team/x', { data: { k: 'v' } })

  const read = await root.read('secret/data/app/config')
  assert.deepEqual(read.data.data, { user: 'app', password: 's3cret' })
  assert.equal(read.data.metadata.version, 1)

  const patched = await root.update('secret/data/app/config', { data: { password: null, port: '5432' } })
  assert.equal(patched.data.version, 2)
  assert.deepEqual((await root.read('secret/data/app/config')).data.data, { user: 'app', port: '5432' })

  assert.deepEqual((await root.list('secret/metadata/')).data.keys, ['app/', 'team/'])
  assert.deepEqual((await root.list('secret/metadata/app')).data.keys, ['config', 'other'])

  const missing = await rejection(root.read('secret/data/app/none'))
  assert.equal(missing.statusCode, 404)
  const emptyList = await rejection(root.list('secret/metadata/nothing-here'))
  assert.equal(emptyList.statusCode, 404)
})

test('noCustomHTTPVerbs lists with GET ?list=1, which Vault parses as a boolean', async () => {
  const getList = vault({ endpoint: server.address, token: rootToken, noCustomHTTPVerbs: true })
  assert.deepEqual((await getList.list('secret/metadata/app')).data.keys, ['config', 'other'])
  assert.deepEqual((await getList.list('secret/metadata/')).data.keys, ['app/', 'team/'])
})

test('tokenCreate, then the new token reads, lists, is denied a write, and looks itself up', async () => {
  const creator = client(rootToken)
  const created = await creator.tokenCreate({ policies: ['app-reader'], ttl: '1h' })
  appToken = created.auth.client_token
  assert.equal(typeof appToken, 'string')
  assert.deepEqual([...created.auth.policies].sort(), ['app-reader', 'default'])
  assert.equal(created.auth.lease_duration, 3600)
  assert.equal(created.auth.renewable, true)
  assert.equal(creator.token, appToken, 'node-vault switches to the token it created (tokenSource)')

  const app = client(appToken)
  assert.deepEqual((await app.read('secret/data/app/config')).data.data, { user: 'app', port: '5432' })
  assert.deepEqual((await app.list('secret/metadata/app')).data.keys, ['config', 'other'])

  const denied = await rejection(app.write('secret/data/app/config', { data: { user: 'evil' } }))
  assert.equal(denied.statusCode, 403)
  assert.equal(denied.message, 'permission denied')
  assert.deepEqual(denied.body, { errors: ['permission denied'] })
  assert.equal((await rejection(app.read('secret/data/team/x'))).statusCode, 403)
  assert.equal((await rejection(app.mounts())).statusCode, 403)
  assert.equal((await rejection(client('not-a-real-token').read('secret/data/app/config'))).statusCode, 403)

  const self = await app.tokenLookupSelf()
  assert.equal(self.data.type, 'service')
  assert.equal(self.data.id, appToken)
  assert.equal(self.data.accessor, created.auth.accessor)
  assert.deepEqual([...self.data.policies].sort(), ['app-reader', 'default'])
  assert.ok(self.data.ttl > 3500 && self.data.ttl <= 3600, `ttl ${self.data.ttl}`)
  assert.equal(self.data.creation_ttl, 3600)
  assert.ok(Number.isFinite(Date.parse(self.data.expire_time)), `expire_time ${self.data.expire_time}`)
  assert.equal(self.data.path, 'auth/token/create')
})

test('renew-self and revoke-self through node-vault', async () => {
  const app = client(appToken)
  const renewed = await app.tokenRenewSelf({ increment: '30m' })
  assert.equal(renewed.auth.client_token, appToken)
  assert.equal(renewed.auth.lease_duration, 1800)
  await app.tokenRevokeSelf()
  assert.equal((await rejection(app.tokenLookupSelf())).statusCode, 403)
})

test('seal through node-vault; health and status then report sealed', async () => {
  const root = client(rootToken)
  await root.seal()
  const status = await root.status()
  assert.equal(status.sealed, true)
  const health = await root.health()
  assert.equal(health.sealed, true)
  assert.equal((await rejection(root.read('secret/data/app/config'))).statusCode, 503)
})
