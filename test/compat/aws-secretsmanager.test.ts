// Unmodified AWS clients against Coffer's Secrets Manager face: boto3 (the users' get_secret function and the rest
// of the everyday calls), the AWS CLI step with --query and jq, and the errors clients classify.
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
import { program, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const JQ = program('jq', ['--version'])
const SCRIPT = fileURLToPath(new URL('./boto3-secretsmanager.py', import.meta.url))
const REPLICATION_SCRIPT = fileURLToPath(new URL('./boto3-sm-replication.py', import.meta.url))

describe('AWS Secrets Manager clients against Coffer', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  const keys: Record<string, { id: string; secret: string }> = {}
  let awsEnv: NodeJS.ProcessEnv = {}

  before(async () => {
    t = await startDevServer({ devAws: true })
    const ok = (method: string, path: string, body?: unknown) => mustCall(t, method, path, body)
    // Dev mode mounts both already (and prints its own pair); the roles below are this test's own.
    assert.equal((await t.call('GET', 'sys/mounts')).body.data['secretsmanager/']?.type, 'secretsmanager')
    assert.equal((await t.call('GET', 'sys/auth')).body.data['aws-keys/']?.type, 'aws-keys')
    await ok('PUT', 'sys/policies/acl/sm-admin', {
      policy: 'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    await ok('PUT', 'sys/policies/acl/sm-reader', {
      policy: 'path "secretsmanager/secrets/prod/db/*" { capabilities = ["read"] }',
    })
    for (const [role, policy] of [
      ['admin', 'sm-admin'],
      ['reader', 'sm-reader'],
    ] as const)
      keys[role] = await accessKeyFor(t, role, policy)
    awsEnv = {
      ...clientEnv(t.address, keys['admin']!),
      READER_KEY_ID: keys['reader']!.id,
      READER_SECRET: keys['reader']!.secret,
    }
  })
  after(() => t?.close())

  it('boto3: create, get (the get_secret snippet), put, describe, list, batch, delete, restore, and every error', async () => {
    const f = findings(await runClient('python3', [SCRIPT], awsEnv))
    assert.match(
      f.create_arn,
      /^arn:aws:secretsmanager:eu-west-1:\d{12}:secret:prod\/db\/credentials-[A-Za-z0-9]{6}$/,
    )
    assert.deepEqual(f.get_secret, { username: 'app', password: 's3cr3t-value' })
    assert.equal(f.get_by_arn, 'app')
    assert.equal(f.previous_version_is_first, true)
    assert.equal(f.current_after_put, 'app2')
    assert.deepEqual(f.describe_tags, [{ Key: 'team', Value: 'payments' }])
    assert.equal(f.describe_created_is_datetime, 'datetime')
    assert.equal(f.never_read_has_no_last_accessed, true)
    assert.equal(f.last_accessed_is_midnight_utc_of_read_day, true)
    assert.deepEqual(f.stages, ['AWSCURRENT', 'AWSPREVIOUS'])
    assert.equal(f.binary, Buffer.from('\x00\x01binary', 'latin1').toString('hex'))
    assert.deepEqual(f.listed, ['prod/db/credentials', 'prod/other'])
    assert.deepEqual(f.batch_values, ['prod/db/credentials'])
    assert.deepEqual(f.batch_errors, ['ResourceNotFoundException'])
    assert.equal(f.random_password_length, 24)
    assert.equal(f.not_found, 'ResourceNotFoundException')
    // AWS's own wording for these (checked against AWS by moto's aws_verified tests).
    assert.deepEqual(f.exists, [
      'ResourceExistsException',
      'The operation failed because the secret prod/other already exists.',
    ])
    assert.equal(f.token_retry_same_version, true)
    assert.deepEqual(f.token_reused, [
      'ResourceExistsException',
      `You can't use ClientRequestToken 0123456789abcdef0123456789abcdef because that value is already in use for a version of secret ${f.token_reused_arn}.`,
    ])
    assert.deepEqual(f.put_without_value, [
      'InvalidRequestException',
      'You must provide either SecretString or SecretBinary.',
    ])
    assert.deepEqual(f.bare_members, ['ARN', 'CreatedDate', 'LastChangedDate', 'Name'])
    assert.deepEqual(f.untagged_tags, [])
    assert.deepEqual(f.search_words, ['prod/db/credentials'])
    assert.equal(f.invalid_parameter, 'InvalidParameterException')
    assert.equal(f.deletion_date_set, true)
    assert.equal(f.deleted_read, 'InvalidRequestException')
    assert.equal(f.restored, 'prod/other')
    assert.equal(f.reader_get, 'app2')
    assert.equal(f.reader_denied_other, 'AccessDeniedException')
    assert.equal(f.reader_denied_write, 'AccessDeniedException')
    assert.match(f.bad_signature, /^(InvalidSignatureException|UnrecognizedClientException)$/)
    assert.equal(f.unknown_key, 'UnrecognizedClientException')
  })

  it('boto3: a replica read from another region follows the primary, is read-only, and can be promoted', async () => {
    const f = findings(await runClient('python3', [REPLICATION_SCRIPT], awsEnv))
    assert.equal(f.not_in_other_region, 'ResourceNotFoundException')
    assert.equal(f.arn_is_primary, true)
    assert.deepEqual(f.status, [['us-east-2', 'InSync']])
    assert.equal(f.replica_value, 'v1')
    assert.match(f.replica_arn, /^arn:aws:secretsmanager:us-east-2:\d{12}:secret:repl\/app-[A-Za-z0-9]{6}$/)
    assert.equal(f.replica_after_put, 'v2')
    assert.equal(f.replica_put, 'InvalidRequestException')
    assert.equal(f.replica_primary_region, 'eu-west-1')
    assert.equal(f.delete_with_replicas, 'InvalidRequestException')
    assert.equal(f.promoted_arn, f.replica_arn)
    assert.equal(f.primary_after_promotion, 'v2')
    assert.equal(f.promoted_survives, 'standalone')
  })

  it('the AWS CLI step: get-secret-value --query SecretString --output text | jq -r .username', async (t2) => {
    const missing = await unmet(AWS_CLI, JQ)
    if (missing) {
      t2.skip(missing)
      return
    }
    await runClient(
      'aws',
      ['secretsmanager', 'create-secret', '--name', 'ci/token', '--secret-string', '{"username":"deploy"}'],
      awsEnv,
    )
    const step = await runClient(
      'bash',
      [
        '-c',
        'set -o pipefail; aws secretsmanager get-secret-value --secret-id ci/token --query SecretString --output text | jq -r .username',
      ],
      awsEnv,
    )
    assert.equal(step.code, 0, step.stderr)
    assert.equal(step.stdout.trim(), 'deploy')
    const missingSecret = await runClient(
      'aws',
      ['secretsmanager', 'get-secret-value', '--secret-id', 'ci/nope'],
      awsEnv,
    )
    assert.notEqual(missingSecret.code, 0)
    assert.match(missingSecret.stderr, /ResourceNotFoundException/)
  })

  it('answers a malformed call as AWS does: unknown action, bad JSON, no signature', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${t.address}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
        body,
      })
    const unsigned = await post({ 'x-amz-target': 'secretsmanager.GetSecretValue' }, '{"SecretId":"x"}')
    assert.equal(unsigned.status, 400)
    assert.equal(unsigned.headers.get('content-type'), 'application/x-amz-json-1.1')
    assert.ok(unsigned.headers.get('x-amzn-requestid'))
    assert.equal(
      ((await unsigned.json()) as { __type: string }).__type,
      'MissingAuthenticationTokenException',
    )
    const unknown = await post({ 'x-amz-target': 'secretsmanager.DoSomething' }, '{}')
    assert.equal(((await unknown.json()) as { __type: string }).__type, 'UnknownOperationException')
    const badJson = await post(
      { 'x-amz-target': 'secretsmanager.ListSecrets', authorization: 'x' },
      '{not json',
    )
    assert.equal(((await badJson.json()) as { __type: string }).__type, 'SerializationException')
  })
})
