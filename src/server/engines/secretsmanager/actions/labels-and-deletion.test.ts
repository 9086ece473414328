// UpdateSecretVersionStage, ListSecretVersionIds, DeleteSecret/RestoreSecret, tags and rotation settings.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { awsError, DAY, functionRunner, makeSm, START, smApi, token } from '../test-helpers.ts'

async function threeVersions() {
  const sm = await makeSm()
  await sm.aws('CreateSecret', { Name: 's', SecretString: '1', ClientRequestToken: token(1) })
  await sm.aws('PutSecretValue', { SecretId: 's', SecretString: '2', ClientRequestToken: token(2) })
  await sm.aws('PutSecretValue', {
    SecretId: 's',
    SecretString: '3',
    ClientRequestToken: token(3),
    VersionStages: ['AWSPENDING'],
  })
  return sm
}

const stages = async (sm: Awaited<ReturnType<typeof makeSm>>) =>
  (await sm.aws('DescribeSecret', { SecretId: 's' }))['VersionIdsToStages']

describe('UpdateSecretVersionStage', () => {
  it('moving AWSCURRENT moves AWSPREVIOUS to the version it left (the rotation finishSecret step)', async () => {
    const sm = await threeVersions()
    await sm.aws('UpdateSecretVersionStage', {
      SecretId: 's',
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token(3),
      RemoveFromVersionId: token(2),
    })
    await sm.aws('UpdateSecretVersionStage', {
      SecretId: 's',
      VersionStage: 'AWSPENDING',
      RemoveFromVersionId: token(3),
    })
    assert.deepEqual(await stages(sm), { [token(2)]: ['AWSPREVIOUS'], [token(3)]: ['AWSCURRENT'] })
  })

  it('a label attached elsewhere needs RemoveFromVersionId, and it must be the holder', async () => {
    const sm = await threeVersions()
    assert.deepEqual(
      await awsError(
        sm.aws('UpdateSecretVersionStage', {
          SecretId: 's',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: token(3),
        }),
      ),
      {
        type: 'InvalidParameterException',
        message: `The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version ${token(2)}, so you must explicitly reference that version in RemoveFromVersionId.`,
      },
    )
    const wrong = await awsError(
      sm.aws('UpdateSecretVersionStage', {
        SecretId: 's',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token(3),
        RemoveFromVersionId: token(1),
      }),
    )
    assert.equal(wrong.type, 'InvalidParameterException')
    assert.match(wrong.message, /must be set to the version that currently has the staging label AWSCURRENT/)
  })

  it('AWSCURRENT cannot be removed, only moved; unknown versions and missing targets are refused', async () => {
    const sm = await threeVersions()
    assert.equal(
      (
        await awsError(
          sm.aws('UpdateSecretVersionStage', {
            SecretId: 's',
            VersionStage: 'AWSCURRENT',
            RemoveFromVersionId: token(2),
          }),
        )
      ).type,
      'InvalidParameterException',
    )
    assert.equal(
      (
        await awsError(
          sm.aws('UpdateSecretVersionStage', { SecretId: 's', VersionStage: 'x', MoveToVersionId: token(9) }),
        )
      ).message,
      `Not a valid version: ${token(9)}`,
    )
    assert.equal(
      (await awsError(sm.aws('UpdateSecretVersionStage', { SecretId: 's', VersionStage: 'x' }))).type,
      'InvalidParameterException',
    )
    assert.equal(
      (
        await awsError(
          sm.aws('UpdateSecretVersionStage', {
            SecretId: 's',
            VersionStage: 'x',
            RemoveFromVersionId: token(1),
          }),
        )
      ).type,
      'InvalidParameterException',
    )
    assert.equal(
      (
        await awsError(
          sm.aws('UpdateSecretVersionStage', {
            SecretId: 'none',
            VersionStage: 'x',
            MoveToVersionId: token(1),
          }),
        )
      ).type,
      'ResourceNotFoundException',
    )
  })

  it('attaches a new custom label, and removes it', async () => {
    const sm = await threeVersions()
    await sm.aws('UpdateSecretVersionStage', {
      SecretId: 's',
      VersionStage: 'green',
      MoveToVersionId: token(1),
    })
    assert.deepEqual(((await stages(sm)) as Record<string, string[]>)[token(1)], ['AWSPREVIOUS', 'green'])
    await sm.aws('UpdateSecretVersionStage', {
      SecretId: 's',
      VersionStage: 'green',
      RemoveFromVersionId: token(1),
    })
    assert.deepEqual(((await stages(sm)) as Record<string, string[]>)[token(1)], ['AWSPREVIOUS'])
  })
})

describe('ListSecretVersionIds', () => {
  it('lists labeled versions newest first; IncludeDeprecated adds the unlabeled; pages with NextToken', async () => {
    const sm = await threeVersions()
    await sm.aws('PutSecretValue', { SecretId: 's', SecretString: '4', ClientRequestToken: token(4) })
    const labeled = await sm.aws('ListSecretVersionIds', { SecretId: 's' })
    assert.deepEqual(
      (labeled['Versions'] as { VersionId: string }[]).map((v) => v.VersionId),
      [token(4), token(3), token(2)],
    )
    const all = await sm.aws('ListSecretVersionIds', { SecretId: 's', IncludeDeprecated: true })
    assert.equal((all['Versions'] as unknown[]).length, 4)
    const page1 = await sm.aws('ListSecretVersionIds', {
      SecretId: 's',
      IncludeDeprecated: true,
      MaxResults: 3,
    })
    const page2 = await sm.aws('ListSecretVersionIds', {
      SecretId: 's',
      IncludeDeprecated: true,
      MaxResults: 3,
      NextToken: page1['NextToken'],
    })
    assert.deepEqual(
      (page2['Versions'] as { VersionId: string }[]).map((v) => v.VersionId),
      [token(1)],
    )
    assert.equal(page2['NextToken'], undefined)
    assert.equal(
      (await awsError(sm.aws('ListSecretVersionIds', { SecretId: 's', NextToken: 'garbage' }))).type,
      'InvalidNextTokenException',
    )
  })
})

describe('DeleteSecret and RestoreSecret', () => {
  it('schedules deletion 30 days out by default, or after the given window; restore clears it', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: 'v' })
    const out = await sm.aws('DeleteSecret', { SecretId: 's' })
    assert.equal(out['DeletionDate'], (START + 30 * DAY) / 1000)
    assert.equal((await awsError(sm.aws('DeleteSecret', { SecretId: 's' }))).type, 'InvalidRequestException')
    assert.deepEqual(Object.keys(await sm.aws('RestoreSecret', { SecretId: 's' })), ['ARN', 'Name'])
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 's' }))['SecretString'], 'v')
    const seven = await sm.aws('DeleteSecret', { SecretId: 's', RecoveryWindowInDays: 7 })
    assert.equal(seven['DeletionDate'], (START + 7 * DAY) / 1000)
  })

  it('validates the window and refuses it together with ForceDeleteWithoutRecovery', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: 'v' })
    // The range is checked first: with ForceDeleteWithoutRecovery too, and of a secret that does not exist, AWS
    // answers the range error.
    for (const [SecretId, days, force] of [
      ['s', 6, undefined],
      ['s', 31, undefined],
      ['s', 0, true],
      ['none', 0, true],
    ] as const)
      assert.deepEqual(
        await awsError(
          sm.aws('DeleteSecret', { SecretId, RecoveryWindowInDays: days, ForceDeleteWithoutRecovery: force }),
        ),
        {
          type: 'InvalidParameterException',
          message: 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
        },
      )
    assert.deepEqual(
      await awsError(
        sm.aws('DeleteSecret', { SecretId: 's', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true }),
      ),
      {
        type: 'InvalidParameterException',
        message: "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      },
    )
    assert.equal(
      (await awsError(sm.aws('DeleteSecret', { SecretId: 'none' }))).type,
      'ResourceNotFoundException',
    )
    assert.equal(
      (await awsError(sm.aws('RestoreSecret', { SecretId: 'none' }))).type,
      'ResourceNotFoundException',
    )
  })

  it('a forced delete removes at once, even of a secret waiting for deletion; of an unknown secret it succeeds', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: 'v' })
    await sm.aws('DeleteSecret', { SecretId: 's' })
    const out = await sm.aws('DeleteSecret', { SecretId: 's', ForceDeleteWithoutRecovery: true })
    assert.equal(out['DeletionDate'], START / 1000)
    assert.equal(
      (await awsError(sm.aws('DescribeSecret', { SecretId: 's' }))).type,
      'ResourceNotFoundException',
    )
    assert.deepEqual(await sm.storage.list(''), [])
    assert.equal(
      (await sm.aws('DeleteSecret', { SecretId: 'never', ForceDeleteWithoutRecovery: true }))['Name'],
      'never',
    )
    await sm.aws('CreateSecret', { Name: 's', SecretString: 'again' })
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 's' }))['SecretString'], 'again')
  })
})

describe('TagResource, UntagResource and rotation settings', () => {
  it('adds, replaces and removes tags by case-sensitive key', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', Tags: [{ Key: 'a', Value: '1' }] })
    assert.deepEqual(
      await sm.aws('TagResource', {
        SecretId: 's',
        Tags: [
          { Key: 'a', Value: '2' },
          { Key: 'A', Value: '3' },
        ],
      }),
      {},
    )
    assert.deepEqual((await sm.aws('DescribeSecret', { SecretId: 's' }))['Tags'], [
      { Key: 'a', Value: '2' },
      { Key: 'A', Value: '3' },
    ])
    await sm.aws('UntagResource', { SecretId: 's', TagKeys: ['a'] })
    assert.deepEqual((await sm.aws('DescribeSecret', { SecretId: 's' }))['Tags'], [{ Key: 'A', Value: '3' }])
    // A secret that has had tags shows an empty list once they are all removed; one never tagged shows none.
    await sm.aws('UntagResource', { SecretId: 's', TagKeys: ['A'] })
    assert.deepEqual((await sm.aws('DescribeSecret', { SecretId: 's' }))['Tags'], [])
    await sm.aws('CreateSecret', { Name: 'plain' })
    assert.equal('Tags' in (await sm.aws('DescribeSecret', { SecretId: 'plain' })), false)
    await sm.aws('TagResource', { SecretId: 'plain', Tags: [{ Key: 'k', Value: 'v' }] })
    await sm.aws('UntagResource', { SecretId: 'plain', TagKeys: ['k'] })
    const listed = (await sm.aws('ListSecrets', {}))['SecretList'] as Record<string, unknown>[]
    assert.deepEqual(
      listed.map((entry) => entry['Tags']),
      [[], []],
    )
    assert.equal((await awsError(sm.aws('TagResource', { SecretId: 's' }))).type, 'ValidationException')
    assert.equal(
      (await awsError(sm.aws('TagResource', { SecretId: 'none', Tags: [] }))).type,
      'ResourceNotFoundException',
    )
  })

  it('a secret holds at most 50 tags and no aws: keys; a refused request changes none', async () => {
    const sm = await makeSm()
    const tags = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ Key: `k${from + i}`, Value: 'v' }))
    const refused = async (action: 'CreateSecret' | 'TagResource', input: Record<string, unknown>) =>
      (await awsError(sm.aws(action, input))).type
    assert.equal(
      await refused('CreateSecret', { Name: 'many', Tags: tags(0, 51) }),
      'InvalidParameterException',
    )
    assert.equal(
      (await awsError(sm.aws('DescribeSecret', { SecretId: 'many' }))).type,
      'ResourceNotFoundException',
    )
    await sm.aws('CreateSecret', { Name: 's', Tags: tags(0, 40) })
    assert.equal(
      await refused('TagResource', { SecretId: 's', Tags: tags(40, 11) }),
      'InvalidParameterException',
    )
    for (const Key of ['aws:owner', 'AWS:Owner'])
      assert.equal(
        await refused('TagResource', { SecretId: 's', Tags: [{ Key, Value: 'v' }] }),
        'InvalidParameterException',
      )
    assert.equal(((await sm.aws('DescribeSecret', { SecretId: 's' }))['Tags'] as unknown[]).length, 40)
    // Replacing values of tags it has, and filling up to 50, is allowed.
    await sm.aws('TagResource', { SecretId: 's', Tags: [...tags(0, 40), ...tags(40, 10)] })
    assert.equal(((await sm.aws('DescribeSecret', { SecretId: 's' }))['Tags'] as unknown[]).length, 50)
  })

  it('RotateSecret stores and reports the configuration; CancelRotateSecret turns it off', async () => {
    const sm = await makeSm({ rotation: functionRunner({ rotate: async () => {} }, () => smApi(sm.aws)) })
    await sm.aws('CreateSecret', { Name: 's', SecretString: 'v' })
    assert.equal('RotationEnabled' in (await sm.aws('DescribeSecret', { SecretId: 's' })), false)
    const lambda = 'arn:aws:lambda:us-east-1:000000000000:function:rotate'
    await sm.aws('RotateSecret', {
      SecretId: 's',
      RotationLambdaARN: lambda,
      RotationRules: { AutomaticallyAfterDays: 10 },
      RotateImmediately: false,
    })
    let d = await sm.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(d['RotationEnabled'], true)
    assert.equal(d['RotationLambdaARN'], lambda)
    assert.deepEqual(d['RotationRules'], { AutomaticallyAfterDays: 10 })
    // The window is the whole UTC day ten days on; NextRotationDate is its last second.
    assert.equal(d['NextRotationDate'], (Math.floor(START / DAY) * DAY + 11 * DAY - 1000) / 1000)
    assert.equal(
      (
        await awsError(
          sm.aws('RotateSecret', { SecretId: 's', RotationRules: { AutomaticallyAfterDays: 0 } }),
        )
      ).message,
      'RotationRules.AutomaticallyAfterDays must be within 1-1000.',
    )
    await sm.aws('CancelRotateSecret', { SecretId: 's' })
    d = await sm.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(d['RotationEnabled'], false)
    assert.equal(d['NextRotationDate'], undefined)
  })

  it('RotateSecret refuses while a pending version other than the current one exists', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: 'v' })
    await sm.aws('PutSecretValue', { SecretId: 's', SecretString: 'p', VersionStages: ['AWSPENDING'] })
    assert.deepEqual(
      await awsError(sm.aws('RotateSecret', { SecretId: 's', RotationRules: { AutomaticallyAfterDays: 1 } })),
      {
        type: 'InvalidRequestException',
        message: 'Previous rotation request is still in progress.',
      },
    )
  })
})
