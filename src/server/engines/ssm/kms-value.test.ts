// SecureString under a customer KMS key: sealed with the writer's kms:GenerateDataKey, opened with the reader's kms:Decrypt.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadRecord, putRecordOp } from './model.ts'
import { awsError, makeSsm, type SsmHarness } from './test-helpers.ts'

const get = async (h: SsmHarness, Name: string, WithDecryption = true) =>
  (await h.aws('GetParameter', { Name, WithDecryption }))['Parameter'] as Record<string, unknown>

/** Every stored byte of the mount, as text: a sealed value must not be among them in clear. */
async function storedText(h: SsmHarness): Promise<string> {
  const keys = await h.storage.list('parameters/')
  const values = await Promise.all(keys.map((k) => h.storage.get(`parameters/${k}`)))
  return values.map((v) => Buffer.from(v ?? []).toString('latin1')).join('\n')
}

describe('ssm engine: SecureString under a customer KMS key', () => {
  it('seals the value under the key; a reader needs kms:Decrypt on it, without WithDecryption none', async () => {
    const h = await makeSsm()
    const key = h.keys.create('params')
    await h.aws('PutParameter', {
      Name: '/prod/db',
      Value: 'kms-sealed-value',
      Type: 'SecureString',
      KeyId: 'alias/params',
    })
    assert.ok(!(await storedText(h)).includes('kms-sealed-value'))
    const generated = h.keys.calls.filter((c) => c.op === 'generateDataKey')
    assert.equal(generated.length, 1)
    assert.equal(generated[0]!.keyId, key.keyId)
    assert.deepEqual(generated[0]!.context, {
      PARAMETER_ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/prod/db',
    })
    assert.equal((await get(h, '/prod/db'))['Value'], 'kms-sealed-value')

    h.keys.deny('decrypt', key.keyId)
    const denied = await awsError(get(h, '/prod/db'))
    assert.equal(denied.type, 'AccessDeniedException')
    assert.ok(!denied.message.includes('kms-sealed-value'))
    // The stand-in needs no key: nothing is decrypted for it.
    const before = h.keys.calls.length
    assert.match(String((await get(h, '/prod/db', false))['Value']), /^[A-Za-z0-9+/]{64}$/)
    assert.equal(h.keys.calls.length, before)
    // Every read path is the same kms:Decrypt: GetParameters, GetParametersByPath (the whole call fails, as at
    // AWS) and GetParameterHistory; the Vault API's read too.
    assert.equal(
      (await awsError(h.aws('GetParameters', { Names: ['/prod/db'], WithDecryption: true }))).type,
      'AccessDeniedException',
    )
    assert.equal(
      (await awsError(h.aws('GetParametersByPath', { Path: '/prod', WithDecryption: true }))).type,
      'AccessDeniedException',
    )
    assert.equal(
      (await awsError(h.aws('GetParameterHistory', { Name: '/prod/db', WithDecryption: true }))).type,
      'AccessDeniedException',
    )
    assert.equal((await awsError(h.call('read', 'parameters/prod/db'))).type, 'AccessDeniedException')
    const listed = await h.aws('GetParametersByPath', { Path: '/prod' })
    assert.equal((listed['Parameters'] as unknown[]).length, 1)
  })

  it('a writer without kms:GenerateDataKey on the key writes nothing; an unknown key is InvalidKeyId', async () => {
    const h = await makeSsm()
    const key = h.keys.create('params')
    h.keys.deny('generateDataKey', key.keyId)
    const denied = await awsError(
      h.aws('PutParameter', { Name: '/p', Value: 'v', Type: 'SecureString', KeyId: key.arn }),
    )
    assert.equal(denied.type, 'AccessDeniedException')
    assert.equal(await loadRecord(h.storage, '/p'), undefined)
    const unknown = await awsError(
      h.aws('PutParameter', { Name: '/p', Value: 'v', Type: 'SecureString', KeyId: 'alias/nope' }),
    )
    assert.equal(unknown.type, 'InvalidKeyId')
    assert.equal(await loadRecord(h.storage, '/p'), undefined)
  })

  it('an overwrite without KeyId seals under the parameter key; the default key uses no KMS key', async () => {
    const h = await makeSsm()
    const key = h.keys.create()
    await h.aws('PutParameter', { Name: '/o', Value: 'one', Type: 'SecureString', KeyId: key.keyId })
    await h.aws('PutParameter', { Name: '/o', Value: 'two', Overwrite: true })
    const record = (await loadRecord(h.storage, '/o'))!
    assert.deepEqual(
      record.versions.map((v) => [v.keyId, v.sealed?.keyId, v.value]),
      [
        [key.keyId, key.keyId, ''],
        [key.keyId, key.keyId, ''],
      ],
    )
    assert.equal((await get(h, '/o:1'))['Value'], 'one')
    assert.equal((await get(h, '/o'))['Value'], 'two')
    const calls = h.keys.calls.length
    await h.aws('PutParameter', { Name: '/d', Value: 'plain', Type: 'SecureString' })
    assert.equal((await get(h, '/d'))['Value'], 'plain')
    assert.equal(h.keys.calls.length, calls)
  })

  it('a disabled key or one pending deletion is InvalidKeyId on read and write; enabled again, it reads', async () => {
    const h = await makeSsm()
    const key = h.keys.create()
    await h.aws('PutParameter', { Name: '/s', Value: 'state', Type: 'SecureString', KeyId: key.keyId })
    for (const state of ['Disabled', 'PendingDeletion'] as const) {
      h.keys.setState(key.keyId, state)
      const read = await awsError(get(h, '/s'))
      assert.equal(read.type, 'InvalidKeyId')
      assert.match(read.message, state === 'Disabled' ? /is disabled/ : /pending deletion/)
      const write = await awsError(h.aws('PutParameter', { Name: '/s', Value: 'x', Overwrite: true }))
      assert.equal(write.type, 'InvalidKeyId')
    }
    h.keys.setState(key.keyId, 'Enabled')
    assert.equal((await get(h, '/s'))['Value'], 'state')
    assert.equal((await loadRecord(h.storage, '/s'))!.versions.length, 1)
  })

  it('a version stored before sealing still reads, with the same kms:Decrypt check on its recorded key', async () => {
    const h = await makeSsm()
    const key = h.keys.create('legacy')
    await h.storage.batch([
      putRecordOp({
        name: '/old',
        tags: [],
        versions: [
          {
            version: 1,
            value: 'stored-in-clear',
            masked: 'bWFza2Vk',
            type: 'SecureString',
            keyId: 'alias/legacy',
            tier: 'Standard',
            dataType: 'text',
            lastModifiedDate: 0,
            lastModifiedUser: 'arn:aws:iam::000000000000:user/coffer',
            labels: [],
          },
        ],
      }),
    ])
    assert.equal((await get(h, '/old'))['Value'], 'stored-in-clear')
    h.keys.deny('decrypt', key.keyId)
    assert.equal((await awsError(get(h, '/old'))).type, 'AccessDeniedException')
    h.keys.allowAll()
    h.keys.setState(key.keyId, 'Disabled')
    assert.equal((await awsError(get(h, '/old'))).type, 'InvalidKeyId')
    assert.equal((await get(h, '/old', false))['Value'], 'bWFza2Vk')
  })
})
