// SSM SecureString under a customer KMS key against a dev server through boto3: the caller's kms:Decrypt (a Coffer
// capability on the key's path of the kms/ mount) checked on every read with decryption, kms:GenerateDataKey on write.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  type AccessKey,
  accessKeyFor,
  BOTO3,
  findings,
  mustCall,
  rolesEnv,
  runClient,
} from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-ssm-kms.py', import.meta.url))

const POLICIES = {
  'ssm-all': 'path "ssm/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
  'kms-all': 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
  'team-read': 'path "ssm/parameters/team/*" { capabilities = ["read", "list"] }',
  'team-write': 'path "ssm/parameters/team/*" { capabilities = ["create", "read", "update", "list"] }',
  'kms-decrypt': 'path "kms/decrypt/*" { capabilities = ["update"] }',
}

describe('SSM SecureString under a customer KMS key', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  let keys: Record<string, AccessKey>

  before(async () => {
    t = await startDevServer({ devAws: true })
    for (const [name, policy] of Object.entries(POLICIES))
      await mustCall(t, 'PUT', `sys/policies/acl/${name}`, { policy })
    keys = {
      admin: await accessKeyFor(t, 'admin', 'ssm-all,kms-all'),
      reader: await accessKeyFor(t, 'reader', 'team-read'),
      decrypter: await accessKeyFor(t, 'decrypter', 'team-read,kms-decrypt'),
      writer: await accessKeyFor(t, 'writer', 'team-write'),
    }
  })
  after(() => t?.close())

  it('boto3: kms:Decrypt needed to read with decryption, the key needed to write; key states apply', async () => {
    const f = findings(await runClient('python3', [SCRIPT], rolesEnv(t.address, keys)))
    assert.equal(f['described_key'], 'alias/params')
    assert.equal(f['admin_value'], 'kms-param-value')
    for (const read of ['reader_get', 'reader_get_many', 'reader_by_path', 'reader_history']) {
      assert.equal(f[read][0], 'AccessDeniedException', read)
      assert.doesNotMatch(f[read][1], /kms-param-value/)
    }
    assert.equal(f['reader_masked_differs'], true)
    assert.deepEqual(f['reader_by_path_plain'], ['/team/db', '/team/url'])
    assert.equal(f['decrypter_get'], 'kms-param-value')
    assert.deepEqual(f['decrypter_by_path'], { '/team/db': 'kms-param-value', '/team/url': 'https://db' })
    assert.equal(f['writer_put'][0], 'AccessDeniedException')
    assert.equal(f['writer_new'][0], 'AccessDeniedException')
    assert.equal(f['writer_default_key'], 1)
    assert.equal(f['version_after_writer'], 1)
    assert.equal(f['unknown_key'], 'InvalidKeyId')
    assert.equal(f['disabled_get'][0], 'InvalidKeyId')
    assert.match(f['disabled_get'][1], /is disabled/)
    assert.equal(f['disabled_put'], 'InvalidKeyId')
    assert.equal(f['disabled_masked'], 'SecureString')
    assert.equal(f['enabled_again'], 'second-value')
    assert.equal(f['pending_get'], 'InvalidKeyId')
    assert.equal(f['restored_v1'], 'kms-param-value')

    // A rotated key still opens what its older material sealed, and seals new values under the new material.
    await mustCall(t, 'POST', `kms/keys/${f['key_id']}/rotate`)
    assert.equal(
      (await mustCall(t, 'GET', 'ssm/parameters/team/db?version=1')).body.data.Value,
      'kms-param-value',
    )
    await mustCall(t, 'POST', 'ssm/parameters/team/db', { value: 'after-rotation' })
    assert.equal((await mustCall(t, 'GET', 'ssm/parameters/team/db')).body.data.Value, 'after-rotation')
    assert.equal(
      (await mustCall(t, 'GET', 'ssm/parameters/team/db?version=2')).body.data.Value,
      'second-value',
    )
  })
})
