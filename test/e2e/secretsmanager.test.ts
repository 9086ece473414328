// The secretsmanager engine on a real server: mounted through sys/mounts, per-secret policies, filtered LIST, and an AWS action over the pipeline.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startDevServer, type TestServer } from '../helpers/server.ts'

describe('secretsmanager engine over HTTP', () => {
  let t: TestServer
  before(async () => {
    t = await startDevServer()
    const mounted = await t.call('POST', 'sys/mounts/secretsmanager', {
      body: { type: 'secretsmanager', options: { account_id: '123456789012' } },
    })
    assert.equal(mounted.status, 204)
  })
  after(() => t.close())

  it('a policy on secrets/prod/* reads prod secrets only, and LIST shows only what it may use', async () => {
    await t.call('POST', 'secretsmanager/secrets/prod/db', { body: { secret_string: 'p1' } })
    await t.call('POST', 'secretsmanager/secrets/dev/db', { body: { secret_string: 'd1' } })
    await t.call('POST', 'sys/policies/acl/prod-reader', {
      body: { policy: 'path "secretsmanager/secrets/prod/*" { capabilities = ["read", "list"] }' },
    })
    const token = (await t.call('POST', 'auth/token/create', { body: { policies: ['prod-reader'] } })).body
      .auth.client_token
    const read = await t.call('GET', 'secretsmanager/secrets/prod/db', { token })
    assert.equal(read.status, 200)
    assert.equal(read.body.data.secret_string, 'p1')
    assert.match(read.body.data.arn, /^arn:aws:secretsmanager:us-east-1:123456789012:secret:prod\/db-/)
    assert.equal((await t.call('GET', 'secretsmanager/secrets/dev/db', { token })).status, 403)
    assert.equal(
      (await t.call('POST', 'secretsmanager/secrets/prod/db', { token, body: { secret_string: 'x' } }))
        .status,
      403,
    )
    assert.deepEqual(
      (await t.call('GET', 'secretsmanager/secrets/prod?list=true', { token })).body.data.keys,
      ['db'],
    )
  })

  it('an AWS action rides the same pipeline (policy, audit) and answers AWS JSON', async () => {
    const aws = { 'x-amz-target': 'secretsmanager.GetSecretValue' }
    const out = await t.call('GET', 'secretsmanager/secrets/prod/db?SecretId=prod/db', { headers: aws })
    assert.equal(out.status, 200)
    assert.equal(out.body.data.SecretString, 'p1')
    assert.equal(typeof out.body.data.CreatedDate, 'number')
    const mismatch = await t.call('GET', 'secretsmanager/secrets/prod/db?SecretId=dev/db', { headers: aws })
    assert.equal(mismatch.status, 400)
  })
})
