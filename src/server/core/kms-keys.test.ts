// The KeyService core gives engines: KMS actions on the KMS mount, each checked against the ACL its caller's request had.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { isAwsError } from '../../sdk/aws-error.ts'
import type { BackendRequest } from '../../sdk/request.ts'
import { runPipeline } from './handle-request.ts'
import { kmsKeyService } from './kms-keys.ts'
import { rememberAcl } from './pipeline/request-acl.ts'
import { request, type TestCore, unsealedCore } from './pipeline/test-helpers.ts'

const awsType = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    return isAwsError(error) ? error.awsType : `not an AwsError: ${String(error)}`
  }
  return 'no error'
}

function backendRequest(): BackendRequest {
  return {
    id: randomUUID(),
    operation: 'read',
    path: 'secrets/x',
    mountPath: 'secretsmanager/',
    data: {},
    headers: {},
    contentType: 'application/json',
    remoteAddress: '127.0.0.1',
    caller: undefined,
  }
}

describe('the KMS key service', () => {
  let t: TestCore
  let keyId: string
  let issue: (policies: string[]) => Promise<string>

  before(async () => {
    t = await unsealedCore()
    await t.services.mounts.mount('secret', { path: 'kms/', type: 'transit', options: {} })
    await t.services.mounts.mount('secret', { path: 'secretsmanager/', type: 'secretsmanager', options: {} })
    keyId = randomUUID()
    await runPipeline(t.services, {
      ...request('update', `kms/keys/${keyId}`, t.rootToken),
      headers: { 'x-amz-target': 'TrentService.CreateKey' },
    })
    await runPipeline(t.services, {
      ...request('update', 'kms/kms/aliases/app', t.rootToken, {
        TargetKeyId: keyId,
        AliasName: 'alias/app',
      }),
      headers: { 'x-amz-target': 'TrentService.CreateAlias' },
    })
    await t.services.policies.write(
      'sm',
      'path "secretsmanager/*" { capabilities = ["create", "read", "update"] }',
    )
    await t.services.policies.write(
      'kms-datakey',
      `path "kms/datakey/plaintext/${keyId}" { capabilities = ["update"] }`,
    )
    await t.services.policies.write(
      'kms-decrypt',
      `path "kms/decrypt/${keyId}" { capabilities = ["update"] }`,
    )
    issue = async (policies) =>
      (
        await t.services.tokens.issue('service', {
          policies,
          parentHash: '',
          meta: {},
          ttl: 3600,
          maxTtl: 3600,
          path: 'auth/token/create',
        })
      ).token
  })
  after(() => t?.close())

  it('resolves ids, ARNs and aliases; unknown keys and aliases are NotFoundException', async () => {
    const keys = kmsKeyService(() => t.services.mounts.router)
    const caller = backendRequest()
    const arn = `arn:aws:kms:us-east-1:000000000000:key/${keyId}`
    for (const ref of [keyId, arn, 'alias/app', 'arn:aws:kms:us-east-1:000000000000:alias/app'])
      assert.deepEqual(await keys.resolve(caller, ref), { keyId, arn })
    assert.equal(await awsType(keys.resolve(caller, 'alias/none')), 'NotFoundException')
    assert.equal(await awsType(keys.resolve(caller, randomUUID())), 'NotFoundException')
  })

  it('a request core never authorised may use no key; the server itself may', async () => {
    const keys = kmsKeyService(() => t.services.mounts.router)
    const context = { SecretARN: 'arn', SecretVersionId: 'v' }
    assert.equal(
      await awsType(keys.generateDataKey(backendRequest(), keyId, context)),
      'AccessDeniedException',
    )
    const { plaintext, blob } = await keys.generateDataKey('server', keyId, context)
    assert.deepEqual(await keys.decrypt('server', keyId, blob, context), plaintext)
    assert.equal(
      await awsType(keys.decrypt('server', keyId, blob, { ...context, SecretVersionId: 'w' })),
      'InvalidCiphertextException',
    )
  })

  it('each operation is checked on its own path against the ACL the request was let in with', async () => {
    const keys = kmsKeyService(() => t.services.mounts.router)
    const context = { SecretARN: 'arn', SecretVersionId: 'v' }
    const withAcl = async (policies: string[]) => {
      const req = backendRequest()
      rememberAcl(req, await t.services.policies.acl(policies, undefined))
      return req
    }
    const writer = await withAcl(['kms-datakey'])
    const { plaintext, blob } = await keys.generateDataKey(writer, keyId, context)
    assert.equal(await awsType(keys.decrypt(writer, keyId, blob, context)), 'AccessDeniedException')
    const reader = await withAcl(['kms-decrypt'])
    assert.deepEqual(await keys.decrypt(reader, keyId, blob, context), plaintext)
    assert.equal(await awsType(keys.encrypt(reader, keyId, plaintext, context)), 'AccessDeniedException')
  })

  it('through the pipeline: a Secrets Manager read needs decrypt on the key of the secret', async () => {
    const writer = await issue(['sm', 'kms-datakey'])
    await runPipeline(
      t.services,
      request('update', 'secretsmanager/secrets/app', writer, {
        secret_string: 'core-kms-value',
        kms_key_id: 'alias/app',
      }),
    )
    const read = (token: string) =>
      runPipeline(t.services, request('read', 'secretsmanager/secrets/app', token))
    assert.equal(await awsType(read(writer)), 'AccessDeniedException')
    const reader = await issue(['sm', 'kms-decrypt'])
    assert.equal((await read(reader))?.data?.['secret_string'], 'core-kms-value')
  })

  it('the key policy applies to the caller’s AWS identity; resolving the key is not a use of it', async () => {
    const keys = kmsKeyService(() => t.services.mounts.router)
    const policyKey = randomUUID()
    const app = 'arn:aws:iam::000000000000:user/app'
    await runPipeline(t.services, {
      ...request('update', `kms/keys/${policyKey}`, t.rootToken, {
        // Only app may generate data keys; nobody else, whatever the ACL allows, and no DescribeKey for anyone.
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: app }, Action: 'kms:GenerateDataKey', Resource: '*' },
          ],
        }),
        BypassPolicyLockoutSafetyCheck: true,
      }),
      headers: { 'x-amz-target': 'TrentService.CreateKey' },
    })
    await t.services.policies.write('kms-all', 'path "kms/*" { capabilities = ["create", "read", "update"] }')
    const as = async (arn: string | undefined) => {
      const req: BackendRequest = {
        ...backendRequest(),
        caller: {
          accessor: 'a',
          policies: ['kms-all'],
          displayName: 'x',
          entityId: '',
          metadata: arn === undefined ? {} : { arn, account_id: '000000000000' },
        },
      }
      rememberAcl(req, await t.services.policies.acl(['kms-all'], undefined))
      return req
    }
    const context = { SecretARN: 'arn', SecretVersionId: 'v' }
    assert.equal((await keys.resolve(await as(app), policyKey)).keyId, policyKey)
    assert.equal((await keys.generateDataKey(await as(app), policyKey, context)).plaintext.length, 32)
    assert.equal(
      await awsType(
        keys.generateDataKey(await as('arn:aws:iam::000000000000:user/other'), policyKey, context),
      ),
      'AccessDeniedException',
    )
    assert.equal(
      await awsType(keys.generateDataKey(await as(undefined), policyKey, context)),
      'AccessDeniedException',
    )
  })

  it('no transit mount: NotFoundException', async () => {
    const keys = kmsKeyService(() => t.services.mounts.router)
    await t.services.mounts.unmount('secret', 'kms/')
    assert.equal(await awsType(keys.resolve('server', keyId)), 'NotFoundException')
  })
})
