// Put/Get/Delete/ValidateResourcePolicy, and explicit denies in a secret's resource policy for AWS and Vault callers.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type SecretsManagerAction, secretsManagerRoute } from '../../../../sdk/aws-secretsmanager-routes.ts'
import type { Caller } from '../../../../sdk/request.ts'
import { awsError, makeSm, type SmHarness } from '../test-helpers.ts'

const ACCOUNT = '000000000000'
const APP = `arn:aws:iam::${ACCOUNT}:user/app`
const OPS = `arn:aws:iam::${ACCOUNT}:user/ops`

const callerOf = (arn: string | undefined): Caller => ({
  accessor: 'a',
  policies: ['default'],
  displayName: 'test',
  entityId: '',
  metadata: arn === undefined ? {} : { arn, account_id: ACCOUNT },
})

/** An AWS action as the adapter sends it: the caller's token carries the ARN of its aws-keys login. */
async function as(
  sm: SmHarness,
  arn: string | undefined,
  action: SecretsManagerAction,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const route = secretsManagerRoute(action, input)
  const response = await sm.call(route.operation, route.path, input, {
    headers: { 'x-amz-target': `secretsmanager.${action}` },
    caller: callerOf(arn),
  })
  return (response?.data ?? {}) as Record<string, unknown>
}

const policy = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements })
const deny = (
  principal: unknown,
  action: unknown = 'secretsmanager:GetSecretValue',
  resource: unknown = '*',
) => ({
  Effect: 'Deny',
  Principal: principal,
  Action: action,
  Resource: resource,
})

async function withSecret() {
  const sm = await makeSm()
  const created = await sm.aws('CreateSecret', { Name: 'prod/db', SecretString: 's3cr3t' })
  return { sm, arn: String(created['ARN']) }
}

describe('PutResourcePolicy / GetResourcePolicy / DeleteResourcePolicy', () => {
  it('stores the document as sent and answers ARN and Name', async () => {
    const { sm, arn } = await withSecret()
    const doc = policy(deny({ AWS: APP }))
    const put = await sm.aws('PutResourcePolicy', { SecretId: 'prod/db', ResourcePolicy: doc })
    assert.deepEqual(put, { ARN: arn, Name: 'prod/db' })
    const got = await sm.aws('GetResourcePolicy', { SecretId: arn })
    assert.deepEqual(got, { ARN: arn, Name: 'prod/db', ResourcePolicy: doc })
    assert.deepEqual(await sm.aws('DeleteResourcePolicy', { SecretId: 'prod/db' }), {
      ARN: arn,
      Name: 'prod/db',
    })
    assert.deepEqual(await sm.aws('GetResourcePolicy', { SecretId: 'prod/db' }), {
      ARN: arn,
      Name: 'prod/db',
    })
    // Deleting again succeeds.
    await sm.aws('DeleteResourcePolicy', { SecretId: 'prod/db' })
  })

  it('refuses malformed documents with MalformedPolicyDocumentException', async () => {
    const { sm } = await withSecret()
    const bad = [
      '{not json',
      '[]',
      JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      policy({ ...deny('*'), Effect: 'Maybe' }),
      policy({ Effect: 'Deny', NotPrincipal: { AWS: APP }, Action: '*', Resource: '*' }),
      policy(deny('*', 's3:GetObject')),
      policy(deny('*', '*', 'arn:aws:s3:::bucket')),
      policy(deny({ Service: 'lambda.amazonaws.com' })),
      policy({ ...deny('*'), Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
      policy({ ...deny('*'), Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } }),
    ]
    for (const doc of bad) {
      const e = await awsError(sm.aws('PutResourcePolicy', { SecretId: 'prod/db', ResourcePolicy: doc }))
      assert.equal(e.type, 'MalformedPolicyDocumentException', doc)
    }
    assert.equal((await sm.aws('GetResourcePolicy', { SecretId: 'prod/db' }))['ResourcePolicy'], undefined)
  })

  it('BlockPublicPolicy refuses an Allow for "*" without a narrowing condition', async () => {
    const { sm } = await withSecret()
    const allowAll = { Effect: 'Allow', Principal: '*', Action: 'secretsmanager:*', Resource: '*' }
    const e = await awsError(
      sm.aws('PutResourcePolicy', {
        SecretId: 'prod/db',
        ResourcePolicy: policy(allowAll),
        BlockPublicPolicy: true,
      }),
    )
    assert.equal(e.type, 'PublicPolicyException')
    const narrowed = { ...allowAll, Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }
    await sm.aws('PutResourcePolicy', {
      SecretId: 'prod/db',
      ResourcePolicy: policy(narrowed),
      BlockPublicPolicy: true,
    })
    // Without the switch a public policy is stored, as AWS does.
    await sm.aws('PutResourcePolicy', { SecretId: 'prod/db', ResourcePolicy: policy(allowAll) })
  })

  it('answers ResourceNotFoundException for a missing secret, whatever the document', async () => {
    const sm = await makeSm()
    // The secret is the resource the call is about: AWS finds it before it reads the document.
    for (const ResourcePolicy of [policy(deny('*')), 'not a policy'])
      assert.equal(
        (await awsError(sm.aws('PutResourcePolicy', { SecretId: 'nope', ResourcePolicy }))).type,
        'ResourceNotFoundException',
      )
  })
})

describe('ValidateResourcePolicy', () => {
  it('passes a narrow policy and reports broad access', async () => {
    const { sm } = await withSecret()
    assert.deepEqual(await sm.aws('ValidateResourcePolicy', { ResourcePolicy: policy(deny('*')) }), {
      PolicyValidationPassed: true,
      ValidationErrors: [],
    })
    const out = await sm.aws('ValidateResourcePolicy', {
      SecretId: 'prod/db',
      ResourcePolicy: policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*' }),
    })
    assert.equal(out['PolicyValidationPassed'], false)
    assert.equal((out['ValidationErrors'] as { CheckName: string }[])[0]?.CheckName, 'BROAD_ACCESS')
    const e = await awsError(sm.aws('ValidateResourcePolicy', { ResourcePolicy: '{' }))
    assert.equal(e.type, 'MalformedPolicyDocumentException')
    const missing = await awsError(
      sm.aws('ValidateResourcePolicy', { SecretId: 'nope', ResourcePolicy: policy(deny('*')) }),
    )
    assert.equal(missing.type, 'ResourceNotFoundException')
  })
})

describe('evaluating a resource policy', () => {
  const put = (sm: SmHarness, ...statements: Record<string, unknown>[]) =>
    sm.aws('PutResourcePolicy', { SecretId: 'prod/db', ResourcePolicy: policy(...statements) })

  it('a Deny naming one principal refuses it and no other', async () => {
    const { sm } = await withSecret()
    await put(sm, deny({ AWS: [APP] }))
    const e = await awsError(as(sm, APP, 'GetSecretValue', { SecretId: 'prod/db' }))
    assert.equal(e.type, 'AccessDeniedException')
    assert.equal((await as(sm, OPS, 'GetSecretValue', { SecretId: 'prod/db' }))['SecretString'], 's3cr3t')
    // Other actions are not named, so the denied principal still describes the secret.
    await as(sm, APP, 'DescribeSecret', { SecretId: 'prod/db' })
  })

  it('a role principal covers its assumed-role sessions', async () => {
    const { sm } = await withSecret()
    await put(sm, deny({ AWS: `arn:aws:iam::${ACCOUNT}:role/app` }))
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/app/pod-1`
    assert.equal(
      (await awsError(as(sm, session, 'GetSecretValue', { SecretId: 'prod/db' }))).type,
      'AccessDeniedException',
    )
  })

  it('a Deny for "*" refuses every caller, Coffer identities without an ARN included', async () => {
    const { sm } = await withSecret()
    await put(sm, deny('*'))
    for (const who of [APP, OPS, undefined]) {
      const e = await awsError(as(sm, who, 'GetSecretValue', { SecretId: 'prod/db' }))
      assert.equal(e.type, 'AccessDeniedException')
    }
  })

  it('a condition pattern of many stars is decided at once, not by a backtracking regex', async () => {
    const { sm } = await withSecret()
    // As a regular expression, "*a*a…*b" against a value of many a's backtracks for minutes on the event loop.
    const stars = `${'*a'.repeat(30)}*b`
    const caller = `arn:aws:iam::${ACCOUNT}:user/${'a'.repeat(64)}`
    await put(sm, { ...deny({ AWS: caller }), Condition: { StringLike: { 'aws:PrincipalArn': stars } } })
    assert.equal((await as(sm, caller, 'GetSecretValue', { SecretId: 'prod/db' }))['SecretString'], 's3cr3t')
    await put(sm, {
      ...deny({ AWS: caller }),
      Condition: { StringLike: { 'aws:PrincipalArn': `${stars.slice(0, -1)}*` } },
    })
    assert.equal(
      (await awsError(as(sm, caller, 'GetSecretValue', { SecretId: 'prod/db' }))).type,
      'AccessDeniedException',
    )
  })

  it('wildcard actions and resources match; a Resource naming another secret does not', async () => {
    const { sm, arn } = await withSecret()
    await put(sm, deny({ AWS: APP }, ['secretsmanager:Put*', 'secretsmanager:describe*'], arn))
    assert.equal(
      (await awsError(as(sm, APP, 'PutSecretValue', { SecretId: 'prod/db', SecretString: 'x' }))).type,
      'AccessDeniedException',
    )
    assert.equal(
      (await awsError(as(sm, APP, 'DescribeSecret', { SecretId: 'prod/db' }))).type,
      'AccessDeniedException',
    )
    await as(sm, APP, 'GetSecretValue', { SecretId: 'prod/db' })
    await put(
      sm,
      deny({ AWS: APP }, 'secretsmanager:*', `${arn.slice(0, arn.lastIndexOf(':'))}:other-??????`),
    )
    await as(sm, APP, 'GetSecretValue', { SecretId: 'prod/db' })
    await put(sm, deny({ AWS: APP }, '*', '*'))
    assert.equal(
      (await awsError(as(sm, APP, 'ListSecretVersionIds', { SecretId: 'prod/db' }))).type,
      'AccessDeniedException',
    )
  })

  it('conditions decide whether a Deny applies', async () => {
    const { sm } = await withSecret()
    await put(sm, { ...deny('*'), Condition: { ArnNotEquals: { 'aws:PrincipalArn': OPS } } })
    await as(sm, OPS, 'GetSecretValue', { SecretId: 'prod/db' })
    assert.equal(
      (await awsError(as(sm, APP, 'GetSecretValue', { SecretId: 'prod/db' }))).type,
      'AccessDeniedException',
    )
  })

  it('an Allow does not widen: it neither grants nor overrides a Deny', async () => {
    const { sm } = await withSecret()
    const allow = { Effect: 'Allow', Principal: { AWS: APP }, Action: 'secretsmanager:*', Resource: '*' }
    await put(sm, allow, deny({ AWS: APP }))
    assert.equal(
      (await awsError(as(sm, APP, 'GetSecretValue', { SecretId: 'prod/db' }))).type,
      'AccessDeniedException',
    )
    // A caller named in no statement is still served: the ACL (not the Allow) decided for it.
    await put(sm, allow)
    await as(sm, OPS, 'GetSecretValue', { SecretId: 'prod/db' })
  })

  it('applies to Vault-API requests with the token’s ARN; policy/<name> stays open to Vault clients', async () => {
    const { sm } = await withSecret()
    await put(sm, deny('*', '*'))
    const vault = await awsError(sm.call('read', 'secrets/prod/db', {}, { caller: callerOf(APP) }))
    assert.equal(vault.type, 'AccessDeniedException')
    // A forged header changes nothing: the principal comes from the token.
    const forged = await awsError(
      sm.call(
        'read',
        'secrets/prod/db',
        {},
        { caller: callerOf(APP), headers: { 'x-coffer-aws-principal': OPS } },
      ),
    )
    assert.equal(forged.type, 'AccessDeniedException')
    const e = await awsError(as(sm, APP, 'DeleteResourcePolicy', { SecretId: 'prod/db' }))
    assert.equal(e.type, 'AccessDeniedException')
    await sm.call('delete', 'policy/prod/db', {}, { caller: callerOf(undefined) })
    assert.equal((await as(sm, APP, 'GetSecretValue', { SecretId: 'prod/db' }))['SecretString'], 's3cr3t')
  })

  it('Vault-API policy/<name> stores and reads the document', async () => {
    const { sm } = await withSecret()
    const doc = policy(deny({ AWS: APP }))
    await sm.call('update', 'policy/prod/db', { resource_policy: doc })
    const got = await sm.call('read', 'policy/prod/db', {})
    assert.equal(got?.data?.['resource_policy'], doc)
  })
})
