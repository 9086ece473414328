// hvac's auth.jwt and auth.kubernetes against Coffer: hvac_auth_scenario.py configures, creates roles and logs in.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startOidcProvider } from '../helpers/oidc-provider.ts'
import { startDevServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'
import { startTokenReviewServer } from '../helpers/token-review-server.ts'

const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('./hvac_auth_scenario.py', import.meta.url))

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  // Asynchronous on purpose: the servers under test live in this process's event loop.
  return new Promise((resolve) => {
    execFile(PYTHON, args, { env, timeout: 90_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr })
    })
  })
}

test('hvac drives the jwt and kubernetes auth methods', { timeout: 120_000 }, async (t) => {
  if ((await run(['-c', 'import hvac'], process.env).catch(() => ({ code: -1 }))).code !== 0) {
    assert.notEqual(process.env.CI, 'true', 'python3-hvac must be installed in CI (.ci/run installs it)')
    t.skip('python3-hvac not installed')
    return
  }
  const dir = mkdtempSync(join(tmpdir(), 'coffer-hvac-auth-'))
  const cert = makeSelfSignedCert(dir)
  if (!cert) throw new Error('openssl is needed to make the test certificate')
  const tls = { key: readFileSync(cert.key, 'utf8'), cert: readFileSync(cert.cert, 'utf8') }
  const idp = await startOidcProvider({ tls })
  const k8s = await startTokenReviewServer(tls)
  const server = await startDevServer()
  let result: Awaited<ReturnType<typeof run>>
  try {
    const claims = { sub: 'job-1', aud: 'coffer', user_email: 'ci@example.com', project_path: 'group/app' }
    result = await run([SCRIPT], {
      ...process.env,
      VAULT_ADDR: server.address,
      VAULT_TOKEN: server.rootToken,
      JWKS_URL: `${idp.issuer}/jwks`,
      JWKS_CA_PEM: tls.cert,
      JWT_ISSUER: idp.issuer,
      JWT_OK: await idp.sign(claims),
      JWT_BAD_CLAIM: await idp.sign({ ...claims, project_path: 'elsewhere/app' }),
      K8S_HOST: k8s.host,
      K8S_CA_PEM: tls.cert,
      K8S_REVIEWER_JWT: k8s.reviewerJwt,
      K8S_JWT: await k8s.legacyToken({ namespace: 'prod', name: 'app', uid: 'uid-app' }),
      K8S_JWT_OTHER_NS: await k8s.legacyToken({ namespace: 'dev', name: 'app', uid: 'uid-app-dev' }),
    })
  } finally {
    await server.close()
    await idp.close()
    await k8s.close()
  }
  assert.equal(result.code, 0, `hvac_auth_scenario.py failed:\n${result.stderr}`)
  // biome-ignore lint/suspicious/noExplicitAny: the script's JSON, checked field by field below
  const r = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, any>

  await t.test('auth.jwt: configure, create_role, read/list, jwt_login and a refused login', () => {
    assert.equal(r['jwt_enable'], 204)
    assert.equal(r['jwt_configure'], 204)
    assert.equal(r['jwt_create_role'], 204)
    assert.equal(r['jwt_read_role'].role_type, 'jwt')
    assert.deepEqual(r['jwt_read_role'].bound_claims, { project_path: 'group/*' })
    assert.deepEqual(r['jwt_read_role'].token_policies, ['ci-read'])
    assert.deepEqual(r['jwt_list_roles'], ['gitlab-ci'])
    assert.ok(r['jwt_read_config'].includes('jwks_url'))
    assert.ok(!r['jwt_read_config'].includes('oidc_client_secret'))
    assert.deepEqual(r['jwt_login'], {
      policies: ['ci-read', 'default'],
      metadata: { project: 'group/app', role: 'gitlab-ci' },
      lease_duration: 600,
      has_token: true,
      display_name: 'jwt-ci@example.com',
    })
    assert.deepEqual(r['jwt_login_refused'], {
      error: 'InvalidRequest',
      errors: [
        'error validating claims: claim "project_path" does not match any associated bound claim values',
      ],
    })
  })

  await t.test(
    'auth.kubernetes: configure, create_role (legacy policies/ttl), read/list, login and a refusal',
    () => {
      assert.equal(r['k8s_enable'], 204)
      assert.equal(r['k8s_configure'], 204)
      assert.equal(r['k8s_create_role'], 204)
      assert.deepEqual(r['k8s_read_role'].token_policies, ['app-read'])
      assert.deepEqual(
        r['k8s_read_role'].policies,
        ['app-read'],
        'the legacy name is read back as it was written',
      )
      assert.equal(r['k8s_read_role'].token_ttl, 3600)
      assert.deepEqual(r['k8s_list_roles'], ['app'])
      assert.deepEqual(r['k8s_login'], {
        policies: ['app-read', 'default'],
        metadata: {
          role: 'app',
          service_account_name: 'app',
          service_account_namespace: 'prod',
          service_account_secret_name: 'app-token-x1',
          service_account_uid: 'uid-app',
        },
        lease_duration: 3600,
        has_token: true,
        display_name: 'kubernetes-prod-app',
      })
      assert.deepEqual(r['k8s_login_refused'], { error: 'Forbidden', errors: ['namespace not authorized'] })
    },
  )
})
