// OpenBao's jwt auth method tests (path_login, path_config, path_role, claims) that openbao-auth.test.ts does not replay, over Coffer's HTTP API.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { type OidcProvider, startOidcProvider } from '../helpers/oidc-provider.ts'
import { describeUnless, OPENSSL, unmet } from '../helpers/requirements.ts'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'

const ISSUER = 'https://team-vault.auth0.com/'
const SUBJECT = 'r3qXcK2bix9eFECzsU3Sbmh0K16fatW6@clients'
const AUDIENCE = 'https://vault.plugin.auth.jwt.test'

describeUnless(await unmet(OPENSSL), 'jwt (OpenBao internal/builtin/credential/jwt, second pass)', () => {
  const clock = new ManualClock()
  const now = () => Math.floor(clock.now() / 1000)
  let t: TestServer
  let key: CryptoKey
  let pem: string
  let idp: OidcProvider
  let ca = ''
  let roleCount = 0

  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(key)
  const login = (mount: string, role: string, jwt: string) =>
    t.call('POST', `auth/${mount}/login`, { token: '', body: { role, jwt } })
  /** The role OpenBao's setupBackend writes on `mount`, plus the test's options; returns its name. */
  const role = async (mount: string, extra: Record<string, unknown> = {}) => {
    roleCount += 1
    const name = `plugin-test-${roleCount}`
    const res = await t.call('POST', `auth/${mount}/role/${name}`, {
      body: {
        role_type: 'jwt',
        bound_subject: SUBJECT,
        user_claim: 'https://vault/user',
        groups_claim: 'https://vault/groups',
        policies: 'test',
        period: '3s',
        ttl: '1s',
        num_uses: 12,
        max_ttl: '5s',
        claim_mappings: { first_name: 'name', '/org/primary': 'primary_org' },
        ...extra,
      },
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    return name
  }
  const audience = { bound_audiences: [AUDIENCE, 'another_audience'] }
  const base = () => ({ sub: SUBJECT, iss: ISSUER, nbf: now() - 5, aud: [AUDIENCE] })
  const user = { 'https://vault/user': 'jeff', 'https://vault/groups': ['foo', 'bar'] }
  const mountConfig = async (mount: string, body: Record<string, unknown>) => {
    if ((await t.call('GET', `sys/auth`)).body.data[`${mount}/`] === undefined)
      assert.equal((await t.call('POST', `sys/auth/${mount}`, { body: { type: 'jwt' } })).status, 204)
    return t.call('POST', `auth/${mount}/config`, { body })
  }

  before(async () => {
    const pair = await generateKeyPair('ES256')
    key = pair.privateKey
    pem = await exportSPKI(pair.publicKey)
    const cert = makeSelfSignedCert(mkdtempSync(join(tmpdir(), 'coffer-bao-jwt2-')))
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    const tls = { key: readFileSync(cert.key, 'utf8'), cert: readFileSync(cert.cert, 'utf8') }
    ca = tls.cert
    idp = await startOidcProvider({ tls })
    t = await startDevServer({ clock })
    const config = await mountConfig('jwt', { bound_issuer: ISSUER, jwt_validation_pubkeys: [pem] })
    assert.equal(config.status, 204, JSON.stringify(config.body))
    // setupBackend with jwks: true: the provider's JWKS and no bound_issuer.
    const jwks = await mountConfig('jwks', { jwks_url: `${idp.issuer}/jwks`, jwks_ca_pem: ca })
    assert.equal(jwks.status, 204, JSON.stringify(jwks.body))
  })
  after(async () => {
    await t?.close()
    await idp?.close()
  })

  // ---- path_login_test.go ----

  it('TestLogin_JWT "test valid inputs": the entity alias metadata carries the mapped claims and the role', async () => {
    const name = await role('jwt', { ...audience, bound_claims: { color: 'green', pnum: 123 } })
    const res = await login(
      'jwt',
      name,
      await sign({
        ...base(),
        ...user,
        first_name: 'jeff2',
        org: { primary: 'engineering' },
        color: 'green',
        pnum: 123,
      }),
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const metadata = { name: 'jeff2', primary_org: 'engineering', role: name }
    assert.deepEqual(res.body.auth.metadata, metadata)
    const entity = await t.call('GET', `identity/entity/id/${res.body.auth.entity_id}`)
    assert.equal(entity.status, 200)
    assert.deepEqual(entity.body.data.aliases[0].metadata, metadata)
  })

  it('TestLogin_JWT "test bad signature" / "bad issuer" / "bad audience" / "bad subject": Vault’s messages', async () => {
    const name = await role('jwt', audience)
    const other = (await generateKeyPair('ES256')).privateKey
    const good = { ...base(), ...user }
    const cases: [string, string][] = [
      [
        await new SignJWT(good).setProtectedHeader({ alg: 'ES256' }).sign(other),
        'error validating token: error verifying token signature: no known key successfully validated the token signature',
      ],
      [
        await sign({ ...good, iss: 'https://team-fault.auth0.com/' }),
        'error validating token: invalid issuer (iss) claim',
      ],
      [
        await sign({ ...good, aud: ['https://fault.plugin.auth.jwt.test'] }),
        'error validating token: invalid audience (aud) claim: audience claim does not match any expected audience',
      ],
      [
        await sign({ ...good, sub: 'p3qXcK2bix9eFECzsU3Sbmh0K16fatW6@clients' }),
        'error validating token: invalid subject (sub) claim',
      ],
      [
        await sign({ ...good, nbf: now() - 1000, exp: now() - 100 }),
        'error validating token: invalid expiration time (exp) claim: token is expired',
      ],
    ]
    for (const [jwt, message] of cases) {
      const res = await login('jwt', name, jwt)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.deepEqual(res.body.errors, [message])
    }
  })

  it('TestLogin_JWT (jwks: true): valid inputs log in against a JWKS URL; a token with an audience on a role binding none does not', async () => {
    const sub = 'jwks-subject'
    const good = await role('jwks', { ...audience, bound_subject: sub })
    const claims = { sub, nbf: now() - 5, iat: now() - 5, aud: [AUDIENCE], ...user }
    const res = await login('jwks', good, await idp.sign(claims, { noDefaults: true }))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.auth.metadata.role, good)
    const noAud = await role('jwks', { bound_subject: sub })
    const refused = await login('jwks', noAud, await idp.sign(claims, { noDefaults: true }))
    assert.equal(refused.status, 400, JSON.stringify(refused.body))
    assert.match(refused.body.errors[0], /no audiences bound to the role/)
  })

  it('TestLogin_JWT (jwks: true; go-oidc RemoteKeySet): a token without a kid is tried against every key of the set', async () => {
    const first = await idp.addKey('ES256')
    const second = await idp.addKey('ES256')
    const sub = 'kidless-subject'
    const name = await role('jwks', { ...audience, bound_subject: sub })
    const claims = { sub, nbf: now() - 5, iat: now() - 5, aud: [AUDIENCE], ...user }
    for (const signer of [first, second]) {
      const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(signer.privateKey)
      const res = await login('jwks', name, jwt)
      assert.equal(res.status, 200, `${signer.kid}: ${JSON.stringify(res.body)}`)
    }
    // A key the set does not hold still signs nothing.
    const stranger = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(key)
    const refused = await login('jwks', name, stranger)
    assert.equal(refused.status, 400, JSON.stringify(refused.body))
    assert.equal(refused.body.auth, undefined)
  })

  it('TestLogin_Leeways (cap jwt.Validate): a time claim of 0 counts as absent, and a token with none is refused', async () => {
    const name = await role('jwt', audience)
    const claims = { sub: SUBJECT, iss: ISSUER, aud: [AUDIENCE], ...user }
    // exp far ahead and nbf (or iat) 0: the missing nbf is exp minus the not-before leeway, still in the future.
    for (const times of [{ nbf: 0 }, { iat: 0 }, { iat: 0, nbf: 0 }]) {
      const res = await login('jwt', name, await sign({ ...claims, exp: now() + 1000, ...times }))
      assert.equal(res.status, 400, `${JSON.stringify(times)}: ${JSON.stringify(res.body)}`)
      assert.match(res.body.errors[0], /not valid yet|not yet valid/)
    }
    const none = await login('jwt', name, await sign(claims))
    assert.equal(none.status, 400)
    assert.deepEqual(none.body.errors, [
      'error validating token: no issued at (iat), not before (nbf), or expiration time (exp) claims in token',
    ])
    const zeros = await login('jwt', name, await sign({ ...claims, iat: 0, nbf: 0, exp: 0 }))
    assert.equal(zeros.status, 400)
  })

  it('TestLogin_JWT (cap jwt.Validate): iss, sub and jti must be strings and aud a string or list of strings', async () => {
    // No bound issuer, subject or audience: only the claims' types are in question.
    const name = await role('jwks', { bound_subject: '', bound_claims: { color: 'green' } })
    const ok = { sub: 'x', nbf: now() - 5, iat: now() - 5, color: 'green', ...user }
    const accepted = await login('jwks', name, await idp.sign(ok, { noDefaults: true }))
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body))
    for (const bad of [
      { iss: 42 },
      { sub: 42 },
      { jti: 7 },
      { aud: 42 },
      { aud: [42] },
      { aud: null },
      { aud: {} },
    ]) {
      const res = await login('jwks', name, await idp.sign({ ...ok, ...bad }, { noDefaults: true }))
      assert.equal(res.status, 400, `${JSON.stringify(bad)}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.auth, undefined)
    }
  })

  describe('OIDC discovery', () => {
    before(async () => {
      const res = await mountConfig('disc', {
        oidc_discovery_url: idp.issuer,
        oidc_discovery_ca_pem: ca,
        bound_issuer: idp.issuer,
      })
      assert.equal(res.status, 204, JSON.stringify(res.body))
    })
    const claims = () => ({
      sub: SUBJECT,
      iss: idp.issuer,
      nbf: now() - 5,
      iat: now() - 5,
      aud: [AUDIENCE],
      ...user,
    })

    it('TestLogin_OIDC: a token from the discovered provider logs in with policies, alias, groups and TTLs', async () => {
      const name = await role('disc', audience)
      const res = await login('disc', name, await idp.sign(claims(), { noDefaults: true }))
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(res.body.auth.token_policies, ['default', 'test'])
      assert.equal(res.body.auth.lease_duration, 3)
      assert.equal(res.body.auth.metadata.role, name)
    })

    it('TestLogin_JWT "Test missing audience on role" (discovery): a token with an audience is refused by a role binding none', async () => {
      const name = await role('disc')
      for (const aud of [[AUDIENCE], [AUDIENCE, 'https://vault2.plugin.auth.jwt.test'], AUDIENCE]) {
        const res = await login('disc', name, await idp.sign({ ...claims(), aud }, { noDefaults: true }))
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.match(res.body.errors[0], /audience claim found in JWT but no audiences bound to the role/)
      }
    })

    it('TestLogin_JWT "test bad issuer" (discovery): bound_issuer is enforced besides the provider’s issuer', async () => {
      const res = await mountConfig('disc2', {
        oidc_discovery_url: idp.issuer,
        oidc_discovery_ca_pem: ca,
        bound_issuer: 'https://team-fault.auth0.com/',
      })
      assert.equal(res.status, 204, JSON.stringify(res.body))
      const name = await role('disc2', audience)
      const refused = await login('disc2', name, await idp.sign(claims(), { noDefaults: true }))
      assert.equal(refused.status, 400, JSON.stringify(refused.body))
      assert.match(refused.body.errors[0], /issuer/)
    })
  })

  it('TestResolveRole: the role a login resolves to is lowercased, so a role quota covers "PLUGIN-TEST" too', async () => {
    const name = await role('jwt', audience)
    const quota = await t.call('POST', 'sys/quotas/rate-limit/jwt-role', {
      body: { path: 'auth/jwt', role: name, rate: 1, interval: '1h' },
    })
    assert.equal(quota.status, 204, JSON.stringify(quota.body))
    try {
      const jwt = await sign({ ...base(), ...user })
      assert.equal((await login('jwt', name.toUpperCase(), jwt)).status, 200)
      const second = await login('jwt', name.toUpperCase(), jwt)
      assert.equal(second.status, 429, JSON.stringify(second.body))
    } finally {
      await t.call('DELETE', 'sys/quotas/rate-limit/jwt-role')
    }
  })

  it('TestResolveRole (default_role): a login naming no role counts against a quota on the default role', async () => {
    const cfg = await mountConfig('jwtdef', {
      bound_issuer: ISSUER,
      jwt_validation_pubkeys: [pem],
      default_role: 'dflt',
    })
    assert.equal(cfg.status, 204, JSON.stringify(cfg.body))
    const r = await t.call('POST', 'auth/jwtdef/role/dflt', {
      body: { role_type: 'jwt', user_claim: 'https://vault/user', ...audience },
    })
    assert.equal(r.status, 204, JSON.stringify(r.body))
    const quota = await t.call('POST', 'sys/quotas/rate-limit/jwt-default-role', {
      body: { path: 'auth/jwtdef', role: 'dflt', rate: 1, interval: '1h' },
    })
    assert.equal(quota.status, 204, JSON.stringify(quota.body))
    try {
      const jwt = await sign({ ...base(), ...user })
      const first = await t.call('POST', 'auth/jwtdef/login', { token: '', body: { jwt } })
      assert.equal(first.status, 200, JSON.stringify(first.body))
      const second = await t.call('POST', 'auth/jwtdef/login', { token: '', body: { jwt } })
      assert.equal(second.status, 429, JSON.stringify(second.body))
    } finally {
      await t.call('DELETE', 'sys/quotas/rate-limit/jwt-default-role')
    }
  })

  it('TestGetClaim: bound claims reach claims by name or JSON pointer, nested numbers included', async () => {
    const claims = { a: 42, b: 'bar', c: { d: 95, e: ['dog', 'cat', 'bird'], f: { g: 'zebra' } } }
    const bound = { a: 42, '/a': 42, b: 'bar', '/c/d': 95, '/c/e/1': 'cat', '/c/f/g': 'zebra' }
    const name = await role('jwt', { ...audience, bound_claims: bound })
    const ok = await login('jwt', name, await sign({ ...base(), ...user, ...claims }))
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    for (const [pointer, value] of [
      ['nope', 'x'],
      ['/c/f/h', 'x'],
      ['\\', 'x'],
    ]) {
      const missing = await role('jwt', { ...audience, bound_claims: { [pointer as string]: value } })
      const res = await login('jwt', missing, await sign({ ...base(), ...user, ...claims }))
      assert.equal(res.status, 400, `${pointer}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, [
        `error validating claims: claim ${JSON.stringify(pointer)} is missing`,
      ])
    }
  })

  // ---- path_role_test.go ----

  const writeRole = (name: string, body: Record<string, unknown>) =>
    t.call('POST', `auth/jwt/role/${name}`, { body: { policies: 'test', ...body } })

  it('TestPath_Create "happy path": user_claim_json_pointer and max_age are stored and read back', async () => {
    const res = await writeRole('happy', {
      role_type: 'jwt',
      bound_subject: 'testsub',
      bound_audiences: 'vault',
      user_claim: 'user',
      user_claim_json_pointer: true,
      groups_claim: 'groups',
      bound_cidrs: '127.0.0.1/8',
      period: '3s',
      ttl: '1s',
      num_uses: 12,
      max_ttl: '5s',
      max_age: '60s',
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    const data = (await t.call('GET', 'auth/jwt/role/happy')).body.data
    assert.equal(data.user_claim_json_pointer, true)
    assert.equal(data.max_age, 60)
    assert.equal(data.bound_claims_type, 'string')
  })

  it('TestPath_Create "no user claim": a role without user_claim is refused (there is no default)', async () => {
    for (const body of [{}, { role_type: 'jwt', bound_subject: 'testsub' }]) {
      const res = await writeRole('test2', body)
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, ['a user claim must be defined on the role'])
    }
    assert.equal((await t.call('GET', 'auth/jwt/role/test2')).status, 404)
  })

  it('TestPath_Create / createIdentity: a "/" user_claim is a JSON pointer only with user_claim_json_pointer', async () => {
    const claims = { ...base(), user: { name: 'jeff' }, '/user/name': 'literal' }
    const literal = await role('jwt', { ...audience, user_claim: '/user/name', groups_claim: '' })
    const a = await login('jwt', literal, await sign(claims))
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(a.body.auth.metadata.role, literal)
    const lookup = await t.call('GET', 'auth/token/lookup-self', { token: a.body.auth.client_token })
    assert.equal(lookup.body.data.display_name, 'jwt-literal')
    const refused = await login('jwt', literal, await sign({ ...base(), user: { name: 'jeff' } }))
    assert.equal(refused.status, 400)
    assert.deepEqual(refused.body.errors, ['claim "/user/name" not found in token'])
    const pointer = await role('jwt', {
      ...audience,
      user_claim: '/user/name',
      user_claim_json_pointer: true,
      groups_claim: '',
    })
    const b = await login('jwt', pointer, await sign(claims))
    assert.equal(b.status, 200, JSON.stringify(b.body))
    const lookupB = await t.call('GET', 'auth/token/lookup-self', { token: b.body.auth.client_token })
    assert.equal(lookupB.body.data.display_name, 'jwt-jeff')
    assert.equal((await t.call('GET', `auth/jwt/role/${pointer}`)).body.data.user_claim_json_pointer, true)
    assert.equal((await t.call('GET', `auth/jwt/role/${literal}`)).body.data.user_claim_json_pointer, false)
  })

  it('TestPath_Create "role with invalid glob in claim" / "…claim array": Vault’s messages', async () => {
    const glob = { role_type: 'jwt', user_claim: 'user', bound_claims_type: 'glob' }
    const one = await writeRole('test11', { ...glob, bound_claims: { bar: 'baz', foo: 25 } })
    assert.equal(one.status, 400)
    assert.deepEqual(one.body.errors, ['claim is not a string or list: 25'])
    const list = await writeRole('test12', { ...glob, bound_claims: { foo: ['baz', 10] } })
    assert.equal(list.status, 400)
    assert.deepEqual(list.body.errors, ['claim is not a string: 10'])
  })

  it('TestPath_OIDCCreate "both explicit and default role_type": an empty role_type is oidc', async () => {
    for (const roleType of ['', 'oidc']) {
      const res = await writeRole('oidc-create', {
        role_type: roleType,
        bound_audiences: 'vault',
        bound_claims: { foo: 10, bar: 'baz' },
        oidc_scopes: ['email', 'profile'],
        allowed_redirect_uris: ['https://example.com', 'http://localhost:8250'],
        claim_mappings: { foo: 'a', bar: 'b' },
        user_claim: 'user',
        groups_claim: 'groups',
        expiration_leeway: '300s',
        not_before_leeway: '300s',
        clock_skew_leeway: '1s',
      })
      assert.equal(res.status, 204, `${JSON.stringify(roleType)}: ${JSON.stringify(res.body)}`)
      const data = (await t.call('GET', 'auth/jwt/role/oidc-create')).body.data
      assert.equal(data.role_type, 'oidc')
      assert.deepEqual(data.bound_claims, { foo: 10, bar: 'baz' })
      assert.deepEqual(data.claim_mappings, { foo: 'a', bar: 'b' })
      assert.equal(data.expiration_leeway, 300)
      assert.equal(data.clock_skew_leeway, 1)
    }
  })

  it('TestPath_Create (no Go case; path_role.go pathRoleCreateUpdate): verbose_oidc_logging is accepted with Vault’s warning', async () => {
    const res = await writeRole('verbose', {
      role_type: 'oidc',
      user_claim: 'user',
      allowed_redirect_uris: ['http://127.0.0.1'],
      verbose_oidc_logging: true,
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(
      res.body.warnings.some((w: string) =>
        w.startsWith('verbose_oidc_logging has been enabled for this role.'),
      ),
      JSON.stringify(res.body.warnings),
    )
    assert.equal((await t.call('GET', 'auth/jwt/role/verbose')).body.data.verbose_oidc_logging, true)
  })

  it('TestPath_Create (no Go case; path_role.go pathRoleCreateUpdate): a period beyond the mount’s max lease TTL is refused; a longer max TTL is warned of', async () => {
    const body = { role_type: 'jwt', user_claim: 'user', bound_subject: 'x' }
    for (const period of [{ period: '800h' }, { token_period: '800h' }]) {
      const res = await writeRole('long-period', { ...body, ...period })
      assert.equal(res.status, 400, `${JSON.stringify(period)}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, [
        `'period' of '"800h0m0s"' is greater than the backend's maximum lease TTL of '"768h0m0s"'`,
      ])
    }
    assert.equal((await t.call('GET', 'auth/jwt/role/long-period')).status, 404)
    const long = await writeRole('long-max-ttl', { ...body, token_max_ttl: '800h' })
    assert.equal(long.status, 200, JSON.stringify(long.body))
    assert.deepEqual(long.body.warnings, [
      "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated",
    ])
  })

  // ---- path_config_test.go ----

  it('TestConfig_JWT_Read: every field written reads back', async () => {
    const res = await mountConfig('cfgread', {
      oidc_discovery_url: '',
      oidc_discovery_ca_pem: '',
      oidc_client_id: '',
      oidc_response_mode: '',
      oidc_response_types: [],
      default_role: '',
      jwt_validation_pubkeys: [pem],
      jwt_supported_algs: [],
      jwks_url: '',
      jwks_ca_pem: '',
      bound_issuer: 'http://vault.example.com/',
      provider_config: {},
      namespace_in_state: false,
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    const data = (await t.call('GET', 'auth/cfgread/config')).body.data
    const expected: Record<string, unknown> = {
      oidc_discovery_url: '',
      oidc_discovery_ca_pem: '',
      oidc_client_id: '',
      oidc_response_mode: '',
      oidc_response_types: [],
      default_role: '',
      jwt_validation_pubkeys: [pem],
      jwt_supported_algs: [],
      jwks_url: '',
      jwks_ca_pem: '',
      bound_issuer: 'http://vault.example.com/',
      provider_config: {},
      namespace_in_state: false,
    }
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(data[k], v, k)
  })

  it('TestConfig_JWT_Write "with trailing slash fails": cap’s message', async () => {
    const res = await mountConfig('cfgslash', {
      oidc_discovery_url: `${idp.issuer}/`,
      oidc_discovery_ca_pem: ca,
    })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, [
      `error checking oidc discovery URL: issuer did not match the returned issuer, expected "${idp.issuer}/" got "${idp.issuer}"`,
    ])
  })

  it('TestConfig_OIDC_Write: a ".well-known" discovery URL, and client credentials without discovery or half given', async () => {
    const wellKnown = await mountConfig('cfgoidc', {
      oidc_discovery_url: `${idp.issuer}/.well-known/openid-configuration`,
      oidc_client_id: 'abc',
      oidc_client_secret: 'def',
    })
    assert.equal(wellKnown.status, 400)
    assert.deepEqual(wellKnown.body.errors, ["'oidc_discovery_url' contains '.well-known' component"])
    const cases: [Record<string, unknown>, string][] = [
      [
        { jwt_validation_pubkeys: [pem], oidc_client_id: 'abc', oidc_client_secret: 'def' },
        "'oidc_discovery_url' must be set for OIDC",
      ],
      [
        { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: ca, oidc_client_id: 'abc' },
        "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC",
      ],
      [
        { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: ca, oidc_client_secret: 'abc' },
        "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC",
      ],
      [
        // Vault asks for both whatever the response type.
        {
          oidc_discovery_url: idp.issuer,
          oidc_discovery_ca_pem: ca,
          oidc_client_id: 'abc',
          oidc_response_types: ['id_token'],
          oidc_response_mode: 'form_post',
        },
        "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC",
      ],
    ]
    for (const [body, message] of cases) {
      const res = await mountConfig('cfgoidc', body)
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, [message])
    }
  })

  it('TestConfig_ResponseMode / pathConfigWrite: Vault’s jwt_supported_algs, response_mode and response_types rules and messages', async () => {
    const cases: [Record<string, unknown>, string | undefined][] = [
      [
        { jwt_supported_algs: ['ES256', 'HS256'] },
        'invalid jwt_supported_algs: unsupported signing algorithm "HS256"',
      ],
      [{ oidc_response_mode: 'QUERY' }, 'invalid response_mode: "QUERY"'],
      [{ oidc_response_mode: 'abc' }, 'invalid response_mode: "abc"'],
      [
        { oidc_response_types: ['token'] },
        "invalid response_types [token]. 'code' and 'id_token' are allowed",
      ],
      [
        { oidc_response_types: ['id_token'] },
        'query response_mode may not be used with an id_token response_type',
      ],
      [
        { oidc_response_types: ['id_token'], oidc_response_mode: 'query' },
        'query response_mode may not be used with an id_token response_type',
      ],
      [{ oidc_response_types: ['id_token'], oidc_response_mode: 'form_post' }, undefined],
      [{ oidc_response_types: ['code'], oidc_response_mode: 'query' }, undefined],
    ]
    for (const [body, message] of cases) {
      const res = await mountConfig('cfgmode', { jwt_validation_pubkeys: [pem], ...body })
      assert.equal(res.status, message ? 400 : 204, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
      if (message) assert.deepEqual(res.body.errors, [message])
    }
  })

  it('TestConfig_OIDC_Update_Namespace: namespace_in_state keeps its stored value when a write leaves it out', async () => {
    const cfg = { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: ca }
    for (const [existing, update, expected] of [
      [false, true, true],
      [false, undefined, false],
      [true, false, false],
      [true, undefined, true],
    ] as const) {
      await t.call('DELETE', 'sys/auth/cfgns')
      assert.equal((await mountConfig('cfgns', { ...cfg, namespace_in_state: existing })).status, 204)
      const body =
        update === undefined ? { ...cfg, default_role: 'ui' } : { ...cfg, namespace_in_state: update }
      assert.equal((await mountConfig('cfgns', body)).status, 204)
      const data = (await t.call('GET', 'auth/cfgns/config')).body.data
      assert.equal(data.namespace_in_state, expected, `${existing} then ${update}`)
    }
    // TestConfig_OIDC_Create_Namespace: a new config defaults to true.
    await t.call('DELETE', 'sys/auth/cfgns')
    assert.equal((await mountConfig('cfgns', cfg)).status, 204)
    assert.equal((await t.call('GET', 'auth/cfgns/config')).body.data.namespace_in_state, true)
  })

  it('TestConfig_OIDC_Write_ProviderConfig: provider_config must name a known provider', async () => {
    const cfg = { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: ca }
    const unknown = await mountConfig('cfgprov', { ...cfg, provider_config: { provider: 'unknown' } })
    assert.equal(unknown.status, 400)
    assert.deepEqual(unknown.body.errors, [
      'invalid provider_config: provider "unknown" not found in custom providers',
    ])
    const missing = await mountConfig('cfgprov', { ...cfg, provider_config: { 'not-provider': 'oops' } })
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body.errors, [
      "invalid provider_config: 'provider' field not found in provider_config",
    ])
    assert.equal((await mountConfig('cfgprov', cfg)).status, 204)
  })
})
