// aws-keys session credentials in process: web identity roles, issuing (shown once, behind the barrier), logins
// signed with session credentials and their token, expiry on an injected clock, revocation and the sweep.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BOTOCORE, botocoreSign } from '../../../../test/helpers/aws-signers.ts'
import { describeUnless, unmet } from '../../../../test/helpers/requirements.ts'
import { amzDate, UNKNOWN_KEY } from '../../../lib/sigv4/index.ts'
import { HARNESS_START } from '../../../sdk/framework/backend-harness.ts'
import { type AuthHarness, failure, makeAuth, storedText } from '../userpass/test-helpers.ts'
import { awsKeysBackend } from './backend.ts'
import { SESSION_KEY_ID } from './session-store.ts'

const make = () => makeAuth(awsKeysBackend, 'aws-keys')
const CALLER = { accessor: 'a1', policies: ['assume'], displayName: 'jwt-ci', entityId: '', metadata: {} }

interface Issued {
  id: string
  secret: string
  token: string
  expiration: string
  arn: string
}

async function issue(h: AuthHarness, data: Record<string, unknown> = {}, role = 'ci'): Promise<Issued> {
  const out =
    (
      await h.call(
        'update',
        `role/${role}/session`,
        { role_session_name: 'pod-1', ...data },
        { caller: CALLER },
      )
    )?.data ?? {}
  return {
    id: out['access_key_id'] as string,
    secret: out['secret_access_key'] as string,
    token: out['session_token'] as string,
    expiration: out['expiration'] as string,
    arn: out['assumed_role_arn'] as string,
  }
}

async function withRole(): Promise<AuthHarness> {
  const h = await make()
  await h.call('update', 'role/ci', {
    token_policies: 'sm-read',
    web_identity_mount: 'auth/jwt/',
    web_identity_role: 'deploy',
    max_session_duration: 7200,
  })
  return h
}

describe('aws-keys: web identity roles and session credentials', () => {
  it('keeps a role’s web identity settings and answers web-identity for its ARN only', async () => {
    const h = await withRole()
    const role = (await h.call('read', 'role/ci'))?.data
    assert.equal(role?.['web_identity_mount'], 'auth/jwt/')
    assert.equal(role?.['web_identity_role'], 'deploy')
    assert.equal(role?.['max_session_duration'], 7200)
    const found = await h.call('update', 'web-identity', { role_arn: 'arn:aws:iam::000000000000:role/ci' })
    assert.deepEqual(found?.data, {
      role: 'ci',
      web_identity_mount: 'auth/jwt/',
      web_identity_role: 'deploy',
    })
    // Another account, an unknown role, a role without web identity, garbage: all the same refusal.
    await h.call('update', 'role/plain', {})
    for (const arn of [
      'arn:aws:iam::123456789012:role/ci',
      'arn:aws:iam::000000000000:role/nope',
      'arn:aws:iam::000000000000:role/plain',
      'ci',
    ]) {
      const refused = await failure(() => h.call('update', 'web-identity', { role_arn: arn }))
      assert.equal(refused.status, 403, arn)
    }
    assert.match(
      (await failure(() => h.call('update', 'role/x', { web_identity_mount: 'jwt' }))).message,
      /web_identity_role is required/,
    )
    assert.match(
      (await failure(() => h.call('update', 'role/x', { max_session_duration: 60 }))).message,
      /between 900 and 43200/,
    )
  })

  it('issues CSIA credentials once; the mount keeps the secret (for SigV4) and the token only as its hash', async () => {
    const h = await withRole()
    const issued = await issue(h)
    assert.match(issued.id, SESSION_KEY_ID)
    assert.equal(issued.secret.length, 40)
    assert.ok(issued.token.length >= 80)
    assert.equal(issued.expiration, new Date(HARNESS_START + 3600_000).toISOString())
    assert.equal(issued.arn, 'arn:aws:sts::000000000000:assumed-role/ci/pod-1')
    const stored = await storedText(h.storage)
    assert.ok(stored.includes(issued.secret))
    assert.ok(!stored.includes(issued.token), 'the session token is stored only as its hash')
    const read = (await h.call('read', `session/${issued.id}`))?.data
    assert.equal(read?.['role_session_name'], 'pod-1')
    assert.equal(read?.['issued_to'], 'jwt-ci')
    assert.equal(read?.['secret_access_key'], undefined)
    assert.equal(read?.['session_token'], undefined)
    assert.deepEqual((await h.call('list', 'session/'))?.data, { keys: [issued.id] })
  })

  it('refuses durations outside 900 to the role’s maximum, bad session names and unknown roles', async () => {
    const h = await withRole()
    assert.match(
      (await failure(() => issue(h, { duration_seconds: 7201 }))).message,
      /exceeds the MaxSessionDuration/,
    )
    assert.match((await failure(() => issue(h, { duration_seconds: 899 }))).message, /between 900 and 43200/)
    assert.match((await failure(() => issue(h, { role_session_name: 'a b' }))).message, /role_session_name/)
    assert.equal((await failure(() => issue(h, {}, 'nope'))).status, 403)
    assert.equal(
      (await issue(h, { duration_seconds: 7200 })).expiration,
      new Date(HARNESS_START + 7200_000).toISOString(),
    )
  })

  it('sweeps expired sessions; deleting the role deletes its sessions', async () => {
    const h = await withRole()
    const short = await issue(h, { duration_seconds: 900 })
    const long = await issue(h, { duration_seconds: 7200 })
    h.tick(901_000)
    await h.periodic()
    assert.deepEqual((await h.call('list', 'session/'))?.data, { keys: [long.id] })
    assert.equal(await h.call('read', `session/${short.id}`), undefined)
    await h.call('delete', 'role/ci')
    assert.equal(await h.call('read', `session/${long.id}`), undefined)
  })
})

const BODY = 'Action=GetCallerIdentity&Version=2011-06-15'

async function signedLogin(key: { id: string; secret: string }, token: string | undefined, time: number) {
  const [headers] = await botocoreSign([
    {
      method: 'POST',
      url: 'http://127.0.0.1:8200/',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: BODY,
      region: 'us-east-1',
      service: 'sts',
      accessKeyId: key.id,
      secretAccessKey: key.secret,
      time: amzDate(time),
      ...(token ? { sessionToken: token } : {}),
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

async function refusedAs(call: () => Promise<unknown>): Promise<string> {
  const error = await failure(call)
  assert.equal(error.status, 403)
  return error.message
}

const skip = await unmet(BOTOCORE)
describeUnless(skip, 'aws-keys: login with session credentials', () => {
  it('logs in as the role with the session token, for no longer than the credentials last', async () => {
    const h = await withRole()
    await h.call('update', 'role/ci', { token_ttl: '2h' })
    const s = await issue(h, { duration_seconds: 900 })
    const auth = (await h.call('update', 'login', await signedLogin(s, s.token, HARNESS_START)))?.auth
    assert.deepEqual(auth?.policies, ['sm-read'])
    assert.equal(auth?.ttl, 900)
    assert.equal(auth?.explicitMaxTtl, 900)
    assert.equal(auth?.metadata?.['arn'], 'arn:aws:sts::000000000000:assumed-role/ci/pod-1')
    assert.match(auth?.metadata?.['user_id'] ?? '', /^CROA[A-Z2-7]{17}:pod-1$/)
    assert.equal(auth?.metadata?.['account_id'], '000000000000')
  })

  it('refuses a missing or tampered session token as an unknown key', async () => {
    const h = await withRole()
    const s = await issue(h)
    for (const token of [undefined, `${s.token.slice(0, -2)}AA`]) {
      const message = await refusedAs(async () =>
        h.call('update', 'login', await signedLogin(s, token, HARNESS_START)),
      )
      assert.equal(message, `UnrecognizedClientException: ${UNKNOWN_KEY}`)
    }
  })

  it('refuses expired credentials with ExpiredTokenException (clock moved past the expiry)', async () => {
    const h = await withRole()
    const s = await issue(h, { duration_seconds: 900 })
    h.tick(900_000)
    const message = await refusedAs(async () =>
      h.call('update', 'login', await signedLogin(s, s.token, HARNESS_START + 900_000)),
    )
    assert.match(message, /^ExpiredTokenException: The security token included in the request is expired$/)
  })

  it('refuses them once revoked, and a long-term key’s secret never signs for a session ID', async () => {
    const h = await withRole()
    const s = await issue(h)
    const login = await signedLogin(s, s.token, HARNESS_START)
    assert.ok((await h.call('update', 'login', login))?.auth)
    await h.call('delete', `session/${s.id}`)
    assert.equal(
      await refusedAs(() => h.call('update', 'login', login)),
      `UnrecognizedClientException: ${UNKNOWN_KEY}`,
    )
    const key = (await h.call('update', 'role/ci/access-key'))?.data ?? {}
    const keyLogin = await signedLogin(
      { id: key['access_key_id'] as string, secret: key['secret_access_key'] as string },
      s.token,
      HARNESS_START,
    )
    assert.equal(
      await refusedAs(() => h.call('update', 'login', keyLogin)),
      `UnrecognizedClientException: ${UNKNOWN_KEY}`,
    )
  })
})

describeUnless(skip, 'aws-keys: session-token (GetSessionToken)', () => {
  it('issues the key’s role a session capped at max_session_duration, acting as the key, gone with the key', async () => {
    const h = await withRole()
    const key = (await h.call('update', 'role/ci/access-key'))?.data ?? {}
    const long = { id: key['access_key_id'] as string, secret: key['secret_access_key'] as string }
    const signed = await signedLogin(long, undefined, HARNESS_START)
    const out = (await h.call('update', 'session-token', signed))?.data ?? {}
    assert.match(out['access_key_id'] as string, SESSION_KEY_ID)
    // The default 43200 seconds, capped at the role's 7200.
    assert.equal(out['expiration'], new Date(HARNESS_START + 7200_000).toISOString())
    assert.equal(out['user_arn'], 'arn:aws:iam::000000000000:user/ci')
    const s = {
      id: out['access_key_id'] as string,
      secret: out['secret_access_key'] as string,
      token: out['session_token'] as string,
    }
    const auth = (await h.call('update', 'login', await signedLogin(s, s.token, HARNESS_START)))?.auth
    assert.equal(auth?.metadata?.['arn'], 'arn:aws:iam::000000000000:user/ci')
    assert.equal(auth?.metadata?.['user_id'], long.id)
    assert.equal(auth?.metadata?.['role_session_name'], undefined)
    // Session credentials cannot make more of themselves.
    assert.equal(
      await refusedAs(async () =>
        h.call('update', 'session-token', await signedLogin(s, s.token, HARNESS_START)),
      ),
      'AccessDenied: Cannot call GetSessionToken with session credentials',
    )
    const tooLong = await failure(() =>
      h.call('update', 'session-token', { ...signed, duration_seconds: 129601 }),
    )
    assert.equal(tooLong.status, 400)
    await h.call('delete', `access-key/${long.id}`)
    assert.equal(
      await refusedAs(async () => h.call('update', 'login', await signedLogin(s, s.token, HARNESS_START))),
      `UnrecognizedClientException: ${UNKNOWN_KEY}`,
    )
  })
})
