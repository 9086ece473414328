// aws-keys and presigned requests in process: caller-identity answers who signed; login and session-token refuse them.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { smithyPresign } from '../../../../test/helpers/aws-signers.ts'
import { HARNESS_START } from '../../../sdk/framework/backend-harness.ts'
import { type AuthHarness, failure, makeAuth } from '../userpass/test-helpers.ts'
import { awsKeysBackend } from './backend.ts'
import { PRESIGNED_REFUSED } from './path-login.ts'

async function keyFor(h: AuthHarness): Promise<{ id: string; secret: string }> {
  await h.call('update', 'role/app', { token_policies: 'secrets-reader' })
  const data = (await h.call('update', 'role/app/access-key'))?.data ?? {}
  return { id: data['access_key_id'] as string, secret: data['secret_access_key'] as string }
}

/** A presigned STS GetCallerIdentity GET, as the signed-request fields of the aws-keys paths take it. */
async function presigned(key: { id: string; secret: string }, signedAt = HARNESS_START, expiresIn = 900) {
  const url = await smithyPresign({
    method: 'GET',
    url: 'http://127.0.0.1:8200/?Action=GetCallerIdentity&Version=2011-06-15',
    region: 'eu-west-1',
    service: 'sts',
    accessKeyId: key.id,
    secretAccessKey: key.secret,
    expiresIn,
    signingDate: new Date(signedAt),
  })
  return {
    method: 'GET',
    path: '/',
    query: url.slice(url.indexOf('?') + 1),
    headers: { host: '127.0.0.1:8200' },
    body: '',
  }
}

describe('aws-keys: presigned requests', () => {
  it('caller-identity says who signed a presigned request, and issues nothing', async () => {
    const h = await makeAuth(awsKeysBackend, 'aws-keys')
    const key = await keyFor(h)
    const answer = await h.call('update', 'caller-identity', await presigned(key))
    assert.equal(answer?.auth, undefined)
    assert.deepEqual(answer?.data, {
      access_key_id: key.id,
      role: 'app',
      region: 'eu-west-1',
      service: 'sts',
      account_id: '000000000000',
      arn: 'arn:aws:iam::000000000000:user/app',
      user_id: key.id,
    })
  })

  it('refuses to log in or to issue session credentials with a presigned request', async () => {
    const h = await makeAuth(awsKeysBackend, 'aws-keys')
    const request = await presigned(await keyFor(h))
    assert.deepEqual(await failure(() => h.call('update', 'login', request)), {
      status: 403,
      message: PRESIGNED_REFUSED,
    })
    assert.deepEqual(await failure(() => h.call('update', 'session-token', request)), {
      status: 403,
      message: PRESIGNED_REFUSED,
    })
  })

  it('refuses an expired presigned request and one signed with another secret', async () => {
    const h = await makeAuth(awsKeysBackend, 'aws-keys')
    const key = await keyFor(h)
    const expired = await presigned(key, HARNESS_START - 3600_000, 900)
    assert.match(
      (await failure(() => h.call('update', 'caller-identity', expired))).message,
      /^InvalidSignatureException: Signature expired/,
    )
    const forged = await presigned({ ...key, secret: 'x'.repeat(40) })
    assert.match(
      (await failure(() => h.call('update', 'caller-identity', forged))).message,
      /^InvalidSignatureException: The request signature/,
    )
  })
})
