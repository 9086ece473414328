// CreateSecret, GetSecretValue, PutSecretValue, UpdateSecret and DescribeSecret with AWS's semantics and errors.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { awsError, makeSm, START, token } from '../test-helpers.ts'

const ARN_SHAPE = /^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/db-[A-Za-z0-9]{6}$/

describe('CreateSecret', () => {
  it('creates version 1 as AWSCURRENT and answers ARN, Name and VersionId', async () => {
    const sm = await makeSm()
    const out = await sm.aws('CreateSecret', {
      Name: 'prod/db',
      SecretString: '{"u":"a"}',
      ClientRequestToken: token(1),
    })
    assert.match(String(out['ARN']), ARN_SHAPE)
    assert.equal(out['Name'], 'prod/db')
    assert.equal(out['VersionId'], token(1))
    const got = await sm.aws('GetSecretValue', { SecretId: 'prod/db' })
    assert.deepEqual(got['VersionStages'], ['AWSCURRENT'])
    assert.equal(got['SecretString'], '{"u":"a"}')
    assert.equal(got['CreatedDate'], START / 1000)
  })

  it('without a value has no versions; Description, KmsKeyId, Tags and Type are stored', async () => {
    const sm = await makeSm()
    const key = sm.keys.create('k')
    const out = await sm.aws('CreateSecret', {
      Name: 'empty',
      Description: 'd',
      KmsKeyId: 'alias/k',
      Type: 't',
      Tags: [{ Key: 'team', Value: 'a' }],
    })
    assert.equal(out['VersionId'], undefined)
    const d = await sm.aws('DescribeSecret', { SecretId: 'empty' })
    assert.equal(d['Description'], 'd')
    // Recorded as the key's ARN, whichever form named it.
    assert.equal(d['KmsKeyId'], key.arn)
    assert.equal(d['Type'], 't')
    assert.deepEqual(d['Tags'], [{ Key: 'team', Value: 'a' }])
    // AWS answers only members that have a value: no versions, no map; never configured for rotation, no
    // RotationEnabled (the API reference: "If the secret has never been configured for rotation, … null").
    assert.equal('VersionIdsToStages' in d, false)
    assert.equal('RotationEnabled' in d, false)
    const listed = (await sm.aws('ListSecrets', {}))['SecretList'] as Record<string, unknown>[]
    assert.equal('SecretVersionsToStages' in listed[0]!, false)
    assert.equal('RotationEnabled' in listed[0]!, false)
    assert.deepEqual(await awsError(sm.aws('GetSecretValue', { SecretId: 'empty' })), {
      type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    })
  })

  it('a tag key given twice is kept once, with the last value, as TagResource keeps it', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', {
      Name: 'tagged-twice',
      Tags: [
        { Key: 'team', Value: 'a' },
        { Key: 'env', Value: 'prod' },
        { Key: 'team', Value: 'b' },
      ],
    })
    const d = await sm.aws('DescribeSecret', { SecretId: 'tagged-twice' })
    assert.deepEqual(d['Tags'], [
      { Key: 'team', Value: 'b' },
      { Key: 'env', Value: 'prod' },
    ])
  })

  it('a retry with the same token and content gives the same answer; different content is ResourceExistsException', async () => {
    const sm = await makeSm()
    const input = { Name: 'a', SecretString: 'v', ClientRequestToken: token('c') }
    const first = await sm.aws('CreateSecret', input)
    assert.deepEqual(await sm.aws('CreateSecret', input), first)
    // AWS's wording names the token and the secret's ARN (never the value).
    assert.deepEqual(await awsError(sm.aws('CreateSecret', { ...input, SecretString: 'w' })), {
      type: 'ResourceExistsException',
      message: `You can't use ClientRequestToken ${token('c')} because that value is already in use for a version of secret ${first['ARN']}.`,
    })
    const exists = {
      type: 'ResourceExistsException',
      message: 'The operation failed because the secret a already exists.',
    }
    assert.deepEqual(
      await awsError(sm.aws('CreateSecret', { ...input, ClientRequestToken: token('d') })),
      exists,
    )
    assert.deepEqual(await awsError(sm.aws('CreateSecret', { Name: 'a', SecretString: 'v' })), exists)
  })

  it('refuses bad input with AWS error types, never echoing the value', async () => {
    const sm = await makeSm()
    const both = await awsError(
      sm.aws('CreateSecret', { Name: 'b', SecretString: 'hunter2', SecretBinary: 'AAE=' }),
    )
    assert.equal(both.type, 'InvalidParameterException')
    assert.ok(!both.message.includes('hunter2'))
    assert.equal(
      (await awsError(sm.aws('CreateSecret', { Name: 'b', SecretString: 'x', ClientRequestToken: 'short' })))
        .message,
      'ClientRequestToken must be 32-64 characters long.',
    )
    assert.equal(
      (await awsError(sm.aws('CreateSecret', { Name: 'bad name!' }))).type,
      'InvalidParameterException',
    )
    const big = await awsError(sm.aws('CreateSecret', { Name: 'b', SecretString: 's'.repeat(65537) }))
    assert.equal(big.type, 'ValidationException')
    assert.equal(
      (await awsError(sm.aws('CreateSecret', { Name: 'b', SecretBinary: 'not base64!' }))).type,
      'ValidationException',
    )
    assert.equal((await awsError(sm.aws('CreateSecret', {}))).type, 'ValidationException')
  })

  it('a name waiting for deletion cannot be created again', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 'gone', SecretString: 'v' })
    await sm.aws('DeleteSecret', { SecretId: 'gone' })
    const e = await awsError(sm.aws('CreateSecret', { Name: 'gone', SecretString: 'v' }))
    assert.equal(e.type, 'InvalidRequestException')
  })

  it('binary values round-trip as base64', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 'bin', SecretBinary: 'AAFiaW5hcnk=' })
    const got = await sm.aws('GetSecretValue', { SecretId: 'bin' })
    assert.equal(got['SecretBinary'], 'AAFiaW5hcnk=')
    assert.equal(got['SecretString'], undefined)
  })
})

describe('GetSecretValue', () => {
  it('finds a secret by name, full ARN and partial ARN; a wrong suffix, region or account is not found', async () => {
    const sm = await makeSm()
    const { ARN } = await sm.aws('CreateSecret', { Name: 'prod/db', SecretString: 'v' })
    const arn = String(ARN)
    for (const id of ['prod/db', arn, arn.slice(0, -7)])
      assert.equal((await sm.aws('GetSecretValue', { SecretId: id }))['SecretString'], 'v')
    const notFound = {
      type: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
    }
    assert.deepEqual(
      await awsError(sm.aws('GetSecretValue', { SecretId: `${arn.slice(0, -6)}zzzzzz` })),
      notFound,
    )
    assert.deepEqual(
      await awsError(sm.aws('GetSecretValue', { SecretId: arn.replace('us-east-1', 'eu-west-1') })),
      notFound,
    )
    assert.deepEqual(
      await awsError(sm.aws('GetSecretValue', { SecretId: arn.replace('000000000000', '111111111111') })),
      notFound,
    )
    assert.deepEqual(await awsError(sm.aws('GetSecretValue', { SecretId: 'nope' })), notFound)
  })

  it('selects by VersionId and VersionStage; both must agree', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: 'one', ClientRequestToken: token(1) })
    await sm.aws('PutSecretValue', { SecretId: 's', SecretString: 'two', ClientRequestToken: token(2) })
    assert.equal(
      (await sm.aws('GetSecretValue', { SecretId: 's', VersionStage: 'AWSPREVIOUS' }))['SecretString'],
      'one',
    )
    assert.equal(
      (await sm.aws('GetSecretValue', { SecretId: 's', VersionId: token(1) }))['SecretString'],
      'one',
    )
    assert.equal(
      (await sm.aws('GetSecretValue', { SecretId: 's', VersionId: token(2), VersionStage: 'AWSCURRENT' }))[
        'SecretString'
      ],
      'two',
    )
    assert.equal(
      (
        await awsError(
          sm.aws('GetSecretValue', { SecretId: 's', VersionId: token(1), VersionStage: 'AWSCURRENT' }),
        )
      ).type,
      'InvalidRequestException',
    )
    assert.deepEqual(await awsError(sm.aws('GetSecretValue', { SecretId: 's', VersionId: token(9) })), {
      type: 'ResourceNotFoundException',
      message: `Secrets Manager can't find the specified secret value for VersionId: ${token(9)}`,
    })
    assert.equal(
      (await awsError(sm.aws('GetSecretValue', { SecretId: 's', VersionStage: 'AWSPENDING' }))).type,
      'ResourceNotFoundException',
    )
  })

  it('a secret marked for deletion answers InvalidRequestException', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 'd', SecretString: 'v' })
    await sm.aws('DeleteSecret', { SecretId: 'd', RecoveryWindowInDays: 7 })
    assert.deepEqual(await awsError(sm.aws('GetSecretValue', { SecretId: 'd' })), {
      type: 'InvalidRequestException',
      message: "You can't perform this operation on the secret because it was marked for deletion.",
    })
  })

  it('uses the region and account of the context', async () => {
    const sm = await makeSm({ mountOptions: { region: 'eu-central-1', account_id: '123456789012' } })
    const { ARN } = await sm.aws('CreateSecret', { Name: 'r', SecretString: 'v' })
    assert.match(String(ARN), /^arn:aws:secretsmanager:eu-central-1:123456789012:secret:r-/)
    const viaHeader = await sm.call(
      'create',
      'secrets/s',
      { Name: 's', SecretString: 'v' },
      { headers: { 'x-amz-target': 'secretsmanager.CreateSecret', 'x-coffer-aws-region': 'ap-south-1' } },
    )
    assert.match(String(viaHeader?.data?.['ARN']), /^arn:aws:secretsmanager:ap-south-1:123456789012:/)
  })
})

describe('PutSecretValue', () => {
  it('moves AWSCURRENT to the new version and AWSPREVIOUS to the old one', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: '1', ClientRequestToken: token(1) })
    const out = await sm.aws('PutSecretValue', {
      SecretId: 's',
      SecretString: '2',
      ClientRequestToken: token(2),
    })
    assert.deepEqual(out['VersionStages'], ['AWSCURRENT'])
    await sm.aws('PutSecretValue', { SecretId: 's', SecretString: '3', ClientRequestToken: token(3) })
    const d = await sm.aws('DescribeSecret', { SecretId: 's' })
    assert.deepEqual(d['VersionIdsToStages'], { [token(2)]: ['AWSPREVIOUS'], [token(3)]: ['AWSCURRENT'] })
  })

  it('is idempotent on ClientRequestToken; another value under a used token is refused', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: '1', ClientRequestToken: token(1) })
    const put = { SecretId: 's', SecretString: '2', ClientRequestToken: token(2) }
    const first = await sm.aws('PutSecretValue', put)
    assert.deepEqual(await sm.aws('PutSecretValue', put), first)
    assert.deepEqual(await awsError(sm.aws('PutSecretValue', { ...put, SecretString: 'other' })), {
      type: 'ResourceExistsException',
      message: `You can't use ClientRequestToken ${token(2)} because that value is already in use for a version of secret ${first['ARN']}.`,
    })
    const versions = await sm.aws('ListSecretVersionIds', { SecretId: 's' })
    assert.equal((versions['Versions'] as unknown[]).length, 2)
  })

  it('VersionStages put custom labels on the new version without moving AWSCURRENT', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: '1', ClientRequestToken: token(1) })
    await sm.aws('PutSecretValue', {
      SecretId: 's',
      SecretString: '2',
      ClientRequestToken: token(2),
      VersionStages: ['AWSPENDING', 'blue'],
    })
    await sm.aws('PutSecretValue', {
      SecretId: 's',
      SecretString: '3',
      ClientRequestToken: token(3),
      VersionStages: ['blue'],
    })
    const d = await sm.aws('DescribeSecret', { SecretId: 's' })
    assert.deepEqual(d['VersionIdsToStages'], {
      [token(1)]: ['AWSCURRENT'],
      [token(2)]: ['AWSPENDING'],
      [token(3)]: ['blue'],
    })
  })

  it('the first value of a secret created empty becomes AWSCURRENT whatever the labels asked', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 'e' })
    const out = await sm.aws('PutSecretValue', {
      SecretId: 'e',
      SecretString: 'v',
      VersionStages: ['AWSPENDING'],
    })
    assert.deepEqual(out['VersionStages'], ['AWSPENDING', 'AWSCURRENT'])
  })

  it('errors: no value, unknown secret, deleted secret, too many labels', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: '1' })
    // AWS answers a missing value as a request error, before looking the secret up.
    const noValue = {
      type: 'InvalidRequestException',
      message: 'You must provide either SecretString or SecretBinary.',
    }
    assert.deepEqual(await awsError(sm.aws('PutSecretValue', { SecretId: 's' })), noValue)
    assert.deepEqual(await awsError(sm.aws('PutSecretValue', { SecretId: 'x' })), noValue)
    assert.equal(
      (await awsError(sm.aws('PutSecretValue', { SecretId: 'x', SecretString: 'v' }))).type,
      'ResourceNotFoundException',
    )
    const labels = Array.from({ length: 21 }, (_, i) => `l${i}`)
    assert.equal(
      (await awsError(sm.aws('PutSecretValue', { SecretId: 's', SecretString: 'v', VersionStages: labels })))
        .type,
      'ValidationException',
    )
    await sm.aws('DeleteSecret', { SecretId: 's' })
    assert.equal(
      (await awsError(sm.aws('PutSecretValue', { SecretId: 's', SecretString: 'v' }))).type,
      'InvalidRequestException',
    )
  })
})

describe('UpdateSecret and DescribeSecret', () => {
  it('changes description and KMS key without a version; a value makes a new AWSCURRENT version', async () => {
    const sm = await makeSm()
    sm.keys.create('k1')
    await sm.aws('CreateSecret', {
      Name: 's',
      SecretString: '1',
      ClientRequestToken: token(1),
      KmsKeyId: 'alias/k1',
    })
    sm.tick(5000)
    const meta = await sm.aws('UpdateSecret', { SecretId: 's', Description: 'new', KmsKeyId: '' })
    assert.equal(meta['VersionId'], undefined)
    let d = await sm.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(d['Description'], 'new')
    assert.equal(d['KmsKeyId'], undefined)
    assert.equal(d['LastChangedDate'], (START + 5000) / 1000)
    assert.equal(d['CreatedDate'], START / 1000)
    const withValue = await sm.aws('UpdateSecret', {
      SecretId: 's',
      SecretString: '2',
      ClientRequestToken: token(2),
    })
    assert.equal(withValue['VersionId'], token(2))
    d = await sm.aws('DescribeSecret', { SecretId: 's' })
    assert.deepEqual(d['VersionIdsToStages'], { [token(1)]: ['AWSPREVIOUS'], [token(2)]: ['AWSCURRENT'] })
    assert.deepEqual(
      await awsError(
        sm.aws('UpdateSecret', { SecretId: 's', SecretString: '3', ClientRequestToken: token(2) }),
      ),
      {
        type: 'ResourceExistsException',
        message: `You can't use ClientRequestToken ${token(2)} because that value is already in use for a version of secret ${withValue['ARN']}.`,
      },
    )
    assert.equal(
      (await awsError(sm.aws('UpdateSecret', { SecretId: 'none', Description: 'x' }))).type,
      'ResourceNotFoundException',
    )
  })

  it('DescribeSecret shows DeletedDate for a secret waiting for deletion, and no values', async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', { Name: 's', SecretString: 'hidden' })
    sm.tick(1000)
    await sm.aws('DeleteSecret', { SecretId: 's' })
    const d = await sm.aws('DescribeSecret', { SecretId: 's' })
    assert.equal(d['DeletedDate'], (START + 1000) / 1000)
    assert.ok(!JSON.stringify(d).includes('hidden'))
  })
})
