// The rotation protocol in process: the four steps, retries with backoff, failure reports, cancel, restart catch-up.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backoffMs, MAX_ATTEMPTS } from '../../../lib/rotation-schedule.ts'
import type { RotationFunction } from '../../../sdk/rotation.ts'
import type { RotationNotice } from '../../../sdk/rotation-runner.ts'
import { MemoryStorage } from '../../physical/memory.ts'
import { randomPasswordRotator } from '../../rotation/random-password.ts'
import type { SmState } from './state.ts'
import {
  awsError,
  DAY,
  functionRunner,
  makeSm,
  rotateDue,
  type SmHarness,
  START,
  smApi,
  token,
} from './test-helpers.ts'

const ARN = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`

/** A harness whose runner knows `functions` (plus the random-password one as `rotate`). */
async function rotating(functions: Record<string, RotationFunction> = {}, storage = new MemoryStorage()) {
  const notices: RotationNotice[] = []
  let h: SmHarness | undefined
  const runner = functionRunner({ rotate: randomPasswordRotator, ...functions }, () => smApi(h!.aws))
  h = await makeSm({ storage, rotation: runner, rotationEvents: (n) => notices.push(n) })
  ;(h.instance.state as SmState).random = () => 0.5
  return { h, runner, notices, storage }
}

const stagesOf = async (h: SmHarness) =>
  (await h.aws('DescribeSecret', { SecretId: 's' }))['VersionIdsToStages'] as Record<string, string[]>

const failingAt =
  (step: string, why = 'connection refused'): RotationFunction =>
  async (event, sm) => {
    if (event.Step === step) throw new Error(why)
    await randomPasswordRotator(event, sm)
  }

describe('rotation protocol', () => {
  it('RotateSecret runs createSecret, setSecret, testSecret, finishSecret with the token; AWSCURRENT moves', async () => {
    const { h, runner, notices } = await rotating()
    const created = await h.aws('CreateSecret', {
      Name: 's',
      SecretString: '{"username":"app","password":"old-password"}',
    })
    const out = await h.aws('RotateSecret', {
      SecretId: 's',
      RotationLambdaARN: ARN('rotate'),
      RotationRules: { AutomaticallyAfterDays: 7 },
    })
    const versionId = out['VersionId'] as string
    assert.match(versionId, /^[0-9a-f-]{36}$/)
    // Before the steps run, the pending version exists without a value, as the function expects.
    assert.deepEqual((await stagesOf(h))[versionId], ['AWSPENDING'])
    assert.equal(
      (await awsError(h.aws('GetSecretValue', { SecretId: 's', VersionId: versionId }))).type,
      'ResourceNotFoundException',
    )
    // AWSCURRENT cannot be moved onto it while it has no value.
    const early = await awsError(
      h.aws('UpdateSecretVersionStage', {
        SecretId: 's',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: versionId,
        RemoveFromVersionId: created['VersionId'],
      }),
    )
    assert.equal(early.type, 'InvalidParameterException')
    await rotateDue(h)
    assert.deepEqual(
      runner.events.map((e) => [e.Step, e.ClientRequestToken, e.SecretId]),
      ['createSecret', 'setSecret', 'testSecret', 'finishSecret'].map((s) => [s, versionId, created['ARN']]),
    )
    const stages = await stagesOf(h)
    assert.deepEqual(stages[versionId], ['AWSCURRENT'])
    assert.deepEqual(stages[created['VersionId'] as string], ['AWSPREVIOUS'])
    const value = JSON.parse((await h.aws('GetSecretValue', { SecretId: 's' }))['SecretString'] as string)
    assert.equal(value.username, 'app')
    assert.notEqual(value.password, 'old-password')
    const d = await h.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(d['LastRotatedDate'], START / 1000)
    // AutomaticallyAfterDays: the window is the whole UTC day seven days on; NextRotationDate is its last second.
    const midnight = Math.floor(START / DAY) * DAY
    assert.equal(d['NextRotationDate'], (midnight + 8 * DAY - 1000) / 1000)
    assert.equal(d['RotationStatus'], undefined)
    assert.deepEqual(
      notices.map((n) => [n.kind, n.secretName, n.token]),
      [
        ['started', 's', versionId],
        ['succeeded', 's', versionId],
      ],
    )
    // The same notices reach subscribers and sinks as change events on the secret's data path.
    const rotationEvents = h.events.filter((e) => e.type.startsWith('secretsmanager/rotation-'))
    assert.deepEqual(
      rotationEvents.map((e) => [e.type, e.dataPath, e.metadata?.['rotation_id']]),
      [
        ['secretsmanager/rotation-started', 'secrets/s', versionId],
        ['secretsmanager/rotation-succeeded', 'secrets/s', versionId],
      ],
    )
  })

  it('a failing step leaves AWSCURRENT readable, reports the step, retries with backoff, then waits', async () => {
    let broken = true
    const { h, notices } = await rotating({
      flaky: async (event, sm) => {
        if (broken && event.Step === 'setSecret')
          throw new Error('could not reach db (password hunter2-secret-pw)')
        await randomPasswordRotator(event, sm)
      },
    })
    await h.aws('CreateSecret', { Name: 's', SecretString: 'hunter2-secret-pw' })
    const { VersionId } = await h.aws('RotateSecret', { SecretId: 's', RotationLambdaARN: ARN('flaky') })
    await rotateDue(h)
    assert.equal((await h.aws('GetSecretValue', { SecretId: 's' }))['SecretString'], 'hunter2-secret-pw')
    let status = (await h.aws('DescribeSecret', { SecretId: 's' }))['RotationStatus'] as Record<
      string,
      unknown
    >
    assert.equal(status['State'], 'Retrying')
    assert.equal(status['FailedStep'], 'setSecret')
    assert.equal(status['Attempts'], 1)
    // The secret's own value never reaches the report.
    assert.equal(status['FailureMessage'], 'could not reach db (password [redacted])')
    assert.equal(status['NextAttemptDate'], (START + backoffMs(1)) / 1000)
    // Nothing runs before the backoff has passed.
    h.tick(backoffMs(1) - 1000)
    await rotateDue(h)
    assert.equal(
      ((await h.aws('DescribeSecret', { SecretId: 's' }))['RotationStatus'] as { Attempts: number }).Attempts,
      1,
    )
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      h.tick(backoffMs(attempt))
      await rotateDue(h)
    }
    status = (await h.aws('DescribeSecret', { SecretId: 's' }))['RotationStatus'] as Record<string, unknown>
    assert.equal(status['State'], 'Failed')
    assert.equal(status['Attempts'], MAX_ATTEMPTS)
    assert.equal(status['NextAttemptDate'], undefined)
    assert.equal(notices.filter((n) => n.kind === 'failed').length, MAX_ATTEMPTS)
    assert.equal(notices.filter((n) => n.kind === 'started').length, 1)
    assert.deepEqual(notices.at(-1), {
      kind: 'failed',
      mountPath: 'secretsmanager/',
      secretName: 's',
      token: VersionId,
      step: 'setSecret',
      message: 'could not reach db (password [redacted])',
      final: true,
    })
    // Its event names the step but carries no message: what a function printed never leaves the rotation status.
    const failed = h.events.filter((e) => e.type === 'secretsmanager/rotation-failed').at(-1)
    assert.deepEqual(failed?.metadata, {
      operation: 'rotation-failed',
      name: 's',
      rotation_id: VersionId,
      step: 'setSecret',
      final: 'true',
    })
    // AWS: a new RotateSecret reattempts the unfinished rotation (same token) rather than starting another.
    assert.deepEqual(await awsError(h.aws('RotateSecret', { SecretId: 's' })), {
      type: 'InvalidRequestException',
      message: "A previous rotation isn't complete. That rotation will be reattempted.",
    })
    broken = false
    await rotateDue(h)
    const stages = await stagesOf(h)
    assert.deepEqual(stages[VersionId as string], ['AWSCURRENT'])
    assert.equal(Object.values(stages).flat().includes('AWSPENDING'), false)
    assert.equal((await h.aws('DescribeSecret', { SecretId: 's' }))['RotationStatus'], undefined)
  })

  it('finishSecret that does not move AWSCURRENT is a failure at finishSecret', async () => {
    const { h } = await rotating({
      lazy: async (event, sm) => {
        if (event.Step !== 'finishSecret') await randomPasswordRotator(event, sm)
      },
    })
    await h.aws('CreateSecret', { Name: 's', SecretString: 'v-original' })
    await h.aws('RotateSecret', { SecretId: 's', RotationLambdaARN: ARN('lazy') })
    await rotateDue(h)
    const status = (await h.aws('DescribeSecret', { SecretId: 's' }))['RotationStatus'] as Record<
      string,
      unknown
    >
    assert.equal(status['FailedStep'], 'finishSecret')
    assert.equal((await h.aws('GetSecretValue', { SecretId: 's' }))['SecretString'], 'v-original')
  })

  it('a ClientRequestToken makes RotateSecret idempotent: one rotation, one version', async () => {
    const { h, runner } = await rotating()
    await h.aws('CreateSecret', { Name: 's', SecretString: 'v-original' })
    const first = await h.aws('RotateSecret', {
      SecretId: 's',
      RotationLambdaARN: ARN('rotate'),
      ClientRequestToken: token(1),
    })
    const again = await h.aws('RotateSecret', {
      SecretId: 's',
      RotationLambdaARN: ARN('rotate'),
      ClientRequestToken: token(1),
    })
    assert.deepEqual(again, first)
    assert.equal(first['VersionId'], token(1))
    await rotateDue(h)
    const after = await h.aws('RotateSecret', {
      SecretId: 's',
      RotationLambdaARN: ARN('rotate'),
      ClientRequestToken: token(1),
    })
    assert.deepEqual(after, first)
    await rotateDue(h)
    assert.equal(runner.events.filter((e) => e.Step === 'createSecret').length, 1)
    assert.equal(Object.keys(await stagesOf(h)).length, 2)
  })

  it('refuses a function the server does not know with AWS’s Lambda error, and stores nothing', async () => {
    const { h } = await rotating()
    await h.aws('CreateSecret', { Name: 's', SecretString: 'v' })
    assert.deepEqual(
      await awsError(h.aws('RotateSecret', { SecretId: 's', RotationLambdaARN: ARN('nope') })),
      {
        type: 'AccessDeniedException',
        message:
          'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
      },
    )
    assert.equal((await h.aws('DescribeSecret', { SecretId: 's' }))['RotationEnabled'], undefined)
  })

  it('refuses a malformed ExternalSecretRotationRoleArn or ExternalSecretRotationMetadata, and stores nothing', async () => {
    const { h } = await rotating()
    await h.aws('CreateSecret', { Name: 's', SecretString: 'v' })
    const rotate = (extra: Record<string, unknown>) =>
      h.aws('RotateSecret', {
        SecretId: 's',
        RotationLambdaARN: ARN('rotate'),
        RotateImmediately: false,
        ...extra,
      })
    for (const extra of [
      { ExternalSecretRotationRoleArn: 'short' },
      { ExternalSecretRotationRoleArn: 12345 },
      { ExternalSecretRotationMetadata: 'key=value' },
      { ExternalSecretRotationMetadata: [{ Key: '', Value: 'v' }] },
      { ExternalSecretRotationMetadata: [{ Key: 'k', Value: 7 }] },
    ])
      assert.equal((await awsError(rotate(extra))).type, 'ValidationException', JSON.stringify(extra))
    assert.equal((await h.aws('DescribeSecret', { SecretId: 's' }))['RotationEnabled'], undefined)
    await rotate({
      ExternalSecretRotationRoleArn: 'arn:aws:iam::000000000000:role/partner',
      ExternalSecretRotationMetadata: [{ Key: 'k', Value: 'v' }],
    })
    assert.equal((await h.aws('DescribeSecret', { SecretId: 's' }))['RotationEnabled'], true)
  })

  it('refuses schedules more frequent than every four hours', async () => {
    const { h } = await rotating()
    await h.aws('CreateSecret', { Name: 's', SecretString: 'v' })
    for (const ScheduleExpression of ['rate(2 hours)', 'cron(0 */2 * * ? *)', 'cron(0,30 8 * * ? *)']) {
      const error = await awsError(
        h.aws('RotateSecret', {
          SecretId: 's',
          RotationLambdaARN: ARN('rotate'),
          RotationRules: { ScheduleExpression },
        }),
      )
      assert.equal(error.type, 'InvalidParameterException', ScheduleExpression)
      assert.match(error.message, /every four hours/)
    }
  })

  it('RotateImmediately=false schedules; the rotation runs in its window, once', async () => {
    const { h, runner } = await rotating()
    await h.aws('CreateSecret', { Name: 's', SecretString: 'v-original' })
    const out = await h.aws('RotateSecret', {
      SecretId: 's',
      RotationLambdaARN: ARN('rotate'),
      RotationRules: { ScheduleExpression: 'cron(0 10 * * ? *)', Duration: '2h' },
      RotateImmediately: false,
    })
    assert.equal(out['VersionId'], undefined)
    const midnight = Math.floor(START / DAY) * DAY
    const d = await h.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(d['NextRotationDate'], (midnight + 12 * 3600_000 - 1000) / 1000)
    await rotateDue(h)
    assert.equal(runner.events.length, 0)
    // random() = 0.5: one hour into the two-hour window.
    h.clock.now = midnight + 11 * 3600_000 - 1
    await rotateDue(h)
    assert.equal(runner.events.length, 0)
    h.clock.now = midnight + 11 * 3600_000
    await rotateDue(h)
    await rotateDue(h)
    assert.equal(runner.events.filter((e) => e.Step === 'createSecret').length, 1)
    const after = await h.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(after['NextRotationDate'], (midnight + DAY + 12 * 3600_000 - 1000) / 1000)
  })

  it('a rotation that fell due while the server was down runs once after the restart', async () => {
    const storage = new MemoryStorage()
    const first = await rotating({}, storage)
    await first.h.aws('CreateSecret', { Name: 's', SecretString: 'v-original' })
    await first.h.aws('RotateSecret', {
      SecretId: 's',
      RotationLambdaARN: ARN('rotate'),
      RotationRules: { AutomaticallyAfterDays: 1 },
      RotateImmediately: false,
    })
    // Down for five days: five windows passed.
    const second = await rotating({}, storage)
    second.h.clock.now = START + 5 * DAY
    await rotateDue(second.h)
    await rotateDue(second.h)
    assert.equal(second.runner.events.filter((e) => e.Step === 'createSecret').length, 1)
    const d = await second.h.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(d['LastRotatedDate'], (START + 5 * DAY) / 1000)
    assert.ok((d['NextRotationDate'] as number) > (START + 5 * DAY) / 1000)
  })

  it('CancelRotateSecret stops a waiting retry and future rotations; AWSPENDING stays for the operator', async () => {
    const { h, runner } = await rotating({ bad: failingAt('createSecret') })
    await h.aws('CreateSecret', { Name: 's', SecretString: 'v-original' })
    const { VersionId } = await h.aws('RotateSecret', {
      SecretId: 's',
      RotationLambdaARN: ARN('bad'),
      RotationRules: { AutomaticallyAfterDays: 1 },
    })
    await rotateDue(h)
    const cancelled = await h.aws('CancelRotateSecret', { SecretId: 's' })
    assert.equal(cancelled['VersionId'], VersionId)
    const ran = runner.events.length
    h.tick(10 * DAY)
    await rotateDue(h)
    assert.equal(runner.events.length, ran)
    const d = await h.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(d['RotationEnabled'], false)
    assert.equal(d['NextRotationDate'], undefined)
  })

  it('rollback: UpdateSecretVersionStage moves AWSCURRENT back to the AWSPREVIOUS version', async () => {
    const { h } = await rotating()
    const created = await h.aws('CreateSecret', { Name: 's', SecretString: 'v-original' })
    const { VersionId } = await h.aws('RotateSecret', { SecretId: 's', RotationLambdaARN: ARN('rotate') })
    await rotateDue(h)
    await h.aws('UpdateSecretVersionStage', {
      SecretId: 's',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: created['VersionId'],
      RemoveFromVersionId: VersionId,
    })
    assert.equal((await h.aws('GetSecretValue', { SecretId: 's' }))['SecretString'], 'v-original')
    const stages = await stagesOf(h)
    assert.deepEqual(stages[created['VersionId'] as string], ['AWSCURRENT'])
    assert.deepEqual(stages[VersionId as string], ['AWSPREVIOUS'])
  })

  it('the Vault API: rotation/<name> read shows the status; LIST rotation/ the rotating secrets', async () => {
    const { h } = await rotating({ bad: failingAt('testSecret') })
    await h.aws('CreateSecret', { Name: 'a/b', SecretString: 'v-original' })
    await h.aws('CreateSecret', { Name: 'plain', SecretString: 'v' })
    await h.call('update', 'rotation/a/b', { rotation_lambda_arn: ARN('bad'), automatically_after_days: 3 })
    await rotateDue(h)
    const status = (await h.call('read', 'rotation/a/b'))?.data as Record<string, unknown>
    assert.equal(status['rotation_enabled'], true)
    assert.equal((status['rotation_status'] as Record<string, unknown>)['failed_step'], 'testSecret')
    assert.match(String(status['next_rotation_date']), /^\d{4}-\d\d-\d\dT/)
    assert.deepEqual((await h.call('list', 'rotation/'))?.data, { keys: ['a/b'] })
  })
})
