// Registered rotation commands and webhooks on a real server: what a command gets, timeouts, signed webhooks, and
// credentials that reach only the rotating secret.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import type { SecretsManagerApi } from '../../src/sdk/rotation.ts'
import { randomPasswordRotator } from '../../src/server/rotation/random-password.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { makeTempDir, startDevServer, type TestServer } from '../helpers/server.ts'

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`
const HMAC_SECRET = 'webhook-shared-secret-0123456789'

/** A Secrets Manager API over the AWS SDK, as a function hosted elsewhere would make its calls. */
function sdkApi(client: SecretsManagerClient): SecretsManagerApi {
  const plain = (out: object) => out as Record<string, unknown>
  return {
    describeSecret: async (i) => plain(await client.send(new DescribeSecretCommand(i))),
    getSecretValue: async (i) => plain(await client.send(new GetSecretValueCommand(i))),
    putSecretValue: async (i) => plain(await client.send(new PutSecretValueCommand(i))),
    updateSecretVersionStage: async (i) => plain(await client.send(new UpdateSecretVersionStageCommand(i))),
    getRandomPassword: async (i) => ({
      RandomPassword: (await client.send(new GetRandomPasswordCommand(i))).RandomPassword ?? '',
    }),
  }
}

describe('registered rotation functions', () => {
  const dir = makeTempDir()
  let t: TestServer
  let hook: http.Server
  const hookCalls: { headers: http.IncomingHttpHeaders; body: string; verdict: string }[] = []

  before(async () => {
    process.env['ROTATION_TEST_SERVER_ONLY'] = 'must-not-reach-functions'
    const script = join(dir.dir, 'record.sh')
    const slow = join(dir.dir, 'slow.sh')
    writeFileSync(
      script,
      `#!/bin/sh\nenv > "${dir.dir}/env.txt"\ncat > "${dir.dir}/stdin.txt"\nprintf '%s' "$1" > "${dir.dir}/arg.txt"\necho "step failed on purpose" >&2\necho "token $AWS_SESSION_TOKEN" >&2\nexit 3\n`,
    )
    chmodSync(script, 0o755)
    // A shell whose child outlives it unless the whole group is killed.
    writeFileSync(slow, '#!/bin/sh\nsleep 30\necho done\n')
    chmodSync(slow, 0o755)
    hook = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => {
        body += c.toString()
      })
      req.on('end', async () => {
        const timestamp = String(req.headers['x-coffer-timestamp'])
        const expected = `sha256=${createHmac('sha256', HMAC_SECRET).update(`${timestamp}.${body}`).digest('hex')}`
        const call = { headers: req.headers, body, verdict: '' }
        hookCalls.push(call)
        if (req.headers['x-coffer-signature'] !== expected) {
          call.verdict = 'bad signature'
          res.writeHead(401).end('bad signature')
          return
        }
        const event = JSON.parse(body)
        const c = event.Coffer
        const client = new SecretsManagerClient({
          endpoint: c.Endpoint,
          region: c.Region,
          credentials: {
            accessKeyId: c.Credentials.AccessKeyId,
            secretAccessKey: c.Credentials.SecretAccessKey,
            sessionToken: c.Credentials.SessionToken,
          },
          maxAttempts: 1,
        })
        try {
          // The credentials reach the rotating secret only.
          const other = await client.send(new GetSecretValueCommand({ SecretId: 'hook/other' })).then(
            () => 'allowed',
            (e: Error) => e.name,
          )
          call.verdict = `other secret: ${other}`
          await randomPasswordRotator(
            { Step: event.Step, SecretId: event.SecretId, ClientRequestToken: event.ClientRequestToken },
            sdkApi(client),
          )
          res.writeHead(200).end('ok')
        } catch (error) {
          res.writeHead(500).end(String(error))
        } finally {
          client.destroy()
        }
      })
    })
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve))
    const port = (hook.address() as AddressInfo).port
    t = await startDevServer({
      devAws: true,
      rotationFunctions: {
        recorder: { kind: 'command', command: [script], timeoutMs: 30_000, env: { EXTRA: 'configured' } },
        sleeper: { kind: 'command', command: [slow], timeoutMs: 300, env: {} },
        hook: {
          kind: 'webhook',
          url: `http://127.0.0.1:${port}/rotate`,
          hmacSecret: HMAC_SECRET,
          timeoutMs: 30_000,
        },
      },
    })
  })
  after(async () => {
    delete process.env['ROTATION_TEST_SERVER_ONLY']
    await t?.close()
    await new Promise((resolve) => hook?.close(resolve))
    dir.remove()
  })

  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  async function settled(name: string): Promise<Record<string, any>> {
    return withDeadline(
      (async () => {
        for (;;) {
          const s = (await t.call('GET', `secretsmanager/rotation/${name}`)).body.data
          if (s.last_rotated_date || s.rotation_status.failed_step) return s
          await delay(100)
        }
      })(),
      `rotation of ${name}`,
    )
  }

  async function rotate(name: string, fn: string): Promise<string> {
    await t.call('POST', `secretsmanager/secrets/${name}`, {
      body: { secret_string: `${name}-initial-value` },
    })
    const reply = await t.call('POST', `secretsmanager/rotation/${name}`, {
      body: { rotation_lambda_arn: ARN(fn) },
    })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body.data.version_id
  }

  it('a command gets the event (argument and stdin), the endpoint, region and session credentials, nothing else', async () => {
    const token = await rotate('cmd/app', 'recorder')
    const s = await settled('cmd/app')
    assert.equal(s['rotation_status'].failed_step, 'createSecret')
    // The session token the script echoed is kept out of the report.
    assert.equal(
      s['rotation_status'].failure_message,
      'createSecret: the command exited with status 3: step failed on purpose\ntoken [redacted]',
    )
    const event = JSON.parse(readFileSync(join(dir.dir, 'arg.txt'), 'utf8'))
    assert.deepEqual(Object.keys(event).sort(), ['ClientRequestToken', 'SecretId', 'Step'])
    assert.equal(event.Step, 'createSecret')
    assert.equal(event.ClientRequestToken, token)
    assert.match(event.SecretId, /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:cmd\/app-[A-Za-z0-9]{6}$/)
    assert.equal(
      readFileSync(join(dir.dir, 'stdin.txt'), 'utf8'),
      readFileSync(join(dir.dir, 'arg.txt'), 'utf8'),
    )
    const env = Object.fromEntries(
      readFileSync(join(dir.dir, 'env.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    assert.equal(env['SECRETS_MANAGER_ENDPOINT'], t.address)
    assert.equal(env['AWS_ENDPOINT_URL'], t.address)
    assert.equal(env['AWS_REGION'], 'us-east-1')
    assert.match(env['AWS_ACCESS_KEY_ID'] ?? '', /^CSIA/)
    assert.ok(env['AWS_SECRET_ACCESS_KEY'] && env['AWS_SESSION_TOKEN'])
    assert.equal(env['EXTRA'], 'configured')
    assert.equal(env['ROTATION_TEST_SERVER_ONLY'], undefined, 'the server’s own environment stays out')
    // The session died with the attempt: a login with it is refused now.
    const session = await t.call('GET', `auth/aws-keys/session/${env['AWS_ACCESS_KEY_ID']}`)
    assert.equal(session.status, 404)
  })

  it('credentials a stopped server left behind are removed; other policies stay', async () => {
    const leftover = 'rotation-0123456789ab'
    const policy = 'path "secretsmanager/*" { capabilities = ["read"] }'
    for (const name of [leftover, `${leftover}-setup`, 'rotation-notes'])
      assert.equal((await t.call('PUT', `sys/policies/acl/${name}`, { body: { policy } })).status, 204)
    assert.equal((await t.call('POST', `auth/aws-keys/role/${leftover}`, { body: {} })).status, 204)
    await rotate('cmd/sweep', 'recorder')
    await settled('cmd/sweep')
    const policies = (await t.call('LIST', 'sys/policies/acl')).body.data.keys as string[]
    assert.deepEqual(
      policies.filter((p) => p.startsWith('rotation-')),
      ['rotation-notes'],
    )
    const roles = ((await t.call('LIST', 'auth/aws-keys/role')).body?.data?.keys ?? []) as string[]
    assert.deepEqual(
      roles.filter((r) => r.startsWith('rotation-')),
      [],
    )
  })

  it('a command past its timeout is killed and reported', async () => {
    await rotate('cmd/slow', 'sleeper')
    const s = await settled('cmd/slow')
    assert.equal(s['rotation_status'].failure_message, 'createSecret: the command timed out after 0.3 s')
  })

  it('a webhook gets the signed event and rotates with credentials that reach only that secret', async () => {
    await t.call('POST', 'secretsmanager/secrets/hook/other', { body: { secret_string: 'not-for-the-hook' } })
    const token = await rotate('hook/app', 'hook')
    const s = await settled('hook/app')
    assert.equal(s['rotation_status'].state, 'Idle', JSON.stringify(s))
    assert.equal(hookCalls.length, 4)
    assert.deepEqual(
      hookCalls.map((c) => JSON.parse(c.body).Step),
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
    )
    for (const call of hookCalls) assert.equal(call.verdict, 'other secret: AccessDeniedException')
    const current = await t.call('GET', 'secretsmanager/secrets/hook/app')
    assert.equal(current.body.data.version_id, token)
    assert.notEqual(current.body.data.secret_string, 'hook/app-initial-value')
  })
})
