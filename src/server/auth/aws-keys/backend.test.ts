// The aws-keys backend in process: roles, access keys shown once and stored behind the barrier, login with botocore-signed requests, revocation and rotation.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BOTOCORE, botocoreSign } from '../../../../test/helpers/aws-signers.ts'
import { describeUnless, unmet } from '../../../../test/helpers/requirements.ts'
import { amzDate, SIGNATURE_MISMATCH, SigV4Error, UNKNOWN_KEY } from '../../../lib/sigv4/index.ts'
import { HARNESS_START } from '../../../sdk/framework/backend-harness.ts'
import { type AuthHarness, failure, makeAuth } from '../userpass/test-helpers.ts'
import { awsKeysBackend } from './backend.ts'
import { ACCESS_KEY_ID } from './key-store.ts'

const make = () => makeAuth(awsKeysBackend, 'aws-keys')

async function issue(h: AuthHarness, role = 'app'): Promise<{ id: string; secret: string }> {
  const data = (await h.call('update', `role/${role}/access-key`))?.data ?? {}
  return { id: data['access_key_id'] as string, secret: data['secret_access_key'] as string }
}

const BODY = '{"SecretId": "prod/db/credentials"}'

/** Login data for a Secrets Manager call signed by botocore with `key` at the harness clock's time. */
async function signedLogin(
  key: { id: string; secret: string },
  time = amzDate(HARNESS_START),
  sessionToken?: string,
) {
  const [headers] = await botocoreSign([
    {
      method: 'POST',
      url: 'http://127.0.0.1:8200/',
      headers: {
        'X-Amz-Target': 'secretsmanager.GetSecretValue',
        'Content-Type': 'application/x-amz-json-1.1',
      },
      body: BODY,
      region: 'eu-west-1',
      service: 'secretsmanager',
      accessKeyId: key.id,
      secretAccessKey: key.secret,
      time,
      ...(sessionToken ? { sessionToken } : {}),
    },
  ])
  return {
    method: 'POST',
    path: '/',
    query: '',
    headers: Object.fromEntries(headers!),
    body: Buffer.from(BODY).toString('base64'),
  }
}

/** The SigV4Error behind a refused login. */
async function refusal(call: () => Promise<unknown>): Promise<SigV4Error> {
  try {
    await call()
  } catch (error) {
    assert.equal((error as { status?: number }).status, 403)
    const cause = (error as Error).cause
    assert.ok(cause instanceof SigV4Error, String(error))
    assert.equal((error as Error).message, `${cause.awsType}: ${cause.message}`)
    return cause
  }
  throw new Error('expected the login to be refused')
}

describe('aws-keys: roles and access keys', () => {
  it('creates roles with batch tokens by default, reads, lists and deletes them', async () => {
    const h = await make()
    await h.call('update', 'role/App', { token_policies: 'sm-read,audit', token_ttl: '10m' })
    const data = (await h.call('read', 'role/app'))?.data
    assert.deepEqual(data?.['token_policies'], ['sm-read', 'audit'])
    assert.equal(data?.['token_ttl'], 600)
    assert.equal(data?.['token_type'], 'batch')
    await h.call('update', 'role/svc', { token_type: 'service' })
    assert.equal((await h.call('read', 'role/svc'))?.data?.['token_type'], 'service')
    assert.deepEqual((await h.call('list', 'role/'))?.data, { keys: ['app', 'svc'] })
    await h.call('delete', 'role/svc')
    assert.equal(await h.call('read', 'role/svc'), undefined)
    assert.match((await failure(() => h.call('update', 'role/a b'))).message, /letters, digits/)
  })

  it('issues CKIA key IDs and a secret shown once; reads, lists and revokes keys', async () => {
    const h = await make()
    assert.match((await failure(() => h.call('update', 'role/none/access-key'))).message, /does not exist/)
    await h.call('update', 'role/app', { token_policies: 'p' })
    const a = await issue(h)
    const b = await issue(h)
    assert.match(a.id, ACCESS_KEY_ID)
    assert.equal(a.id.length, 20)
    assert.match(a.secret, /^[A-Za-z0-9]{40}$/)
    assert.notEqual(a.id, b.id)
    const read = (await h.call('read', `access-key/${a.id}`))?.data
    assert.deepEqual(read, {
      access_key_id: a.id,
      role: 'app',
      creation_time: new Date(HARNESS_START).toISOString(),
    })
    assert.deepEqual(
      [...(((await h.call('list', 'access-key/'))?.data?.['keys'] ?? []) as string[])].sort(),
      [a.id, b.id].sort(),
    )
    await h.call('delete', `access-key/${a.id}`)
    assert.equal(await h.call('read', `access-key/${a.id}`), undefined)
    assert.deepEqual((await h.call('list', 'access-key/'))?.data, { keys: [b.id] })
    assert.equal(await h.call('read', 'access-key/not-a-key-id'), undefined)
  })

  it('stores a chosen pair (dev mode, imports): both parts or neither, well formed, never an ID already taken', async () => {
    const h = await make()
    await h.call('update', 'role/app', { token_policies: 'p' })
    await h.call('update', 'role/other', { token_policies: 'p' })
    const id = 'CKIADEVDEVDEVDEV2345'
    const chosen = (
      await h.call('update', 'role/app/access-key', {
        access_key_id: id,
        secret_access_key: 'devsecret0devsecret0',
      })
    )?.data
    assert.equal(chosen?.['access_key_id'], id)
    assert.equal(chosen?.['secret_access_key'], 'devsecret0devsecret0')
    assert.equal((await h.call('read', `access-key/${id}`))?.data?.['role'], 'app')
    const refused = async (data: Record<string, unknown>, pattern: RegExp, role = 'app') =>
      assert.match((await failure(() => h.call('update', `role/${role}/access-key`, data))).message, pattern)
    await refused({ access_key_id: id, secret_access_key: 'another0secret0here' }, /already exists/, 'other')
    await refused({ access_key_id: 'CKIADEVDEVDEVDEV2346' }, /go together/)
    await refused({ secret_access_key: 'devsecret0devsecret0' }, /go together/)
    await refused(
      { access_key_id: 'AKIAIOSFODNN7EXAMPLE', secret_access_key: 'devsecret0devsecret0' },
      /must be CKIA/,
    )
    await refused(
      { access_key_id: 'CKIADEVDEVDEVDEV2346', secret_access_key: 'short' },
      /16 to 128 characters/,
    )
    assert.equal(
      (await h.call('read', `access-key/${id}`))?.data?.['role'],
      'app',
      'the refused calls changed nothing',
    )
  })

  it('rotates a key: a new pair for the same role, the old one gone', async () => {
    const h = await make()
    await h.call('update', 'role/app', {})
    const old = await issue(h)
    const data = (await h.call('update', `access-key/${old.id}/rotate`))?.data ?? {}
    assert.match(data['access_key_id'] as string, ACCESS_KEY_ID)
    assert.notEqual(data['access_key_id'], old.id)
    assert.equal(data['rotated_from'], old.id)
    assert.equal(data['role'], 'app')
    assert.equal(await h.call('read', `access-key/${old.id}`), undefined)
    assert.equal((await failure(() => h.call('update', `access-key/${old.id}/rotate`))).status, 404)
  })

  it('deleting a role revokes its keys and leaves other roles’ keys', async () => {
    const h = await make()
    await h.call('update', 'role/a', {})
    await h.call('update', 'role/b', {})
    const ka = await issue(h, 'a')
    const kb = await issue(h, 'b')
    await h.call('delete', 'role/a')
    assert.equal(await h.call('read', `access-key/${ka.id}`), undefined)
    assert.ok(await h.call('read', `access-key/${kb.id}`))
  })

  it('never answers the secret again: read, list and rotate of another key do not carry it', async () => {
    const h = await make()
    await h.call('update', 'role/app', {})
    const key = await issue(h)
    const other = await issue(h)
    const answers = [
      await h.call('read', `access-key/${key.id}`),
      await h.call('list', 'access-key/'),
      await h.call('read', 'role/app'),
      await h.call('update', `access-key/${other.id}/rotate`),
    ]
    assert.ok(!JSON.stringify(answers).includes(key.secret))
  })
})

const skip = await unmet(BOTOCORE)
describeUnless(skip, 'aws-keys: login with botocore-signed requests', () => {
  it('logs in with the role’s policies, a batch token, the key as alias and the scope in metadata', async () => {
    const h = await make()
    await h.call('update', 'role/app', { token_policies: 'sm-read', token_ttl: '15m' })
    const key = await issue(h)
    const auth = (await h.call('update', 'login', await signedLogin(key)))?.auth
    assert.deepEqual(auth?.policies, ['sm-read'])
    assert.equal(auth?.ttl, 900)
    assert.equal(auth?.tokenType, 'batch')
    assert.deepEqual(auth?.alias, { name: key.id, metadata: { role: 'app' } })
    assert.deepEqual(auth?.metadata, {
      access_key_id: key.id,
      role: 'app',
      region: 'eu-west-1',
      service: 'secretsmanager',
      account_id: '000000000000',
      arn: 'arn:aws:iam::000000000000:user/app',
      user_id: key.id,
    })
  })

  it('refuses a wrong secret, an unknown or revoked key, a deleted role, skew, and a session token', async () => {
    const h = await make()
    await h.call('update', 'role/app', {})
    const key = await issue(h)
    const wrong = await refusal(async () =>
      h.call('update', 'login', await signedLogin({ ...key, secret: 'x'.repeat(40) })),
    )
    assert.equal(wrong.awsType, 'InvalidSignatureException')
    assert.equal(wrong.message, SIGNATURE_MISMATCH)
    const unknown = await refusal(async () =>
      h.call('update', 'login', await signedLogin({ id: 'CKIAAAAAAAAAAAAAAAAA', secret: key.secret })),
    )
    assert.equal(unknown.awsType, 'UnrecognizedClientException')
    assert.equal(unknown.message, UNKNOWN_KEY)
    const stale = await signedLogin(key, amzDate(HARNESS_START - 16 * 60_000))
    assert.match((await refusal(() => h.call('update', 'login', stale))).message, /^Signature expired/)
    const session = await signedLogin(key, undefined, 'a-session-token')
    assert.equal(
      (await refusal(() => h.call('update', 'login', session))).awsType,
      'UnrecognizedClientException',
    )

    const good = await signedLogin(key)
    assert.ok((await h.call('update', 'login', good))?.auth)
    await h.call('delete', `access-key/${key.id}`)
    assert.equal(
      (await refusal(() => h.call('update', 'login', good))).awsType,
      'UnrecognizedClientException',
    )

    const other = await issue(h)
    const otherLogin = await signedLogin(other)
    await h.call('delete', 'role/app')
    assert.equal(
      (await refusal(() => h.call('update', 'login', otherLogin))).awsType,
      'UnrecognizedClientException',
    )
  })

  it('after a rotation the old key is refused and the new one logs in', async () => {
    const h = await make()
    await h.call('update', 'role/app', {})
    const old = await issue(h)
    const data = (await h.call('update', `access-key/${old.id}/rotate`))?.data ?? {}
    const next = { id: data['access_key_id'] as string, secret: data['secret_access_key'] as string }
    assert.equal(
      (await refusal(async () => h.call('update', 'login', await signedLogin(old)))).awsType,
      'UnrecognizedClientException',
    )
    assert.ok((await h.call('update', 'login', await signedLogin(next)))?.auth)
  })

  it('a key in use (its signing key derived and remembered) is refused on the next call after rotation', async () => {
    const h = await make()
    await h.call('update', 'role/app', {})
    const old = await issue(h)
    const login = await signedLogin(old)
    assert.ok((await h.call('update', 'login', login))?.auth)
    assert.ok((await h.call('update', 'login', login))?.auth)
    await h.call('update', `access-key/${old.id}/rotate`)
    assert.equal(
      (await refusal(() => h.call('update', 'login', login))).awsType,
      'UnrecognizedClientException',
    )
  })

  it('an access key ID stored again with another secret never verifies with the old secret', async () => {
    const h = await make()
    await h.call('update', 'role/app', {})
    const id = 'CKIADEVDEVDEVDEV2345'
    const first = { id, secret: 'devsecret0devsecret0' }
    await h.call('update', 'role/app/access-key', { access_key_id: id, secret_access_key: first.secret })
    const oldLogin = await signedLogin(first)
    assert.ok((await h.call('update', 'login', oldLogin))?.auth)
    await h.call('delete', `access-key/${id}`)
    const second = { id, secret: 'another0secret0here0' }
    await h.call('update', 'role/app/access-key', { access_key_id: id, secret_access_key: second.secret })
    const refused = await refusal(() => h.call('update', 'login', oldLogin))
    assert.equal(refused.awsType, 'InvalidSignatureException')
    assert.equal(refused.message, SIGNATURE_MISMATCH)
    assert.ok((await h.call('update', 'login', await signedLogin(second)))?.auth)
  })

  it('concurrent logins: once a revocation has returned, every login that follows is refused', async () => {
    const h = await make()
    await h.call('update', 'role/app', {})
    const key = await issue(h)
    const login = await signedLogin(key)
    const settle = (count: number) =>
      Promise.allSettled(Array.from({ length: count }, () => h.call('update', 'login', login)))
    for (const outcome of await settle(8)) assert.equal(outcome.status, 'fulfilled')
    // Logins racing the revocation may land either side of it; none may succeed once it has returned.
    await Promise.all([h.call('delete', `access-key/${key.id}`), settle(8)])
    for (const outcome of await settle(8)) {
      assert.equal(outcome.status, 'rejected')
      const cause = (outcome.reason as Error).cause
      assert.ok(cause instanceof SigV4Error)
      assert.equal(cause.awsType, 'UnrecognizedClientException')
    }
  })

  it('refuses malformed login data with a 400', async () => {
    const h = await make()
    const login = await signedLogin({ id: 'CKIAAAAAAAAAAAAAAAAA', secret: 's' })
    assert.equal((await failure(() => h.call('update', 'login', { ...login, body: '%%%' }))).status, 400)
    assert.equal(
      (await failure(() => h.call('update', 'login', { ...login, headers: { a: 1 } }))).status,
      400,
    )
    assert.equal((await failure(() => h.call('update', 'login', { ...login, method: '' }))).status, 400)
  })
})
