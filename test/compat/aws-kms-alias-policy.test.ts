// KMS aliases and key policies, through the unmodified AWS SDK for JavaScript against a dev server: alias writes are
// checked against the key policy of every key they affect, a KeyId alias is authorised on its key, kms:RequestAlias.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EncryptCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms'
import { accessKeyFor, mustCall } from '../helpers/aws-clients.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const ALL = 'path "kms/*" { capabilities = ["create", "read", "update", "delete", "list"] }'
const ACCOUNT = '000000000000'
const ROOT = `arn:aws:iam::${ACCOUNT}:root`
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`

const policy = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements })
const statement = (effect: 'Allow' | 'Deny', principal: unknown, action: unknown = 'kms:*', extra = {}) => ({
  Effect: effect,
  Principal: principal,
  Action: action,
  Resource: '*',
  ...extra,
})
const root = statement('Allow', { AWS: ROOT })

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

const explicitDeny = (who: string, action: string, arn: string) =>
  `AccessDeniedException: User: ${user(who)} is not authorized to perform: kms:${action} on resource: ${arn} ` +
  'with an explicit deny in a resource-based policy'
const noAllow = (who: string, action: string, arn: string) =>
  `AccessDeniedException: User: ${user(who)} is not authorized to perform: kms:${action} on resource: ${arn} ` +
  `because no resource-based policy allows the kms:${action} action`

describe('KMS aliases and key policies through @aws-sdk/client-kms', () => {
  let t: TestServer
  const clients: KMSClient[] = []
  let kms: Record<'admin' | 'app' | 'other', KMSClient>

  before(async () => {
    t = await startDevServer({ devAws: true })
    await mustCall(t, 'PUT', 'sys/policies/acl/kms-all', { policy: ALL })
    const client = async (name: string) => {
      const key = await accessKeyFor(t, name, 'kms-all')
      const made = new KMSClient({
        endpoint: t.address,
        region: 'us-east-1',
        credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
        maxAttempts: 1,
      })
      clients.push(made)
      return made
    }
    kms = { admin: await client('admin'), app: await client('app'), other: await client('other') }
  })
  after(async () => {
    for (const client of clients) client.destroy()
    await t?.close()
  })

  const newKey = async () => (await kms.admin.send(new CreateKeyCommand({}))).KeyMetadata!
  const put = (KeyId: string, Policy: string) =>
    kms.admin.send(new PutKeyPolicyCommand({ KeyId, Policy, PolicyName: 'default' }))
  const createAlias = (who: KMSClient, AliasName: string, TargetKeyId: string) =>
    who.send(new CreateAliasCommand({ AliasName, TargetKeyId }))
  const updateAlias = (who: KMSClient, AliasName: string, TargetKeyId: string) =>
    who.send(new UpdateAliasCommand({ AliasName, TargetKeyId }))
  const deleteAlias = (who: KMSClient, AliasName: string) => who.send(new DeleteAliasCommand({ AliasName }))
  const encrypt = (who: KMSClient, KeyId: string) =>
    who.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('hello') }))
  /** The key an alias points at, as ListAliases (Coffer's ACL alone) shows it; undefined when there is none. */
  const targetOf = async (name: string) =>
    (await kms.admin.send(new ListAliasesCommand({}))).Aliases?.find((a) => a.AliasName === name)?.TargetKeyId

  it('CreateAlias needs kms:CreateAlias in the target key’s policy: a Deny refuses, no Allow refuses', async () => {
    const key = await newKey()
    await put(key.KeyId!, policy(root, statement('Deny', { AWS: user('app') }, 'kms:CreateAlias')))
    assert.equal(
      await outcome(createAlias(kms.app, 'alias/cp/denied', key.KeyId!)),
      explicitDeny('app', 'CreateAlias', key.Arn!),
    )
    assert.equal(await targetOf('alias/cp/denied'), undefined)
    // A key ARN as the target is the same key, and the same refusal.
    assert.equal(
      await outcome(createAlias(kms.app, 'alias/cp/denied', key.Arn!)),
      explicitDeny('app', 'CreateAlias', key.Arn!),
    )
    assert.equal(await outcome(createAlias(kms.other, 'alias/cp/allowed', key.KeyId!)), 'ok')
    assert.equal(await targetOf('alias/cp/allowed'), key.KeyId)

    // Without account delegation, only the principals the policy names for kms:CreateAlias may.
    const owned = await newKey()
    await put(
      owned.KeyId!,
      policy(
        statement('Allow', { AWS: user('admin') }),
        statement('Allow', { AWS: user('app') }, ['kms:CreateAlias', 'kms:DescribeKey']),
      ),
    )
    assert.equal(
      await outcome(createAlias(kms.other, 'alias/cp/other', owned.KeyId!)),
      noAllow('other', 'CreateAlias', owned.Arn!),
    )
    assert.equal(await outcome(createAlias(kms.app, 'alias/cp/app', owned.KeyId!)), 'ok')
  })

  it('a key policy Deny wins over an Allow naming the caller', async () => {
    const key = await newKey()
    await put(
      key.KeyId!,
      policy(
        root,
        statement('Allow', { AWS: user('app') }, 'kms:CreateAlias'),
        statement('Deny', { AWS: user('app') }, 'kms:*Alias'),
      ),
    )
    assert.equal(
      await outcome(createAlias(kms.app, 'alias/dw/x', key.KeyId!)),
      explicitDeny('app', 'CreateAlias', key.Arn!),
    )
  })

  it('UpdateAlias needs kms:UpdateAlias on the current key and on the new one', async () => {
    const current = await newKey()
    const next = await newKey()
    await createAlias(kms.admin, 'alias/up/x', current.KeyId!)
    const denyApp = policy(root, statement('Deny', { AWS: user('app') }, 'kms:UpdateAlias'))

    await put(next.KeyId!, denyApp)
    assert.equal(
      await outcome(updateAlias(kms.app, 'alias/up/x', next.KeyId!)),
      explicitDeny('app', 'UpdateAlias', next.Arn!),
    )
    assert.equal(await targetOf('alias/up/x'), current.KeyId)

    await put(next.KeyId!, policy(root))
    await put(current.KeyId!, denyApp)
    assert.equal(
      await outcome(updateAlias(kms.app, 'alias/up/x', next.KeyId!)),
      explicitDeny('app', 'UpdateAlias', current.Arn!),
    )
    assert.equal(await targetOf('alias/up/x'), current.KeyId)
    // kms:UpdateAlias is its own permission: a key policy allowing kms:CreateAlias does not grant it.
    await put(
      current.KeyId!,
      policy(
        statement('Allow', { AWS: user('admin') }),
        statement('Allow', { AWS: user('app') }, 'kms:CreateAlias'),
      ),
    )
    assert.equal(
      await outcome(updateAlias(kms.app, 'alias/up/x', next.KeyId!)),
      noAllow('app', 'UpdateAlias', current.Arn!),
    )

    await put(current.KeyId!, policy(root))
    assert.equal(await outcome(updateAlias(kms.app, 'alias/up/x', next.KeyId!)), 'ok')
    assert.equal(await targetOf('alias/up/x'), next.KeyId)
  })

  it('DeleteAlias needs kms:DeleteAlias on the key the alias points at', async () => {
    const key = await newKey()
    await createAlias(kms.admin, 'alias/del/x', key.KeyId!)
    await put(key.KeyId!, policy(root, statement('Deny', { AWS: user('app') }, 'kms:DeleteAlias')))
    assert.equal(
      await outcome(deleteAlias(kms.app, 'alias/del/x')),
      explicitDeny('app', 'DeleteAlias', key.Arn!),
    )
    assert.equal(await targetOf('alias/del/x'), key.KeyId)
    assert.equal(await outcome(deleteAlias(kms.other, 'alias/del/x')), 'ok')
    assert.equal(await targetOf('alias/del/x'), undefined)
  })

  it('a KeyId alias is authorised against its key’s policy, not the alias', async () => {
    const key = await newKey()
    await createAlias(kms.admin, 'alias/use/x', key.KeyId!)
    await put(key.KeyId!, policy(root, statement('Deny', { AWS: user('app') }, 'kms:Encrypt')))
    const aliasArn = `arn:aws:kms:us-east-1:${ACCOUNT}:alias/use/x`
    for (const keyId of ['alias/use/x', aliasArn, key.KeyId!])
      assert.equal(await outcome(encrypt(kms.app, keyId)), explicitDeny('app', 'Encrypt', key.Arn!), keyId)
    assert.equal(await outcome(encrypt(kms.other, 'alias/use/x')), 'ok')
    // After the alias moves, the same KeyId is checked against the new key's policy.
    const next = await newKey()
    await updateAlias(kms.admin, 'alias/use/x', next.KeyId!)
    assert.equal(await outcome(encrypt(kms.app, 'alias/use/x')), 'ok')
  })

  it('kms:RequestAlias: the alias the request names its key by, for cryptographic operations and DescribeKey', async () => {
    const key = await newKey()
    await createAlias(kms.admin, 'alias/finance', key.KeyId!)
    await createAlias(kms.admin, 'alias/finance-other', key.KeyId!)
    await put(
      key.KeyId!,
      policy(
        statement('Allow', { AWS: user('admin') }),
        statement('Allow', { AWS: user('app') }, ['kms:Encrypt', 'kms:DescribeKey'], {
          Condition: { StringEquals: { 'kms:RequestAlias': 'alias/finance' } },
        }),
      ),
    )
    assert.equal(await outcome(encrypt(kms.app, 'alias/finance')), 'ok')
    assert.equal(await outcome(encrypt(kms.app, `arn:aws:kms:us-east-1:${ACCOUNT}:alias/finance`)), 'ok')
    assert.equal(await outcome(kms.app.send(new DescribeKeyCommand({ KeyId: 'alias/finance' }))), 'ok')
    // The same key named otherwise does not satisfy the condition.
    for (const keyId of [key.KeyId!, key.Arn!, 'alias/finance-other'])
      assert.equal(await outcome(encrypt(kms.app, keyId)), noAllow('app', 'Encrypt', key.Arn!), keyId)

    // A Deny on an alias pattern: a request naming the key by id has no kms:RequestAlias and is not denied.
    await put(
      key.KeyId!,
      policy(
        root,
        statement('Deny', { AWS: user('app') }, 'kms:Encrypt', {
          Condition: { StringLike: { 'kms:RequestAlias': 'alias/finance-*' } },
        }),
      ),
    )
    assert.equal(
      await outcome(encrypt(kms.app, 'alias/finance-other')),
      explicitDeny('app', 'Encrypt', key.Arn!),
    )
    assert.equal(await outcome(encrypt(kms.app, 'alias/finance')), 'ok')
    assert.equal(await outcome(encrypt(kms.app, key.KeyId!)), 'ok')
  })

  it('kms:RequestAlias in ReEncrypt is the alias of the key each half is checked on', async () => {
    const source = await newKey()
    const destination = await newKey()
    await createAlias(kms.admin, 'alias/re/dest', destination.KeyId!)
    await put(
      destination.KeyId!,
      policy(
        root,
        statement('Deny', { AWS: user('app') }, 'kms:ReEncryptTo', {
          Condition: { StringEquals: { 'kms:RequestAlias': 'alias/re/dest' } },
        }),
      ),
    )
    const blob = (await encrypt(kms.app, source.KeyId!)).CiphertextBlob!
    const reEncrypt = (DestinationKeyId: string) =>
      kms.app.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId }))
    assert.equal(
      await outcome(reEncrypt('alias/re/dest')),
      explicitDeny('app', 'ReEncryptTo', destination.Arn!),
    )
    assert.equal(await outcome(reEncrypt(destination.KeyId!)), 'ok')
  })

  it('kms:RequestAlias never applies to alias operations', async () => {
    const key = await newKey()
    await put(
      key.KeyId!,
      policy(
        statement('Allow', { AWS: user('admin') }),
        statement('Allow', { AWS: user('app') }, 'kms:CreateAlias', {
          Condition: { StringEquals: { 'kms:RequestAlias': 'alias/ra/x' } },
        }),
      ),
    )
    assert.equal(
      await outcome(createAlias(kms.app, 'alias/ra/x', key.KeyId!)),
      noAllow('app', 'CreateAlias', key.Arn!),
    )
  })

  it('kms:ResourceAliases is refused in a key policy, as AWS refuses it (an IAM-policy-only key)', async () => {
    const key = await newKey()
    const document = policy({
      ...root,
      Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/finance*' } },
    })
    assert.equal(
      await outcome(put(key.KeyId!, document)),
      'MalformedPolicyDocumentException: These condition keys are not permitted in a key policy: kms:ResourceAliases',
    )
  })

  it('ListAliases is IAM-only (the key policy is not consulted); ListResourceTags is checked on the key', async () => {
    const key = await newKey()
    await createAlias(kms.admin, 'alias/list/x', key.KeyId!)
    await put(key.KeyId!, policy(root, statement('Deny', { AWS: user('app') })))
    const listed = await kms.app.send(new ListAliasesCommand({ KeyId: key.KeyId }))
    assert.deepEqual(
      listed.Aliases?.map((a) => a.AliasName),
      ['alias/list/x'],
    )
    assert.equal(
      await outcome(kms.app.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))),
      explicitDeny('app', 'ListResourceTags', key.Arn!),
    )
  })
})
