// The KMS actions inside the transit engine: the path check, states and aliases under concurrency, and the Vault API's view.
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { describe, it } from 'node:test'
import { awsType, dataOf, failure, kms, makeTransit } from '../test-helpers.ts'

const A = '11111111-1111-4111-8111-111111111111'
const B = '22222222-2222-4222-8222-222222222222'
const DEFAULT_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'kms:*', Resource: '*' },
  ],
})

describe('transit KMS actions', () => {
  it('refuses an action whose KeyId names another key than the authorised path', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    await h.call('create', `keys/${B}`, {}, kms('CreateKey'))
    const body = { KeyId: A, Plaintext: Buffer.from('x').toString('base64') }
    assert.equal(
      await awsType(h.call('update', `encrypt/${B}`, body, kms('Encrypt'))),
      'AccessDeniedException',
    )
    assert.equal(
      await awsType(h.call('update', `decrypt/${A}`, body, kms('Encrypt'))),
      'AccessDeniedException',
    )
    const sealed = dataOf(await h.call('update', `encrypt/${A}`, body, kms('Encrypt')))
    // A blob sealed under A, sent to B's decrypt path, is refused before any key is used.
    const wrongPath = h.call(
      'update',
      `decrypt/${B}`,
      { CiphertextBlob: sealed['CiphertextBlob'] },
      kms('Decrypt'),
    )
    assert.equal(await awsType(wrongPath), 'AccessDeniedException')
    assert.equal(
      await awsType(h.call('update', `encrypt/${A}`, body, kms('NoSuchAction'))),
      'UnknownOperationException',
    )
  })

  it('the Vault API sees KMS keys as transit keys, and aliases read-only', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, kms('CreateKey'))
    assert.equal(dataOf(await h.call('read', `keys/${A}`))['type'], 'rsa-2048')
    assert.deepEqual(dataOf(await h.call('list', 'keys/'))['keys'], [A])
    await h.call('create', 'kms/aliases/app', { AliasName: 'alias/app', TargetKeyId: A }, kms('CreateAlias'))
    assert.deepEqual(dataOf(await h.call('read', 'kms/aliases/app')), { target_key_id: A })
    assert.deepEqual(dataOf(await h.call('list', 'kms/aliases/'))['keys'], ['app'])
    assert.equal((await failure(() => h.call('delete', 'kms/aliases/app'))).status, 405)
  })

  it('ECC_SECG_P256K1 keys are KMS keys only: transit shows them, but its own API makes no key of that curve', async () => {
    const h = await makeTransit()
    const made = dataOf(
      await h.call(
        'create',
        `keys/${A}`,
        { KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' },
        kms('CreateKey'),
      ),
    )
    assert.deepEqual((made['KeyMetadata'] as Record<string, unknown>)['SigningAlgorithms'], ['ECDSA_SHA_256'])
    const read = dataOf(await h.call('read', `keys/${A}`))
    assert.equal(read['type'], 'ecdsa-secp256k1')
    const der = String(
      dataOf(await h.call('read', `keys/${A}`, { KeyId: A }, kms('GetPublicKey')))['PublicKey'],
    )
    const publicKey = crypto.createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' })
    assert.equal(publicKey.asymmetricKeyDetails?.namedCurve, 'secp256k1')
    assert.equal(
      (await failure(() => h.call('create', `keys/${B}`, { type: 'ecdsa-secp256k1' }))).status,
      400,
    )
    // Transit's own sign and verify take it as any ECDSA key.
    const input = Buffer.from('m').toString('base64')
    const { signature } = dataOf(await h.call('update', `sign/${A}`, { input }))
    assert.equal(dataOf(await h.call('update', `verify/${A}`, { input, signature }))['valid'], true)
  })

  it('CreateKey keeps a repeated tag key once, with its last value, as TagResource does', async () => {
    const h = await makeTransit()
    const Tags = [
      { TagKey: 'team', TagValue: 'a' },
      { TagKey: 'env', TagValue: 'prod' },
      { TagKey: 'team', TagValue: 'b' },
    ]
    await h.call('create', `keys/${A}`, { Tags }, kms('CreateKey'))
    assert.deepEqual(
      dataOf(await h.call('read', `keys/${A}`, { KeyId: A }, kms('ListResourceTags')))['Tags'],
      [
        { TagKey: 'team', TagValue: 'b' },
        { TagKey: 'env', TagValue: 'prod' },
      ],
    )
  })

  it('CreateKey refuses a KeySpec named like an Object property as an unknown spec', async () => {
    const h = await makeTransit()
    for (const KeySpec of ['__proto__', 'constructor', 'toString'])
      assert.equal(
        await awsType(h.call('create', `keys/${A}`, { KeySpec }, kms('CreateKey'))),
        'ValidationException',
        KeySpec,
      )
  })

  it('concurrent CreateAlias of one name: exactly one wins, the others get AlreadyExistsException', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    await h.call('create', `keys/${B}`, {}, kms('CreateKey'))
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        awsType(
          h.call(
            'create',
            'kms/aliases/race',
            { AliasName: 'alias/race', TargetKeyId: i % 2 ? A : B },
            kms('CreateAlias'),
          ),
        ),
      ),
    )
    assert.equal(results.filter((r) => r === 'no error').length, 1)
    assert.equal(results.filter((r) => r === 'AlreadyExistsException').length, 7)
  })

  it('concurrent UpdateAlias moving two aliases between two keys in opposite directions all complete', async () => {
    // Each holds its alias's lock then both keys' locks, taken in id order: no two wait on each other in a cycle,
    // and PutKeyPolicy and DeleteAlias on the same keys meanwhile finish too.
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    await h.call('create', `keys/${B}`, {}, kms('CreateKey'))
    await h.call('create', 'kms/aliases/one', { AliasName: 'alias/one', TargetKeyId: A }, kms('CreateAlias'))
    await h.call('create', 'kms/aliases/two', { AliasName: 'alias/two', TargetKeyId: B }, kms('CreateAlias'))
    await h.call(
      'create',
      'kms/aliases/three',
      { AliasName: 'alias/three', TargetKeyId: A },
      kms('CreateAlias'),
    )
    const update = (name: string, TargetKeyId: string) =>
      awsType(
        h.call(
          'update',
          `kms/aliases/${name}`,
          { AliasName: `alias/${name}`, TargetKeyId },
          kms('UpdateAlias'),
        ),
      )
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => update('one', i % 2 ? A : B)),
      ...Array.from({ length: 6 }, (_, i) => update('two', i % 2 ? B : A)),
      awsType(
        h.call('update', `keys/${B}/config`, { KeyId: B, Policy: DEFAULT_POLICY }, kms('PutKeyPolicy')),
      ),
      awsType(h.call('delete', 'kms/aliases/three', { AliasName: 'alias/three' }, kms('DeleteAlias'))),
    ])
    assert.deepEqual(new Set(results), new Set(['no error']))
    assert.deepEqual(dataOf(await h.call('list', 'kms/aliases/'))['keys'], ['one', 'two'])
  })

  it('UpdateAlias moves an alias only to a key of the same type and key usage', async () => {
    const h = await makeTransit()
    const C = '33333333-3333-4333-8333-333333333333'
    const D = '44444444-4444-4444-8444-444444444444'
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    await h.call('create', `keys/${B}`, { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, kms('CreateKey'))
    await h.call(
      'create',
      `keys/${C}`,
      { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
      kms('CreateKey'),
    )
    await h.call('create', `keys/${D}`, {}, kms('CreateKey'))
    await h.call('create', 'kms/aliases/app', { AliasName: 'alias/app', TargetKeyId: A }, kms('CreateAlias'))
    const update = (TargetKeyId: string) =>
      awsType(
        h.call('update', 'kms/aliases/app', { AliasName: 'alias/app', TargetKeyId }, kms('UpdateAlias')),
      )
    // Symmetric to asymmetric, and symmetric to HMAC: refused, the alias stays where it was.
    assert.equal(await update(B), 'ValidationException')
    assert.equal(await update(C), 'ValidationException')
    assert.deepEqual(dataOf(await h.call('read', 'kms/aliases/app')), { target_key_id: A })
    // Symmetric to symmetric: moved.
    assert.equal(await update(D), 'no error')
    assert.deepEqual(dataOf(await h.call('read', 'kms/aliases/app')), { target_key_id: D })
  })

  it('concurrent DisableKey and ScheduleKeyDeletion never lose the deletion', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    await Promise.all([
      awsType(h.call('update', `keys/${A}/config`, { KeyId: A }, kms('DisableKey'))),
      awsType(
        h.call('delete', `keys/${A}`, { KeyId: A, PendingWindowInDays: 7 }, kms('ScheduleKeyDeletion')),
      ),
      awsType(h.call('update', `keys/${A}/config`, { KeyId: A }, kms('EnableKey'))),
    ])
    const meta = dataOf(await h.call('read', `keys/${A}`, { KeyId: A }, kms('DescribeKey')))[
      'KeyMetadata'
    ] as Record<string, unknown>
    assert.equal(meta['KeyState'], 'PendingDeletion')
    assert.equal(meta['PendingDeletionWindowInDays'], 7)
  })
})
