// Unmodified AWS clients against Coffer's SSM Parameter Store face: boto3 end to end, a role limited to /prod/app/*,
// and the AWS CLI's get-parameter --with-decryption --query Parameter.Value --output text.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  AWS_CLI,
  accessKeyFor,
  BOTO3,
  clientEnv,
  findings,
  mustCall,
  runClient,
} from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-ssm.py', import.meta.url))

describe('AWS SSM Parameter Store clients against Coffer', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  let awsEnv: NodeJS.ProcessEnv = {}

  before(async () => {
    t = await startDevServer({ devAws: true })
    const ok = (method: string, path: string, body?: unknown) => mustCall(t, method, path, body)
    assert.equal((await t.call('GET', 'sys/mounts')).body.data['ssm/']?.type, 'ssm')
    await ok('PUT', 'sys/policies/acl/aws-admin', {
      policy:
        'path "ssm/*" { capabilities = ["create", "read", "update", "delete", "list"] }\n' +
        'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    await ok('PUT', 'sys/policies/acl/ssm-app-reader', {
      policy: 'path "ssm/parameters/prod/app/*" { capabilities = ["read"] }',
    })
    const keys: Record<string, { id: string; secret: string }> = {}
    for (const [role, policy] of [
      ['admin', 'aws-admin'],
      ['reader', 'ssm-app-reader'],
    ] as const)
      keys[role] = await accessKeyFor(t, role, policy)
    awsEnv = {
      ...clientEnv(t.address, keys['admin']!),
      READER_KEY_ID: keys['reader']!.id,
      READER_SECRET: keys['reader']!.secret,
    }
  })
  after(() => t?.close())

  it('boto3: put, get (with and without decryption), by path, labels, history, tags, references, delete, errors', async () => {
    const f = findings(await runClient('python3', [SCRIPT], awsEnv))
    assert.equal(f.v2, 2)
    assert.equal(f.decrypted, 's3cr3t')
    assert.equal(f.masked_differs, true)
    assert.equal(f.url, 'https://db2')
    assert.equal(f.date_type, 'datetime')
    assert.match(f.arn, /^arn:aws:ssm:eu-west-1:\d{12}:parameter\/prod\/app\/url$/)
    assert.equal(f.url_v1, 'https://db')
    assert.deepEqual(f.get_parameters, ['/prod/app/url'])
    assert.deepEqual(f.invalid, ['/missing'])
    assert.deepEqual(f.by_path, [
      '/prod/app/db',
      '/prod/app/deep/flag',
      '/prod/app/hosts',
      '/prod/app/url',
      '/prod/other',
    ])
    assert.deepEqual(f.one_level, ['/prod/app/db', '/prod/app/hosts', '/prod/app/url'])
    assert.equal(f.by_label, 'https://db')
    assert.deepEqual(f.history, [
      [1, ['stable']],
      [2, []],
    ])
    assert.deepEqual(f.unlabel, ['nope'])
    assert.deepEqual(f.described, [['/prod/app/db', 'alias/aws/ssm']])
    assert.deepEqual(f.tags, [
      { Key: 'team', Value: 'a' },
      { Key: 'env', Value: 'prod' },
    ])
    assert.equal(f.not_found, 'ParameterNotFound')
    assert.equal(f.exists, 'ParameterAlreadyExists')
    assert.equal(f.bad_version, 'ParameterVersionNotFound')
    assert.equal(f.validation, 'ValidationException')
    assert.equal(f.pattern, 'ParameterPatternMismatchException')
    assert.deepEqual(f.reference, ['from-sm', 'SecureString', 'prod/ref'])
    assert.equal(f.reference_marks_accessed, true)
    assert.equal(f.reference_needs_decryption, 'ValidationException')
    const reference = '/aws/reference/secretsmanager/prod/ref'
    assert.deepEqual(f.reference_names, [reference, reference, ':AWSCURRENT'])
    assert.deepEqual(f.reference_missing, [
      'ParameterNotFound',
      'An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret /aws/reference/secretsmanager/prod/none not found.',
    ])
    assert.deepEqual(f.deleted, [['/prod/other'], ['/gone']])
    assert.equal(f.deleted_read, 'ParameterNotFound')
    assert.equal(f.reader_get, 's3cr3t')
    assert.equal(f.reader_denied_other, 'AccessDeniedException')
    assert.equal(f.reader_denied_put, 'AccessDeniedException')
    assert.equal(f.reader_denied_batch, 'AccessDeniedException')
    assert.equal(f.reader_denied_reference, 'AccessDeniedException')
  })

  it('the AWS CLI: get-parameter --with-decryption --query Parameter.Value --output text', async (t2) => {
    const missing = await unmet(AWS_CLI)
    if (missing) {
      t2.skip(missing)
      return
    }
    const put = await runClient(
      'aws',
      [
        'ssm',
        'put-parameter',
        '--name',
        '/prod/app/db',
        '--value',
        's3cr3t',
        '--type',
        'SecureString',
        '--overwrite',
      ],
      awsEnv,
    )
    assert.equal(put.code, 0, put.stderr)
    const value = await runClient(
      'aws',
      [
        'ssm',
        'get-parameter',
        '--name',
        '/prod/app/db',
        '--with-decryption',
        '--query',
        'Parameter.Value',
        '--output',
        'text',
      ],
      awsEnv,
    )
    assert.equal(value.code, 0, value.stderr)
    assert.equal(value.stdout.trim(), 's3cr3t')
    const absent = await runClient('aws', ['ssm', 'get-parameter', '--name', '/prod/nothing'], awsEnv)
    assert.notEqual(absent.code, 0)
    assert.match(absent.stderr, /ParameterNotFound/)
  })
})
