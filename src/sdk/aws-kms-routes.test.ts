// The KMS route table: each action's capability on its transit path, the KeyId forms, and the blob format's checks.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AwsError } from './aws-error.ts'
import { aliasName, decodeBlob, encodeBlob, KMS_ACTIONS, kmsRoute, parseKeyRef } from './aws-kms-routes.ts'

const ID = '1234abcd-12ab-34cd-56ef-1234567890ab'
const awsType = (type: string) => (error: unknown) => error instanceof AwsError && error.awsType === type

describe('kms routes', () => {
  it('maps actions to transit paths and capabilities', () => {
    assert.deepEqual(kmsRoute('CreateKey', ID), { operation: 'create', path: `keys/${ID}` })
    assert.deepEqual(kmsRoute('DescribeKey', ID), { operation: 'read', path: `keys/${ID}` })
    assert.deepEqual(kmsRoute('ListKeys', ''), { operation: 'list', path: 'keys/' })
    assert.deepEqual(kmsRoute('Encrypt', ID), { operation: 'update', path: `encrypt/${ID}` })
    assert.deepEqual(kmsRoute('Decrypt', ID), { operation: 'update', path: `decrypt/${ID}` })
    assert.deepEqual(kmsRoute('GenerateDataKey', ID), {
      operation: 'update',
      path: `datakey/plaintext/${ID}`,
    })
    assert.deepEqual(kmsRoute('GenerateDataKeyWithoutPlaintext', ID), {
      operation: 'update',
      path: `datakey/wrapped/${ID}`,
    })
    assert.deepEqual(kmsRoute('ScheduleKeyDeletion', ID), { operation: 'delete', path: `keys/${ID}` })
    assert.deepEqual(kmsRoute('DisableKey', ID), { operation: 'update', path: `keys/${ID}/config` })
    assert.deepEqual(kmsRoute('Sign', ID), { operation: 'update', path: `sign/${ID}` })
    assert.deepEqual(kmsRoute('VerifyMac', ID), { operation: 'update', path: `verify/${ID}` })
    assert.deepEqual(kmsRoute('GenerateMac', ID), { operation: 'update', path: `hmac/${ID}` })
    assert.deepEqual(kmsRoute('CreateAlias', '', 'app/x'), { operation: 'create', path: 'kms/aliases/app/x' })
    assert.deepEqual(kmsRoute('ListAliases', ''), { operation: 'list', path: 'kms/aliases/' })
    assert.deepEqual(kmsRoute('GetKeyPolicy', ID), { operation: 'read', path: `keys/${ID}` })
    assert.deepEqual(kmsRoute('PutKeyPolicy', ID), { operation: 'update', path: `keys/${ID}/config` })
    assert.deepEqual(kmsRoute('UpdateKeyDescription', ID), { operation: 'update', path: `keys/${ID}/config` })
    assert.deepEqual(kmsRoute('RotateKeyOnDemand', ID), { operation: 'update', path: `keys/${ID}/rotate` })
    assert.deepEqual(kmsRoute('ListKeyRotations', ID), { operation: 'read', path: `keys/${ID}` })
    assert.deepEqual(kmsRoute('GenerateDataKeyPair', ID), {
      operation: 'update',
      path: `datakey/plaintext/${ID}`,
    })
    assert.deepEqual(kmsRoute('GenerateDataKeyPairWithoutPlaintext', ID), {
      operation: 'update',
      path: `datakey/wrapped/${ID}`,
    })
    for (const action of KMS_ACTIONS) assert.ok(kmsRoute(action, ID, 'a').path, action)
  })

  it('reads a KeyId as a key id, key ARN, alias name or alias ARN', () => {
    assert.deepEqual(parseKeyRef(ID), { keyId: ID })
    assert.deepEqual(parseKeyRef(`arn:aws:kms:eu-west-1:111122223333:key/${ID}`), { keyId: ID })
    assert.deepEqual(parseKeyRef('alias/app/x'), { alias: 'app/x' })
    assert.deepEqual(parseKeyRef('arn:aws:kms:eu-west-1:111122223333:alias/app'), { alias: 'app' })
    assert.throws(() => parseKeyRef('../keys/other'), awsType('NotFoundException'))
    assert.throws(() => parseKeyRef('alias/../x?'), awsType('NotFoundException'))
    assert.throws(() => parseKeyRef(''), awsType('ValidationException'))
    assert.throws(() => parseKeyRef(7), awsType('ValidationException'))
    assert.equal(aliasName('alias/app/x'), 'app/x')
    assert.throws(() => aliasName('app'), awsType('ValidationException'))
    assert.throws(() => aliasName('alias/aws/s3'), awsType('NotAuthorizedException'))
  })

  it('a blob carries its key id and refuses anything else as InvalidCiphertextException', () => {
    const blob = encodeBlob(ID, 'vault:v1:abc')
    assert.deepEqual(decodeBlob(blob), { keyId: ID, ciphertext: 'vault:v1:abc' })
    for (const bad of [
      Buffer.alloc(0),
      blob.subarray(0, 38),
      Buffer.from('x'.repeat(60)),
      Buffer.concat([Buffer.from([0xc0, 2]), blob.subarray(2)]),
    ])
      assert.throws(() => decodeBlob(bad), awsType('InvalidCiphertextException'))
  })
})
