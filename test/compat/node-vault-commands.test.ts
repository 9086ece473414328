// node-vault's generated commands for what Coffer supports (transit, token roles and accessors, approle secret IDs, audit, sys), each with Vault's answer.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import vault from 'node-vault'
import { startDevServer, type TestServer } from '../helpers/server.ts'

type Client = ReturnType<typeof vault>

let server: TestServer
let dir: string

before(async () => {
  server = await startDevServer({ storage: 'inmem' })
  dir = mkdtempSync(join(tmpdir(), 'coffer-node-vault-'))
})

after(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A fresh client each time: node-vault switches a client to any token a command returns (tokenSource). */
function root(): Client {
  return vault({ endpoint: server.address, token: server.rootToken })
}

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

/** The JSON types node-vault's response schemas name, checked for the fields a schema requires. */
function assertMatchesSchema(value: Record<string, unknown>, schema: unknown): void {
  const { properties, required } = schema as {
    properties: Record<string, { type: string }>
    required: string[]
  }
  for (const key of required) {
    const v = value[key]
    const type = properties[key]!.type
    const ok =
      type === 'integer' ? Number.isInteger(v) : type === 'array' ? Array.isArray(v) : typeof v === type
    assert.ok(ok, `${key} should be ${type}, got ${JSON.stringify(v)}`)
  }
}

test("node-vault's integration suite on a dev server: init says Vault's exact words, status fits its schema", async () => {
  // The suite treats this one message as "already initialised, carry on"; any other wording fails it.
  assert.deepEqual(
    await refusal(vault({ endpoint: server.address }).init({ secret_shares: 1, secret_threshold: 1 })),
    {
      statusCode: 400,
      message: 'Vault is already initialized',
    },
  )
  const client = vault({ endpoint: server.address })
  const status = await client.status()
  assertMatchesSchema(status, client.commands['status']!.schema!.res)
  assert.deepEqual([status.sealed, status.t, status.n, status.progress], [false, 1, 1, 0])
})

test('transit: create, read, list, encrypt, decrypt, rewrap after rotation, delete only once allowed', async () => {
  await root().mount({ mount_point: 'transit', type: 'transit' })
  const created = await root().transitCreateKey({ name: 'orders' })
  assert.equal(created.data.name, 'orders')
  assert.equal(created.data.type, 'aes256-gcm96')
  assert.equal((await root().transitReadKey({ name: 'orders' })).data.latest_version, 1)
  assert.deepEqual((await root().transitListKeys()).data.keys, ['orders'])

  const plaintext = Buffer.from('card 4111').toString('base64')
  const encrypted = await root().encryptData({ name: 'orders', plaintext })
  assert.match(encrypted.data.ciphertext, /^vault:v1:/)
  assert.equal(
    (await root().decryptData({ name: 'orders', ciphertext: encrypted.data.ciphertext })).data.plaintext,
    plaintext,
  )

  await root().write('transit/keys/orders/rotate', {})
  const rewrapped = await root().rewrapData({ name: 'orders', ciphertext: encrypted.data.ciphertext })
  assert.match(rewrapped.data.ciphertext, /^vault:v2:/)
  assert.equal(
    (await root().decryptData({ name: 'orders', ciphertext: rewrapped.data.ciphertext })).data.plaintext,
    plaintext,
  )

  assert.deepEqual(await refusal(root().transitDeleteKey({ name: 'orders' })), {
    statusCode: 400,
    message: 'error deleting policy orders: deletion is not allowed for this policy',
  })
  await root().write('transit/keys/orders/config', { deletion_allowed: true })
  await root().transitDeleteKey({ name: 'orders' })
  assert.equal((await refusal(root().transitListKeys())).statusCode, 404)
})

test('token roles: addTokenRole, getTokenRole, tokenRoles, tokenCreateRole, removeTokenRole', async () => {
  await root().addPolicy({ name: 'app', rules: 'path "secret/data/app/*" { capabilities = ["read"] }' })
  await root().addTokenRole({
    role_name: 'svc',
    allowed_policies: 'app',
    orphan: true,
    period: 3600,
    renewable: true,
  })
  const role = await root().getTokenRole({ role_name: 'svc' })
  assert.deepEqual(
    [role.data.name, role.data.allowed_policies, role.data.orphan, role.data.period],
    ['svc', ['app'], true, 3600],
  )
  assert.deepEqual((await root().tokenRoles()).data.keys, ['svc'])
  const issued = await root().tokenCreateRole({ role_name: 'svc' })
  assert.deepEqual(issued.auth.policies, ['app', 'default'])
  assert.equal(issued.auth.orphan, true)
  assert.equal(issued.auth.lease_duration, 3600)
  await root().removeTokenRole({ role_name: 'svc' })
  assert.equal((await refusal(root().getTokenRole({ role_name: 'svc' }))).statusCode, 404)
  assert.deepEqual(await refusal(root().tokenCreateRole({ role_name: 'svc' })), {
    statusCode: 400,
    message: 'unknown role svc',
  })
})

test('accessors: tokenAccessors, tokenLookupAccessor hides the token, tokenRevokeAccessor revokes it', async () => {
  const created = await root().tokenCreateOrphan({ policies: ['default'], ttl: '1h', meta: { team: 'a' } })
  assert.equal(created.auth.orphan, true)
  const accessor = created.auth.accessor as string
  assert.ok((await root().tokenAccessors()).data.keys.includes(accessor))
  const looked = await root().tokenLookupAccessor({ accessor })
  assert.equal(looked.data.id, '')
  assert.equal(looked.data.accessor, accessor)
  assert.deepEqual(looked.data.meta, { team: 'a' })
  await root().tokenRevokeAccessor({ accessor })
  assert.deepEqual(await refusal(root().tokenLookup({ token: created.auth.client_token })), {
    statusCode: 403,
    message: 'bad token',
  })
  assert.deepEqual(await refusal(root().tokenLookupAccessor({ accessor })), {
    statusCode: 400,
    message: 'invalid accessor',
  })
})

test('tokenRevokeOrphan revokes the parent and leaves its child alive as an orphan', async () => {
  const parent = await root().tokenCreate({ ttl: '1h' })
  const child = await vault({ endpoint: server.address, token: parent.auth.client_token }).tokenCreate({
    ttl: '1h',
  })
  assert.equal(child.auth.orphan, false)
  await root().tokenRevokeOrphan({ token: parent.auth.client_token })
  assert.equal((await refusal(root().tokenLookup({ token: parent.auth.client_token }))).statusCode, 403)
  const survivor = await root().tokenLookup({ token: child.auth.client_token })
  assert.equal(survivor.data.orphan, true)
})

test('approle secret IDs: list accessors, look up by ID and by accessor, destroy by each', async () => {
  await root().enableAuth({ mount_point: 'approle', type: 'approle' })
  await root().addApproleRole({
    role_name: 'ci',
    policies: 'default',
    secret_id_ttl: 600,
    secret_id_num_uses: 5,
  })
  const first = await root().getApproleRoleSecret({ role_name: 'ci', metadata: '{"job":"build"}' })
  const second = await root().getApproleRoleSecret({ role_name: 'ci' })
  const listed = (await root().approleSecretAccessors({ role_name: 'ci' })).data.keys as string[]
  assert.deepEqual([...listed].sort(), [first.data.secret_id_accessor, second.data.secret_id_accessor].sort())
  const byId = await root().approleSecretLookup({ role_name: 'ci', secret_id: first.data.secret_id })
  assert.deepEqual(
    [byId.data.secret_id_accessor, byId.data.metadata, byId.data.secret_id_num_uses, byId.data.secret_id_ttl],
    [first.data.secret_id_accessor, { job: 'build' }, 5, 600],
  )
  assert.equal('secret_id' in byId.data, false, 'a lookup never echoes the secret ID')
  const byAccessor = await root().approleSecretAccessorLookup({
    role_name: 'ci',
    secret_id_accessor: second.data.secret_id_accessor,
  })
  assert.equal(byAccessor.data.secret_id_accessor, second.data.secret_id_accessor)

  await root().approleSecretDestroy({ role_name: 'ci', secret_id: first.data.secret_id })
  // node-vault sends every argument as the body here (no schema): Vault ignores role_name, as Coffer does.
  await root().approleSecretAccessorDestroy({
    role_name: 'ci',
    secret_id_accessor: second.data.secret_id_accessor,
  })
  assert.equal((await refusal(root().approleSecretAccessors({ role_name: 'ci' }))).statusCode, 404)
  const roleId = (await root().getApproleRoleId({ role_name: 'ci' })).data.role_id
  assert.deepEqual(
    await refusal(
      vault({ endpoint: server.address }).approleLogin({ role_id: roleId, secret_id: first.data.secret_id }),
    ),
    { statusCode: 400, message: 'invalid role or secret ID' },
  )
})

test('audit devices: enableAudit, audits, disableAudit; the log holds HMACs, not the token', async () => {
  const file = join(dir, 'audit.log')
  await root().enableAudit({ name: 'file', type: 'file', options: { file_path: file } })
  const listed = await root().audits()
  assert.equal(listed.data['file/'].type, 'file')
  assert.equal(listed.data['file/'].options.file_path, file)
  await root().tokenLookupSelf()
  await root().disableAudit({ name: 'file' })
  assert.deepEqual((await root().audits()).data, {})
  const log = readFileSync(file, 'utf8')
  assert.match(log, /auth\/token\/lookup-self/)
  assert.equal(log.includes(server.rootToken), false)
})

test('sys: leader, stepDown, rotate, help, generateRootInit and generateRootCancel', async () => {
  const leader = await root().leader()
  assert.deepEqual([leader.ha_enabled, leader.is_self, leader.leader_address], [false, false, ''])
  assert.equal(await root().stepDown(), '')
  const before = (await root().read('sys/key-status')).data.term
  assert.equal(await root().rotate(), '')
  assert.equal((await root().read('sys/key-status')).data.term, before + 1)
  assert.match((await root().help('sys/mounts')).help, /sys\/mounts/)

  const attempt = await root().generateRootInit()
  assert.deepEqual(
    [attempt.started, attempt.progress, attempt.required, attempt.complete],
    [true, 0, 1, false],
  )
  assert.equal(typeof attempt.nonce, 'string')
  assert.ok(attempt.otp.length > 0)
  await root().generateRootCancel()
  assert.equal((await root().read('sys/generate-root/attempt')).started, false)
})

test('unwrap with the wrapping token in the body, or as the client token', async () => {
  const wrapped = await root().request({
    path: '/sys/wrapping/wrap',
    method: 'POST',
    json: { a: 'b' },
    headers: { 'X-Vault-Wrap-TTL': '60' },
  })
  assert.deepEqual((await root().unwrap({ token: wrapped.wrap_info.token })).data, { a: 'b' })
  assert.deepEqual(await refusal(root().unwrap({ token: wrapped.wrap_info.token })), {
    statusCode: 400,
    message: 'wrapping token is not valid or does not exist',
  })
  const again = await root().request({
    path: '/sys/wrapping/wrap',
    method: 'POST',
    json: { c: 'd' },
    headers: { 'X-Vault-Wrap-TTL': '60' },
  })
  assert.deepEqual((await vault({ endpoint: server.address, token: again.wrap_info.token }).unwrap()).data, {
    c: 'd',
  })
})

test('destroySecretVersions destroys one KV v2 version and keeps the others', async () => {
  await root().write('secret/data/orders', { data: { v: '1' } })
  await root().write('secret/data/orders', { data: { v: '2' } })
  assert.equal(await root().destroySecretVersions({ path: 'orders', versions: [1] }), '')
  const meta = await root().read('secret/metadata/orders')
  assert.equal(meta.data.versions['1'].destroyed, true)
  assert.equal(meta.data.versions['2'].destroyed, false)
  assert.deepEqual((await root().read('secret/data/orders')).data.data, { v: '2' })
})

test('disableAuth and unmount remove what enableAuth and mount added; revokePrefix answers for a prefix', async () => {
  await root().enableAuth({ mount_point: 'up', type: 'userpass' })
  assert.ok('up/' in (await root().auths()).data)
  await root().disableAuth({ mount_point: 'up' })
  assert.equal('up/' in (await root().auths()).data, false)
  await root().mount({ mount_point: 'scratch', type: 'kv' })
  await root().unmount({ mount_point: 'scratch' })
  assert.equal('scratch/' in (await root().mounts()).data, false)
  // node-vault also puts path_prefix in the body. Vault's framework adds its "ignored these unrecognized parameters"
  // warning to a response only, and a synchronous revoke-prefix answers 204 without one, so no warning comes back.
  const revoked = await root().revokePrefix({ path_prefix: 'auth/approle' })
  assert.equal(revoked?.warnings, undefined)
})
