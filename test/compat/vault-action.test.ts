// hashicorp/vault-action's requests, replayed as the action sends them: its setup calls, logins and secret reads.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { startDevServer, type TestServer } from '../helpers/server.ts'

/**
 * The action's HTTP client: `got` with `prefixUrl` = the url input, so a secret path with a leading slash becomes
 * `v1//path`; it always sends X-Vault-Namespace (empty when the input is unset) and the token once it has one.
 */
function action(t: TestServer) {
  return async (method: string, path: string, opts: { token?: string; json?: unknown } = {}) => {
    const headers: Record<string, string> = { 'x-vault-namespace': '' }
    if (opts.token !== undefined) headers['x-vault-token'] = opts.token
    if (opts.json !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${t.address}/v1/${path}`, {
      method,
      headers,
      ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
    })
    const text = await res.text()
    return { status: res.status, text, body: text === '' ? undefined : JSON.parse(text) }
  }
}

describe('vault-action against Coffer', () => {
  let t: TestServer
  let send: ReturnType<typeof action>
  let privateKey: CryptoKey
  const root = () => t.rootToken

  /** A JWT like the action's own (jwtPrivateKey input) or GitHub's OIDC token (the action's tests sign both). */
  const sign = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({ iss: 'vault-action', iat: now, nbf: now, exp: now + 3600, ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .sign(privateKey)
  }

  before(async () => {
    t = await startDevServer()
    send = action(t)
    const keys = await generateKeyPair('RS256')
    privateKey = keys.privateKey as CryptoKey
    // The action's jwt tests: one policy reading everything, the key as jwt_validation_pubkeys, a default role.
    assert.equal((await send('POST', 'sys/auth/jwt', { token: root(), json: { type: 'jwt' } })).status, 204)
    const policy = await send('PUT', 'sys/policy/reader', {
      token: root(),
      json: { policy: 'path "*" {\n  capabilities = ["read"]\n}' },
    })
    assert.equal(policy.status, 204, policy.text)
    const config = await send('POST', 'auth/jwt/config', {
      token: root(),
      json: { jwt_validation_pubkeys: await exportSPKI(keys.publicKey), default_role: 'default' },
    })
    assert.equal(config.status, 204, config.text)
    const write = await send('POST', 'secret/data/test', {
      token: root(),
      json: { data: { secret: 'SUPERSECRET' } },
    })
    assert.equal(write.status, 200, write.text)
  })
  after(async () => {
    await t?.close()
  })

  const writeRole = async (name: string, json: Record<string, unknown>) => {
    const res = await send('POST', `auth/jwt/role/${name}`, { token: root(), json })
    assert.equal(res.status, 204, res.text)
  }
  const login = async (jwt: string, role: unknown) => send('POST', 'auth/jwt/login', { json: { jwt, role } })

  it('a role rewritten with bound_audiences: null no longer binds an audience, as in Vault', async () => {
    // The action's suite writes role "default" with an audience in one test and with null in another; on a
    // second run the null write follows the audience write, and its audience-less JWT must still log in.
    await writeRole('default', {
      role_type: 'jwt',
      bound_audiences: 'https://github.com/hashicorp/vault-action',
      bound_claims: { iss: 'vault-action' },
      user_claim: 'iss',
      policies: ['reader'],
    })
    await writeRole('default', {
      role_type: 'jwt',
      bound_audiences: null,
      bound_claims: { iss: 'vault-action' },
      user_claim: 'iss',
      policies: ['reader'],
    })
    const role = await send('GET', 'auth/jwt/role/default', { token: root() })
    assert.deepEqual(role.body.data.bound_audiences, [])
    // generateJwt(): no aud, and the GITHUB_* claims are absent outside a runner.
    const res = await login(await sign({}), 'default')
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(res.body.auth.policies, ['default', 'reader'])
    const read = await send('GET', 'secret/data/test', { token: res.body.auth.client_token })
    assert.equal(read.body.data.data.secret, 'SUPERSECRET')
  })

  it('null clears the other list, map and string fields of a role; a null user_claim is refused as in Vault', async () => {
    await writeRole('clearing', {
      role_type: 'jwt',
      bound_subject: 'repo:x',
      bound_claims: { iss: 'vault-action' },
      claim_mappings: { actor: 'actor' },
      groups_claim: 'groups',
      user_claim: 'iss',
    })
    await writeRole('clearing', { bound_subject: null, claim_mappings: null, groups_claim: null })
    const data = (await send('GET', 'auth/jwt/role/clearing', { token: root() })).body.data
    assert.equal(data.bound_subject, '')
    assert.equal(data.claim_mappings, null)
    assert.equal(data.groups_claim, '')
    assert.deepEqual(data.bound_claims, { iss: 'vault-action' }, 'fields not sent are kept')
    // Clearing the last binding of a jwt role leaves it accepting any token: refused.
    const unbound = await send('POST', 'auth/jwt/role/clearing', {
      token: root(),
      json: { bound_claims: null },
    })
    assert.equal(unbound.status, 400)
    assert.deepEqual(unbound.body.errors, [
      'must have at least one bound constraint when creating/updating a role',
    ])
    const noUser = await send('POST', 'auth/jwt/role/clearing', { token: root(), json: { user_claim: null } })
    assert.equal(noUser.status, 400)
    assert.deepEqual(noUser.body.errors, ['a user claim must be defined on the role'])
  })

  it('GitHub OIDC tokens log in with the role named, with role null (the tests) or "" (an unset input)', async () => {
    await writeRole('default', {
      role_type: 'jwt',
      bound_audiences: 'https://github.com/hashicorp/vault-action',
      bound_claims: { iss: 'vault-action' },
      user_claim: 'iss',
      policies: ['reader'],
    })
    const jwt = await sign({
      sub: 'repo:hashicorp/vault-action:ref:refs/heads/main',
      aud: 'https://github.com/hashicorp/vault-action',
      ref: 'refs/heads/main',
      repository: 'hashicorp/vault-action',
    })
    for (const role of ['default', null, '']) {
      const res = await login(jwt, role)
      assert.equal(res.status, 200, `role ${JSON.stringify(role)}: ${res.text}`)
      assert.equal(res.body.auth.metadata.role, 'default')
    }
    // A token for another audience (jwtGithubAudience: sigstore) does not pass the default role.
    const other = await login(await sign({ aud: 'sigstore' }), null)
    assert.equal(other.status, 400)
    assert.deepEqual(other.body.errors, [
      'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
    ])
  })

  it('reads secrets the way the action builds its URLs: leading slash, KV v1, cubbyhole, and a 404 body it quotes', async () => {
    const slash = await send('GET', '/secret/data/test', { token: root() })
    assert.equal(slash.status, 200, slash.text)
    assert.equal(slash.body.data.data.secret, 'SUPERSECRET')
    assert.equal(
      (await send('POST', 'sys/mounts/secret-kv1', { token: root(), json: { type: 'kv' } })).status,
      204,
    )
    const again = await send('POST', 'sys/mounts/secret-kv1', { token: root(), json: { type: 'kv' } })
    assert.equal(again.status, 400)
    assert.match(again.text, /path is already in use/, 'the action’s setup tolerates exactly this message')
    assert.equal(
      (await send('POST', 'secret-kv1/nested/test', { token: root(), json: { 'other-Secret-dash': 'V1' } }))
        .status,
      204,
    )
    const v1 = await send('GET', '/secret-kv1/nested/test', { token: root() })
    assert.deepEqual(v1.body.data, { 'other-Secret-dash': 'V1' })
    assert.equal((await send('POST', 'cubbyhole/test', { token: root(), json: { foo: 'bar' } })).status, 204)
    assert.deepEqual((await send('GET', '/cubbyhole/test', { token: root() })).body.data, { foo: 'bar' })
    // The action's message is `...because it was not found: ${body.trim()}` and its test expects {"errors":[]}.
    const missing = await send('GET', 'secret/data/notFound', { token: root() })
    assert.equal(missing.status, 404)
    assert.equal(missing.text.trim(), '{"errors":[]}')
  })

  it('approle and userpass logins as the action sends them, with the policies its tests write', async () => {
    await send('POST', 'secret/data/approle-test', {
      token: root(),
      json: { data: { secret: 'WITH_APPROLE' } },
    })
    assert.equal(
      (await send('POST', 'sys/auth/approle', { token: root(), json: { type: 'approle' } })).status,
      204,
    )
    await send('POST', 'sys/policies/acl/test', {
      token: root(),
      json: {
        name: 'test',
        policy: 'path "secret/data/approle-test" {\n  capabilities = ["read", "list"]\n}\n',
      },
    })
    await send('POST', 'auth/approle/role/my-role', { token: root(), json: { policies: 'test' } })
    const roleId = (await send('GET', 'auth/approle/role/my-role/role-id', { token: root() })).body.data
      .role_id
    const secretId = (await send('POST', 'auth/approle/role/my-role/secret-id', { token: root() })).body.data
      .secret_id
    const approle = await send('POST', 'auth/approle/login', {
      json: { role_id: roleId, secret_id: secretId },
    })
    assert.equal(approle.status, 200, approle.text)
    assert.deepEqual(approle.body.auth.policies, ['default', 'test'])
    const read = await send('GET', 'secret/data/approle-test', { token: approle.body.auth.client_token })
    assert.equal(read.body.data.data.secret, 'WITH_APPROLE')

    assert.equal(
      (await send('POST', 'sys/auth/userpass', { token: root(), json: { type: 'userpass' } })).status,
      204,
    )
    await send('POST', 'auth/userpass/users/testUsername', {
      token: root(),
      json: { password: 'testPassword', policies: 'test' },
    })
    const userpass = await send('POST', 'auth/userpass/login/testUsername', {
      json: { password: 'testPassword' },
    })
    assert.equal(userpass.status, 200, userpass.text)
    assert.deepEqual(userpass.body.auth.policies, ['default', 'test'])
  })
})
