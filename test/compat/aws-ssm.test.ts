// Unmodified AWS clients against Coffer's SSM Parameter Store face: boto3 end to end, a role limited to /prod/app/*,
// and the AWS CLI's get-parameter --with-decryption --query Parameter.Value --output text.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { program, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const BOTO3 = program('python3', ['-c', 'import boto3'])
const AWS_CLI = program('aws', ['--version'])
const SCRIPT = fileURLToPath(new URL('./boto3-ssm.py', import.meta.url))

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

describe('AWS SSM Parameter Store clients against Coffer', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  let awsEnv: NodeJS.ProcessEnv = {}

  before(async () => {
    t = await startDevServer({ devAws: true })
    const ok = async (method: string, path: string, body?: unknown) => {
      const reply = await t.call(method, path, body === undefined ? {} : { body })
      assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
      return reply
    }
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
    ] as const) {
      await ok('POST', `auth/aws-keys/role/${role}`, { token_policies: policy })
      const issued = await ok('POST', `auth/aws-keys/role/${role}/access-key`)
      keys[role] = { id: issued.body.data.access_key_id, secret: issued.body.data.secret_access_key }
    }
    awsEnv = {
      AWS_ENDPOINT_URL: t.address,
      AWS_ACCESS_KEY_ID: keys['admin']!.id,
      AWS_SECRET_ACCESS_KEY: keys['admin']!.secret,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      READER_KEY_ID: keys['reader']!.id,
      READER_SECRET: keys['reader']!.secret,
    }
  })
  after(() => t?.close())

  it('boto3: put, get (with and without decryption), by path, labels, history, tags, references, delete, errors', async () => {
    const result = await run('python3', [SCRIPT], awsEnv)
    assert.equal(result.code, 0, result.stderr)
    const f = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
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
    assert.equal(f.reference_needs_decryption, 'ValidationException')
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
    const put = await run(
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
    const value = await run(
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
    const absent = await run('aws', ['ssm', 'get-parameter', '--name', '/prod/nothing'], awsEnv)
    assert.notEqual(absent.code, 0)
    assert.match(absent.stderr, /ParameterNotFound/)
  })
})
