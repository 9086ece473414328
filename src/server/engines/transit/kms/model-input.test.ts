// KMS actions read their input as AWS's model defines it: no member is ignored into an answer the caller did not ask for.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { awsType, b64, dataOf, kms, makeTransit, START } from '../test-helpers.ts'

const A = '11111111-1111-4111-8111-111111111111'
const B = '22222222-2222-4222-8222-222222222222'
const H = '33333333-3333-4333-8333-333333333333'
/** AWS's default key policy: the account's principals, as their IAM (Coffer's ACL) allows. */
const ROOT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' },
  ],
})

describe('KMS input as the model defines it', () => {
  it('CreateKey refuses imported, CloudHSM and external key stores instead of making an ordinary key', async () => {
    const h = await makeTransit()
    const create = (input: Record<string, unknown>) => h.call('create', `keys/${A}`, input, kms('CreateKey'))
    assert.equal(await awsType(create({ Origin: 'EXTERNAL' })), 'UnsupportedOperationException')
    assert.equal(await awsType(create({ Origin: 'AWS_CLOUDHSM' })), 'UnsupportedOperationException')
    assert.equal(await awsType(create({ Origin: 'SOMEWHERE' })), 'ValidationException')
    assert.equal(
      await awsType(create({ CustomKeyStoreId: 'cks-1234567890abcdef0' })),
      'CustomKeyStoreNotFoundException',
    )
    assert.equal(await awsType(create({ XksKeyId: 'external-key' })), 'UnsupportedOperationException')
    // In the model's enums, but not made here: refused as unsupported, not as unknown.
    assert.equal(
      await awsType(create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' })),
      'UnsupportedOperationException',
    )
    assert.equal(
      await awsType(create({ KeySpec: 'ML_DSA_65', KeyUsage: 'SIGN_VERIFY' })),
      'UnsupportedOperationException',
    )
    assert.equal(await awsType(create({ KeyUsage: 'SOMETHING' })), 'ValidationException')
    assert.equal(await awsType(create({ Policy: '' })), 'ValidationException')
    assert.equal(await awsType(create({ Policy: { Statement: [] } })), 'ValidationException')
    assert.equal(await awsType(create({ Policy: 'a\u0001b' })), 'ValidationException')
    assert.equal(await awsType(create({ BypassPolicyLockoutSafetyCheck: 'yes' })), 'ValidationException')
    // None of the refusals made a key; an explicit AWS_KMS origin is the ordinary key.
    assert.deepEqual(dataOf(await h.call('list', 'keys/', {}, kms('ListKeys')))['Keys'], [])
    const made = dataOf(await create({ Origin: 'AWS_KMS', Policy: ROOT_POLICY }))
    assert.equal((made['KeyMetadata'] as Record<string, unknown>)['KeyId'], A)
    assert.equal(
      await awsType(
        h.call('update', 'random', { NumberOfBytes: 8, CustomKeyStoreId: 'cks-1' }, kms('GenerateRandom')),
      ),
      'CustomKeyStoreNotFoundException',
    )
  })

  it('EnableKeyRotation keeps RotationPeriodInDays (90 to 2560 days), 365 when absent', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    const enable = (input: Record<string, unknown>) =>
      h.call('update', `keys/${A}/config`, { KeyId: A, ...input }, kms('EnableKeyRotation'))
    const status = async () =>
      dataOf(await h.call('read', `keys/${A}`, { KeyId: A }, kms('GetKeyRotationStatus')))
    for (const RotationPeriodInDays of [89, 2561, '180', 180.5])
      assert.equal(await awsType(enable({ RotationPeriodInDays })), 'ValidationException')
    assert.equal((await status())['KeyRotationEnabled'], false)
    await enable({ RotationPeriodInDays: 180 })
    // NextRotationDate is when transit's schedule rotates the key: its latest version's creation plus the period.
    assert.deepEqual(await status(), {
      KeyRotationEnabled: true,
      KeyId: A,
      RotationPeriodInDays: 180,
      NextRotationDate: START / 1000 + 180 * 86400,
    })
    assert.equal(dataOf(await h.call('read', `keys/${A}`))['auto_rotate_period'], 180 * 86400)
    await enable({})
    assert.equal((await status())['RotationPeriodInDays'], 365)
  })

  it('a Marker no page ended at is InvalidMarkerException, never an empty last page; ListResourceTags pages by Limit', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    const list = (path: string, action: string, input: Record<string, unknown>) =>
      h.call(path === 'keys/' || path === 'kms/aliases/' ? 'list' : 'read', path, input, kms(action))
    assert.equal(await awsType(list('keys/', 'ListKeys', { Marker: 'garbage' })), 'InvalidMarkerException')
    assert.equal(
      await awsType(list('kms/aliases/', 'ListAliases', { Marker: 'x' })),
      'InvalidMarkerException',
    )
    assert.equal(await awsType(list('keys/', 'ListKeys', { Marker: '' })), 'ValidationException')
    const Tags = ['a', 'b', 'c', 'd', 'e'].map((k) => ({ TagKey: k, TagValue: k.toUpperCase() }))
    await h.call('update', `keys/${A}/config`, { KeyId: A, Tags }, kms('TagResource'))
    const seen: string[] = []
    let Marker: string | undefined
    for (let pages = 0; pages < 5; pages++) {
      const out = dataOf(
        await list(`keys/${A}`, 'ListResourceTags', { KeyId: A, Limit: 2, ...(Marker ? { Marker } : {}) }),
      )
      seen.push(...(out['Tags'] as { TagKey: string }[]).map((t) => t.TagKey))
      Marker = out['NextMarker'] as string | undefined
      assert.equal(out['Truncated'], Marker !== undefined)
      if (!Marker) break
    }
    assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e'])
    assert.equal(
      await awsType(list(`keys/${A}`, 'ListResourceTags', { KeyId: A, Marker: 'zz' })),
      'InvalidMarkerException',
    )
    assert.equal(
      await awsType(list(`keys/${A}`, 'ListResourceTags', { KeyId: A, Limit: 0 })),
      'ValidationException',
    )
    assert.equal(
      await awsType(h.call('update', `keys/${A}/config`, { KeyId: A }, kms('TagResource'))),
      'ValidationException',
    )
  })

  it('tags: TagKey 1 to 128, TagValue up to 256 characters, no aws: keys, 50 a key; a refused CreateKey makes no key', async () => {
    const h = await makeTransit()
    const create = (Tags: unknown) => h.call('create', `keys/${A}`, { Tags }, kms('CreateKey'))
    for (const Tags of [
      [{ TagKey: '', TagValue: 'v' }],
      [{ TagKey: 'k'.repeat(129), TagValue: 'v' }],
      [{ TagKey: 'k', TagValue: 'v'.repeat(257) }],
    ])
      assert.equal(await awsType(create(Tags)), 'ValidationException')
    assert.equal(await awsType(create([{ TagKey: 'AWS:owner', TagValue: 'v' }])), 'TagException')
    assert.deepEqual(dataOf(await h.call('list', 'keys/', {}, kms('ListKeys')))['Keys'], [])
    await create([{ TagKey: 'k'.repeat(128), TagValue: '' }])
    const config = (action: string, input: Record<string, unknown>) =>
      h.call('update', `keys/${A}/config`, { KeyId: A, ...input }, kms(action))
    assert.equal(
      await awsType(config('TagResource', { Tags: [{ TagKey: '', TagValue: 'v' }] })),
      'ValidationException',
    )
    assert.equal(
      await awsType(config('TagResource', { Tags: [{ TagKey: 'aws:x', TagValue: 'v' }] })),
      'TagException',
    )
    assert.equal(await awsType(config('UntagResource', { TagKeys: [''] })), 'ValidationException')
    // At most 50 tags on a key: the 51st is LimitExceededException, and nothing of that request is kept.
    const many = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ TagKey: `t${from + i}`, TagValue: 'v' }))
    assert.equal(await awsType(config('TagResource', { Tags: many(0, 50) })), 'LimitExceededException')
    await config('TagResource', { Tags: many(0, 49) })
    assert.equal(
      await awsType(h.call('create', `keys/${B}`, { Tags: many(0, 51) }, kms('CreateKey'))),
      'LimitExceededException',
    )
    const tags = dataOf(await h.call('read', `keys/${A}`, { KeyId: A, Limit: 100 }, kms('ListResourceTags')))
    assert.deepEqual(tags['Tags'], [{ TagKey: 'k'.repeat(128), TagValue: '' }, ...many(0, 49)])
  })

  it('malformed members are ValidationException, not a state or ciphertext error', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    await h.call(
      'create',
      `keys/${H}`,
      { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
      kms('CreateKey'),
    )
    const sealed = dataOf(
      await h.call('update', `encrypt/${A}`, { KeyId: A, Plaintext: b64('x') }, kms('Encrypt')),
    )
    const blob = sealed['CiphertextBlob']
    assert.equal(
      await awsType(
        h.call('update', `decrypt/${A}`, { CiphertextBlob: blob, EncryptionContext: ['a'] }, kms('Decrypt')),
      ),
      'ValidationException',
    )
    assert.equal(
      await awsType(
        h.call(
          'update',
          `encrypt/${A}`,
          { KeyId: A, Plaintext: b64('x'), EncryptionAlgorithm: 'ROT13' },
          kms('Encrypt'),
        ),
      ),
      'ValidationException',
    )
    // A modeled algorithm this key does not take is still the key's refusal.
    assert.equal(
      await awsType(
        h.call(
          'update',
          `encrypt/${A}`,
          { KeyId: A, Plaintext: b64('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' },
          kms('Encrypt'),
        ),
      ),
      'InvalidKeyUsageException',
    )
    assert.equal(
      await awsType(h.call('update', `hmac/${H}`, { KeyId: H, Message: b64('m') }, kms('GenerateMac'))),
      'ValidationException',
    )
    assert.equal(
      await awsType(
        h.call(
          'update',
          `hmac/${H}`,
          { KeyId: H, Message: b64('m'), MacAlgorithm: 'MD5' },
          kms('GenerateMac'),
        ),
      ),
      'ValidationException',
    )
    assert.equal(
      await awsType(
        h.call(
          'update',
          `hmac/${H}`,
          { KeyId: H, Message: b64('m'), MacAlgorithm: 'HMAC_SHA_512' },
          kms('GenerateMac'),
        ),
      ),
      'InvalidKeyUsageException',
    )
    assert.equal(
      await awsType(h.call('read', `keys/${A}`, { KeyId: 'k'.repeat(2049) }, kms('DescribeKey'))),
      'ValidationException',
    )
  })
})
