// The runner's pure parts: which names a RotationLambdaARN resolves to, the granted policy, the webhook signature.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { silentLogger } from '../../lib/logger.ts'
import { parsePolicy } from '../policy/parse-policy.ts'
import { functionNameOf } from './function-name.ts'
import { TEMPORARY_NAME } from './leftovers.ts'
import { webhookBody, webhookSignature } from './run-webhook.ts'
import { createRotationRunner } from './runner.ts'
import { kvSecretPolicy, newCredentialsId, secretPolicy } from './scoped-credentials.ts'

describe('rotation runner', () => {
  it('reads the function name from a Lambda ARN or a bare name, nothing else', () => {
    assert.equal(functionNameOf('arn:aws:lambda:us-east-1:123456789012:function:pg-rotate'), 'pg-rotate')
    assert.equal(functionNameOf('arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:x_1'), 'x_1')
    assert.equal(functionNameOf('pg-rotate'), 'pg-rotate')
    for (const bad of [
      'arn:aws:lambda:us-east-1:123456789012:function:pg:PROD',
      'arn:aws:s3:::bucket',
      '/bin/sh',
      'https://evil.example/',
      '',
    ])
      assert.equal(functionNameOf(bad), undefined, bad)
  })

  it('resolves registered functions and built-ins only; a registered name wins', () => {
    const runner = createRotationRunner({
      core: () => assert.fail('not used'),
      builtins: { 'coffer-random-password': async () => {}, shared: async () => {} },
      registered: { shared: { kind: 'command', command: ['/bin/true'], timeoutMs: 1000, env: {} } },
      endpoint: () => '',
      logger: silentLogger,
      now: () => 0,
    })
    assert.equal(
      runner.resolve('arn:aws:lambda:us-east-1:000000000000:function:coffer-random-password'),
      'coffer-random-password',
    )
    assert.equal(runner.resolve('shared'), 'shared')
    assert.equal(runner.resolve('arn:aws:lambda:us-east-1:000000000000:function:unknown'), undefined)
  })

  it('resolves an operator block naming a built-in, and refuses to start with an unknown built-in', () => {
    const make = (builtin: string) =>
      createRotationRunner({
        core: () => assert.fail('not used'),
        builtins: { 'coffer-postgresql-alternating-users': async () => {} },
        registered: { 'pg-alt': { kind: 'builtin', builtin, policies: ['db-master-read'] } },
        endpoint: () => '',
        logger: silentLogger,
        now: () => 0,
      })
    assert.equal(make('coffer-postgresql-alternating-users').resolve('pg-alt'), 'pg-alt')
    assert.throws(
      () => make('coffer-nothing'),
      /rotation_function\.pg-alt\.builtin: no built-in .*coffer-nothing/,
    )
  })

  it('grants exactly the one secret’s paths and the password generator', () => {
    const text = secretPolicy({ mountPath: 'secretsmanager/', secretName: 'prod/db' })
    const paths = [...text.matchAll(/path "([^"]+)"/g)].map((m) => m[1])
    assert.deepEqual(paths, [
      'secretsmanager/secrets/prod/db',
      'secretsmanager/metadata/prod/db',
      'secretsmanager/versions/prod/db',
      'secretsmanager/random-password',
    ])
    assert.doesNotThrow(() => parsePolicy('rotation-test', text))
    assert.match(newCredentialsId(), TEMPORARY_NAME)
  })

  it('adds decrypt and data keys on exactly the secret’s KMS keys, and none whose id a path would widen', () => {
    const id = '0b6a1f3e-6c2d-4c55-9a43-2f1e8d7c6b5a'
    const text = secretPolicy(
      { mountPath: 'secretsmanager/', secretName: 'prod/db', kmsKeyIds: [id, 'x+', '*'] },
      'kms/',
    )
    const paths = [...text.matchAll(/path "([^"]+)"/g)].map((m) => m[1])
    assert.deepEqual(paths.slice(4), [`kms/decrypt/${id}`, `kms/datakey/plaintext/${id}`])
    assert.doesNotThrow(() => parsePolicy('rotation-test', text))
  })

  it('signs "<timestamp>.<body>" with HMAC-SHA256 under the shared secret', () => {
    const body = webhookBody(
      { Step: 'setSecret', SecretId: 'arn', ClientRequestToken: 't' },
      {
        endpoint: 'http://127.0.0.1:8200',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'CSIA', secretAccessKey: 's', sessionToken: 'st' },
      },
    )
    assert.deepEqual(JSON.parse(body), {
      Step: 'setSecret',
      SecretId: 'arn',
      ClientRequestToken: 't',
      Coffer: {
        Endpoint: 'http://127.0.0.1:8200',
        Region: 'eu-west-1',
        Credentials: { AccessKeyId: 'CSIA', SecretAccessKey: 's', SessionToken: 'st' },
      },
    })
    const expected = createHmac('sha256', 'k'.repeat(16)).update(`1700000000.${body}`).digest('hex')
    assert.equal(webhookSignature('k'.repeat(16), '1700000000', body), `sha256=${expected}`)
  })

  it('resolves per kind: a block naming a Secrets Manager built-in is not offered for KV; commands serve both', () => {
    const runner = createRotationRunner({
      core: () => assert.fail('not used'),
      builtins: { 'coffer-random-password': async () => {}, 'coffer-postgresql-single-user': async () => {} },
      kvBuiltins: { 'coffer-random-password': async () => {} },
      registered: {
        'pg-op': { kind: 'builtin', builtin: 'coffer-postgresql-single-user' },
        'rp-op': { kind: 'builtin', builtin: 'coffer-random-password' },
        cmd: { kind: 'command', command: ['/bin/true'], timeoutMs: 1000, env: {} },
      },
      endpoint: () => '',
      logger: silentLogger,
      now: () => 0,
    })
    assert.equal(runner.resolve('pg-op'), 'pg-op')
    assert.equal(runner.resolve('pg-op', 'kv'), undefined)
    assert.equal(runner.resolve('coffer-postgresql-single-user', 'kv'), undefined)
    assert.equal(runner.resolve('rp-op', 'kv'), 'rp-op')
    assert.equal(runner.resolve('coffer-random-password', 'kv'), 'coffer-random-password')
    assert.equal(runner.resolve('cmd', 'kv'), 'cmd')
  })

  it('grants a KV rotation the one path’s data and metadata, and only the named password policy', () => {
    const text = kvSecretPolicy({ mountPath: 'secret/', secretName: 'app/db', passwordPolicy: 'digits' })
    const paths = [...text.matchAll(/path "([^"]+)"/g)].map((m) => m[1])
    assert.deepEqual(paths, [
      'secret/data/app/db',
      'secret/metadata/app/db',
      'sys/policies/password/digits/generate',
    ])
    assert.doesNotThrow(() => parsePolicy('rotation-test', text))
    assert.equal(kvSecretPolicy({ mountPath: 'secret/', secretName: 'x' }).includes('sys/'), false)
  })

  it('a KV webhook gets the endpoint and a Coffer token, no AWS credentials', () => {
    const body = JSON.parse(
      webhookBody(
        {
          Step: 'rotateSecret',
          Mount: 'secret/',
          Path: 'app/db',
          Version: 3,
          ClientRequestToken: 't',
          Field: 'password',
        },
        { endpoint: 'http://127.0.0.1:8200', region: '', vaultToken: 'hvs.x' },
      ),
    )
    assert.deepEqual(body.Coffer, { Endpoint: 'http://127.0.0.1:8200', Token: 'hvs.x' })
    assert.equal(body.Path, 'app/db')
  })
})
