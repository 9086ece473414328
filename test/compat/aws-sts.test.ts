// STS web identity with unmodified boto3: a pod's environment (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE,
// AWS_ENDPOINT_URL, no keys) reads a secret; GetCallerIdentity with long-term and session credentials; refusals.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { accessKeyFor, BOTO3, findings, mustCall, runClient } from '../helpers/aws-clients.ts'
import { type OidcProvider, startOidcProvider } from '../helpers/oidc-provider.ts'
import { unmet } from '../helpers/requirements.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'

const SCRIPT = fileURLToPath(new URL('./boto3-sts.py', import.meta.url))
const SUBJECT = 'system:serviceaccount:payments:api'
const AUDIENCE = 'sts.amazonaws.com'

describe('STS web identity with boto3 against Coffer', { skip: await unmet(BOTO3) }, () => {
  let t: TestServer
  let idp: OidcProvider
  const dir = mkdtempSync(join(tmpdir(), 'coffer-sts-'))
  let env: NodeJS.ProcessEnv = {}

  before(async () => {
    const cert = makeSelfSignedCert(dir)
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    const tls = { key: readFileSync(cert.key, 'utf8'), cert: readFileSync(cert.cert, 'utf8') }
    idp = await startOidcProvider({ tls })
    t = await startDevServer({ devAws: true })
    const ok = (method: string, path: string, body?: unknown) => mustCall(t, method, path, body)
    await ok('POST', 'sys/auth/jwt', { type: 'jwt' })
    await ok('POST', 'auth/jwt/config', {
      jwks_url: `${idp.issuer}/jwks`,
      jwks_ca_pem: tls.cert,
      bound_issuer: idp.issuer,
    })
    // The trust policy: tokens of jwt role "deploy" may assume aws-keys role "ci" (and nothing else).
    await ok('PUT', 'sys/policies/acl/assume-ci', {
      policy: 'path "auth/aws-keys/role/ci/session" { capabilities = ["update"] }',
    })
    await ok('POST', 'auth/jwt/role/deploy', {
      role_type: 'jwt',
      user_claim: 'sub',
      bound_audiences: [AUDIENCE],
      bound_subject: SUBJECT,
      token_policies: ['assume-ci'],
      token_ttl: '5m',
    })
    await ok('PUT', 'sys/policies/acl/sm-admin', {
      policy: 'path "secretsmanager/*" { capabilities = ["create", "read", "update", "delete", "list"] }',
    })
    await ok('PUT', 'sys/policies/acl/sm-reader', {
      policy: 'path "secretsmanager/secrets/prod/db/*" { capabilities = ["read"] }',
    })
    await ok('POST', 'auth/aws-keys/role/ci', {
      token_policies: 'sm-reader',
      web_identity_mount: 'auth/jwt/',
      web_identity_role: 'deploy',
    })
    await ok('POST', 'auth/aws-keys/role/untrusted', {
      token_policies: 'sm-admin',
      web_identity_mount: 'auth/jwt/',
      web_identity_role: 'deploy',
    })
    const admin = await accessKeyFor(t, 'admin', 'sm-admin')

    const base = {
      AWS_ENDPOINT_URL: t.address,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
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

    const tokenFile = join(dir, 'token')
    // A projected service-account token, as the EKS pod identity webhook mounts it.
    writeFileSync(tokenFile, await idp.sign({ sub: SUBJECT, aud: AUDIENCE }, {}))
    const now = Math.floor(Date.now() / 1000)
    env = {
      ...base,
      AWS_ROLE_ARN: 'arn:aws:iam::000000000000:role/ci',
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      LONG_KEY_ID: admin.id,
      LONG_SECRET: admin.secret,
      EXPIRED_JWT: await idp.sign({ sub: SUBJECT, aud: AUDIENCE, iat: now - 7200, exp: now - 3600 }),
      WRONG_AUDIENCE_JWT: await idp.sign({ sub: SUBJECT, aud: 'someone-else' }),
    }
  })
  after(async () => {
    await t?.close()
    await idp?.close()
  })

  it('a pod with a role ARN and a token file reads its secret; every refusal is what boto3 classifies', async () => {
    const f = findings(await runClient('python3', [SCRIPT], env))
    assert.equal(f.credential_method, 'assume-role-with-web-identity')
    assert.equal(f.pod_secret, 'app')
    assert.match(f.pod_identity, /^arn:aws:sts::000000000000:assumed-role\/ci\/botocore-session-\d+$/)
    assert.equal(f.pod_denied_write, 'AccessDeniedException')
    assert.equal(f.assumed_key_prefix, 'CSIA')
    assert.equal(f.assumed_expiration_type, 'datetime')
    assert.equal(f.assumed_arn, 'arn:aws:sts::000000000000:assumed-role/ci/by-hand')
    assert.equal(f.assumed_subject, SUBJECT)
    assert.equal(f.assumed_audience, AUDIENCE)
    assert.equal(f.session_identity.Arn, 'arn:aws:sts::000000000000:assumed-role/ci/by-hand')
    assert.equal(f.session_identity.Account, '000000000000')
    assert.match(f.session_identity.UserId, /^CROA[A-Z2-7]{17}:by-hand$/)
    assert.equal(f.tampered_token, 'InvalidClientTokenId')
    assert.equal(f.tampered_token_sm, 'UnrecognizedClientException')
    assert.equal(f.missing_token, 'InvalidClientTokenId')
    assert.deepEqual(f.long_identity, {
      Arn: 'arn:aws:iam::000000000000:user/admin',
      Account: '000000000000',
      UserId: env['LONG_KEY_ID'],
    })
    assert.equal(f.bad_signature, 'SignatureDoesNotMatch')
    assert.equal(f.forged_jwt, 'InvalidIdentityToken')
    assert.equal(f.garbage_jwt, 'InvalidIdentityToken')
    assert.equal(f.expired_jwt, 'ExpiredTokenException')
    assert.equal(f.wrong_audience_jwt, 'InvalidIdentityToken')
    assert.equal(f.unknown_role, 'AccessDenied')
    assert.equal(f.other_account, 'AccessDenied')
    assert.equal(f.untrusted_role, 'AccessDenied')
    assert.equal(f.too_long, 'ValidationError')
  })

  it('answers the Query protocol’s own errors in XML: unknown action, missing parameters', async () => {
    const post = (body: string) =>
      fetch(`${t.address}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      })
    const unknown = await post('Action=GetFederationToken&Version=2011-06-15')
    assert.equal(unknown.status, 400)
    const text = await unknown.text()
    assert.match(
      text,
      /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code>/,
    )
    assert.match(text, /<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/)
    for (const body of ['Version=2011-06-15', '', 'Action=&Version=2011-06-15']) {
      const noAction = await post(body)
      assert.equal(noAction.status, 400, body)
      assert.match(
        await noAction.text(),
        /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>MissingAction<\/Code><Message>The request names no Action\.<\/Message>/,
      )
    }
    const missing = await post('Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=x1')
    assert.equal(missing.status, 400)
    assert.match(await missing.text(), /<Code>ValidationError<\/Code>/)
    const unsigned = await post('Action=GetCallerIdentity&Version=2011-06-15')
    assert.equal(unsigned.status, 403)
    assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/)
    // The Vault API is untouched: a form POST under /v1/ is still a Vault request.
    assert.equal((await fetch(`${t.address}/v1/sys/health`)).status, 200)
  })
})
