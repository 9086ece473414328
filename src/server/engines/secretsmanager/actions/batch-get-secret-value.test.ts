// BatchGetSecretValue: by SecretIdList or Filters, per-secret failures in Errors, and the adapter's fan-out hook.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { actionContext } from '../context.ts'
import { AwsError } from '../errors.ts'
import type { SmState } from '../state.ts'
import { awsError, makeSm } from '../test-helpers.ts'
import { batchGetSecretValue } from './batch-get-secret-value.ts'

async function setup() {
  const sm = await makeSm()
  for (const name of ['app/a', 'app/b', 'other'])
    await sm.aws('CreateSecret', { Name: name, SecretString: `v-${name}` })
  await sm.aws('CreateSecret', { Name: 'app/deleted', SecretString: 'x' })
  await sm.aws('DeleteSecret', { SecretId: 'app/deleted' })
  const ctx = actionContext(
    { storage: sm.storage, now: () => sm.clock.now, state: sm.instance.state as SmState },
    sm.system.mount,
  )
  return { sm, ctx }
}

describe('BatchGetSecretValue', () => {
  it('answers the listed secrets and puts failures in Errors', async () => {
    const { ctx } = await setup()
    const out = await batchGetSecretValue(ctx, { SecretIdList: ['app/a', 'missing', 'app/deleted'] })
    assert.deepEqual(
      (out['SecretValues'] as { Name: string; SecretString: string }[]).map((v) => [v.Name, v.SecretString]),
      [['app/a', 'v-app/a']],
    )
    assert.deepEqual(
      (out['Errors'] as { SecretId: string; ErrorCode: string }[]).map((e) => [e.SecretId, e.ErrorCode]),
      [
        ['missing', 'ResourceNotFoundException'],
        ['app/deleted', 'InvalidRequestException'],
      ],
    )
  })

  it('with Filters answers the matching live secrets, paged', async () => {
    const { ctx } = await setup()
    const first = await batchGetSecretValue(ctx, {
      Filters: [{ Key: 'name', Values: ['app/'] }],
      MaxResults: 1,
    })
    assert.deepEqual(
      (first['SecretValues'] as { Name: string }[]).map((v) => v.Name),
      ['app/a'],
    )
    const second = await batchGetSecretValue(ctx, {
      Filters: [{ Key: 'name', Values: ['app/'] }],
      MaxResults: 1,
      NextToken: first['NextToken'],
    })
    assert.deepEqual(
      (second['SecretValues'] as { Name: string }[]).map((v) => v.Name),
      ['app/b'],
    )
    assert.equal(second['NextToken'], undefined)
  })

  it('a refusal from the adapter-supplied fetch lands in Errors as AccessDeniedException', async () => {
    const { ctx } = await setup()
    const out = await batchGetSecretValue(ctx, { SecretIdList: ['app/a'] }, async () => {
      throw new AwsError('AccessDeniedException', 'permission denied')
    })
    assert.deepEqual(out['Errors'], [
      { SecretId: 'app/a', ErrorCode: 'AccessDeniedException', Message: 'permission denied' },
    ])
  })

  it('refuses both forms together, neither, and MaxResults without Filters', async () => {
    const { ctx } = await setup()
    const type = async (input: Record<string, unknown>) =>
      (await awsError(batchGetSecretValue(ctx, input))).type
    assert.equal(
      await type({ SecretIdList: ['a'], Filters: [{ Key: 'name', Values: ['a'] }] }),
      'InvalidParameterException',
    )
    assert.equal(await type({}), 'InvalidParameterException')
    assert.equal(await type({ SecretIdList: ['a'], MaxResults: 5 }), 'InvalidParameterException')
    assert.equal(
      await type({ SecretIdList: Array.from({ length: 21 }, (_, i) => `s${i}`) }),
      'ValidationException',
    )
  })

  it('through the engine path it is refused: the adapter fans it out so each secret gets its own read check', async () => {
    const { sm } = await setup()
    assert.equal(
      (await awsError(sm.aws('BatchGetSecretValue', { SecretIdList: ['app/a'] }))).type,
      'InvalidRequestException',
    )
  })

  it('each secret it returns counts as read (LastAccessedDate); one it does not return does not', async () => {
    const { sm, ctx } = await setup()
    await batchGetSecretValue(ctx, { SecretIdList: ['app/a', 'missing'] })
    const midnight = Date.UTC(2026, 0, 2) / 1000
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/a' }))['LastAccessedDate'], midnight)
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'app/b' }))['LastAccessedDate'], undefined)
    await Promise.all((sm.instance.state as SmState).accessWrites)
  })
})
