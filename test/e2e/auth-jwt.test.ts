// jwt auth end to end: a GitLab-style login against a local JWKS over HTTPS, every refusal audited, key rotation, PEM keys.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CryptoKey, exportPKCS8, exportSPKI, FlattenedSign, generateKeyPair, SignJWT } from 'jose'
import { type OidcProvider, startOidcProvider } from '../helpers/oidc-provider.ts'
import { startDevServer, type TestServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'

const GITLAB_CLAIMS = {
  sub: 'project_path:group/app:ref_type:branch:ref:main',
  aud: 'https://coffer.example',
  project_path: 'group/app',
  ref: 'main',
  ref_protected: 'true',
  namespace_path: 'group',
  user_email: 'dev@example.com',
  groups: ['group', 'group/app'],
}

describe('jwt auth method', () => {
  let t: TestServer
  let idp: OidcProvider
  const dir = mkdtempSync(join(tmpdir(), 'coffer-jwt-'))
  const auditFile = join(dir, 'audit.log')
  const login = (body: unknown, mount = 'jwt') => t.call('POST', `auth/${mount}/login`, { token: '', body })
  const auditLines = () =>
    readFileSync(auditFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l))

  before(async () => {
    const cert = makeSelfSignedCert(dir)
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    const tls = { key: readFileSync(cert.key, 'utf8'), cert: readFileSync(cert.cert, 'utf8') }
    idp = await startOidcProvider({ tls })
    t = await startDevServer()
    assert.equal(
      (await t.call('PUT', 'sys/audit/file', { body: { type: 'file', options: { file_path: auditFile } } }))
        .status,
      204,
    )
    assert.equal((await t.call('POST', 'sys/auth/jwt', { body: { type: 'jwt' } })).status, 204)
    const config = await t.call('POST', 'auth/jwt/config', {
      body: { jwks_url: `${idp.issuer}/jwks`, jwks_ca_pem: tls.cert, bound_issuer: idp.issuer },
    })
    assert.equal(config.status, 204, JSON.stringify(config.body))
    await t.call('PUT', 'sys/policies/acl/ci-read', {
      body: { policy: 'path "secret/data/ci/*" { capabilities = ["read"] }' },
    })
    const role = await t.call('POST', 'auth/jwt/role/gitlab-ci', {
      body: {
        role_type: 'jwt',
        user_claim: 'user_email',
        bound_audiences: ['https://coffer.example'],
        bound_claims_type: 'glob',
        bound_claims: { project_path: 'group/*', ref: ['main', 'release/*'] },
        claim_mappings: { project_path: 'project', ref: 'git_ref' },
        groups_claim: 'groups',
        token_policies: ['ci-read'],
        token_ttl: '10m',
      },
    })
    assert.equal(role.status, 204, JSON.stringify(role.body))
  })
  after(async () => {
    await t?.close()
    await idp?.close()
  })

  it('a GitLab-style curl login gets a token with the role’s policies and mapped metadata', async () => {
    const jwt = await idp.sign(GITLAB_CLAIMS)
    // Exactly the body of the curl command, form content type and all.
    const res = await t.call('POST', 'auth/jwt/login', {
      token: '',
      body: `{"jwt": "${jwt}", "role": "gitlab-ci"}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const auth = res.body.auth
    assert.deepEqual(auth.policies, ['ci-read', 'default'])
    assert.equal(auth.lease_duration, 600)
    assert.deepEqual(auth.metadata, { project: 'group/app', git_ref: 'main', role: 'gitlab-ci' })
    const self = await t.call('GET', 'auth/token/lookup-self', { token: auth.client_token })
    assert.equal(self.status, 200)
    assert.equal(self.body.data.display_name, 'jwt-dev@example.com')
    assert.equal(self.body.data.path, 'auth/jwt/login')
  })

  it('reads and lists roles and reads the config', async () => {
    const role = await t.call('GET', 'auth/jwt/role/gitlab-ci')
    assert.equal(role.status, 200)
    assert.equal(role.body.data.role_type, 'jwt')
    assert.deepEqual(role.body.data.bound_claims, { project_path: 'group/*', ref: ['main', 'release/*'] })
    assert.equal(role.body.data.token_ttl, 600)
    assert.equal(role.body.data.clock_skew_leeway, 0)
    const list = await t.call('LIST', 'auth/jwt/role')
    assert.deepEqual(list.body.data.keys, ['gitlab-ci'])
    const config = await t.call('GET', 'auth/jwt/config')
    assert.equal(config.body.data.jwks_url, `${idp.issuer}/jwks`)
    assert.equal(config.body.data.bound_issuer, idp.issuer)
  })

  it('refuses bad role definitions with Vault’s messages', async () => {
    const unbound = await t.call('POST', 'auth/jwt/role/loose', {
      body: { role_type: 'jwt', user_claim: 'sub' },
    })
    assert.equal(unbound.status, 400)
    assert.deepEqual(unbound.body.errors, [
      'must have at least one bound constraint when creating/updating a role',
    ])
    const oidcNoRedirect = await t.call('POST', 'auth/jwt/role/web', { body: { user_claim: 'sub' } })
    assert.equal(oidcNoRedirect.status, 400)
    assert.match(oidcNoRedirect.body.errors[0], /allowed_redirect_uris/)
    const badType = await t.call('POST', 'auth/jwt/role/x', {
      body: { role_type: 'jwt', bound_subject: 's', bound_claims_type: 'regex' },
    })
    assert.equal(badType.status, 400)
    const badConfig = await t.call('POST', 'auth/jwt/config', {
      body: { jwks_url: `${idp.issuer}/jwks`, jwt_validation_pubkeys: ['x'] },
    })
    assert.deepEqual(badConfig.body.errors, [
      "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set",
    ])
    // A private key pasted as a validation key would be stored and shown on every config read: refused.
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const privatePem = await exportPKCS8(privateKey)
    assert.equal((await t.call('POST', 'sys/auth/jwt-keys', { body: { type: 'jwt' } })).status, 204)
    const publicPem = await exportSPKI(publicKey)
    for (const [pems, message] of [
      [[privatePem], 'a private key was given where a public key is expected; give its public key'],
      [
        [`${publicPem}\n${privatePem}`],
        'a private key was given where a public key is expected; give its public key',
      ],
      [[`${publicPem}\n${publicPem}`], 'unexpected trailing data after parsed PEM block'],
    ] as const) {
      const res = await t.call('POST', 'auth/jwt-keys/config', { body: { jwt_validation_pubkeys: pems } })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body.errors, [`error parsing public key: ${message}`])
    }
    const kept = await t.call('POST', 'auth/jwt-keys/config', {
      body: { jwt_validation_pubkeys: [publicPem] },
    })
    assert.equal(kept.status, 204, JSON.stringify(kept.body))
    const untrusted = await t.call('POST', 'auth/jwt/config', { body: { jwks_url: `${idp.issuer}/jwks` } })
    assert.equal(untrusted.status, 400, 'a JWKS URL whose certificate is not trusted is refused')
    assert.match(untrusted.body.errors[0], /^error checking jwks URL/)
  })

  describe('refusals: each is a 400/403 with a clear message and an audit record', () => {
    before(async () => {
      const res = await t.call('POST', 'auth/jwt/role/pinned', {
        body: {
          role_type: 'jwt',
          user_claim: 'sub',
          bound_subject: 'repo:org/app:ref:refs/heads/main',
          bound_audiences: ['coffer'],
          token_policies: ['ci-read'],
        },
      })
      assert.equal(res.status, 204)
      const cidr = await t.call('POST', 'auth/jwt/role/office-only', {
        body: {
          role_type: 'jwt',
          user_claim: 'sub',
          bound_audiences: ['coffer'],
          token_bound_cidrs: ['10.0.0.0/8'],
        },
      })
      assert.equal(cidr.status, 204)
      await t.call('POST', 'auth/jwt/role/browser', {
        body: { user_claim: 'sub', allowed_redirect_uris: ['http://localhost:8250/oidc/callback'] },
      })
    })

    const now = () => Math.floor(Date.now() / 1000)
    const pinned = { sub: 'repo:org/app:ref:refs/heads/main', aud: 'coffer' }
    const cases: {
      name: string
      body: () => Promise<Record<string, unknown>>
      status: number
      error: RegExp
    }[] = [
      {
        name: 'wrong signature (a key the JWKS does not hold, claiming a published kid)',
        body: async () => {
          const { privateKey } = await generateKeyPair('RS256')
          const jwt = await new SignJWT({ ...pinned, iss: idp.issuer, iat: now(), exp: now() + 60 })
            .setProtectedHeader({ alg: 'RS256', kid: idp.keys[0]!.kid })
            .sign(privateKey)
          return { role: 'pinned', jwt }
        },
        status: 400,
        error:
          /^error validating token: error verifying token signature: failed to verify id token signature$/,
      },
      {
        name: 'wrong issuer',
        body: async () => ({
          role: 'pinned',
          jwt: await idp.sign({ ...pinned, iss: 'https://evil.example' }),
        }),
        status: 400,
        error: /^error validating token: invalid issuer \(iss\) claim$/,
      },
      {
        name: 'wrong audience',
        body: async () => ({ role: 'pinned', jwt: await idp.sign({ ...pinned, aud: 'someone-else' }) }),
        status: 400,
        error:
          /^error validating token: invalid audience \(aud\) claim: audience claim does not match any expected audience$/,
      },
      {
        name: 'expired token (past every leeway)',
        body: async () => ({
          role: 'pinned',
          jwt: await idp.sign({ ...pinned, iat: now() - 3600, exp: now() - 600 }),
        }),
        status: 400,
        error: /^error validating token: invalid expiration time \(exp\) claim: token is expired$/,
      },
      {
        name: 'not yet valid',
        body: async () => ({
          role: 'pinned',
          jwt: await idp.sign({ ...pinned, nbf: now() + 3600, iat: now(), exp: now() + 7200 }),
        }),
        status: 400,
        error: /^error validating token: invalid not before \(nbf\) claim: token not yet valid$/,
      },
      {
        name: 'bound_subject mismatch',
        body: async () => ({
          role: 'pinned',
          jwt: await idp.sign({ ...pinned, sub: 'repo:org/app:ref:refs/heads/dev' }),
        }),
        status: 400,
        error: /^error validating token: invalid subject \(sub\) claim$/,
      },
      {
        name: 'bound_claims mismatch',
        body: async () => ({
          role: 'gitlab-ci',
          jwt: await idp.sign({ ...GITLAB_CLAIMS, project_path: 'other/app' }),
        }),
        status: 400,
        error:
          /^error validating claims: claim "project_path" does not match any associated bound claim values$/,
      },
      {
        name: 'bound claim missing',
        body: async () => ({ role: 'gitlab-ci', jwt: await idp.sign({ ...GITLAB_CLAIMS, ref: undefined }) }),
        status: 400,
        error: /^error validating claims: claim "ref" is missing$/,
      },
      {
        name: 'unknown role',
        body: async () => ({ role: 'nope', jwt: await idp.sign(pinned) }),
        status: 400,
        error: /^role "nope" could not be found$/,
      },
      {
        name: 'CIDR not allowed',
        body: async () => ({ role: 'office-only', jwt: await idp.sign(pinned) }),
        status: 403,
        error: /^permission denied$/,
      },
      {
        name: 'an oidc role at the JWT login',
        body: async () => ({ role: 'browser', jwt: await idp.sign(pinned) }),
        status: 400,
        error: /^role with oidc role_type is not allowed$/,
      },
      {
        name: 'not a JWT',
        body: async () => ({ role: 'pinned', jwt: 'not.a-jwt' }),
        status: 400,
        error: /^error parsing token/,
      },
      {
        name: 'missing role',
        body: async () => ({ jwt: await idp.sign(pinned) }),
        status: 400,
        error: /^missing role$/,
      },
    ]
    for (const c of cases)
      it(c.name, async () => {
        const body = await c.body()
        const res = await login(body)
        assert.equal(res.status, c.status, JSON.stringify(res.body))
        assert.match(res.body.errors[0], c.error)
        const text = readFileSync(auditFile, 'utf8')
        if (typeof body['jwt'] === 'string')
          assert.ok(!text.includes(body['jwt']), 'the JWT never reaches the audit log in clear')
        const entry = auditLines().findLast(
          (e) => e.type === 'response' && e.request.path === 'auth/jwt/login',
        )
        assert.ok(entry, 'the refusal is audited')
        assert.equal(entry.error, res.body.errors[0])
      })
  })

  it('fetches a rotated key on an unknown kid, but at most once per cooldown', async () => {
    const before = idp.jwksFetches
    const rotated = await idp.addKey('ES256')
    const ok = await login({ role: 'gitlab-ci', jwt: await idp.sign(GITLAB_CLAIMS, { key: rotated }) })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(idp.jwksFetches, before + 1, 'one re-fetch for the new kid')
    const bogus = await login({
      role: 'gitlab-ci',
      jwt: await idp.sign(GITLAB_CLAIMS, { kid: 'never-published' }),
    })
    assert.equal(bogus.status, 400)
    assert.equal(
      bogus.body.errors[0],
      'error validating token: error verifying token signature: failed to verify id token signature',
    )
    assert.equal(idp.jwksFetches, before + 1, 'a second unknown kid within the cooldown does not re-fetch')
    const again = await login({ role: 'gitlab-ci', jwt: await idp.sign(GITLAB_CLAIMS, { key: rotated }) })
    assert.equal(again.status, 200, 'the cached key keeps working')
  })

  it('verifies PS256 and EdDSA tokens from the JWKS, and refuses algorithms outside jwt_supported_algs', async () => {
    for (const alg of ['PS256', 'EdDSA'] as const) {
      const key = await idp.addKey(alg)
      // Publish it through a fresh fetch: writing the config again starts a new cache.
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
      await t.call('POST', 'auth/jwt/config', {
        body: { jwks_url: `${idp.issuer}/jwks`, jwks_ca_pem: cert, bound_issuer: idp.issuer },
      })
      const res = await login({ role: 'gitlab-ci', jwt: await idp.sign(GITLAB_CLAIMS, { key }) })
      assert.equal(res.status, 200, `${alg}: ${JSON.stringify(res.body)}`)
    }
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
    await t.call('POST', 'auth/jwt/config', {
      body: {
        jwks_url: `${idp.issuer}/jwks`,
        jwks_ca_pem: cert,
        bound_issuer: idp.issuer,
        jwt_supported_algs: ['RS256'],
      },
    })
    const es = await login({ role: 'gitlab-ci', jwt: await idp.sign(GITLAB_CLAIMS, { key: idp.keys[1] }) })
    assert.equal(es.status, 400)
    assert.deepEqual(es.body.errors, [
      'error validating token: invalid algorithm (alg) header parameter: token signed with unexpected algorithm',
    ])
    const rs = await login({ role: 'gitlab-ci', jwt: await idp.sign(GITLAB_CLAIMS) })
    assert.equal(rs.status, 200)
  })

  it('validates with jwt_validation_pubkeys on a second mount', async () => {
    assert.equal((await t.call('POST', 'sys/auth/pem', { body: { type: 'jwt' } })).status, 204)
    const { privateKey, publicKey } = await generateKeyPair('ES384')
    const other = await generateKeyPair('ES384')
    const res = await t.call('POST', 'auth/pem/config', {
      body: { jwt_validation_pubkeys: [await exportSPKI(publicKey)], bound_issuer: 'https://ci.example' },
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    await t.call('POST', 'auth/pem/role/build', {
      body: { role_type: 'jwt', user_claim: 'sub', bound_subject: 'builder', bound_audiences: ['coffer'] },
    })
    const sign = (key: CryptoKey) =>
      new SignJWT({ sub: 'builder', aud: 'coffer', iss: 'https://ci.example' })
        .setProtectedHeader({ alg: 'ES384' })
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key)
    const ok = await login({ role: 'build', jwt: await sign(privateKey as CryptoKey) }, 'pem')
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    const bad = await login({ role: 'build', jwt: await sign(other.privateKey as CryptoKey) }, 'pem')
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body.errors, [
      'error validating token: error verifying token signature: no known key successfully validated the token signature',
    ])
  })

  it('refuses a validly signed token whose header has a non-string kid or an unencoded payload, as Vault does', async () => {
    assert.equal((await t.call('POST', 'sys/auth/pem-header', { body: { type: 'jwt' } })).status, 204)
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    await t.call('POST', 'auth/pem-header/config', {
      body: { jwt_validation_pubkeys: [await exportSPKI(publicKey)] },
    })
    await t.call('POST', 'auth/pem-header/role/build', {
      body: { role_type: 'jwt', user_claim: 'sub', bound_audiences: ['coffer'] },
    })
    const at = Math.floor(Date.now() / 1000)
    const claims = { sub: 'builder', aud: 'coffer', iat: at, exp: at + 300 }
    const withHeader = (header: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', ...header } as { alg: string }).sign(privateKey)
    const ok = await login({ role: 'build', jwt: await withHeader({ kid: 'k1' }) }, 'pem-header')
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    const objectKid = await login({ role: 'build', jwt: await withHeader({ kid: { a: 1 } }) }, 'pem-header')
    assert.equal(objectKid.status, 400, JSON.stringify(objectKid.body))
    assert.deepEqual(objectKid.body.errors, ['error parsing token: the "kid" header must be a string'])
    // RFC 7797: the payload travels as raw bytes between the dots, and jose verifies it when crit names b64.
    const flat = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'ES256', b64: false, crit: ['b64'] })
      .sign(privateKey)
    const unencoded = `${flat.protected}.${flat.payload}.${flat.signature}`
    const raw = await login({ role: 'build', jwt: unencoded }, 'pem-header')
    assert.equal(raw.status, 400, JSON.stringify(raw.body))
    assert.deepEqual(raw.body.errors, [
      'error parsing token: unencoded payloads ("b64": false) are not supported',
    ])
  })
})
