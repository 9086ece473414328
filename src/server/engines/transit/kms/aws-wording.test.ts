// KMS refusals in AWS's words: the error type and message a client reading either gets from AWS.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AwsError } from '../../../../sdk/aws-error.ts'
import { b64, kms, makeTransit } from '../test-helpers.ts'

const A = '11111111-1111-4111-8111-111111111111'
const B = '22222222-2222-4222-8222-222222222222'
const ALIAS_ARN = 'arn:aws:kms:us-east-1:000000000000:alias'

/** `<type>: <message>` of the AwsError a call failed with. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AwsError) return `${error.awsType}: ${error.message}`
    throw error
  }
  return 'no error'
}

describe('KMS refusals in AWS words', () => {
  it('a KeyId that is no key id, key ARN, alias name or alias ARN is named in the NotFoundException', async () => {
    const h = await makeTransit()
    assert.equal(
      await refusal(h.call('read', 'keys/unknown', { KeyId: 'unknown' }, kms('DescribeKey'))),
      'NotFoundException: Invalid keyId unknown',
    )
  })

  it('a key that does not exist is named by its key ARN', async () => {
    const h = await makeTransit()
    const missing = `NotFoundException: Key 'arn:aws:kms:us-east-1:000000000000:key/${B}' does not exist`
    assert.equal(await refusal(h.call('read', `keys/${B}`, { KeyId: B }, kms('DescribeKey'))), missing)
    assert.equal(
      await refusal(h.call('update', `encrypt/${B}`, { KeyId: B, Plaintext: b64('x') }, kms('Encrypt'))),
      missing,
    )
    assert.equal(
      await refusal(h.call('update', `keys/${B}/config`, { KeyId: B }, kms('EnableKeyRotation'))),
      missing,
    )
    assert.equal(
      await refusal(
        h.call('create', 'kms/aliases/app', { AliasName: 'alias/app', TargetKeyId: B }, kms('CreateAlias')),
      ),
      missing,
    )
    // ListAliases filters by a key id or key ARN only, as the other key management actions take one.
    assert.equal(
      await refusal(h.call('list', 'kms/aliases/', { KeyId: 'alias/app' }, kms('ListAliases'))),
      'NotFoundException: Invalid keyId alias/app',
    )
  })

  it('key management actions take a key id or key ARN only: an alias is an invalid keyId, as on AWS', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    await h.call('create', 'kms/aliases/app', { AliasName: 'alias/app', TargetKeyId: A }, kms('CreateAlias'))
    const byAlias = (operation: 'read' | 'update' | 'delete', path: string, action: string) =>
      refusal(h.call(operation, path, { KeyId: 'alias/app', Tags: [] }, kms(action)))
    for (const [operation, path, action] of [
      ['update', `keys/${A}/config`, 'EnableKeyRotation'],
      ['update', `keys/${A}/config`, 'DisableKey'],
      ['update', `keys/${A}/config`, 'TagResource'],
      ['update', `keys/${A}/config`, 'PutKeyPolicy'],
      ['read', `keys/${A}`, 'GetKeyPolicy'],
      ['read', `keys/${A}`, 'ListResourceTags'],
      ['delete', `keys/${A}`, 'ScheduleKeyDeletion'],
    ] as const)
      assert.equal(
        await byAlias(operation, path, action),
        'NotFoundException: Invalid keyId alias/app',
        action,
      )
    assert.equal(
      await refusal(
        h.call('update', `keys/${A}/config`, { KeyId: `${ALIAS_ARN}/app` }, kms('EnableKeyRotation')),
      ),
      `NotFoundException: Invalid keyId ${ALIAS_ARN}/app`,
    )
    // DescribeKey and the cryptographic actions take aliases.
    assert.equal(
      await refusal(h.call('read', `keys/${A}`, { KeyId: 'alias/app' }, kms('DescribeKey'))),
      'no error',
    )
    const body = { KeyId: 'alias/app', Plaintext: b64('x') }
    assert.equal(await refusal(h.call('update', `encrypt/${A}`, body, kms('Encrypt'))), 'no error')
  })

  it('a missing alias and a taken alias name are named by their alias ARN', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    assert.equal(
      await refusal(h.call('delete', 'kms/aliases/none', { AliasName: 'alias/none' }, kms('DeleteAlias'))),
      `NotFoundException: Alias ${ALIAS_ARN}/none is not found.`,
    )
    assert.equal(
      await refusal(h.call('read', `keys/${A}`, { KeyId: 'alias/none' }, kms('DescribeKey'))),
      `NotFoundException: Alias ${ALIAS_ARN}/none is not found.`,
    )
    const create = () =>
      h.call('create', 'kms/aliases/app', { AliasName: 'alias/app', TargetKeyId: A }, kms('CreateAlias'))
    await create()
    assert.equal(
      await refusal(create()),
      `AlreadyExistsException: An alias with the name ${ALIAS_ARN}/app already exists`,
    )
  })

  it('alias names: the prefix, the model pattern, and the colon the pattern allows but KMS does not', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    const create = (AliasName: string) =>
      refusal(h.call('create', 'kms/aliases/x', { AliasName, TargetKeyId: A }, kms('CreateAlias')))
    assert.equal(
      await create('wrongprefix/app'),
      'ValidationException: Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    )
    assert.equal(
      await create('alias/app!'),
      "ValidationException: 1 validation error detected: Value at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    )
    assert.equal(
      await create('alias/my:app'),
      'ValidationException: alias/my:app contains invalid characters for an alias',
    )
    assert.equal(
      await refusal(
        h.call(
          'create',
          'kms/aliases/x',
          { AliasName: 'alias/x', TargetKeyId: 'alias/app' },
          kms('CreateAlias'),
        ),
      ),
      'ValidationException: Aliases must refer to keys. Not aliases',
    )
    assert.equal(
      await create(`alias/${'a'.repeat(251)}`),
      "ValidationException: 1 validation error detected: Value at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256",
    )
  })

  it('a blob out of its model bounds names the bound it breaks', async () => {
    const h = await makeTransit()
    await h.call('create', `keys/${A}`, {}, kms('CreateKey'))
    await h.call('create', `keys/${B}`, { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, kms('CreateKey'))
    const bound = (name: string, min: boolean, limit: number) =>
      `ValidationException: 1 validation error detected: Value at '${name}' failed to satisfy constraint: ` +
      `Member must have length ${min ? 'greater' : 'less'} than or equal to ${limit}`
    const encrypt = (Plaintext: string) =>
      refusal(h.call('update', `encrypt/${A}`, { KeyId: A, Plaintext }, kms('Encrypt')))
    assert.equal(await encrypt(''), bound('plaintext', true, 1))
    assert.equal(await encrypt(b64(Buffer.alloc(4097))), bound('plaintext', false, 4096))
    const sign = { KeyId: B, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }
    assert.equal(
      await refusal(h.call('update', `sign/${B}`, { ...sign, Message: '' }, kms('Sign'))),
      bound('message', true, 1),
    )
    assert.equal(
      await refusal(
        h.call('update', `verify/${B}`, { ...sign, Message: b64('m'), Signature: '' }, kms('Verify')),
      ),
      bound('signature', true, 1),
    )
  })
})
