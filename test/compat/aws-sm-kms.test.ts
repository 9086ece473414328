// Secrets Manager KmsKeyId against a dev server: boto3 and the JS SDK, keys made through the KMS API, the caller's
// kms:Decrypt checked as a Coffer capability on the key's path of the kms/ mount.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms'
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import {
  type AccessKey,
  accessKeyFor,
  BOTO3,
  findings,
  mustCall,
  rolesEnv,
  runClient,
} from '../helpers/aws-clients.ts'
import { withDeadline } from '../helpers/deadline.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-sm-kms.py', import.meta.url))

const SM_ALL = 'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }'
const KMS_ALL = 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }'
const SM_READ = 'path "secretsmanager/secrets/*" { capabilities = ["read"] }'
const KMS_DECRYPT = 'path "kms/decrypt/*" { capabilities = ["update"] }'
const SSM_REFERENCE = 'path "ssm/*" { capabilities = ["read"] }'

async function roles(t: TestServer): Promise<Record<string, AccessKey>> {
  const ok = (method: string, path: string, body?: unknown) => mustCall(t, method, path, body)
  await ok('PUT', 'sys/policies/acl/sm-all', { policy: SM_ALL })
  await ok('PUT', 'sys/policies/acl/kms-all', { policy: KMS_ALL })
  await ok('PUT', 'sys/policies/acl/sm-read', { policy: SM_READ })
  await ok('PUT', 'sys/policies/acl/kms-decrypt', { policy: KMS_DECRYPT })
  await ok('PUT', 'sys/policies/acl/ssm-reference', { policy: SSM_REFERENCE })
  return {
    admin: await accessKeyFor(t, 'admin', 'sm-all,kms-all'),
    reader: await accessKeyFor(t, 'reader', 'sm-read'),
    decrypter: await accessKeyFor(t, 'decrypter', 'sm-read,kms-decrypt,ssm-reference'),
  }
}

describe('Secrets Manager KmsKeyId', () => {
  let t: TestServer
  let keys: Record<string, AccessKey>

  before(async () => {
    t = await startDevServer({ devAws: true })
    keys = await roles(t)
  })
  after(() => t?.close())

  it('boto3: a secret under a KMS key; kms:Decrypt needed to read; disabled key; retries; key change', async (c) => {
    const missing = await unmet(BOTO3)
    if (missing) {
      c.skip(missing)
      return
    }
    const f = findings(await runClient('python3', [SCRIPT], rolesEnv(t.address, keys)))
    assert.match(f['key_arn'], /^arn:aws:kms:us-east-1:000000000000:key\//)
    assert.equal(f['described_key'], f['key_arn'])
    assert.equal(f['admin_value'], 'boto3-kms-value')
    assert.deepEqual(f['version_keys'], [f['key_arn']])
    assert.deepEqual(f['reader_error'], ['AccessDeniedException', 'Access to KMS is not allowed'])
    assert.equal(f['reader_batch'], 'AccessDeniedException')
    assert.equal(f['decrypter_value'], 'boto3-kms-value')
    assert.equal(f['ssm_reference'], 'boto3-kms-value')
    assert.equal(f['retry_same'], true)
    assert.equal(f['retry_other'], 'ResourceExistsException')
    assert.equal(f['disabled_read'][0], 'KMSInvalidStateException')
    assert.match(f['disabled_read'][1], /is disabled/)
    assert.equal(f['disabled_write'], 'EncryptionFailure')
    assert.equal(f['enabled_again'], 'second')
    assert.deepEqual(f['current_keys'], [f['key_arn'], f['other_arn']])
    assert.equal(f['unknown_key'], 'ResourceNotFoundException')
  })

  it('@aws-sdk/client-secrets-manager: create under a KMS key, read back; a reader without decrypt is refused', async () => {
    const client = (key: AccessKey) => ({
      endpoint: t.address,
      region: 'us-east-1',
      credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
      maxAttempts: 1,
    })
    const kms = new KMSClient(client(keys['admin']!))
    const sm = new SecretsManagerClient(client(keys['admin']!))
    const reader = new SecretsManagerClient(client(keys['reader']!))
    const decrypter = new SecretsManagerClient(client(keys['decrypter']!))
    const key = (await kms.send(new CreateKeyCommand({ Description: 'js key' }))).KeyMetadata!
    await sm.send(new CreateSecretCommand({ Name: 'js/db', SecretString: 'js-kms-value', KmsKeyId: key.Arn }))
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'js/db' }))
    assert.equal(got.SecretString, 'js-kms-value')
    assert.equal(
      (await decrypter.send(new GetSecretValueCommand({ SecretId: 'js/db' }))).SecretString,
      'js-kms-value',
    )
    await assert.rejects(reader.send(new GetSecretValueCommand({ SecretId: 'js/db' })), (error: Error) => {
      assert.equal(error.name, 'AccessDeniedException')
      assert.equal(error.message, 'Access to KMS is not allowed')
      return true
    })
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }))
    await assert.rejects(sm.send(new GetSecretValueCommand({ SecretId: 'js/db' })), (error: Error) => {
      assert.equal(error.name, 'KMSInvalidStateException')
      return true
    })
    for (const c of [kms, sm, reader, decrypter]) c.destroy()
  })

  it('the Vault API: a token with decrypt on the key reads the value, one without is refused', async () => {
    const kms = new KMSClient({
      endpoint: t.address,
      region: 'us-east-1',
      credentials: { accessKeyId: keys['admin']!.id, secretAccessKey: keys['admin']!.secret },
      maxAttempts: 1,
    })
    const key = (await kms.send(new CreateKeyCommand({ Description: 'vault api key' }))).KeyMetadata!
    kms.destroy()
    await mustCall(t, 'POST', 'secretsmanager/secrets/vault/db', {
      secret_string: 'vault-kms-value',
      kms_key_id: key.KeyId,
    })
    const token = async (policies: string[]) =>
      (await mustCall(t, 'POST', 'auth/token/create', { policies })).body.auth.client_token as string
    const withDecrypt = await t.call('GET', 'secretsmanager/secrets/vault/db', {
      token: await token(['sm-read', 'kms-decrypt']),
    })
    assert.equal(withDecrypt.status, 200)
    assert.equal(withDecrypt.body.data.secret_string, 'vault-kms-value')
    const without = await t.call('GET', 'secretsmanager/secrets/vault/db', {
      token: await token(['sm-read']),
    })
    assert.equal(without.status, 400)
    assert.deepEqual(without.body.errors, ['Access to KMS is not allowed'])
    // A Vault-API write seals under the key as well: the key's own decrypt is needed to read it back.
    const writer = await token(['sm-all'])
    const put = await t.call('POST', 'secretsmanager/secrets/vault/db', {
      token: writer,
      body: { secret_string: 'vault-kms-two' },
    })
    assert.equal(put.status, 400)
    assert.deepEqual(put.body.errors, ['Access to KMS is not allowed'])
  })

  it('a built-in rotation of a secret under a KMS key reads and seals with the rotation credentials', async () => {
    const client = {
      endpoint: t.address,
      region: 'us-east-1',
      credentials: { accessKeyId: keys['admin']!.id, secretAccessKey: keys['admin']!.secret },
      maxAttempts: 1,
    }
    const kms = new KMSClient(client)
    const sm = new SecretsManagerClient(client)
    const key = (await kms.send(new CreateKeyCommand({ Description: 'rotation key' }))).KeyMetadata!
    await sm.send(
      new CreateSecretCommand({
        Name: 'rotated/db',
        SecretString: '{"password":"first"}',
        KmsKeyId: key.Arn,
      }),
    )
    await sm.send(
      new RotateSecretCommand({
        SecretId: 'rotated/db',
        RotationLambdaARN: 'arn:aws:lambda:us-east-1:000000000000:function:coffer-random-password',
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    )
    // The rotation runs in the background: wait until it has finished, one way or the other.
    const settled = async () => {
      for (;;) {
        const d = await sm.send(new DescribeSecretCommand({ SecretId: 'rotated/db' }))
        const stages = Object.values(d.VersionIdsToStages ?? {})
        if (d.LastRotatedDate !== undefined && !stages.some((s) => s.includes('AWSPENDING'))) return d
        await delay(100)
      }
    }
    await withDeadline(settled(), 'the rotation of a KMS-keyed secret')
    const got = await sm.send(new GetSecretValueCommand({ SecretId: 'rotated/db' }))
    const password = JSON.parse(got.SecretString!).password
    assert.notEqual(password, 'first')
    for (const c of [kms, sm]) c.destroy()
  })
})
