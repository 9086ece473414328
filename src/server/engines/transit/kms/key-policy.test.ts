// The key policy is enforced on KMS actions: explicit Deny, account delegation, conditions, the lockout check.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AwsError } from '../../../../sdk/aws-error.ts'
import type { BackendRequest, Caller, Operation } from '../../../../sdk/request.ts'
import { b64, dataOf, kms, makeTransit } from '../test-helpers.ts'
import { loadMeta, saveMeta } from './metadata.ts'

const A = '11111111-1111-4111-8111-111111111111'
const B = '22222222-2222-4222-8222-222222222222'
const ACCOUNT = '000000000000'
const ROOT = `arn:aws:iam::${ACCOUNT}:root`
const ADMIN = `arn:aws:iam::${ACCOUNT}:user/admin`
const APP = `arn:aws:iam::${ACCOUNT}:user/app`
const OTHER = `arn:aws:iam::${ACCOUNT}:user/other`

/** A caller as the aws-keys login leaves it on a token; undefined arn: a Coffer token with no AWS identity. */
const callerOf = (arn: string | undefined): Caller => ({
  accessor: 'a',
  policies: ['default'],
  displayName: arn === undefined ? 'token-ops' : 'aws-keys',
  entityId: '',
  metadata: arn === undefined ? {} : { arn, account_id: arn.split(':')[4]! },
})

const policy = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements })
const allow = (principal: unknown, action: unknown = 'kms:*', extra = {}) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: action,
  Resource: '*',
  ...extra,
})
const deny = (principal: unknown, action: unknown = 'kms:*', extra = {}) => ({
  ...allow(principal, action, extra),
  Effect: 'Deny',
})

async function harness() {
  const h = await makeTransit()
  /** One KMS action by `arn` (a Vault token without an AWS identity when undefined). */
  const as = async (
    arn: string | undefined,
    action: string,
    operation: Operation,
    path: string,
    body: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<Record<string, unknown>> => {
    const extra: Partial<BackendRequest> = {
      caller: callerOf(arn),
      headers: { ...kms(action).headers, ...headers },
    }
    return dataOf(await h.call(operation, path, body, extra))
  }
  const create = async (keyId: string, body: Record<string, unknown> = {}, arn: string | undefined = ADMIN) =>
    as(arn, 'CreateKey', 'create', `keys/${keyId}`, body)
  const encrypt = (arn: string | undefined, keyId = A, context?: Record<string, string>) =>
    as(arn, 'Encrypt', 'update', `encrypt/${keyId}`, {
      KeyId: keyId,
      Plaintext: b64('hello'),
      ...(context ? { EncryptionContext: context } : {}),
    })
  const decrypt = (arn: string | undefined, blob: unknown, context?: Record<string, string>) =>
    as(arn, 'Decrypt', 'update', `decrypt/${A}`, {
      CiphertextBlob: blob,
      ...(context ? { EncryptionContext: context } : {}),
    })
  const putPolicy = (arn: string | undefined, doc: string, bypass?: boolean) =>
    as(arn, 'PutKeyPolicy', 'update', `keys/${A}/config`, {
      KeyId: A,
      Policy: doc,
      ...(bypass === undefined ? {} : { BypassPolicyLockoutSafetyCheck: bypass }),
    })
  return { h, as, create, encrypt, decrypt, putPolicy }
}

/** The AWS error a call failed with: its type and message; 'ok' when it succeeded. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'ok'
  } catch (error) {
    if (error instanceof AwsError) return `${error.awsType}: ${error.message}`
    throw error
  }
}

describe('KMS key policy enforcement', () => {
  it('the default policy delegates to the account: AWS callers of the account and Vault tokens as before', async () => {
    const { create, encrypt, decrypt, as } = await harness()
    await create(A)
    const blob = (await encrypt(APP))['CiphertextBlob']
    assert.equal(
      Buffer.from(String((await decrypt(undefined, blob))['Plaintext']), 'base64').toString(),
      'hello',
    )
    assert.equal(await outcome(as(OTHER, 'DescribeKey', 'read', `keys/${A}`, { KeyId: A })), 'ok')
    // A caller of another account is cross-account: the default policy names only the key's account.
    const foreign = 'arn:aws:iam::999999999999:user/x'
    assert.equal(
      await outcome(encrypt(foreign)),
      `AccessDeniedException: User: ${foreign} is not authorized to perform: kms:Encrypt on resource: ` +
        `arn:aws:kms:us-east-1:${ACCOUNT}:key/${A} because no resource-based policy allows the kms:Encrypt action`,
    )
  })

  it('a Deny for one principal refuses that principal only, with AWS’s message', async () => {
    const { create, encrypt, decrypt, putPolicy } = await harness()
    await create(A)
    const blob = (await encrypt(APP))['CiphertextBlob']
    await putPolicy(ADMIN, policy(allow({ AWS: ROOT }), deny({ AWS: APP }, 'kms:Decrypt')))
    assert.equal(
      await outcome(decrypt(APP, blob)),
      `AccessDeniedException: User: ${APP} is not authorized to perform: kms:Decrypt on resource: ` +
        `arn:aws:kms:us-east-1:${ACCOUNT}:key/${A} with an explicit deny in a resource-based policy`,
    )
    assert.equal(await outcome(encrypt(APP)), 'ok')
    assert.equal(await outcome(decrypt(OTHER, blob)), 'ok')
    assert.equal(await outcome(decrypt(undefined, blob)), 'ok')
  })

  it('alias writes by a Vault token are checked against the keys’ policies; a request with no caller is not', async () => {
    const { h, create, as, putPolicy } = await harness()
    await create(A)
    await create(B)
    const alias = (name: string, TargetKeyId?: string) => ({
      AliasName: `alias/${name}`,
      ...(TargetKeyId ? { TargetKeyId } : {}),
    })
    await as(ADMIN, 'CreateAlias', 'create', 'kms/aliases/x', alias('x', A))
    await putPolicy(ADMIN, policy(allow({ AWS: ROOT }), deny('*', ['kms:UpdateAlias', 'kms:DeleteAlias'])))
    const onA = `on resource: arn:aws:kms:us-east-1:${ACCOUNT}:key/${A} with an explicit deny`
    assert.match(
      await outcome(as(undefined, 'UpdateAlias', 'update', 'kms/aliases/x', alias('x', B))),
      new RegExp(`^AccessDeniedException: User: token-ops \\(no AWS identity\\) .*kms:UpdateAlias ${onA}`),
    )
    assert.match(
      await outcome(as(undefined, 'DeleteAlias', 'delete', 'kms/aliases/x', alias('x'))),
      new RegExp(`kms:DeleteAlias ${onA}`),
    )
    // Moving an alias onto A is refused as well: A is then the new key.
    await as(ADMIN, 'CreateAlias', 'create', 'kms/aliases/y', alias('y', B))
    assert.match(
      await outcome(as(ADMIN, 'UpdateAlias', 'update', 'kms/aliases/y', alias('y', A))),
      new RegExp(`kms:UpdateAlias ${onA}`),
    )
    assert.equal(dataOf(await h.call('read', 'kms/aliases/y'))['target_key_id'], B)
    // The server's own work carries no caller, which no key policy governs.
    await h.call('delete', 'kms/aliases/x', alias('x'), kms('DeleteAlias'))
    assert.equal(await h.call('read', 'kms/aliases/x'), undefined)
  })

  it('a Deny on every principal refuses a Vault token too; the server’s own work and the Vault API are not KMS calls', async () => {
    const { h, create, encrypt, decrypt, putPolicy } = await harness()
    await create(A)
    const blob = (await encrypt(APP))['CiphertextBlob']
    await putPolicy(ADMIN, policy(allow({ AWS: ROOT }), deny('*', 'kms:Decrypt')))
    assert.match(await outcome(decrypt(undefined, blob)), /^AccessDeniedException: User: token-ops \(no AWS/)
    assert.match(await outcome(decrypt(ADMIN, blob)), /explicit deny/)
    // The KeyService's work for no caller (redaction) has no caller to check.
    const out = await h.call('update', `decrypt/${A}`, { CiphertextBlob: blob }, kms('Decrypt'))
    assert.equal(Buffer.from(String(dataOf(out)['Plaintext']), 'base64').toString(), 'hello')
    // The transit API on the same key is governed by Coffer's ACL alone.
    const plain = await h.call(
      'update',
      `encrypt/${A}`,
      { plaintext: b64('x') },
      { caller: callerOf(undefined) },
    )
    assert.match(String(dataOf(plain)['ciphertext']), /^vault:v1:/)
  })

  it('without delegation to the account only the principals it names may call; IAM-only callers are refused', async () => {
    const { create, encrypt, as, putPolicy } = await harness()
    await create(A)
    await putPolicy(ADMIN, policy(allow({ AWS: ADMIN }), allow({ AWS: APP }, ['kms:Encrypt', 'kms:Decrypt'])))
    assert.equal(await outcome(encrypt(APP)), 'ok')
    assert.match(
      await outcome(encrypt(OTHER)),
      /because no resource-based policy allows the kms:Encrypt action/,
    )
    assert.match(await outcome(encrypt(undefined)), /because no resource-based policy allows/)
    assert.match(
      await outcome(as(APP, 'DisableKey', 'update', `keys/${A}/config`, { KeyId: A })),
      /kms:DisableKey/,
    )
    assert.equal(await outcome(as(ADMIN, 'DisableKey', 'update', `keys/${A}/config`, { KeyId: A })), 'ok')
    assert.match(
      await outcome(as(APP, 'GetKeyPolicy', 'read', `keys/${A}`, { KeyId: A })),
      /kms:GetKeyPolicy/,
    )
  })

  it('the lockout check: a policy that would stop the caller from PutKeyPolicy needs the bypass', async () => {
    const { create, putPolicy, as } = await harness()
    const lockout =
      'MalformedPolicyDocumentException: The new key policy will not allow you to update the key policy in the future.'
    const onlyApp = policy(allow({ AWS: APP }))
    assert.equal(
      await outcome(putPolicy(ADMIN, onlyApp)),
      `NotFoundException: Key 'arn:aws:kms:us-east-1:000000000000:key/${A}' does not exist`,
    )
    await create(A)
    assert.equal(await outcome(putPolicy(ADMIN, onlyApp)), lockout)
    assert.equal(await outcome(putPolicy(ADMIN, onlyApp, false)), lockout)
    // A Deny of PutKeyPolicy for the caller fails the check even beside an Allow.
    assert.equal(
      await outcome(putPolicy(ADMIN, policy(allow({ AWS: ROOT }), deny({ AWS: ADMIN }, 'kms:PutKeyPolicy')))),
      lockout,
    )
    assert.equal(await outcome(putPolicy(ADMIN, policy(allow({ AWS: ADMIN }, 'kms:PutKeyPolicy')))), 'ok')
    assert.equal(await outcome(putPolicy(ADMIN, onlyApp, true)), 'ok')
    // Now ADMIN is locked out, as asked.
    assert.match(await outcome(putPolicy(ADMIN, policy(allow({ AWS: ROOT })))), /^AccessDeniedException/)
    // CreateKey checks its Policy the same way.
    assert.equal(await outcome(as(ADMIN, 'CreateKey', 'create', `keys/${B}`, { Policy: onlyApp })), lockout)
    assert.equal(
      await outcome(
        as(ADMIN, 'CreateKey', 'create', `keys/${B}`, {
          Policy: onlyApp,
          BypassPolicyLockoutSafetyCheck: true,
        }),
      ),
      'ok',
    )
  })

  it('refuses a document with a condition it cannot evaluate, rather than ignore it', async () => {
    const { create, putPolicy } = await harness()
    await create(A)
    const withCondition = (condition: Record<string, unknown>) =>
      putPolicy(ADMIN, policy(allow({ AWS: ROOT }), deny('*', 'kms:Decrypt', { Condition: condition })))
    assert.match(
      await outcome(
        withCondition({ StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } }),
      ),
      /^MalformedPolicyDocumentException: Condition key kms:ViaService is not supported/,
    )
    assert.match(
      await outcome(withCondition({ Bool: { 'aws:SecureTransport': 'false' } })),
      /^MalformedPolicyDocumentException: Condition operator Bool/,
    )
    assert.match(
      await outcome(withCondition({ StringEquals: { 'kms:GrantIsForAWSResource': 'true' } })),
      /^MalformedPolicyDocumentException: Condition key/,
    )
    assert.equal(await outcome(withCondition({ StringEquals: { 'kms:CallerAccount': ACCOUNT } })), 'ok')
  })

  it('conditions on the EncryptionContext and the caller account', async () => {
    const { create, encrypt, decrypt, putPolicy } = await harness()
    await create(A)
    const orders = { App: 'orders' }
    const blob = (await encrypt(APP, A, orders))['CiphertextBlob']
    const bare = (await encrypt(APP))['CiphertextBlob']
    await putPolicy(
      ADMIN,
      policy(
        allow({ AWS: ADMIN }),
        allow({ AWS: APP }, 'kms:Decrypt', {
          Condition: {
            StringEquals: { 'kms:EncryptionContext:app': 'orders', 'kms:CallerAccount': ACCOUNT },
          },
        }),
        allow({ AWS: APP }, 'kms:Encrypt', {
          Condition: { 'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': ['App', 'Env*'] } },
        }),
      ),
    )
    assert.equal(await outcome(decrypt(APP, blob, orders)), 'ok')
    assert.match(await outcome(decrypt(APP, bare)), /no resource-based policy allows the kms:Decrypt/)
    assert.equal(await outcome(encrypt(APP, A, { App: 'x', Environment: 'prod' })), 'ok')
    assert.match(await outcome(encrypt(APP, A, { App: 'x', Owner: 'me' })), /kms:Encrypt/)
  })

  it('a Deny on the key’s ARN holds whatever region the caller signed for', async () => {
    const { create, encrypt, as, putPolicy } = await harness()
    await create(A)
    const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${A}`
    await putPolicy(ADMIN, policy(allow({ AWS: ROOT }), deny({ AWS: APP }, 'kms:Encrypt', { Resource: arn })))
    const inRegion = (region: string) =>
      as(
        APP,
        'Encrypt',
        'update',
        `encrypt/${A}`,
        { KeyId: A, Plaintext: b64('x') },
        {
          'x-coffer-aws-region': region,
        },
      )
    assert.match(await outcome(encrypt(APP)), /explicit deny/)
    assert.match(await outcome(inRegion('eu-west-1')), /on resource: arn:aws:kms:eu-west-1:.* explicit deny/)
    assert.equal(await outcome(encrypt(OTHER)), 'ok')
  })

  it('ReEncrypt halves are checked as kms:ReEncryptFrom and kms:ReEncryptTo', async () => {
    const { create, encrypt, as, putPolicy } = await harness()
    await create(A)
    await create(B)
    const blob = (await encrypt(APP))['CiphertextBlob']
    await putPolicy(ADMIN, policy(allow({ AWS: ROOT }), deny({ AWS: APP }, 'kms:Decrypt')))
    const half = (part: string) =>
      as(
        APP,
        'Decrypt',
        'update',
        `decrypt/${A}`,
        { CiphertextBlob: blob },
        { 'x-coffer-kms-reencrypt': part },
      )
    assert.equal(await outcome(half('from')), 'ok')
    await putPolicy(ADMIN, policy(allow({ AWS: ROOT }), deny({ AWS: APP }, 'kms:ReEncrypt*')))
    assert.match(await outcome(half('from')), /kms:ReEncryptFrom .* explicit deny/)
    assert.equal(await outcome(half('to')), 'ok')
  })

  it('a change checked before a PutKeyPolicy that denies it does not land after it', async () => {
    const { h, create, putPolicy, as } = await harness()
    await create(A)
    const denyApp = policy(
      allow({ AWS: ROOT }),
      deny({ AWS: APP }, ['kms:PutKeyPolicy', 'kms:TagResource', 'kms:EnableKeyRotation']),
    )
    const byApp = policy(allow({ AWS: ROOT }))
    // Both checks read the policy before either change takes the key's lock; the admin's lands first.
    const [admin, app, tag, rotation] = await Promise.all([
      outcome(putPolicy(ADMIN, denyApp)),
      outcome(putPolicy(APP, byApp)),
      outcome(
        as(APP, 'TagResource', 'update', `keys/${A}/config`, {
          KeyId: A,
          Tags: [{ TagKey: 'k', TagValue: 'v' }],
        }),
      ),
      outcome(as(APP, 'EnableKeyRotation', 'update', `keys/${A}/config`, { KeyId: A })),
    ])
    assert.equal(admin, 'ok')
    assert.match(app, /kms:PutKeyPolicy .* explicit deny/)
    assert.match(tag, /kms:TagResource .* explicit deny/)
    assert.match(rotation, /kms:EnableKeyRotation .* explicit deny/)
    assert.equal((await loadMeta(h.storage, A))?.policy, denyApp)
    assert.deepEqual((await loadMeta(h.storage, A))?.tags, [])
    const status = await as(ADMIN, 'GetKeyRotationStatus', 'read', `keys/${A}`, { KeyId: A })
    assert.equal(status['KeyRotationEnabled'], false)
  })

  it('a stored document that no longer parses refuses use but lets the policy be read and replaced', async () => {
    const { h, create, encrypt, as, putPolicy } = await harness()
    await create(A)
    const meta = (await loadMeta(h.storage, A))!
    await saveMeta(h.storage, { ...meta, policy: '{"Statement":[{"Effect":"Allow","Action":"kms:*"}]}' })
    assert.match(
      await outcome(encrypt(APP)),
      /^AccessDeniedException: The key policy of .* cannot be evaluated/,
    )
    assert.equal(await outcome(as(APP, 'GetKeyPolicy', 'read', `keys/${A}`, { KeyId: A })), 'ok')
    assert.equal(await outcome(putPolicy(ADMIN, policy(allow({ AWS: ROOT })))), 'ok')
    assert.equal(await outcome(encrypt(APP)), 'ok')
  })
})
