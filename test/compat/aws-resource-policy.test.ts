// A Secrets Manager resource policy through boto3 against a dev server: a Deny for one role's ARN blocks that role only.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { accessKeyFor, BOTO3, findings, mustCall, runClient } from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-resource-policy.py', import.meta.url))

describe('Secrets Manager resource policies with boto3', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  const env: NodeJS.ProcessEnv = {}

  before(async () => {
    t = await startDevServer({ devAws: true })
    const ok = (method: string, path: string, body?: unknown) => mustCall(t, method, path, body)
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
      const key = await accessKeyFor(t, role, policy)
      env[`${prefix}_KEY_ID`] = key.id
      env[`${prefix}_SECRET`] = key.secret
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
    const f = findings(await runClient('python3', [SCRIPT], env))
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
