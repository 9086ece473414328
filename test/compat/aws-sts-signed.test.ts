// The signed STS actions with unmodified boto3: GetSessionToken with a long-term key, AssumeRole allowed and refused
// by Coffer policy on the target role's session path, and the credentials they return reading a secret.
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { accessKeyFor, BOTO3, findings, mustCall, runClient } from '../helpers/aws-clients.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-sts-signed.py', import.meta.url))

describe('STS GetSessionToken and AssumeRole with boto3 against Coffer', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'coffer-sts-signed-'))
  let env: NodeJS.ProcessEnv = {}

  before(async () => {
    t = await startDevServer({ devAws: true })
    const ok = (method: string, path: string, body?: unknown) => mustCall(t, method, path, body)
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
    const admin = await accessKeyFor(t, 'admin', 'sm-admin')
    const reader = await accessKeyFor(t, 'reader', 'sm-reader')
    const deployer = await accessKeyFor(t, 'deployer', 'assume-reader')

    const config = join(dir, 'config')
    const credentials = join(dir, 'credentials')
    writeFileSync(
      credentials,
      `[deployer]\naws_access_key_id = ${deployer.id}\naws_secret_access_key = ${deployer.secret}\n`,
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
    const created = await runClient(
      'python3',
      [
        '-c',
        'import boto3, json; boto3.client("secretsmanager").create_secret(Name="prod/db/credentials", SecretString=json.dumps({"username": "app"}))',
      ],
      { ...base, AWS_ACCESS_KEY_ID: admin.id, AWS_SECRET_ACCESS_KEY: admin.secret },
    )
    assert.equal(created.code, 0, created.stderr)
    env = {
      ...base,
      READER_KEY_ID: reader.id,
      READER_SECRET: reader.secret,
      DEPLOYER_KEY_ID: deployer.id,
      DEPLOYER_SECRET: deployer.secret,
    }
  })
  after(async () => {
    await t?.close()
  })

  it('issues session credentials and assumed roles that read as their role; refuses what AWS refuses', async () => {
    const f = findings(await runClient('python3', [SCRIPT], env))
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
