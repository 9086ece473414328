// Compatibility with the npm node-vault client's auth calls: userpassLogin, approleLogin and the approle role helpers.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import vault from 'node-vault'
import { startDevServer, type TestServer } from '../helpers/server.ts'

let server: TestServer
let admin: ReturnType<typeof vault>

before(async () => {
  server = await startDevServer()
  admin = vault({ endpoint: server.address, token: server.rootToken })
  await admin.addPolicy({ name: 'reader', rules: 'path "secret/data/*" { capabilities = ["read"] }' })
  await admin.write('secret/data/app', { data: { k: 'v' } })
})

after(() => server.close())

async function statusOf(promise: Promise<unknown>): Promise<{ statusCode: number; message: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as Error & { response?: { statusCode: number } }
    assert.ok(e.response, `expected an API error, got ${String(error)}`)
    return { statusCode: e.response.statusCode, message: e.message }
  }
  assert.fail('expected the request to be rejected')
}

test('userpassLogin logs in, sets the client token, and refuses a wrong password', async () => {
  await admin.enableAuth({ mount_point: 'userpass', type: 'userpass' })
  await admin.write('auth/userpass/users/alice', { password: 'pw-alice', token_policies: 'reader' })
  const client = vault({ endpoint: server.address })
  const login = await client.userpassLogin({ username: 'alice', password: 'pw-alice' })
  assert.deepEqual(login.auth.policies, ['default', 'reader'])
  assert.equal(client.token, login.auth.client_token, 'node-vault takes the token from the login')
  assert.deepEqual((await client.read('secret/data/app')).data.data, { k: 'v' })
  const refused = await statusOf(
    vault({ endpoint: server.address }).userpassLogin({ username: 'alice', password: 'x' }),
  )
  assert.deepEqual(refused, { statusCode: 400, message: 'invalid username or password' })
})

test('approle helpers and approleLogin', async () => {
  await admin.enableAuth({ mount_point: 'approle', type: 'approle' })
  await admin.addApproleRole({
    role_name: 'ci',
    policies: 'reader',
    token_ttl: 600,
    bound_cidr_list: '127.0.0.0/8',
  })
  assert.deepEqual((await admin.approleRoles()).data.keys, ['ci'])
  const role = await admin.getApproleRole({ role_name: 'ci' })
  assert.deepEqual(role.data.secret_id_bound_cidrs, ['127.0.0.0/8'])
  const roleId = (await admin.getApproleRoleId({ role_name: 'ci' })).data.role_id
  const secret = await admin.getApproleRoleSecret({ role_name: 'ci', metadata: '{"team":"a"}' })
  const client = vault({ endpoint: server.address })
  const login = await client.approleLogin({ role_id: roleId, secret_id: secret.data.secret_id })
  assert.deepEqual(login.auth.metadata, { team: 'a', role_name: 'ci' })
  assert.equal(login.auth.lease_duration, 600)
  assert.equal(client.token, login.auth.client_token)
  assert.deepEqual((await client.read('secret/data/app')).data.data, { k: 'v' })
  const wrong = await statusOf(
    vault({ endpoint: server.address }).approleLogin({ role_id: roleId, secret_id: 'nope' }),
  )
  assert.deepEqual(wrong, { statusCode: 400, message: 'invalid role or secret ID' })
  await admin.updateApproleRoleId({ role_name: 'ci', role_id: 'fixed-role-id' })
  assert.equal((await admin.getApproleRoleId({ role_name: 'ci' })).data.role_id, 'fixed-role-id')
  await admin.deleteApproleRole({ role_name: 'ci' })
  assert.equal((await statusOf(admin.getApproleRole({ role_name: 'ci' }))).statusCode, 404)
})
