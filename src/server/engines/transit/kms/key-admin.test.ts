// UpdateKeyDescription, the key policy, on-demand rotation and data key pairs, inside the transit engine.
import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { describe, it } from 'node:test'
import { awsType, dataOf, kms, makeTransit } from '../test-helpers.ts'

const A = '11111111-1111-4111-8111-111111111111'

async function withKey(input: Record<string, unknown> = {}) {
  const h = await makeTransit()
  await h.call('create', `keys/${A}`, input, kms('CreateKey'))
  const act = (action: string, operation: 'read' | 'update' | 'delete', path: string, body = {}) =>
    h.call(operation, path, { KeyId: A, ...body }, kms(action))
  return { h, act }
}

describe('KMS key administration', () => {
  it('UpdateKeyDescription changes what DescribeKey shows; a key pending deletion keeps its own', async () => {
    const { act } = await withKey({ Description: 'first' })
    await act('UpdateKeyDescription', 'update', `keys/${A}/config`, { Description: 'second' })
    const described = dataOf(await act('DescribeKey', 'read', `keys/${A}`))
    assert.equal((described['KeyMetadata'] as Record<string, unknown>)['Description'], 'second')
    assert.equal(
      await awsType(act('UpdateKeyDescription', 'update', `keys/${A}/config`)),
      'ValidationException',
    )
    assert.equal(
      await awsType(
        act('UpdateKeyDescription', 'update', `keys/${A}/config`, { Description: 'x'.repeat(8193) }),
      ),
      'ValidationException',
    )
    await act('ScheduleKeyDeletion', 'delete', `keys/${A}`, { PendingWindowInDays: 7 })
    assert.equal(
      await awsType(act('UpdateKeyDescription', 'update', `keys/${A}/config`, { Description: 'third' })),
      'KMSInvalidStateException',
    )
  })

  it('ScheduleKeyDeletion and CancelKeyDeletion answer the key by its ARN, as AWS does', async () => {
    const { act } = await withKey()
    const arn = `arn:aws:kms:us-east-1:000000000000:key/${A}`
    const scheduled = dataOf(
      await act('ScheduleKeyDeletion', 'delete', `keys/${A}`, { PendingWindowInDays: 7 }),
    )
    assert.equal(scheduled['KeyId'], arn)
    assert.deepEqual(dataOf(await act('CancelKeyDeletion', 'update', `keys/${A}/config`)), { KeyId: arn })
  })

  it('serves the default policy, then what PutKeyPolicy stored; only the name default exists', async () => {
    const { act } = await withKey()
    const first = dataOf(await act('GetKeyPolicy', 'read', `keys/${A}`))
    assert.equal(first['PolicyName'], 'default')
    const parsed = JSON.parse(String(first['Policy']))
    assert.equal(parsed.Statement[0].Principal.AWS, 'arn:aws:iam::000000000000:root')
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*' }],
    })
    await act('PutKeyPolicy', 'update', `keys/${A}/config`, { Policy: policy, PolicyName: 'default' })
    assert.equal(dataOf(await act('GetKeyPolicy', 'read', `keys/${A}`))['Policy'], policy)
    assert.deepEqual(dataOf(await act('ListKeyPolicies', 'read', `keys/${A}`)), {
      PolicyNames: ['default'],
      Truncated: false,
    })
    const put = (body: Record<string, unknown>) =>
      awsType(act('PutKeyPolicy', 'update', `keys/${A}/config`, body))
    assert.equal(await put({ Policy: 'not json' }), 'MalformedPolicyDocumentException')
    assert.equal(await put({ Policy: '[1]' }), 'MalformedPolicyDocumentException')
    assert.equal(await put({}), 'ValidationException')
    assert.equal(await put({ Policy: policy, PolicyName: 'a-b' }), 'ValidationException')
    assert.equal(await put({ Policy: policy, PolicyName: 'other' }), 'NotFoundException')
    assert.equal(
      await awsType(act('GetKeyPolicy', 'read', `keys/${A}`, { PolicyName: 'other' })),
      'NotFoundException',
    )
    assert.equal(dataOf(await act('GetKeyPolicy', 'read', `keys/${A}`))['Policy'], policy)
  })

  it('RotateKeyOnDemand: at most 25 under concurrent calls, each its own version; old blobs still decrypt', async () => {
    const { act } = await withKey()
    const plaintext = Buffer.from('before').toString('base64')
    const blob = dataOf(await act('Encrypt', 'update', `encrypt/${A}`, { Plaintext: plaintext }))[
      'CiphertextBlob'
    ]
    const results = await Promise.all(
      Array.from({ length: 30 }, () => awsType(act('RotateKeyOnDemand', 'update', `keys/${A}/rotate`))),
    )
    assert.equal(results.filter((r) => r === 'no error').length, 25)
    assert.equal(results.filter((r) => r === 'LimitExceededException').length, 5)
    const listed = dataOf(await act('ListKeyRotations', 'read', `keys/${A}`, { Limit: 20 }))
    assert.equal(listed['Truncated'], true)
    const rest = dataOf(await act('ListKeyRotations', 'read', `keys/${A}`, { Marker: listed['NextMarker'] }))
    const all = [...(listed['Rotations'] as unknown[]), ...(rest['Rotations'] as unknown[])] as Record<
      string,
      unknown
    >[]
    assert.equal(all.length, 25)
    assert.ok(all.every((r) => r['RotationType'] === 'ON_DEMAND' && r['KeyId'] === A))
    const opened = dataOf(await act('Decrypt', 'update', `decrypt/${A}`, { CiphertextBlob: blob }))
    assert.equal(opened['Plaintext'], plaintext)
    assert.equal(
      await awsType(act('ListKeyRotations', 'read', `keys/${A}`, { Marker: '999' })),
      'InvalidMarkerException',
    )
    await act('DisableKey', 'update', `keys/${A}/config`)
    assert.equal(await awsType(act('RotateKeyOnDemand', 'update', `keys/${A}/rotate`)), 'DisabledException')
  })

  it('RotateKeyOnDemand and ListKeyRotations refuse an asymmetric key', async () => {
    const { act } = await withKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    assert.equal(
      await awsType(act('RotateKeyOnDemand', 'update', `keys/${A}/rotate`)),
      'UnsupportedOperationException',
    )
    assert.equal(await awsType(act('ListKeyRotations', 'read', `keys/${A}`)), 'UnsupportedOperationException')
  })

  it('GenerateDataKeyPair: a matching pair, the private key sealed under the key with the EncryptionContext', async () => {
    const { act } = await withKey()
    const context = { EncryptionContext: { app: 'pairs' } }
    for (const spec of ['ECC_NIST_P256', 'ECC_SECG_P256K1', 'RSA_2048', 'ECC_NIST_EDWARDS25519']) {
      const out = dataOf(
        await act('GenerateDataKeyPair', 'update', `datakey/plaintext/${A}`, {
          KeyPairSpec: spec,
          ...context,
        }),
      )
      assert.equal(out['KeyPairSpec'], spec)
      const privateDer = Buffer.from(String(out['PrivateKeyPlaintext']), 'base64')
      const derived = createPublicKey(createPrivateKey({ key: privateDer, format: 'der', type: 'pkcs8' }))
      assert.equal(derived.export({ type: 'spki', format: 'der' }).toString('base64'), out['PublicKey'])
      const opened = dataOf(
        await act('Decrypt', 'update', `decrypt/${A}`, {
          CiphertextBlob: out['PrivateKeyCiphertextBlob'],
          ...context,
        }),
      )
      assert.equal(opened['Plaintext'], out['PrivateKeyPlaintext'])
      assert.equal(
        await awsType(
          act('Decrypt', 'update', `decrypt/${A}`, { CiphertextBlob: out['PrivateKeyCiphertextBlob'] }),
        ),
        'InvalidCiphertextException',
      )
    }
    const wrapped = dataOf(
      await act('GenerateDataKeyPairWithoutPlaintext', 'update', `datakey/wrapped/${A}`, {
        KeyPairSpec: 'ECC_NIST_P384',
      }),
    )
    assert.equal(wrapped['PrivateKeyPlaintext'], undefined)
    assert.ok(String(wrapped['PrivateKeyCiphertextBlob']).length > 0)
    const pair = (body: Record<string, unknown>) =>
      awsType(act('GenerateDataKeyPair', 'update', `datakey/plaintext/${A}`, body))
    assert.equal(await pair({}), 'ValidationException')
    assert.equal(await pair({ KeyPairSpec: 'RSA_1024' }), 'ValidationException')
    assert.equal(await pair({ KeyPairSpec: 'SM2' }), 'UnsupportedOperationException')
    assert.equal(await pair({ KeyPairSpec: 'RSA_2048', DryRun: true }), 'DryRunOperationException')
    await act('DisableKey', 'update', `keys/${A}/config`)
    assert.equal(await pair({ KeyPairSpec: 'RSA_2048' }), 'DisabledException')
  })

  it('GenerateDataKeyPair needs a symmetric encryption key', async () => {
    const { act } = await withKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })
    assert.equal(
      await awsType(
        act('GenerateDataKeyPair', 'update', `datakey/plaintext/${A}`, { KeyPairSpec: 'ECC_NIST_P256' }),
      ),
      'InvalidKeyUsageException',
    )
  })
})
