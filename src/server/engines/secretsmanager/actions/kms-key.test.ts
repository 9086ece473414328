// KmsKeyId: versions sealed under the secret's KMS key, reads that need kms:Decrypt, key states, key changes, retries.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dataOf, storedText } from '../../../../sdk/framework/backend-harness.ts'
import { loadRecord, loadValue, putRecordOp, storeIdOf } from '../model.ts'
import { awsError, makeSm, token } from '../test-helpers.ts'

const VALUE = 'kms-protected-value-7f3a'

async function withKey() {
  const sm = await makeSm()
  const key = sm.keys.create('app')
  return { sm, key }
}

describe('KmsKeyId on CreateSecret and GetSecretValue', () => {
  it('seals the value under the key with AWS EncryptionContext; reads decrypt it; storage never holds it in clear', async () => {
    const { sm, key } = await withKey()
    const created = await sm.aws('CreateSecret', { Name: 'db', SecretString: VALUE, KmsKeyId: 'alias/app' })
    const got = await sm.aws('GetSecretValue', { SecretId: 'db' })
    assert.equal(got['SecretString'], VALUE)
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'db' }))['KmsKeyId'], key.arn)
    const [dataKey] = sm.keys.calls.filter((c) => c.op === 'generateDataKey')
    assert.deepEqual(dataKey?.context, { SecretARN: created['ARN'], SecretVersionId: created['VersionId'] })
    assert.equal(dataKey?.keyId, key.keyId)
    const versions = await sm.aws('ListSecretVersionIds', { SecretId: 'db' })
    assert.deepEqual((versions['Versions'] as Record<string, unknown>[])[0]?.['KmsKeyIds'], [key.arn])
    assert.ok(!(await storedText(sm.storage)).includes(VALUE))
  })

  it('a binary value, the key named by id, by ARN or by alias ARN', async () => {
    const { sm, key } = await withKey()
    const bytes = Buffer.from(VALUE).toString('base64')
    const forms = [key.keyId, key.arn, 'arn:aws:kms:us-east-1:000000000000:alias/app']
    for (const [i, form] of forms.entries()) {
      await sm.aws('CreateSecret', { Name: `b${i}`, SecretBinary: bytes, KmsKeyId: form })
      const got = await sm.aws('GetSecretValue', { SecretId: `b${i}` })
      assert.equal(got['SecretBinary'], bytes)
      assert.equal(got['SecretString'], undefined)
    }
    assert.ok(!(await storedText(sm.storage)).includes(bytes))
  })

  it("the default key (empty or aws/secretsmanager) is today's barrier-only storage", async () => {
    const sm = await makeSm()
    await sm.aws('CreateSecret', {
      Name: 'a',
      SecretString: 'plain-one',
      KmsKeyId: 'alias/aws/secretsmanager',
    })
    await sm.aws('CreateSecret', { Name: 'b', SecretString: 'plain-two', KmsKeyId: '' })
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'a' }))['KmsKeyId'], undefined)
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 'b' }))['SecretString'], 'plain-two')
    assert.equal(sm.keys.calls.length, 0)
  })

  it('an unknown key is ResourceNotFoundException and no secret is created', async () => {
    const sm = await makeSm()
    const error = await awsError(
      sm.aws('CreateSecret', { Name: 'x', SecretString: 'v', KmsKeyId: 'alias/none' }),
    )
    assert.equal(error.type, 'ResourceNotFoundException')
    assert.equal(
      (await awsError(sm.aws('DescribeSecret', { SecretId: 'x' }))).type,
      'ResourceNotFoundException',
    )
  })
})

describe('records written before KMS keys were used', () => {
  it('keep their KmsKeyId label and barrier-only values until UpdateSecret names a key', async () => {
    const { sm, key } = await withKey()
    await sm.aws('CreateSecret', { Name: 'old', SecretString: 'v1' })
    const record = (await loadRecord(sm.storage, 'old'))!
    record.kmsKeyId = 'some-label'
    await sm.storage.batch([putRecordOp(record)])
    await sm.aws('PutSecretValue', { SecretId: 'old', SecretString: 'v2', ClientRequestToken: token(2) })
    await sm.aws('UpdateSecret', { SecretId: 'old', KmsKeyId: 'some-label', Description: 'same label' })
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'old' }))['KmsKeyId'], 'some-label')
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 'old' }))['SecretString'], 'v2')
    assert.equal(sm.keys.calls.length, 0)
    await sm.aws('UpdateSecret', {
      SecretId: 'old',
      KmsKeyId: 'alias/app',
      SecretString: 'v3',
      ClientRequestToken: token(3),
    })
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'old' }))['KmsKeyId'], key.arn)
    const stored = await loadValue(sm.storage, 'old', token(3))
    assert.ok('sealed' in stored)
  })
})

describe('KMS permissions and key states', () => {
  it('without kms:Decrypt a read is AccessDeniedException "Access to KMS is not allowed"', async () => {
    const { sm, key } = await withKey()
    await sm.aws('CreateSecret', { Name: 'db', SecretString: VALUE, KmsKeyId: 'alias/app' })
    sm.keys.deny('decrypt', key.keyId)
    const error = await awsError(sm.aws('GetSecretValue', { SecretId: 'db' }))
    assert.deepEqual(error, { type: 'AccessDeniedException', message: 'Access to KMS is not allowed' })
    // Metadata needs no key.
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'db' }))['Name'], 'db')
  })

  it('without kms:GenerateDataKey a write is refused and nothing is stored', async () => {
    const { sm, key } = await withKey()
    await sm.aws('CreateSecret', { Name: 'db', SecretString: VALUE, KmsKeyId: 'alias/app' })
    sm.keys.deny('generateDataKey', key.keyId)
    const error = await awsError(sm.aws('PutSecretValue', { SecretId: 'db', SecretString: 'next' }))
    assert.equal(error.type, 'AccessDeniedException')
    const versions = await sm.aws('ListSecretVersionIds', { SecretId: 'db' })
    assert.equal((versions['Versions'] as unknown[]).length, 1)
  })

  it('a disabled key or one pending deletion: reads are KMSInvalidStateException, writes EncryptionFailure', async () => {
    const { sm, key } = await withKey()
    await sm.aws('CreateSecret', { Name: 'db', SecretString: VALUE, KmsKeyId: 'alias/app' })
    for (const state of ['Disabled', 'PendingDeletion'] as const) {
      sm.keys.setState(key.keyId, state)
      const read = await awsError(sm.aws('GetSecretValue', { SecretId: 'db' }))
      assert.equal(read.type, 'KMSInvalidStateException')
      assert.ok(read.message.includes(key.arn))
      const write = await awsError(sm.aws('PutSecretValue', { SecretId: 'db', SecretString: 'next' }))
      assert.equal(write.type, 'EncryptionFailure')
    }
    sm.keys.setState(key.keyId, 'Enabled')
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 'db' }))['SecretString'], VALUE)
  })
})

describe('ClientRequestToken with a KMS key compares plaintexts', () => {
  it('a retried PutSecretValue with the same value succeeds unchanged; another value is ResourceExistsException', async () => {
    const { sm } = await withKey()
    await sm.aws('CreateSecret', { Name: 'db', SecretString: 'one', KmsKeyId: 'alias/app' })
    const first = await sm.aws('PutSecretValue', {
      SecretId: 'db',
      SecretString: 'two',
      ClientRequestToken: token(2),
    })
    const sealed = sm.keys.calls.filter((c) => c.op === 'generateDataKey').length
    const again = await sm.aws('PutSecretValue', {
      SecretId: 'db',
      SecretString: 'two',
      ClientRequestToken: token(2),
    })
    assert.deepEqual(again, first)
    assert.equal(sm.keys.calls.filter((c) => c.op === 'generateDataKey').length, sealed)
    const error = await awsError(
      sm.aws('PutSecretValue', { SecretId: 'db', SecretString: 'other', ClientRequestToken: token(2) }),
    )
    assert.equal(error.type, 'ResourceExistsException')
  })

  it('a retried CreateSecret with the same token and value answers as the first time', async () => {
    const { sm } = await withKey()
    const input = { Name: 'db', SecretString: 'one', KmsKeyId: 'alias/app', ClientRequestToken: token(1) }
    const first = await sm.aws('CreateSecret', input)
    assert.deepEqual(await sm.aws('CreateSecret', input), first)
    const error = await awsError(sm.aws('CreateSecret', { ...input, SecretString: 'two' }))
    assert.equal(error.type, 'ResourceExistsException')
  })
})

describe('UpdateSecret with a new KmsKeyId', () => {
  it('new versions use the new key; AWSCURRENT and AWSPREVIOUS read under either key; older ones keep the old key only', async () => {
    const { sm, key: oldKey } = await withKey()
    const newKey = sm.keys.create('next')
    await sm.aws('CreateSecret', {
      Name: 'db',
      SecretString: 'v1',
      KmsKeyId: 'alias/app',
      ClientRequestToken: token(1),
    })
    await sm.aws('PutSecretValue', { SecretId: 'db', SecretString: 'v2', ClientRequestToken: token(2) })
    await sm.aws('PutSecretValue', { SecretId: 'db', SecretString: 'v3', ClientRequestToken: token(3) })
    await sm.aws('UpdateSecret', { SecretId: 'db', KmsKeyId: 'alias/next' })
    assert.equal((await sm.aws('DescribeSecret', { SecretId: 'db' }))['KmsKeyId'], newKey.arn)
    const put = await sm.aws('PutSecretValue', {
      SecretId: 'db',
      SecretString: 'v4',
      ClientRequestToken: token(4),
    })
    const record = (await loadRecord(sm.storage, 'db'))!
    assert.deepEqual(record.versions[token(4)]?.kmsKeyIds, [newKey.arn])
    assert.deepEqual(record.versions[token(3)]?.kmsKeyIds, [oldKey.arn, newKey.arn])
    assert.deepEqual(record.versions[token(2)]?.kmsKeyIds, [oldKey.arn, newKey.arn])
    assert.deepEqual(record.versions[token(1)]?.kmsKeyIds, [oldKey.arn])
    // Without the old key, the versions labelled when the key changed still read; the unlabelled one does not.
    sm.keys.deny('decrypt', oldKey.keyId)
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 'db' }))['SecretString'], 'v4')
    assert.equal(
      (await sm.aws('GetSecretValue', { SecretId: 'db', VersionId: token(3) }))['SecretString'],
      'v3',
    )
    assert.equal(
      (await sm.aws('GetSecretValue', { SecretId: 'db', VersionId: token(2) }))['SecretString'],
      'v2',
    )
    const old = await awsError(sm.aws('GetSecretValue', { SecretId: 'db', VersionId: token(1) }))
    assert.equal(old.type, 'AccessDeniedException')
    assert.equal(put['VersionId'], token(4))
  })

  it('without kms:Encrypt on the new key the existing versions are left under the old key', async () => {
    const { sm, key: oldKey } = await withKey()
    const newKey = sm.keys.create('next')
    await sm.aws('CreateSecret', {
      Name: 'db',
      SecretString: 'v1',
      KmsKeyId: 'alias/app',
      ClientRequestToken: token(1),
    })
    sm.keys.deny('encrypt', newKey.keyId)
    await sm.aws('UpdateSecret', { SecretId: 'db', KmsKeyId: newKey.arn })
    const record = (await loadRecord(sm.storage, 'db'))!
    assert.deepEqual(record.versions[token(1)]?.kmsKeyIds, [oldKey.arn])
  })

  it('back to the default key: new versions are barrier-only, sealed ones still need their key', async () => {
    const { sm, key } = await withKey()
    await sm.aws('CreateSecret', {
      Name: 'db',
      SecretString: 'v1',
      KmsKeyId: 'alias/app',
      ClientRequestToken: token(1),
    })
    await sm.aws('UpdateSecret', {
      SecretId: 'db',
      KmsKeyId: '',
      SecretString: 'v2',
      ClientRequestToken: token(2),
    })
    sm.keys.deny('decrypt', key.keyId)
    assert.equal((await sm.aws('GetSecretValue', { SecretId: 'db' }))['SecretString'], 'v2')
    const error = await awsError(sm.aws('GetSecretValue', { SecretId: 'db', VersionId: token(1) }))
    assert.equal(error.type, 'AccessDeniedException')
  })

  it('a PutSecretValue racing key changes stores each version under the key recorded for it', async () => {
    const { sm, key: a } = await withKey()
    const b = sm.keys.create('b')
    await sm.aws('CreateSecret', { Name: 'db', SecretString: 'v0', KmsKeyId: 'alias/app' })
    const calls: Promise<unknown>[] = []
    for (let i = 1; i <= 12; i++) {
      calls.push(
        sm.aws('PutSecretValue', { SecretId: 'db', SecretString: `v${i}`, ClientRequestToken: token(i) }),
      )
      calls.push(sm.aws('UpdateSecret', { SecretId: 'db', KmsKeyId: i % 2 ? 'alias/b' : 'alias/app' }))
    }
    await Promise.all(calls)
    const record = (await loadRecord(sm.storage, 'db'))!
    for (let i = 1; i <= 12; i++) {
      const meta = record.versions[token(i)]!
      const stored = await loadValue(sm.storage, storeIdOf(record), token(i))
      assert.ok('sealed' in stored)
      // What the version records is exactly what its value is sealed under, first the key it was written with.
      assert.deepEqual(
        meta.kmsKeyIds,
        stored.sealed.keys.map((k) => k.arn),
      )
      assert.ok([a.arn, b.arn].includes(meta.kmsKeyIds![0]!))
      const got = await sm.aws('GetSecretValue', { SecretId: 'db', VersionId: token(i) })
      assert.equal(got['SecretString'], `v${i}`)
    }
  })
})

describe('the Vault API on a secret with a KMS key', () => {
  it('writes seal and reads decrypt exactly as the AWS actions do', async () => {
    const { sm, key } = await withKey()
    await sm.call('create', 'secrets/app/db', { secret_string: VALUE, kms_key_id: 'alias/app' })
    assert.equal(dataOf(await sm.call('read', 'secrets/app/db'))['secret_string'], VALUE)
    await sm.call('update', 'secrets/app/db', { secret_string: `${VALUE}-2` })
    assert.ok(!(await storedText(sm.storage)).includes(VALUE))
    sm.keys.deny('decrypt', key.keyId)
    const error = await awsError(sm.call('read', 'secrets/app/db'))
    assert.equal(error.type, 'AccessDeniedException')
  })
})
