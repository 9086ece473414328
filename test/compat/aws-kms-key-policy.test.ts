// KMS key policies enforced, through the unmodified AWS SDK for JavaScript against a dev server: the default policy,
// a Deny for one principal, a policy without account delegation, the lockout check, ReEncrypt, and the same key
// policy on the keys Secrets Manager and Parameter Store use for the caller.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
  PutKeyPolicyCommand,
  ReEncryptCommand,
} from '@aws-sdk/client-kms'
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import { type AccessKey, accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const ALL = 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }'
const SM_SSM = `${ALL}
path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "ssm/*" { capabilities = ["create", "read", "update", "delete", "list"] }`

const ACCOUNT = '000000000000'
const ROOT = `arn:aws:iam::${ACCOUNT}:root`
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`

const policy = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements })
const statement = (effect: 'Allow' | 'Deny', principal: unknown, action: unknown = 'kms:*') => ({
  Effect: effect,
  Principal: principal,
  Action: action,
  Resource: '*',
})

/** The error name and message a call failed with; 'ok' when it succeeded. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'ok'
  } catch (error) {
    const e = error as { name?: string; message?: string }
    return `${e.name}: ${e.message}`
  }
}

describe('KMS key policies through @aws-sdk/client-kms', () => {
  let t: TestServer
  const clients: Array<{ destroy(): void }> = []
  let kms: Record<'admin' | 'app' | 'other', KMSClient>
  let config: (key: AccessKey) => {
    endpoint: string
    region: string
    credentials: { accessKeyId: string; secretAccessKey: string }
    maxAttempts: number
  }
  let keys: Record<string, AccessKey>

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/kms-all', { policy: SM_SSM })
    keys = {
      admin: await accessKeyFor(t, 'admin', 'kms-all'),
      app: await accessKeyFor(t, 'app', 'kms-all'),
      other: await accessKeyFor(t, 'other', 'kms-all'),
    }
    config = (key) => ({
      endpoint: t.address,
      region: 'us-east-1',
      credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
      maxAttempts: 1,
    })
    const client = (name: string) => {
      const made = new KMSClient(config(keys[name]!))
      clients.push(made)
      return made
    }
    kms = { admin: client('admin'), app: client('app'), other: client('other') }
  })
  after(async () => {
    for (const client of clients) client.destroy()
    await t?.close()
  })

  const newKey = async (Policy?: string, bypass?: boolean) =>
    (
      await kms.admin.send(
        new CreateKeyCommand({
          ...(Policy ? { Policy } : {}),
          ...(bypass ? { BypassPolicyLockoutSafetyCheck: true } : {}),
        }),
      )
    ).KeyMetadata!
  const put = (who: KMSClient, KeyId: string, Policy: string, bypass?: boolean) =>
    who.send(
      new PutKeyPolicyCommand({
        KeyId,
        Policy,
        PolicyName: 'default',
        ...(bypass === undefined ? {} : { BypassPolicyLockoutSafetyCheck: bypass }),
      }),
    )
  const encrypt = (who: KMSClient, KeyId: string) =>
    who.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('hello') }))
  const decrypt = (who: KMSClient, blob: Uint8Array) => who.send(new DecryptCommand({ CiphertextBlob: blob }))

  it('the default policy: every caller of the account, as Coffer’s ACL allows', async () => {
    const key = await newKey()
    const blob = (await encrypt(kms.app, key.KeyId!)).CiphertextBlob!
    assert.equal(Buffer.from((await decrypt(kms.other, blob)).Plaintext!).toString(), 'hello')
    assert.equal(await outcome(kms.other.send(new DescribeKeyCommand({ KeyId: key.KeyId }))), 'ok')
  })

  it('a Deny for one principal refuses that principal only', async () => {
    const key = await newKey()
    const blob = (await encrypt(kms.app, key.KeyId!)).CiphertextBlob!
    await put(
      kms.admin,
      key.KeyId!,
      policy(statement('Allow', { AWS: ROOT }), statement('Deny', { AWS: user('app') }, 'kms:Decrypt')),
    )
    assert.equal(
      await outcome(decrypt(kms.app, blob)),
      `AccessDeniedException: User: ${user('app')} is not authorized to perform: kms:Decrypt on resource: ${key.Arn} ` +
        'with an explicit deny in a resource-based policy',
    )
    assert.equal(await outcome(encrypt(kms.app, key.KeyId!)), 'ok')
    assert.equal(await outcome(decrypt(kms.other, blob)), 'ok')
  })

  it('a policy without account delegation refuses callers only Coffer’s ACL allows', async () => {
    const key = await newKey()
    await put(
      kms.admin,
      key.KeyId!,
      policy(
        statement('Allow', { AWS: user('admin') }),
        statement('Allow', { AWS: user('app') }, ['kms:Encrypt', 'kms:Decrypt']),
      ),
    )
    const blob = (await encrypt(kms.app, key.KeyId!)).CiphertextBlob!
    assert.equal(Buffer.from((await decrypt(kms.app, blob)).Plaintext!).toString(), 'hello')
    assert.equal(
      await outcome(decrypt(kms.other, blob)),
      `AccessDeniedException: User: ${user('other')} is not authorized to perform: kms:Decrypt on resource: ${key.Arn} ` +
        'because no resource-based policy allows the kms:Decrypt action',
    )
    assert.match(
      await outcome(kms.other.send(new DescribeKeyCommand({ KeyId: key.KeyId }))),
      /kms:DescribeKey/,
    )
    assert.match(await outcome(kms.app.send(new DescribeKeyCommand({ KeyId: key.KeyId }))), /kms:DescribeKey/)
  })

  it('the lockout safety check on PutKeyPolicy and CreateKey, and its bypass', async () => {
    const onlyApp = policy(statement('Allow', { AWS: user('app') }))
    const lockout =
      'MalformedPolicyDocumentException: The new key policy will not allow you to update the key policy in the future.'
    assert.equal(await outcome(newKey(onlyApp)), lockout)
    const key = await newKey()
    assert.equal(await outcome(put(kms.admin, key.KeyId!, onlyApp)), lockout)
    assert.equal(await outcome(put(kms.admin, key.KeyId!, onlyApp, true)), 'ok')
    assert.match(
      await outcome(put(kms.admin, key.KeyId!, policy(statement('Allow', { AWS: ROOT })))),
      /^AccessDeniedException/,
    )
    assert.equal(await outcome(put(kms.app, key.KeyId!, policy(statement('Allow', { AWS: ROOT })))), 'ok')
    assert.equal(await outcome(newKey(onlyApp, true)), 'ok')
    // A condition the server cannot evaluate is refused, not ignored.
    const viaService = policy({
      ...statement('Allow', { AWS: ROOT }),
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
    })
    assert.match(
      await outcome(put(kms.admin, key.KeyId!, viaService)),
      /^MalformedPolicyDocumentException: .*kms:ViaService/,
    )
  })

  it('ReEncrypt is checked as kms:ReEncryptFrom on the source and kms:ReEncryptTo on the destination', async () => {
    const source = await newKey()
    const destination = await newKey()
    const blob = (await encrypt(kms.app, source.KeyId!)).CiphertextBlob!
    const reEncrypt = () =>
      kms.app.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: destination.KeyId }))
    assert.equal(await outcome(reEncrypt()), 'ok')
    await put(
      kms.admin,
      destination.KeyId!,
      policy(statement('Allow', { AWS: ROOT }), statement('Deny', { AWS: user('app') }, 'kms:ReEncryptTo')),
    )
    assert.match(await outcome(reEncrypt()), /kms:ReEncryptTo on resource: .* explicit deny/)
    await put(kms.admin, destination.KeyId!, policy(statement('Allow', { AWS: ROOT })))
    await put(
      kms.admin,
      source.KeyId!,
      policy(statement('Allow', { AWS: ROOT }), statement('Deny', { AWS: user('app') }, 'kms:ReEncrypt*')),
    )
    assert.match(await outcome(reEncrypt()), /kms:ReEncryptFrom on resource: .* explicit deny/)
    // kms:Decrypt itself is still allowed: ReEncryptFrom is its own permission.
    assert.equal(await outcome(decrypt(kms.app, blob)), 'ok')
  })

  it('Secrets Manager and Parameter Store: the key policy applies to the kms:Decrypt they run for the caller', async () => {
    const key = await newKey()
    const sm = (name: string) => {
      const made = new SecretsManagerClient(config(keys[name]!))
      clients.push(made)
      return made
    }
    const ssm = (name: string) => {
      const made = new SSMClient(config(keys[name]!))
      clients.push(made)
      return made
    }
    await sm('admin').send(new CreateSecretCommand({ Name: 'kp/db', SecretString: 'v', KmsKeyId: key.Arn }))
    await ssm('admin').send(
      new PutParameterCommand({ Name: '/kp/p', Value: 'p', Type: 'SecureString', KeyId: key.KeyId }),
    )
    const readSecret = (name: string) => sm(name).send(new GetSecretValueCommand({ SecretId: 'kp/db' }))
    const readParameter = (name: string) =>
      ssm(name).send(new GetParameterCommand({ Name: '/kp/p', WithDecryption: true }))
    assert.equal((await readSecret('app')).SecretString, 'v')
    assert.equal((await readParameter('app')).Parameter?.Value, 'p')
    await put(
      kms.admin,
      key.KeyId!,
      policy(statement('Allow', { AWS: ROOT }), statement('Deny', { AWS: user('app') }, 'kms:Decrypt')),
    )
    assert.equal(await outcome(readSecret('app')), 'AccessDeniedException: Access to KMS is not allowed')
    assert.match(await outcome(readParameter('app')), /^AccessDeniedException/)
    assert.equal((await readSecret('other')).SecretString, 'v')
    assert.equal((await readParameter('other')).Parameter?.Value, 'p')
    // Writing a new version needs kms:GenerateDataKey under the key policy too.
    await put(
      kms.admin,
      key.KeyId!,
      policy(
        statement('Allow', { AWS: ROOT }),
        statement('Deny', { AWS: user('app') }, 'kms:GenerateDataKey'),
      ),
    )
    assert.match(
      await outcome(
        ssm('app').send(
          new PutParameterCommand({
            Name: '/kp/p',
            Value: 'q',
            Type: 'SecureString',
            KeyId: key.KeyId,
            Overwrite: true,
          }),
        ),
      ),
      /^AccessDeniedException/,
    )
  })
})
