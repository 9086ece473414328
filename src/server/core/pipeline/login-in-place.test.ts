// The authenticate stage's login in place (a SigV4-signed call), in process: one pass, audited as the call, and
// every refusal the next request must meet (revoked key, expired session, changed policy, bad signature).
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { BOTOCORE, botocoreSign } from '../../../../test/helpers/aws-signers.ts'
import { describeUnless, unmet } from '../../../../test/helpers/requirements.ts'
import { amzDate } from '../../../lib/sigv4/index.ts'
import { isAppError } from '../../../sdk/errors.ts'
import { runPipeline } from '../handle-request.ts'
import type { LogicalRequest } from '../logical-request.ts'
import { request, type TestCore, unsealedCore } from './test-helpers.ts'

const BODY = '{"SecretId":"app"}'

describeUnless(await unmet(BOTOCORE), 'pipeline stage: authenticate by a login in place', () => {
  let t: TestCore
  let now = Date.now()
  let dir: string
  let file: string
  const root = (operation: LogicalRequest['operation'], path: string, data: Record<string, unknown> = {}) =>
    runPipeline(t.services, request(operation, path, t.rootToken, data))

  before(async () => {
    t = await unsealedCore({ clock: { now: () => now } })
    dir = mkdtempSync(join(tmpdir(), 'coffer-in-place-'))
    file = join(dir, 'audit.log')
    await root('update', 'sys/audit/file', { type: 'file', options: { file_path: file } })
    await root('update', 'sys/auth/aws-keys', { type: 'aws-keys' })
    await root('update', 'sys/policies/acl/app-read', {
      policy: 'path "secret/data/app" { capabilities = ["read"] }',
    })
    await root('update', 'auth/aws-keys/role/app', { token_policies: 'app-read' })
    await root('update', 'secret/data/app', { data: { v: 1 } })
  })
  after(async () => {
    await t?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  async function newKey(): Promise<{ id: string; secret: string }> {
    const out = await root('update', 'auth/aws-keys/role/app/access-key')
    return { id: out!.data!['access_key_id'] as string, secret: out!.data!['secret_access_key'] as string }
  }

  /** A read of secret/data/app carrying, instead of a token, a request botocore signed now (on the test's clock). */
  async function signedRead(key: {
    id: string
    secret: string
    sessionToken?: string
  }): Promise<LogicalRequest> {
    const [headers] = await botocoreSign([
      {
        method: 'POST',
        url: 'http://coffer.test/',
        headers: {
          'X-Amz-Target': 'secretsmanager.GetSecretValue',
          'Content-Type': 'application/x-amz-json-1.1',
        },
        body: BODY,
        region: 'eu-west-1',
        service: 'secretsmanager',
        accessKeyId: key.id,
        secretAccessKey: key.secret,
        ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
        time: amzDate(now),
      },
    ])
    return {
      ...request('read', 'secret/data/app', ''),
      login: {
        path: 'auth/aws-keys/login',
        data: {
          method: 'POST',
          path: '/',
          query: '',
          headers: Object.fromEntries(headers!),
          body: Buffer.from(BODY).toString('base64'),
        },
      },
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: audit lines are arbitrary JSON
  const entriesOf = (id: string): any[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.request?.id === id)

  /** The refusal `req` meets: the error's message, or a failed assertion when it is answered. */
  async function refusal(req: LogicalRequest): Promise<string> {
    try {
      await runPipeline(t.services, req)
    } catch (error) {
      assert.ok(isAppError(error), String(error))
      return error.message
    }
    assert.fail('the request was answered')
  }

  it('answers with the role’s policies, audited as the one request it is (request and response), no login entry', async () => {
    const key = await newKey()
    const req = await signedRead(key)
    const out = await runPipeline(t.services, req)
    assert.deepEqual(out?.data?.['data'], { v: 1 })
    const entries = entriesOf(req.id)
    assert.deepEqual(
      entries.map((e) => [e.type, e.request.path]),
      [
        ['request', 'secret/data/app'],
        ['response', 'secret/data/app'],
      ],
    )
    for (const entry of entries) {
      assert.equal(entry.auth.metadata.access_key_id, key.id)
      assert.equal(entry.auth.token_type, 'batch')
      assert.deepEqual(entry.auth.token_policies, ['app-read', 'default'])
    }
    assert.equal(readFileSync(file, 'utf8').includes(key.secret), false)
    assert.equal(
      readFileSync(file, 'utf8').includes('"path":"auth/aws-keys/login"'),
      false,
      'no login went through the pipeline',
    )
  })

  it('refuses a bad signature as the login does, and records the refusal with its reason', async () => {
    const key = await newKey()
    const req = await signedRead({ ...key, secret: `${key.secret.slice(1)}x` })
    assert.match(await refusal(req), /^InvalidSignatureException: The request signature we calculated/)
    const entries = entriesOf(req.id)
    assert.deepEqual(
      entries.map((e) => [e.type, e.error]),
      [['request', entries[0]?.error]],
    )
    assert.match(entries[0].error, /^InvalidSignatureException: /)
    assert.equal(entries[0].auth?.metadata, undefined, 'a refused request acts for nobody')
  })

  it('refuses the next request once the key is deleted', async () => {
    const key = await newKey()
    assert.ok(await runPipeline(t.services, await signedRead(key)))
    await root('delete', `auth/aws-keys/access-key/${key.id}`)
    assert.match(await refusal(await signedRead(key)), /^UnrecognizedClientException: /)
  })

  it('applies a policy change to the next request', async () => {
    const key = await newKey()
    assert.ok(await runPipeline(t.services, await signedRead(key)))
    await root('update', 'sys/policies/acl/app-read', {
      policy: 'path "secret/data/other" { capabilities = ["read"] }',
    })
    try {
      assert.equal(await refusal(await signedRead(key)), 'permission denied')
    } finally {
      await root('update', 'sys/policies/acl/app-read', {
        policy: 'path "secret/data/app" { capabilities = ["read"] }',
      })
    }
    assert.ok(await runPipeline(t.services, await signedRead(key)))
  })

  it('refuses session credentials once expired, and once deleted', async () => {
    const issued = await root('update', 'auth/aws-keys/role/app/session', { role_session_name: 'pod' })
    const {
      access_key_id: id,
      secret_access_key: secret,
      session_token: sessionToken,
    } = issued!.data! as Record<string, string>
    const session = { id: id!, secret: secret!, sessionToken: sessionToken! }
    assert.ok(await runPipeline(t.services, await signedRead(session)))
    // Signed a minute before the expiry and sent a second after it, with no turn of the timers in between (the
    // sweep would delete the expired credentials, and the refusal would then be the unknown key's).
    const start = now
    const expires = Date.parse(issued!.data!['expiration'] as string)
    now = expires - 60_000
    const late = await signedRead(session)
    now = expires + 1000
    try {
      assert.match(await refusal(late), /^ExpiredTokenException: /)
    } finally {
      now = start
    }
    assert.ok(await runPipeline(t.services, await signedRead(session)))
    await root('delete', `auth/aws-keys/session/${id}`)
    assert.match(await refusal(await signedRead(session)), /^UnrecognizedClientException: /)
  })

  it('takes only an auth method’s unauthenticated login as credentials', async () => {
    const key = await newKey()
    const signed = await signedRead(key)
    for (const path of ['secret/data/app', 'auth/aws-keys/role/app', 'auth/token/lookup-self']) {
      const req = { ...signed, id: crypto.randomUUID(), login: { ...signed.login!, path } }
      assert.equal(await refusal(req), 'permission denied', path)
    }
  })
})
