// GitLab CI's native Vault integration against Coffer: the runner's id_tokens JWT login and KV reads, with the
// roles of GitLab's Vault tutorial (bound_claims exact and glob, user_claim, token_explicit_max_ttl).
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { type OidcProvider, startOidcProvider } from '../helpers/oidc-provider.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'

const AUDIENCE = 'https://coffer.example'

describe('GitLab CI secrets:vault against Coffer', () => {
  let t: TestServer
  let gitlab: OidcProvider

  /** An id_tokens JWT with the claims GitLab puts in every job's token (its strings stay strings). */
  const idToken = (overrides: Record<string, unknown> = {}) =>
    gitlab.sign({
      jti: randomUUID(),
      aud: AUDIENCE,
      sub: 'project_path:mygroup/myproject:ref_type:branch:ref:main',
      namespace_id: '1',
      namespace_path: 'mygroup',
      project_id: '22',
      project_path: 'mygroup/myproject',
      user_id: '42',
      user_login: 'dev',
      user_email: 'dev@example.com',
      pipeline_id: '1000',
      pipeline_source: 'push',
      job_id: '2000',
      ref: 'main',
      ref_type: 'branch',
      ref_path: 'refs/heads/main',
      ref_protected: 'true',
      runner_id: 7,
      runner_environment: 'gitlab-hosted',
      ...overrides,
    })

  /**
   * The runner's Vault client (the Vault Go API client): X-Vault-Request on every call, X-Vault-Namespace from
   * VAULT_NAMESPACE (empty when unset), `Logical().Write` for the login and `Logical().Read` for secrets.
   */
  const runner = async (
    method: 'GET' | 'PUT',
    path: string,
    opts: { token?: string; body?: unknown } = {},
  ) => {
    const headers: Record<string, string> = { 'x-vault-request': 'true', 'x-vault-namespace': '' }
    if (opts.token) headers['x-vault-token'] = opts.token
    const res = await fetch(`${t.address}/v1/${path}`, {
      method,
      headers,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, text, body: text === '' ? undefined : JSON.parse(text) }
  }
  /** VAULT_AUTH_PATH defaults to "jwt"; the payload is {jwt, role} (role from VAULT_AUTH_ROLE, absent if unset). */
  const login = async (jwt: string, role?: string) =>
    runner('PUT', 'auth/jwt/login', { body: role === undefined ? { jwt } : { jwt, role } })

  before(async () => {
    gitlab = await startOidcProvider()
    t = await startDevServer()
    const ok = async (method: string, path: string, body: unknown, status = 204) => {
      const res = await t.call(method, path, { body })
      assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`)
    }
    await ok('POST', 'sys/auth/jwt', { type: 'jwt' })
    await ok('POST', 'auth/jwt/config', { oidc_discovery_url: gitlab.issuer, bound_issuer: gitlab.issuer })
    await ok('POST', 'sys/mounts/ops', { type: 'kv', options: { version: '2' } })
    await ok('POST', 'sys/mounts/kv1', { type: 'kv' })
    await ok('POST', 'ops/data/production/db', { data: { password: 'real-pa$$w0rd', user: 'app' } }, 200)
    await ok('POST', 'ops/data/staging/db', { data: { password: 'pa$$w0rd' } }, 200)
    await ok('POST', 'kv1/production/db', { password: 'v1-password' })
    await ok('PUT', 'sys/policies/acl/myproject-production', {
      policy:
        'path "ops/data/production/*" { capabilities = ["read"] }\npath "kv1/production/*" { capabilities = ["read"] }',
    })
    await ok('PUT', 'sys/policies/acl/myproject-staging', {
      policy: 'path "ops/data/staging/*" { capabilities = ["read"] }',
    })
    // The tutorial's two roles: staging binds exact values, production globs the ref of protected branches.
    await ok('POST', 'auth/jwt/role/myproject-staging', {
      role_type: 'jwt',
      policies: ['myproject-staging'],
      token_explicit_max_ttl: 60,
      user_claim: 'user_email',
      bound_audiences: AUDIENCE,
      bound_claims: { project_id: '22', ref: 'main', ref_type: 'branch' },
    })
    await ok('POST', 'auth/jwt/role/myproject-production', {
      role_type: 'jwt',
      policies: ['myproject-production'],
      token_explicit_max_ttl: 60,
      user_claim: 'user_email',
      bound_audiences: AUDIENCE,
      bound_claims_type: 'glob',
      bound_claims: { project_id: '22', ref_protected: 'true', ref_type: 'branch', ref: 'auto-deploy-*' },
    })
  })
  after(async () => {
    await t?.close()
    await gitlab?.close()
  })

  it('a job logs in with its ID token and reads `password@ops` (kv-v2) and the kv-v1 engine’s field', async () => {
    const res = await login(await idToken({ ref: 'auto-deploy-2026-12' }), 'myproject-production')
    assert.equal(res.status, 200, res.text)
    const auth = res.body.auth
    assert.deepEqual(auth.policies, ['default', 'myproject-production'])
    assert.equal(auth.lease_duration, 60, 'token_explicit_max_ttl caps the default TTL')
    assert.equal(auth.metadata.role, 'myproject-production')
    // secrets: DATABASE_PASSWORD: vault: production/db/password@ops → GET ops/data/production/db, field "password".
    const v2 = await runner('GET', 'ops/data/production/db', { token: auth.client_token })
    assert.equal(v2.status, 200, v2.text)
    assert.equal(v2.body.data.data.password, 'real-pa$$w0rd')
    // engine: {name: kv-v1, path: kv1} → GET kv1/production/db.
    const v1 = await runner('GET', 'kv1/production/db', { token: auth.client_token })
    assert.equal(v1.body.data.password, 'v1-password')
    // A path the role's policy does not grant, and a missing secret (the Go client reads that as "no secret").
    const denied = await runner('GET', 'ops/data/staging/db', { token: auth.client_token })
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.body.errors, ['permission denied'])
    const missing = await runner('GET', 'ops/data/production/none', { token: auth.client_token })
    assert.equal(missing.status, 404)
    assert.deepEqual(missing.body, { errors: [] })
  })

  it('token_explicit_max_ttl is a hard limit: the token says so and a renewal cannot pass it', async () => {
    const res = await login(await idToken(), 'myproject-staging')
    assert.equal(res.status, 200, res.text)
    const token = res.body.auth.client_token
    const self = await runner('GET', 'auth/token/lookup-self', { token })
    assert.equal(self.body.data.explicit_max_ttl, 60)
    assert.ok(self.body.data.ttl <= 60 && self.body.data.ttl > 0, String(self.body.data.ttl))
    const renewed = await runner('PUT', 'auth/token/renew-self', { token, body: { increment: '1h' } })
    assert.equal(renewed.status, 200, renewed.text)
    assert.ok(renewed.body.auth.lease_duration <= 60, String(renewed.body.auth.lease_duration))
  })

  it('the user_claim names the login: the alias is the user_email, and a token without it is refused', async () => {
    const res = await login(await idToken(), 'myproject-staging')
    const self = await runner('GET', 'auth/token/lookup-self', { token: res.body.auth.client_token })
    const entity = await t.call('GET', `identity/entity/id/${self.body.data.entity_id}`)
    assert.equal(entity.status, 200, JSON.stringify(entity.body))
    assert.deepEqual(
      entity.body.data.aliases.map((a: { name: string }) => a.name),
      ['dev@example.com'],
    )
    const noEmail = await login(await idToken({ user_email: undefined }), 'myproject-staging')
    assert.equal(noEmail.status, 400)
    assert.deepEqual(noEmail.body.errors, ['claim "user_email" not found in token'])
  })

  it('glob bound claims match as Vault’s do: `*` is any run of characters, strings only, every claim required', async () => {
    const production = async (overrides: Record<string, unknown>) =>
      (await login(await idToken(overrides), 'myproject-production')).status
    assert.equal(await production({ ref: 'auto-deploy-' }), 200, '`*` may match nothing')
    assert.equal(await production({ ref: 'auto-deploy-a/b' }), 200, '`*` crosses slashes')
    assert.equal(await production({ ref: 'auto-deploy' }), 400)
    assert.equal(await production({ ref: 'x-auto-deploy-1' }), 400, 'the pattern is anchored at the start')
    assert.equal(await production({ ref: 'main' }), 400)
    assert.equal(await production({ ref: 'auto-deploy-1', ref_protected: 'false' }), 400)
    // GitLab sends "true"; a JSON true (or the number 22) is not the string the role binds.
    assert.equal(await production({ ref: 'auto-deploy-1', ref_protected: true }), 400)
    assert.equal(await production({ ref: 'auto-deploy-1', project_id: 22 }), 400)
    const missing = await login(
      await idToken({ ref: 'auto-deploy-1', ref_type: undefined }),
      'myproject-production',
    )
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body.errors, ['error validating claims: claim "ref_type" is missing'])
  })

  it('string bound claims are exact: no prefix match, and `*` is literal', async () => {
    assert.equal((await login(await idToken({ ref: 'main2' }), 'myproject-staging')).status, 400)
    await t.call('POST', 'auth/jwt/role/literal', {
      body: {
        role_type: 'jwt',
        user_claim: 'user_email',
        bound_audiences: AUDIENCE,
        bound_claims: { ref: 'auto-*' },
      },
    })
    assert.equal((await login(await idToken({ ref: 'auto-1' }), 'literal')).status, 400)
    assert.equal((await login(await idToken({ ref: 'auto-*' }), 'literal')).status, 200)
  })

  it('a list of bound values matches any one of them; a list claim matches when any element does', async () => {
    const role = await t.call('POST', 'auth/jwt/role/releases', {
      body: {
        role_type: 'jwt',
        user_claim: 'user_email',
        bound_audiences: AUDIENCE,
        bound_claims_type: 'glob',
        bound_claims: { ref: ['main', 'release/*'], namespace_path: ['mygroup', 'mygroup/*'] },
      },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
    const status = async (overrides: Record<string, unknown>) =>
      (await login(await idToken(overrides), 'releases')).status
    assert.equal(await status({ ref: 'main' }), 200)
    assert.equal(await status({ ref: 'release/2.0', namespace_path: 'mygroup/sub' }), 200)
    assert.equal(await status({ ref: 'feature/x' }), 400)
    assert.equal(await status({ ref: ['feature/x', 'release/1'] }), 200)
    assert.equal(await status({ namespace_path: 'othergroup' }), 400)
  })

  it('the audience must be one the role binds, and a login without VAULT_AUTH_ROLE needs a default_role', async () => {
    const wrongAud = await login(await idToken({ aud: 'https://gitlab.com' }), 'myproject-staging')
    assert.equal(wrongAud.status, 400)
    assert.deepEqual(wrongAud.body.errors, [
      'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
    ])
    const noRole = await login(await idToken())
    assert.equal(noRole.status, 400)
    assert.deepEqual(noRole.body.errors, ['missing role'])
  })
})
