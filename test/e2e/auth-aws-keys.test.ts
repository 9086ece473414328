// aws-keys over the Vault API: a role, an access key, a botocore-signed login that yields a working batch token, and revocation.
import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { BOTOCORE, signedLoginFor } from '../helpers/aws-signers.ts'
import { describeUnless, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

/** Login data for a Secrets Manager call botocore signs now, with the server's address as Host. */
const signedLogin = (t: TestServer, key: { id: string; secret: string }) => signedLoginFor(t.address, key)

describeUnless(await unmet(BOTOCORE), 'aws-keys auth method', () => {
  let t: TestServer
  let key = { id: '', secret: '' }
  before(async () => {
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/aws-keys', { body: { type: 'aws-keys' } })).status, 204)
    await t.call('PUT', 'sys/policies/acl/reader', {
      body: { policy: 'path "secret/data/*" { capabilities = ["read"] }' },
    })
    await t.call('POST', 'secret/data/app', { body: { data: { k: 'v' } } })
    assert.equal(
      (await t.call('POST', 'auth/aws-keys/role/ci', { body: { token_policies: 'reader' } })).status,
      204,
    )
    const issued = await t.call('POST', 'auth/aws-keys/role/ci/access-key')
    assert.equal(issued.status, 200)
    key = { id: issued.body.data.access_key_id, secret: issued.body.data.secret_access_key }
  })
  after(() => t.close())

  it('logs in with a signed request; the batch token reads what the role allows', async () => {
    const res = await t.call('POST', 'auth/aws-keys/login', { token: '', body: await signedLogin(t, key) })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.auth.policies, ['default', 'reader'])
    assert.equal(res.body.auth.metadata.access_key_id, key.id)
    assert.equal(res.body.auth.metadata.service, 'secretsmanager')
    assert.match(res.body.auth.client_token, /^cvb\./)
    const read = await t.call('GET', 'secret/data/app', { token: res.body.auth.client_token })
    assert.equal(read.status, 200)
    assert.deepEqual(read.body.data.data, { k: 'v' })
    const meta = await t.call('GET', `auth/aws-keys/access-key/${key.id}`)
    assert.equal(meta.body.data.role, 'ci')
    assert.equal(meta.body.data.secret_access_key, undefined)
  })

  /** A service-token login with a new access key of a new aws-keys role holding `policy`. */
  async function loginThroughNewRole(role: string, policy: string) {
    await t.call('POST', `auth/aws-keys/role/${role}`, {
      body: { token_policies: policy, token_type: 'service' },
    })
    const issued = (await t.call('POST', `auth/aws-keys/role/${role}/access-key`)).body.data
    const login = await t.call('POST', 'auth/aws-keys/login', {
      token: '',
      body: await signedLogin(t, { id: issued.access_key_id, secret: issued.secret_access_key }),
    })
    assert.equal(login.status, 200, JSON.stringify(login.body))
    return login
  }

  it('a child token carries its parent’s AWS identity and cannot claim another', async () => {
    await t.call('PUT', 'sys/policies/acl/maker', {
      body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' },
    })
    const login = await loginThroughNewRole('svc', 'maker')
    const parent: string = login.body.auth.client_token
    const arn: string = login.body.auth.metadata.arn
    assert.ok(arn)
    const child = await t.call('POST', 'auth/token/create', { token: parent, body: { meta: { team: 'x' } } })
    assert.equal(child.status, 200, JSON.stringify(child.body))
    assert.equal(child.body.auth.metadata.arn, arn)
    assert.equal(child.body.auth.metadata.team, 'x')
    const forged = await t.call('POST', 'auth/token/create', {
      token: parent,
      body: { meta: { arn: 'arn:aws:iam::000000000000:user/someone-else' } },
    })
    assert.equal(forged.status, 400)
  })

  it('an orphan token made through an orphan role still carries its maker’s AWS identity', async () => {
    await t.call('POST', 'auth/token/roles/detached', { body: { orphan: true, allowed_policies: 'default' } })
    await t.call('PUT', 'sys/policies/acl/orphan-maker', {
      body: { policy: 'path "auth/token/create/detached" { capabilities = ["update"] }' },
    })
    const login = await loginThroughNewRole('orphans', 'orphan-maker')
    const arn: string = login.body.auth.metadata.arn
    assert.ok(arn)
    // Otherwise a principal that a resource or key policy denies by ARN would shed the ARN through the orphan and
    // pass as a plain token of the account.
    const orphan = await t.call('POST', 'auth/token/create/detached', { token: login.body.auth.client_token })
    assert.equal(orphan.status, 200, JSON.stringify(orphan.body))
    assert.equal(orphan.body.auth.orphan, true)
    assert.equal(orphan.body.auth.metadata.arn, arn)
  })

  it('refuses a tampered request and a revoked key with AWS’s messages', async () => {
    const login = await signedLogin(t, key)
    const tampered = { ...login, body: Buffer.from('{"SecretId": "other"}').toString('base64') }
    const bad = await t.call('POST', 'auth/aws-keys/login', { token: '', body: tampered })
    assert.equal(bad.status, 403)
    assert.match(bad.body.errors[0], /^InvalidSignatureException: The request signature we calculated/)
    assert.equal((await t.call('DELETE', `auth/aws-keys/access-key/${key.id}`)).status, 204)
    const revoked = await t.call('POST', 'auth/aws-keys/login', { token: '', body: login })
    assert.equal(revoked.status, 403)
    assert.deepEqual(revoked.body.errors, [
      'UnrecognizedClientException: The security token included in the request is invalid.',
    ])
  })
})
