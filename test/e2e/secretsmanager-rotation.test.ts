// Secrets Manager rotations on a real server: built-in functions through the pipeline, failures, restarts, the API.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import type { RotationFunction } from '../../src/sdk/rotation.ts'
import type { RotationNotice } from '../../src/sdk/rotation-runner.ts'
import { startServer } from '../../src/server/start-server.ts'
import { withDeadline } from '../helpers/deadline.ts'
import {
  ManualClock,
  makeTempDir,
  type Reply,
  startDevServer,
  type TestServer,
  wrap,
} from '../helpers/server.ts'

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`

/** One AWS write action through the engine's Vault path, as the AWS front door routes it (root token). */
async function aws(t: TestServer, action: string, input: Record<string, unknown>): Promise<Reply> {
  const routes: Record<string, [string, string]> = {
    RotateSecret: ['POST', `secretsmanager/rotation/${input['SecretId']}`],
    UpdateSecretVersionStage: ['POST', `secretsmanager/versions/${input['SecretId']}`],
  }
  const [method, path] = routes[action]!
  return t.call(method, path, { headers: { 'x-amz-target': `secretsmanager.${action}` }, body: input })
}

/** Poll until `check` answers something truthy (the server rotates within a second or two of the time). */
async function until<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  return withDeadline(
    (async () => {
      for (;;) {
        const out = await check()
        if (out) return out
        await delay(100)
      }
    })(),
    what,
  )
}

const status = async (t: TestServer, name: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  (await t.call('GET', `secretsmanager/rotation/${name}`)).body?.data as Record<string, any>

const failing: RotationFunction = async (event) => {
  if (event.Step === 'setSecret') throw new Error('database unreachable')
}

describe('Secrets Manager rotation on a server', () => {
  let t: TestServer
  const notices: RotationNotice[] = []
  before(async () => {
    t = await startDevServer({
      devAws: true,
      extraRotationBuiltins: { 'always-fails': failing },
      onRotation: (n) => notices.push(n),
    })
    await t.call('PUT', 'sys/audit/file', {
      body: { type: 'file', options: { file_path: join(auditDir.dir, 'audit.log') } },
    })
  })
  const auditDir = makeTempDir()
  after(async () => {
    await t?.close()
    auditDir.remove()
  })

  it('RotateSecret with the built-in function runs the four steps; AWSCURRENT moves; every step is audited', async () => {
    const created = await t.call('POST', 'secretsmanager/secrets/app/db', {
      body: { secret_string: '{"username":"app","password":"first-password"}' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const firstVersion = created.body.data.version_id as string
    const rotated = await t.call('POST', 'secretsmanager/rotation/app/db', {
      body: { rotation_lambda_arn: ARN('coffer-random-password'), automatically_after_days: 30 },
    })
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
    const versionId = rotated.body.data.version_id as string
    const done = await until('the rotation completes', async () => {
      const s = await status(t, 'app/db')
      return s['last_rotated_date'] ? s : undefined
    })
    assert.equal(done['rotation_status'].state, 'Idle')
    const current = await t.call('GET', 'secretsmanager/secrets/app/db')
    assert.equal(current.body.data.version_id, versionId)
    const value = JSON.parse(current.body.data.secret_string)
    assert.equal(value.username, 'app')
    assert.notEqual(value.password, 'first-password')
    const meta = (await t.call('GET', 'secretsmanager/metadata/app/db')).body.data
    assert.deepEqual(meta.version_ids_to_stages, {
      [firstVersion]: ['AWSPREVIOUS'],
      [versionId]: ['AWSCURRENT'],
    })
    assert.match(meta.next_rotation_date, /T23:59:59(\.0+)?Z$/)
    assert.deepEqual(
      notices.filter((n) => n.secretName === 'app/db').map((n) => n.kind),
      ['started', 'succeeded'],
    )
    // Every call the function made went through the pipeline with its own token: the audit log has them.
    const entries = readFileSync(join(auditDir.dir, 'audit.log'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"type":"request"'))
      .map((line) => JSON.parse(line))
      .filter((e) => e.auth?.display_name === 'rotation-coffer-random-password')
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
      assert.ok(
        entries.some((e) => e.request.id.startsWith(`rotation-${versionId}-${step}-`)),
        `${step}'s calls are audited`,
      )
    const paths = new Set(entries.map((e) => `${e.request.operation} ${e.request.path}`))
    for (const call of [
      'read secretsmanager/metadata/app/db',
      'read secretsmanager/secrets/app/db',
      'read secretsmanager/random-password',
      'update secretsmanager/secrets/app/db',
      'update secretsmanager/versions/app/db',
    ])
      assert.ok(paths.has(call), call)
    // Its token held only the temporary policy on this one secret.
    assert.deepEqual(new Set(entries.map((e) => e.auth.policies.length)), new Set([1]))
    // The temporary policy is gone once the rotation ended.
    const policies = (await t.call('LIST', 'sys/policies/acl')).body.data.keys as string[]
    assert.deepEqual(
      policies.filter((p) => p.startsWith('rotation-')),
      [],
    )
  })

  it('rollback: moving AWSCURRENT back to the AWSPREVIOUS version restores the old value', async () => {
    const meta = (await t.call('GET', 'secretsmanager/metadata/app/db')).body.data
    const stages = meta.version_ids_to_stages as Record<string, string[]>
    const previous = Object.keys(stages).find((id) => stages[id]!.includes('AWSPREVIOUS'))!
    const current = Object.keys(stages).find((id) => stages[id]!.includes('AWSCURRENT'))!
    const moved = await aws(t, 'UpdateSecretVersionStage', {
      SecretId: 'app/db',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: previous,
      RemoveFromVersionId: current,
    })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    const value = JSON.parse((await t.call('GET', 'secretsmanager/secrets/app/db')).body.data.secret_string)
    assert.equal(value.password, 'first-password')
  })

  it('a failing function leaves AWSCURRENT readable and the failure visible (DescribeSecret and status)', async () => {
    await t.call('POST', 'secretsmanager/secrets/app/cache', { body: { secret_string: 'cache-password-1' } })
    const rotated = await aws(t, 'RotateSecret', {
      SecretId: 'app/cache',
      RotationLambdaARN: ARN('always-fails'),
    })
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
    const s = await until('the failure is reported', async () => {
      const out = await status(t, 'app/cache')
      return out['rotation_status'].failed_step ? out : undefined
    })
    assert.equal(s['rotation_status'].state, 'Retrying')
    assert.equal(s['rotation_status'].failed_step, 'setSecret')
    assert.equal(s['rotation_status'].failure_message, 'database unreachable')
    assert.equal(s['pending_version_id'], rotated.body.data.VersionId)
    const described = await t.call('GET', 'secretsmanager/metadata/app/cache')
    assert.equal(described.body.data.rotation_status.failed_step, 'setSecret')
    const value = await t.call('GET', 'secretsmanager/secrets/app/cache')
    assert.equal(value.body.data.secret_string, 'cache-password-1')
    assert.ok(
      notices.some((n) => n.kind === 'failed' && n.secretName === 'app/cache' && n.step === 'setSecret'),
    )
  })

  it('refuses a RotationLambdaARN naming no registered or built-in function', async () => {
    await t.call('POST', 'secretsmanager/secrets/app/other', { body: { secret_string: 'x-value' } })
    const refused = await aws(t, 'RotateSecret', { SecretId: 'app/other', RotationLambdaARN: ARN('bin-sh') })
    assert.equal(refused.status, 400)
    assert.match(JSON.stringify(refused.body), /cannot invoke the specified Lambda function/)
  })
})

describe('a rotation due while the server was down', () => {
  it('runs once when the server is back', async () => {
    const dir = makeTempDir()
    const clock = new ManualClock()
    const start = () =>
      startServer({ dev: true, dataDir: dir.dir, listenAddress: '127.0.0.1:0', devAws: false, clock }).then(
        wrap,
      )
    try {
      let t = await start()
      await t.call('PUT', 'sys/mounts/secretsmanager', { body: { type: 'secretsmanager' } })
      await t.call('POST', 'secretsmanager/secrets/svc', { body: { secret_string: 'svc-password-1' } })
      const configured = await t.call('POST', 'secretsmanager/rotation/svc', {
        body: {
          rotation_lambda_arn: ARN('coffer-random-password'),
          automatically_after_days: 1,
          rotate_immediately: false,
        },
      })
      assert.equal(configured.status, 200, JSON.stringify(configured.body))
      await t.close()
      // Three days pass while the server is down: three windows were missed.
      clock.advance(3 * 24 * 3600)
      t = await start()
      try {
        const s = await until('the missed rotation runs', async () => {
          const out = await status(t, 'svc')
          return out['last_rotated_date'] ? out : undefined
        })
        assert.equal(Date.parse(s['last_rotated_date']), clock.now())
        assert.ok(Date.parse(s['next_rotation_date']) > clock.now())
        const versions = await t.call('GET', 'secretsmanager/versions/svc')
        assert.equal(versions.status, 200, JSON.stringify(versions.body))
        assert.equal(
          Object.keys(versions.body.data.versions ?? {}).length || versions.body.data.keys?.length,
          2,
        )
      } finally {
        await t.close()
      }
    } finally {
      dir.remove()
    }
  })
})
