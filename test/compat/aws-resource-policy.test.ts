// A Secrets Manager resource policy through boto3 against a dev server: a Deny for one role's ARN blocks that role only.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { program, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const BOTO3 = program('python3', ['-c', 'import boto3'])
const SCRIPT = fileURLToPath(new URL('./boto3-resource-policy.py', import.meta.url))

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

describe('Secrets Manager resource policies with boto3', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  const env: NodeJS.ProcessEnv = {}

  before(async () => {
    t = await startDevServer({ devAws: true })
    const ok = async (method: string, path: string, body?: unknown) => {
      const reply = await t.call(method, path, body === undefined ? {} : { body })
      assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`)
      return reply
    }
    await ok('PUT', 'sys/policies/acl/sm-admin', {
      policy: 'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    // Both readers may read under Coffer's ACL: only the resource policy tells them apart.
    await ok('PUT', 'sys/policies/acl/sm-shared-reader', {
      policy: 'path "secretsmanager/secrets/shared/*" { capabilities = ["read"] }',
    })
    for (const [role, policy, prefix] of [
      ['admin', 'sm-admin', 'ADMIN'],
      ['blocked', 'sm-shared-reader', 'BLOCKED'],
      ['allowed', 'sm-shared-reader', 'ALLOWED'],
    ] as const) {
      await ok('POST', `auth/aws-keys/role/${role}`, { token_policies: policy })
      const issued = await ok('POST', `auth/aws-keys/role/${role}/access-key`)
      env[`${prefix}_KEY_ID`] = issued.body.data.access_key_id
      env[`${prefix}_SECRET`] = issued.body.data.secret_access_key
    }
    Object.assign(env, {
      AWS_ENDPOINT_URL: t.address,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    })
  })
  after(() => t?.close())

  it('a Deny for one role blocks its GetSecretValue while another role still reads', async () => {
    const result = await run('python3', [SCRIPT], env)
    assert.equal(result.code, 0, result.stderr)
    const f = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
    assert.match(f.blocked_arn, /^arn:aws:iam::\d{12}:user\/blocked$/)
    assert.equal(f.blocked_before, 'k-123')
    assert.equal(f.validated, true)
    assert.equal(f.put_name, 'shared/api-key')
    assert.equal(f.get_policy_same, true)
    assert.equal(f.blocked_after, 'AccessDeniedException')
    assert.equal(f.allowed_after, 'k-123')
    assert.equal(f.public_blocked, 'PublicPolicyException')
    assert.equal(f.malformed, 'MalformedPolicyDocumentException')
    assert.equal(f.blocked_after_delete, 'k-123')
  })
})
