// The signed STS actions with unmodified boto3: GetSessionToken with a long-term key, AssumeRole allowed and refused
// by Coffer policy on the target role's session path, and the credentials they return reading a secret.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { program, unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const BOTO3 = program('python3', ['-c', 'import boto3'])
const SCRIPT = fileURLToPath(new URL('./boto3-sts-signed.py', import.meta.url))

function run(file: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    // Keys come only from the test: none may leak in from the environment of whoever runs it.
    const {
      AWS_ACCESS_KEY_ID: _a,
      AWS_SECRET_ACCESS_KEY: _s,
      AWS_SESSION_TOKEN: _t,
      AWS_PROFILE: _p,
      ...base
    } = process.env
    execFile(file, args, { env: { ...base, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    )
  })
}

describe('STS GetSessionToken and AssumeRole with boto3 against Coffer', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'coffer-sts-signed-'))
  let env: NodeJS.ProcessEnv = {}

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
    await ok('PUT', 'sys/policies/acl/sm-reader', {
      policy: 'path "secretsmanager/secrets/prod/db/*" { capabilities = ["read"] }',
    })
    // The trust policy: the deployer may assume "reader" and nothing else.
    await ok('PUT', 'sys/policies/acl/assume-reader', {
      policy: 'path "auth/aws-keys/role/reader/session" { capabilities = ["update"] }',
    })
    await ok('POST', 'auth/aws-keys/role/admin', { token_policies: 'sm-admin' })
    await ok('POST', 'auth/aws-keys/role/reader', { token_policies: 'sm-reader' })
    await ok('POST', 'auth/aws-keys/role/deployer', { token_policies: 'assume-reader' })
    const admin = (await ok('POST', 'auth/aws-keys/role/admin/access-key')).body.data
    const reader = (await ok('POST', 'auth/aws-keys/role/reader/access-key')).body.data
    const deployer = (await ok('POST', 'auth/aws-keys/role/deployer/access-key')).body.data

    const config = join(dir, 'config')
    const credentials = join(dir, 'credentials')
    writeFileSync(
      credentials,
      `[deployer]\naws_access_key_id = ${deployer.access_key_id}\naws_secret_access_key = ${deployer.secret_access_key}\n`,
      { mode: 0o600 },
    )
    writeFileSync(
      config,
      '[profile assumer]\nrole_arn = arn:aws:iam::000000000000:role/reader\nsource_profile = deployer\n',
    )
    const base = {
      AWS_ENDPOINT_URL: t.address,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
    }
    const created = await run(
      'python3',
      [
        '-c',
        'import boto3, json; boto3.client("secretsmanager").create_secret(Name="prod/db/credentials", SecretString=json.dumps({"username": "app"}))',
      ],
      { ...base, AWS_ACCESS_KEY_ID: admin.access_key_id, AWS_SECRET_ACCESS_KEY: admin.secret_access_key },
    )
    assert.equal(created.code, 0, created.stderr)
    env = {
      ...base,
      READER_KEY_ID: reader.access_key_id,
      READER_SECRET: reader.secret_access_key,
      DEPLOYER_KEY_ID: deployer.access_key_id,
      DEPLOYER_SECRET: deployer.secret_access_key,
    }
  })
  after(async () => {
    await t?.close()
  })

  it('issues session credentials and assumed roles that read as their role; refuses what AWS refuses', async () => {
    const result = await run('python3', [SCRIPT], env)
    assert.equal(result.code, 0, result.stderr)
    const f = JSON.parse(result.stdout.trim().split('\n').at(-1)!)
    assert.equal(f.token_key_prefix, 'CSIA')
    assert.equal(f.token_lifetime_at_most_hour, true)
    assert.equal(f.token_secret, 'app')
    assert.equal(f.token_identity, 'arn:aws:iam::000000000000:user/reader')
    assert.equal(f.token_from_session, 'AccessDenied')
    assert.equal(f.token_too_long, 'ValidationError')
    assert.equal(f.deployer_reads, 'AccessDeniedException')
    assert.equal(f.assumed_key_prefix, 'CSIA')
    assert.equal(f.assumed_arn, 'arn:aws:sts::000000000000:assumed-role/reader/deploy-1')
    assert.match(f.assumed_role_id, /^CROA[A-Z2-7]{17}:deploy-1$/)
    assert.equal(f.assumed_secret, 'app')
    assert.equal(f.assumed_identity, 'arn:aws:sts::000000000000:assumed-role/reader/deploy-1')
    assert.equal(f.assumed_denied_write, 'AccessDeniedException')
    assert.equal(f.assumed_get_session_token, 'AccessDenied')
    assert.equal(f.not_allowed, 'AccessDenied')
    assert.equal(f.unknown_role, 'AccessDenied')
    assert.equal(f.other_account, 'AccessDenied')
    assert.equal(f.over_role_max, 'ValidationError')
    assert.equal(f.profile_method, 'assume-role')
    assert.equal(f.profile_secret, 'app')
  })

  it('refuses GetSessionToken and AssumeRole unsigned, before looking at their parameters', async () => {
    for (const action of ['GetSessionToken', 'AssumeRole']) {
      const unsigned = await fetch(`${t.address}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: `Action=${action}&Version=2011-06-15`,
      })
      assert.equal(unsigned.status, 403, action)
      assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/, action)
    }
  })
})
