// The shared IAM policy evaluator: principals, wildcard actions, resources, conditions and set operators.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { evaluatePolicy, type PolicyDialect, type PolicyRequest, parseIamPolicy } from './iam-policy.ts'

const DIALECT: PolicyDialect = {
  service: 'kms',
  name: 'a test policy',
  resource: /^arn:aws:kms:[^:]*:\d{12}:key\/.+$/,
  resourceMessage: 'Resource must be "*" or a key ARN.',
  conditionKey: (key) =>
    key === 'aws:principalarn' ||
    key === 'kms:encryptioncontextkeys' ||
    key.startsWith('kms:encryptioncontext:'),
  setOperators: true,
  servicePrincipals: true,
}

const ACCOUNT = '111122223333'
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`

const doc = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements })
const stmt = (effect: 'Allow' | 'Deny', principal: unknown, action: unknown, extra = {}) => ({
  Effect: effect,
  Principal: principal,
  Action: action,
  Resource: '*',
  ...extra,
})

function answer(text: string, over: Partial<PolicyRequest> = {}) {
  return evaluatePolicy(parseIamPolicy(text, DIALECT), {
    action: 'kms:Decrypt',
    resource: KEY,
    caller: { arn: ALICE, account: ACCOUNT },
    ...over,
  })
}

describe('evaluatePolicy', () => {
  it('an explicit Deny wins over an Allow; no matching statement is neither', () => {
    const text = doc(stmt('Allow', { AWS: ACCOUNT }, 'kms:*'), stmt('Deny', { AWS: BOB }, 'kms:Decrypt'))
    assert.equal(answer(text), 'allow')
    assert.equal(answer(text, { caller: { arn: BOB, account: ACCOUNT } }), 'deny')
    assert.equal(answer(text, { caller: { arn: BOB, account: ACCOUNT }, action: 'kms:Encrypt' }), 'allow')
    assert.equal(answer(doc(stmt('Allow', { AWS: BOB }, 'kms:*')), { caller: { arn: ALICE } }), 'none')
  })

  it('matches action wildcards case-insensitively, and the account root stands for the account', () => {
    const text = doc(stmt('Allow', { AWS: `arn:aws:iam::${ACCOUNT}:root` }, 'kms:Gen*'))
    assert.equal(answer(text, { action: 'kms:GenerateDataKey' }), 'allow')
    assert.equal(answer(text, { action: 'kms:generatemac' }), 'allow')
    assert.equal(answer(text, { action: 'kms:Decrypt' }), 'none')
    // An identity of the account without an ARN of its own is covered by the account, never by an ARN.
    assert.equal(answer(text, { action: 'kms:GenerateDataKey', caller: { account: ACCOUNT } }), 'allow')
    assert.equal(
      answer(doc(stmt('Allow', { AWS: ALICE }, 'kms:*')), { caller: { account: ACCOUNT } }),
      'none',
    )
    assert.equal(answer(text, { action: 'kms:GenerateDataKey', caller: { account: '999999999999' } }), 'none')
  })

  it('a Service principal is accepted and matches no Coffer caller', () => {
    const text = doc(stmt('Allow', { Service: 'logs.amazonaws.com' }, 'kms:*'))
    assert.equal(answer(text), 'none')
    assert.equal(answer(text, { caller: { account: ACCOUNT } }), 'none')
  })

  it('a Resource is "*" or a pattern tested against the resource', () => {
    const deny = doc(stmt('Deny', '*', 'kms:*', { Resource: `arn:aws:kms:*:${ACCOUNT}:key/k` }))
    assert.equal(answer(deny), 'deny')
    assert.equal(answer(deny, { resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/other` }), 'none')
    assert.equal(answer(deny, { resource: (pattern) => pattern.endsWith(':key/k') }), 'deny')
  })

  it('conditions on the encryption context: a value per key, and the set of keys with ForAllValues / ForAnyValue', () => {
    const onApp = doc(
      stmt('Allow', { AWS: ACCOUNT }, 'kms:Decrypt', {
        Condition: { StringEquals: { 'kms:EncryptionContext:App': 'orders' } },
      }),
    )
    const context = (ctx: Record<string, string | string[]>) => ({ context: ctx })
    assert.equal(answer(onApp, context({ 'kms:encryptioncontext:app': 'orders' })), 'allow')
    assert.equal(answer(onApp, context({ 'kms:encryptioncontext:app': 'billing' })), 'none')
    assert.equal(answer(onApp), 'none')
    const only = (op: string) =>
      doc(
        stmt('Allow', { AWS: ACCOUNT }, 'kms:Decrypt', {
          Condition: { [op]: { 'kms:EncryptionContextKeys': ['app', 'env'] } },
        }),
      )
    const keys = (...k: string[]) => context({ 'kms:encryptioncontextkeys': k })
    assert.equal(answer(only('ForAllValues:StringEquals'), keys('app')), 'allow')
    assert.equal(answer(only('ForAllValues:StringEquals'), keys('app', 'other')), 'none')
    // ForAllValues holds for a request without the key, as IAM has it; ForAnyValue needs one value.
    assert.equal(answer(only('ForAllValues:StringEquals')), 'allow')
    assert.equal(answer(only('ForAnyValue:StringEquals'), keys('other', 'env')), 'allow')
    assert.equal(answer(only('ForAnyValue:StringEquals')), 'none')
    const like = doc(
      stmt('Deny', '*', 'kms:*', { Condition: { StringNotLike: { 'aws:PrincipalArn': '*:user/a*' } } }),
    )
    assert.equal(answer(like), 'none')
    assert.equal(answer(like, { caller: { arn: BOB, account: ACCOUNT } }), 'deny')
    // A negated operator holds for a caller without the key (no ARN), so such a Deny refuses it.
    assert.equal(answer(like, { caller: { account: ACCOUNT } }), 'deny')
  })

  it('refuses what it cannot evaluate instead of ignoring it', () => {
    const refused = (text: string) => {
      try {
        parseIamPolicy(text, DIALECT)
        return 'parsed'
      } catch (error) {
        return (error as { awsType?: string; message: string }).message
      }
    }
    const condition = (c: Record<string, unknown>) => doc(stmt('Deny', '*', 'kms:*', { Condition: c }))
    assert.match(refused(condition({ DateGreaterThan: { 'aws:CurrentTime': 'x' } })), /operator/)
    assert.match(refused(condition({ StringEquals: { 'kms:ViaService': 'x' } })), /kms:ViaService/)
    assert.match(refused(condition({ 'ForAnyValue:Bool': { 'kms:EncryptionContextKeys': 'x' } })), /operator/)
    assert.match(refused(doc(stmt('Allow', '*', 'kms:*', { NotResource: '*' }))), /NotResource/)
    assert.match(refused(doc(stmt('Allow', '*', 's3:GetObject'))), /kms:<action>/)
    assert.match(refused(doc(stmt('Allow', { Federated: 'x' }, 'kms:*'))), /Principal/)
    assert.equal(
      refused(doc(stmt('Allow', { AWS: ACCOUNT, Service: 'logs.amazonaws.com' }, 'kms:*'))),
      'parsed',
    )
    // A dialect without set operators refuses them.
    assert.throws(() =>
      parseIamPolicy(condition({ 'ForAnyValue:StringEquals': { 'aws:PrincipalArn': 'x' } }), {
        ...DIALECT,
        setOperators: false,
      }),
    )
  })
})
