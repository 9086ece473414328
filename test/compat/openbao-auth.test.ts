// OpenBao's jwt, kubernetes and cert backend tests, replayed as the logical requests they make over Coffer's HTTP API.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { type OidcProvider, startOidcProvider } from '../helpers/oidc-provider.ts'
import { type Issued, TestPki } from '../helpers/pki.ts'
import { describeUnless, OPENSSL, unmet } from '../helpers/requirements.ts'
import { ManualClock, startDevServer, type TestServer } from '../helpers/server.ts'
import { makeSelfSignedCert } from '../helpers/tls.ts'
import { initialise, startTlsServer, type TlsServer } from '../helpers/tls-server.ts'
import { startTokenReviewServer, type TokenReviewServer } from '../helpers/token-review-server.ts'

const ISSUER = 'https://team-vault.auth0.com/'
const SUBJECT = 'r3qXcK2bix9eFECzsU3Sbmh0K16fatW6@clients'
const AUDIENCE = 'https://vault.plugin.auth.jwt.test'

describe('jwt (OpenBao internal/builtin/credential/jwt)', () => {
  const clock = new ManualClock()
  const now = () => Math.floor(clock.now() / 1000)
  let t: TestServer
  let key: CryptoKey
  let otherKey: CryptoKey
  let roleCount = 0

  const sign = (claims: Record<string, unknown>, signer = key) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(signer)
  const login = (role: string, jwt: string) =>
    t.call('POST', 'auth/jwt/login', { token: '', body: { role, jwt } })
  /** The role OpenBao's setupBackend writes, plus the test's options; returns its name. */
  const role = async (extra: Record<string, unknown> = {}) => {
    roleCount += 1
    const name = `plugin-test-${roleCount}`
    const res = await t.call('POST', `auth/jwt/role/${name}`, {
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

  before(async () => {
    const pair = await generateKeyPair('ES256')
    key = pair.privateKey
    otherKey = (await generateKeyPair('ES256')).privateKey
    t = await startDevServer({ clock })
    assert.equal((await t.call('POST', 'sys/auth/jwt', { body: { type: 'jwt' } })).status, 204)
    const config = await t.call('POST', 'auth/jwt/config', {
      body: { bound_issuer: ISSUER, jwt_validation_pubkeys: [await exportSPKI(pair.publicKey)] },
    })
    assert.equal(config.status, 204, JSON.stringify(config.body))
  })
  after(async () => {
    await t?.close()
  })

  it('TestLogin_JWT: an oidc role cannot be used for JWT login', async () => {
    const name = await role({ role_type: 'oidc', allowed_redirect_uris: 'http://127.0.0.1', ...audience })
    const res = await login(name, await sign({ ...base(), ...user }))
    assert.equal(res.status, 400)
    assert.match(res.body.errors[0], /role with oidc role_type is not allowed/)
  })

  it('TestLogin_JWT: a token with one or more audiences is refused by a role binding none', async () => {
    const name = await role()
    for (const aud of [[AUDIENCE], [AUDIENCE, 'https://vault2.plugin.auth.jwt.test']]) {
      const res = await login(name, await sign({ ...base(), aud, ...user }))
      assert.equal(res.status, 400)
      assert.match(res.body.errors[0], /no audiences bound to the role/)
    }
  })

  it('TestLogin_JWT: valid inputs give policies, alias, group aliases, TTLs and mapped metadata', async () => {
    const group = await t.call('POST', 'identity/group', {
      body: { name: 'bar-group', type: 'external', policies: ['bar-policy'] },
    })
    const mounts = await t.call('GET', 'sys/auth')
    const groupAlias = await t.call('POST', 'identity/group-alias', {
      body: {
        name: 'bar',
        canonical_id: group.body.data.id,
        mount_accessor: mounts.body.data['jwt/'].accessor,
      },
    })
    assert.equal(groupAlias.status, 200, JSON.stringify(groupAlias.body))
    for (const cidrs of [{}, { bound_cidrs: '127.0.0.1' }]) {
      const name = await role({ ...audience, bound_claims: { color: 'green', pnum: 123 }, ...cidrs })
      const jwt = await sign({
        ...base(),
        ...user,
        first_name: 'jeff2',
        org: { primary: 'engineering' },
        color: 'green',
        pnum: 123,
      })
      const res = await login(name, jwt)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const auth = res.body.auth
      assert.deepEqual(auth.token_policies, ['default', 'test'])
      assert.deepEqual(auth.metadata, { name: 'jeff2', primary_org: 'engineering', role: name })
      assert.equal(auth.lease_duration, 3, 'period wins over ttl')
      assert.equal(auth.num_uses, 12, 'the legacy num_uses binds the token')
      const self = await t.call('GET', 'auth/token/lookup-self', { token: auth.client_token })
      assert.equal(self.status, 200)
      assert.equal(self.body.data.period, 3)
      assert.equal(self.body.data.display_name, 'jwt-jeff')
      const entity = await t.call('GET', `identity/entity/id/${auth.entity_id}`)
      assert.equal(entity.status, 200)
      const alias = entity.body.data.aliases[0]
      assert.equal(alias.name, 'jeff')
      assert.deepEqual(alias.metadata, { name: 'jeff2', primary_org: 'engineering', role: name })
      // The groups claim's values are group aliases: the external group aliased "bar" gives its policy.
      assert.deepEqual(auth.policies, ['bar-policy', 'default', 'test'])
    }
  })

  it('TestLogin_JWT: a bound claim the token lacks, a bad signature, issuer, audience or subject, or no user claim is refused', async () => {
    const name = await role({ ...audience, bound_claims: { color: 'green', pnum: 123 } })
    const good = { ...base(), ...user, color: 'green', pnum: 123 }
    assert.equal((await login(name, await sign(good))).status, 200)
    const bad = [
      await sign({ ...base(), ...user, first_name: 'jeff2', org: { primary: 'engineering' } }),
      await sign(good, otherKey),
      await sign({ ...good, iss: 'https://team-fault.auth0.com/' }),
      await sign({ ...good, aud: ['https://fault.plugin.auth.jwt.test'] }),
      await sign({ ...good, sub: 'p3qXcK2bix9eFECzsU3Sbmh0K16fatW6@clients' }),
      await sign({ sub: SUBJECT, iss: ISSUER, exp: now() + 5, aud: [AUDIENCE], color: 'green', pnum: 123 }),
    ]
    for (const [i, jwt] of bad.entries()) {
      const res = await login(name, jwt)
      assert.equal(res.status, 400, `case ${i}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.auth, undefined)
    }
  })

  it('TestLogin_JWT: the user claim must be a string', async () => {
    const name = await role(audience)
    for (const user of [42, true, ['jeff']]) {
      const res = await login(name, await sign({ ...base(), 'https://vault/user': user }))
      assert.equal(res.status, 400, `${JSON.stringify(user)}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, ['claim "https://vault/user" could not be converted to string'])
    }
  })

  it('TestLogin_JWT: a caller outside bound_cidrs is refused with permission denied', async () => {
    const name = await role({ bound_cidrs: '127.0.0.42' })
    const { aud: _aud, ...claims } = base()
    const res = await login(name, await sign({ ...claims, ...user }))
    assert.equal(res.status, 403)
    assert.deepEqual(res.body.errors, ['permission denied'])
  })

  it('TestLogin_JWT: an unknown role is named in the error', async () => {
    const res = await login('plugin-test-bad', await sign({}))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.errors, ['role "plugin-test-bad" could not be found'])
  })

  // [valid, description, iat/nbf/exp offsets from now, clock_skew_leeway, expiration_leeway, not_before_leeway]
  type LeewayCase = [boolean, string, { iat?: number; nbf?: number; exp?: number }, number, number, number]
  const expiryCases: LeewayCase[] = [
    [true, 'iat, default skew and exp leeway', { iat: -205 }, 0, 0, 0],
    [false, 'iat, default skew and exp leeway, expired', { iat: -215 }, 0, 0, 0],
    [true, 'iat, 10s skew', { iat: -150 }, 10, 0, 0],
    [false, 'iat, 10s skew, expired', { iat: -165 }, 10, 0, 0],
    [true, 'iat, no skew', { iat: -145 }, -1, 0, 0],
    [false, 'iat, no skew, expired', { iat: -155 }, -1, 0, 0],
    [true, 'nbf, default skew', { nbf: -205 }, 0, 0, 0],
    [false, 'nbf, default skew, expired', { nbf: -215 }, 0, 0, 0],
    [true, 'nbf, 10s skew', { nbf: -145 }, 10, 0, 0],
    [false, 'nbf, 10s skew, expired', { nbf: -165 }, 10, 0, 0],
    [true, 'nbf, no skew', { nbf: -145 }, -1, 0, 0],
    [false, 'nbf, no skew, expired', { nbf: -155 }, -1, 0, 0],
    [true, 'iat, default skew, 10s exp leeway', { iat: -65 }, 0, 10, 0],
    [false, 'iat, default skew, 10s exp leeway, expired', { iat: -75 }, 0, 10, 0],
    [true, 'iat, 10s skew, 10s exp leeway', { iat: -5 }, 10, 10, 0],
    [false, 'iat, 10s skew, 10s exp leeway, expired', { iat: -25 }, 10, 10, 0],
    [true, 'iat, 10s skew, no exp leeway', { iat: -5 }, 10, -1, 0],
    [false, 'iat, 10s skew, no exp leeway, expired', { iat: -15 }, 10, -1, 0],
    [true, 'nbf, default skew, 10s exp leeway', { nbf: -65 }, 0, 10, 0],
    [false, 'nbf, default skew, 10s exp leeway, expired', { nbf: -75 }, 0, 10, 0],
    [true, 'nbf, 10s skew, 10s exp leeway', { nbf: -5 }, 10, 10, 0],
    [false, 'nbf, 10s skew, 10s exp leeway, expired', { nbf: -25 }, 10, 10, 0],
    [true, 'nbf, 10s skew, no exp leeway', { nbf: -5 }, 10, -1, 0],
    [false, 'nbf, 10s skew, no exp leeway, expired', { nbf: -15 }, 10, -1, 0],
  ]
  const notBeforeCases: LeewayCase[] = [
    [true, 'iat ahead, default skew, no nbf leeway', { iat: 55, exp: 0 }, 0, 0, -1],
    [false, 'iat ahead, default skew, no nbf leeway, too early', { iat: 65, exp: 0 }, 0, 0, -1],
    [true, 'iat ahead, 10s skew', { iat: 5 }, 10, 0, -1],
    [false, 'iat ahead, 10s skew, too early', { iat: 15 }, 10, 0, -1],
    [true, 'iat now, no skew, 5s nbf leeway', { iat: 0 }, -1, 0, 5],
    [false, 'iat ahead, no skew, 5s nbf leeway, too early', { iat: 6 }, -1, 0, 5],
    [true, 'exp only, default skew and nbf leeway', { exp: 205 }, 0, 0, 0],
    [false, 'exp only, default skew and nbf leeway, too early', { exp: 215 }, 0, 0, 0],
    [true, 'exp only, 10s skew', { exp: 150 }, 10, 0, 0],
    [false, 'exp only, 10s skew, too early', { exp: 165 }, 10, 0, 0],
    [true, 'exp only, no skew', { exp: 145 }, -1, 0, 0],
    [false, 'exp only, no skew, too early', { exp: 152 }, -1, 0, 0],
    [true, 'exp only, default skew, 10s nbf leeway', { exp: 65 }, 0, 0, 10],
    [false, 'exp only, default skew, 10s nbf leeway, too early', { exp: 75 }, 0, 0, 10],
    [true, 'exp only, 10s skew, 10s nbf leeway', { exp: 15 }, 10, 0, 10],
    [false, 'exp only, 10s skew, 10s nbf leeway, too early', { exp: 25 }, 10, 0, 10],
    [true, 'exp only, no skew, 5s nbf leeway', { exp: 3 }, -1, 0, 5],
    [false, 'exp only, no skew, 5s nbf leeway, too early', { exp: 70 }, -1, 0, 5],
  ]
  const leewayCase = async ([valid, what, times, skew, expLeeway, nbfLeeway]: LeewayCase) => {
    const name = await role({
      ...audience,
      clock_skew_leeway: skew,
      expiration_leeway: expLeeway,
      not_before_leeway: nbfLeeway,
    })
    const claims: Record<string, unknown> = { sub: SUBJECT, iss: ISSUER, aud: [AUDIENCE], ...user }
    for (const [claim, offset] of Object.entries(times)) claims[claim] = now() + offset
    const res = await login(name, await sign(claims))
    assert.equal(res.status, valid ? 200 : 400, `${what}: ${JSON.stringify(res.body)}`)
  }

  it('TestLogin_Leeways: expiry claims (exp synthesised from iat/nbf, clock skew on top)', async () => {
    for (const c of expiryCases) await leewayCase(c)
  })

  it('TestLogin_Leeways: not-before claims (nbf synthesised from iat or exp, clock skew on top)', async () => {
    for (const c of notBeforeCases) await leewayCase(c)
  })

  it('TestExtractMetadata: claim_mappings copy string claims (nested by pointer) and refuse a non-string one', async () => {
    const name = await role({
      ...audience,
      claim_mappings: { data1: 'val1', '/data2/child': 'val2', data3: 'val3' },
    })
    const ok = await login(name, await sign({ ...base(), ...user, data1: 'foo', data2: { child: 'bar' } }))
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.deepEqual(ok.body.auth.metadata, { val1: 'foo', val2: 'bar', role: name })
    for (const data1 of [42, true, ['a']]) {
      const res = await login(name, await sign({ ...base(), ...user, data1 }))
      assert.equal(res.status, 400, `${JSON.stringify(data1)}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, ["error converting claim 'data1' to string"])
    }
  })

  it('TestValidateAudience: any bound audience in the token’s aud passes; none does not', async () => {
    const name = await role({ bound_audiences: ['a', 'b'] })
    for (const [aud, status] of [
      [['a'], 200],
      [['b'], 200],
      [['a', 'b', 'c'], 200],
      [['c', 'd'], 400],
      [[''], 400],
      ['b', 200],
    ] as const) {
      const res = await login(name, await sign({ ...base(), ...user, aud }))
      assert.equal(res.status, status, `${JSON.stringify(aud)}: ${JSON.stringify(res.body)}`)
    }
  })

  // [case, bound_claims_type, bound_claims, token claims, accepted]
  const boundCases: [string, string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
    ['valid', 'string', { foo: 'a', bar: 'b' }, { foo: 'a', bar: 'b' }, true],
    ['non-string claim in a list', 'string', { foo: [42] }, { foo: [42] }, true],
    ['boolean claim in a list', 'string', { email_verified: [false] }, { email_verified: [false] }, true],
    ['match within list', 'string', { foo: 'a' }, { foo: ['a', 'b'] }, true],
    ['list against list', 'string', { foo: ['a', 'b', 'c'] }, { foo: ['c', 'd'] }, true],
    ['numeric bound claim', 'string', { foo: 123 }, { foo: 123 }, true],
    ['numeric mismatch', 'string', { foo: 456 }, { foo: 123 }, false],
    ['no match within list', 'string', { foo: 'c' }, { foo: ['a', 'b'] }, false],
    ['no match list against list', 'string', { foo: ['a', 'b', 'c'] }, { foo: ['d', 'e'] }, false],
    ['extra data', 'string', { foo: 'a', bar: 'b' }, { foo: 'a', bar: 'b', color: 'green' }, true],
    ['mismatched value', 'string', { foo: 'a', bar: 'b' }, { foo: 'a', bar: 'wrong' }, false],
    ['missing claim', 'string', { foo: 'a', bar: 'b' }, { foo: 'a' }, false],
    [
      'JSON pointer',
      'string',
      { foo: 'a', '/bar/baz/1': 'y' },
      { foo: 'a', bar: { baz: ['x', 'y', 'z'] } },
      true,
    ],
    ['JSON pointer mismatch', 'string', { '/bar/baz/1': 'q' }, { bar: { baz: ['x', 'y', 'z'] } }, false],
    ['JSON pointer not found', 'string', { '/bar/XXX/1243': 'q' }, { bar: { baz: ['x'] } }, false],
    [
      'alternates',
      'string',
      { email: ['a', 'b', 'c'], color: 'green' },
      { email: 'c', color: 'green' },
      true,
    ],
    [
      'no alternate',
      'string',
      { email: ['a', 'b', 'c'], color: 'green' },
      { email: 'd', color: 'green' },
      false,
    ],
    ['number bound, string claim', 'string', { email: 42 }, { email: 'd' }, false],
    ['boolean bound, string claim', 'string', { email_verified: true }, { email_verified: 'true' }, false],
    ['string bound, number claim', 'string', { email: 'd' }, { email: 42 }, false],
    ['matching glob', 'glob', { email: '4*' }, { email: '42' }, true],
    ['glob against a number', 'glob', { email: '4*' }, { email: 42 }, false],
    ['not matching glob', 'glob', { email: '4*' }, { email: 'd42' }, false],
    ['not matching suffix glob', 'glob', { email: '*2' }, { email: '42x' }, false],
    ['matching glob in list', 'glob', { email: ['4*d', '42*'] }, { email: '42x' }, true],
    ['no matching glob in list', 'glob', { email: ['4*d', '42*'] }, { email: '43x' }, false],
    ['complex glob', 'glob', { email: '*@*.com' }, { email: 'test@example.com' }, true],
    ['non-matching complex glob', 'glob', { email: 'r*@*.com' }, { email: 'test@example.com' }, false],
  ]

  it('TestValidateBoundClaims: string and glob bound claims, lists, pointers and types', async () => {
    for (const [what, type, bound, claims, accepted] of boundCases) {
      const name = await role({ ...audience, bound_claims_type: type, bound_claims: bound })
      const res = await login(name, await sign({ ...base(), ...user, ...claims }))
      assert.equal(res.status, accepted ? 200 : 400, `${what}: ${JSON.stringify(res.body)}`)
    }
  })

  const writeRole = (name: string, body: Record<string, unknown>) =>
    t.call('POST', `auth/jwt/role/${name}`, { body: { role_type: 'jwt', policies: 'test', ...body } })

  it('TestPath_Create: a role needs a user claim, a binding, a known bound_claims_type and string globs', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ user_claim: '', bound_subject: 'x' }, 'a user claim must be defined on the role'],
      [{ user_claim: 'user' }, 'must have at least one bound constraint'],
      [
        { user_claim: 'user', bound_claims_type: 'invalid', bound_claims: { foo: 10, bar: 'baz' } },
        "invalid 'bound_claims_type': invalid",
      ],
      [{ user_claim: 'user', bound_claims_type: 'glob', bound_claims: { bar: 'baz', foo: 25 } }, ''],
      [{ user_claim: 'user', bound_claims_type: 'glob', bound_claims: { foo: ['baz', 10] } }, ''],
      [
        { user_claim: 'user', bound_subject: 'x', claim_mappings: { foo: 'a', role: 'role' } },
        'metadata key "role" is reserved',
      ],
      [
        { user_claim: 'user', bound_subject: 'x', claim_mappings: { foo: 'a', bar: 'a' } },
        'multiple keys are mapped to metadata key "a"',
      ],
    ]
    for (const [i, [body, message]] of cases.entries()) {
      const res = await writeRole(`invalid-${i}`, body)
      assert.equal(res.status, 400, `case ${i}: ${JSON.stringify(res.body)}`)
      if (message !== '')
        assert.match(res.body.errors[0], new RegExp(message.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')))
      assert.equal((await t.call('GET', `auth/jwt/role/invalid-${i}`)).status, 404)
    }
    for (const binding of [
      { bound_subject: 'x' },
      { bound_audiences: 'x' },
      { bound_cidrs: '127.0.0.1' },
      { bound_claims: { foo: 10 } },
    ]) {
      const res = await writeRole('bound', { user_claim: 'user', ...binding })
      assert.equal(res.status, 204, `${JSON.stringify(binding)}: ${JSON.stringify(res.body)}`)
    }
  })

  it('TestPath_Create: zero leeways are stored as zero, negative ones as given', async () => {
    for (const leeway of [0, -1, 5]) {
      const res = await writeRole('leeways', {
        user_claim: 'user',
        bound_subject: 'x',
        clock_skew_leeway: leeway,
        expiration_leeway: leeway,
        not_before_leeway: leeway,
      })
      assert.equal(res.status, 204)
      const read = await t.call('GET', 'auth/jwt/role/leeways')
      assert.equal(read.body.data.clock_skew_leeway, leeway)
      assert.equal(read.body.data.expiration_leeway, leeway)
      assert.equal(read.body.data.not_before_leeway, leeway)
    }
  })

  it('TestPath_Read: a role written with legacy token fields reads back under both names', async () => {
    const res = await writeRole('read-test', {
      bound_subject: 'testsub',
      bound_audiences: 'vault',
      allowed_redirect_uris: ['http://127.0.0.1'],
      oidc_scopes: ['email', 'profile'],
      user_claim: 'user',
      groups_claim: 'groups',
      bound_cidrs: '127.0.0.1/8',
      period: '3s',
      ttl: '1s',
      num_uses: 12,
      max_ttl: '5s',
      expiration_leeway: '500s',
      not_before_leeway: '500s',
      clock_skew_leeway: '100s',
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
    const data = (await t.call('GET', 'auth/jwt/role/read-test')).body.data
    const expected: Record<string, unknown> = {
      role_type: 'jwt',
      bound_claims_type: 'string',
      bound_subject: 'testsub',
      bound_audiences: ['vault'],
      allowed_redirect_uris: ['http://127.0.0.1'],
      oidc_scopes: ['email', 'profile'],
      user_claim: 'user',
      groups_claim: 'groups',
      token_policies: ['test'],
      policies: ['test'],
      token_period: 3,
      period: 3,
      token_ttl: 1,
      ttl: 1,
      token_num_uses: 12,
      num_uses: 12,
      token_max_ttl: 5,
      max_ttl: 5,
      expiration_leeway: 500,
      not_before_leeway: 500,
      clock_skew_leeway: 100,
      verbose_oidc_logging: false,
      token_no_default_policy: false,
      token_explicit_max_ttl: 0,
      max_age: 0,
      token_bound_cidrs: ['127.0.0.1/8'],
      bound_cidrs: ['127.0.0.1/8'],
    }
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(data[k], v, k)
  })

  it('TestPath_Delete: a deleted role reads as not found', async () => {
    assert.equal((await writeRole('doomed', { user_claim: 'user', bound_subject: 'x' })).status, 204)
    assert.equal((await t.call('DELETE', 'auth/jwt/role/doomed')).status, 204)
    assert.equal((await t.call('GET', 'auth/jwt/role/doomed')).status, 404)
  })

  /** The external group aliased `alias` on the jwt mount, with the policy `policy`. */
  const externalGroup = async (alias: string, policy: string) => {
    const group = await t.call('POST', 'identity/group', {
      body: { name: `${alias}-group`, type: 'external', policies: [policy] },
    })
    const mounts = await t.call('GET', 'sys/auth')
    const res = await t.call('POST', 'identity/group-alias', {
      body: {
        name: alias,
        canonical_id: group.body.data.id,
        mount_accessor: mounts.body.data['jwt/'].accessor,
      },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
  }

  it('TestLogin_NestedGroups: a groups_claim JSON pointer with escaped "/" reaches nested groups', async () => {
    await externalGroup('nested-foo', 'nested-policy')
    const name = await role({ ...audience, groups_claim: '/https/~1~1vault~1groups/testing' })
    const res = await login(
      name,
      await sign({
        ...base(),
        'https://vault/user': 'jeff',
        https: { '//vault/groups': { testing: ['nested-foo', 'bar'] } },
      }),
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(res.body.auth.policies.includes('nested-policy'), JSON.stringify(res.body.auth.policies))
  })

  it('TestLogin_OIDC_StringGroupClaim: a groups claim that is one string is one group', async () => {
    await externalGroup('just_a_string', 'string-group-policy')
    const name = await role({ ...audience, groups_claim: 'https://vault/groups/string' })
    const res = await login(
      name,
      await sign({ ...base(), 'https://vault/user': 'jeff', 'https://vault/groups/string': 'just_a_string' }),
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.ok(res.body.auth.policies.includes('string-group-policy'), JSON.stringify(res.body.auth.policies))
  })

  it('TestLogin_JWTSupportedAlgs: an ES256 token logs in unless jwt_supported_algs leaves ES256 out', async () => {
    const pair = await generateKeyPair('ES256')
    assert.equal((await t.call('POST', 'sys/auth/jwtalg', { body: { type: 'jwt' } })).status, 204)
    for (const [algs, accepted] of [
      [[], true],
      [['ES256'], true],
      [['RS256', 'ES256', 'EdDSA'], true],
      [['RS256'], false],
      [['RS256', 'ES512', 'EdDSA'], false],
    ] as const) {
      const cfg = await t.call('POST', 'auth/jwtalg/config', {
        body: { jwt_validation_pubkeys: [await exportSPKI(pair.publicKey)], jwt_supported_algs: algs },
      })
      assert.equal(cfg.status, 204, JSON.stringify(cfg.body))
      const r = await t.call('POST', 'auth/jwtalg/role/algs', {
        body: { role_type: 'jwt', user_claim: 'sub', bound_subject: 'subject' },
      })
      assert.equal(r.status, 204)
      const jwt = await new SignJWT({ sub: 'subject', iat: now() })
        .setProtectedHeader({ alg: 'ES256' })
        .sign(pair.privateKey)
      const res = await t.call('POST', 'auth/jwtalg/login', { token: '', body: { role: 'algs', jwt } })
      assert.equal(res.status, accepted ? 200 : 400, `${JSON.stringify(algs)}: ${JSON.stringify(res.body)}`)
    }
  })

  describe('config (path_config_test.go)', () => {
    let idp: OidcProvider
    let pem: string
    let caPem = ''
    const dir = mkdtempSync(join(tmpdir(), 'coffer-bao-jwt-'))
    const config = (body: Record<string, unknown>) => t.call('POST', 'auth/jwtcfg/config', { body })
    before(async () => {
      const cert = makeSelfSignedCert(dir)
      if (!cert) throw new Error('openssl is needed to make the test certificate')
      const tls = { key: readFileSync(cert.key, 'utf8'), cert: readFileSync(cert.cert, 'utf8') }
      pem = await exportSPKI((await generateKeyPair('ES256')).publicKey)
      caPem = tls.cert
      idp = await startOidcProvider({ tls })
      assert.equal((await t.call('POST', 'sys/auth/jwtcfg', { body: { type: 'jwt' } })).status, 204)
    })
    after(async () => {
      await idp?.close()
    })
    const ca = () => caPem

    it('TestConfig_JWT_Write: exactly one of discovery URL, JWKS URL or public keys', async () => {
      const data: Record<string, unknown> = {
        oidc_discovery_url: 'http://fake.example.com',
        jwt_validation_pubkeys: [pem],
        jwks_url: 'http://fake.anotherexample.com',
        bound_issuer: 'http://vault.example.com/',
      }
      for (const drop of ['', 'oidc_discovery_url']) {
        delete data[drop]
        const res = await config(data)
        assert.equal(res.status, 400, JSON.stringify(res.body))
        assert.match(res.body.errors[0], /^exactly one of/)
      }
      delete data['jwks_url']
      assert.equal((await config(data)).status, 204)
      const read = (await t.call('GET', 'auth/jwtcfg/config')).body.data
      assert.deepEqual(read.jwt_validation_pubkeys, [pem])
      assert.equal(read.bound_issuer, 'http://vault.example.com/')
      assert.equal(read.oidc_discovery_url, '')
      assert.equal(read.jwks_url, '')
    })

    it('TestConfig_JWT_Write: a discovery URL with a trailing slash the issuer lacks fails', async () => {
      const res = await config({ oidc_discovery_url: `${idp.issuer}/`, oidc_discovery_ca_pem: ca() })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.match(res.body.errors[0], /^error checking oidc discovery URL/)
    })

    it('TestConfig_JWKS_Update / _Invalid: the JWKS URL is checked when written', async () => {
      const ok = await config({
        jwks_url: `${idp.issuer}/jwks`,
        jwks_ca_pem: ca(),
        oidc_response_mode: 'form_post',
      })
      assert.equal(ok.status, 204, JSON.stringify(ok.body))
      const read = (await t.call('GET', 'auth/jwtcfg/config')).body.data
      assert.equal(read.jwks_url, `${idp.issuer}/jwks`)
      assert.equal(read.oidc_response_mode, 'form_post')
      for (const path of ['/certs_missing', '/.well-known/openid-configuration']) {
        const res = await config({ jwks_url: `${idp.issuer}${path}`, jwks_ca_pem: ca() })
        assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`)
        assert.match(res.body.errors[0], /error checking jwks URL/)
      }
    })

    it('TestConfig_ResponseMode: "", form_post and query are accepted; anything else is not', async () => {
      for (const [mode, status] of [
        ['', 204],
        ['form_post', 204],
        ['query', 204],
        ['QUERY', 400],
        ['abc', 400],
      ] as const) {
        const res = await config({ oidc_response_mode: mode, jwt_validation_pubkeys: [pem] })
        assert.equal(res.status, status, `${mode}: ${JSON.stringify(res.body)}`)
      }
    })

    it('TestConfig_OIDC_Write: client credentials need discovery, and id and secret go together', async () => {
      for (const body of [
        { jwt_validation_pubkeys: [pem], oidc_client_id: 'abc', oidc_client_secret: 'def' },
        { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: ca(), oidc_client_id: 'abc' },
        { oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: ca(), oidc_client_secret: 'abc' },
      ]) {
        const res = await config(body)
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`)
        assert.ok(!JSON.stringify(res.body).includes('def'), 'the secret is not echoed')
      }
      const ok = await config({
        oidc_discovery_url: idp.issuer,
        oidc_discovery_ca_pem: ca(),
        oidc_client_id: 'abc',
        oidc_client_secret: 'def',
      })
      assert.equal(ok.status, 204, JSON.stringify(ok.body))
      const read = (await t.call('GET', 'auth/jwtcfg/config')).body.data
      assert.equal(read.oidc_client_id, 'abc')
      assert.equal(read.oidc_client_secret, undefined)
    })

    it('TestLogin_JWKS_Concurrent: concurrent logins against a JWKS all succeed', async () => {
      const cfg = await config({ jwks_url: `${idp.issuer}/jwks`, jwks_ca_pem: ca() })
      assert.equal(cfg.status, 204, JSON.stringify(cfg.body))
      const r = await t.call('POST', 'auth/jwtcfg/role/concurrent', {
        body: {
          role_type: 'jwt',
          user_claim: 'https://vault/user',
          bound_audiences: [AUDIENCE],
          clock_skew_leeway: -1,
        },
      })
      assert.equal(r.status, 204, JSON.stringify(r.body))
      // The server's clock is the test's manual one; the provider signs against the real clock, so set times here.
      const jwt = await idp.sign({
        sub: SUBJECT,
        aud: [AUDIENCE],
        nbf: now() - 5,
        iat: now() - 5,
        exp: now() + 600,
        ...user,
      })
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          t.call('POST', 'auth/jwtcfg/login', { token: '', body: { role: 'concurrent', jwt } }),
        ),
      )
      for (const res of results) assert.equal(res.status, 200, JSON.stringify(res.body))
    })

    it('TestConfig_OIDC_Write: a bad discovery CA fails the write', async () => {
      const res = await config({ oidc_discovery_url: idp.issuer, oidc_discovery_ca_pem: pem })
      assert.equal(res.status, 400, JSON.stringify(res.body))
    })
  })
})

describe('kubernetes (OpenBao internal/builtin/credential/kubernetes)', () => {
  const SA = { namespace: 'default', name: 'vault-auth', uid: 'd77f89bc-9055-11e7-a068-0800276d99bf' }
  let t: TestServer
  let k8s: TokenReviewServer
  let caCert: string
  const dir = mkdtempSync(join(tmpdir(), 'coffer-bao-k8s-'))
  const login = (body: Record<string, unknown>) =>
    t.call('POST', 'auth/kubernetes/login', { token: '', body })
  const config = (extra: Record<string, unknown> = {}) =>
    t.call('POST', 'auth/kubernetes/config', {
      body: {
        kubernetes_host: k8s.host,
        kubernetes_ca_cert: caCert,
        token_reviewer_jwt: k8s.reviewerJwt,
        pem_keys: [k8s.publicKeyPem],
        ...extra,
      },
    })
  const role = async (extra: Record<string, unknown> = {}, name = 'plugin-test') => {
    const res = await t.call('POST', `auth/kubernetes/role/${name}`, {
      body: {
        bound_service_account_names: [SA.name],
        bound_service_account_namespaces: [SA.namespace],
        policies: 'test',
        period: '3s',
        ttl: '1s',
        num_uses: 12,
        max_ttl: '5s',
        ...extra,
      },
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
  }
  const good = (extra: Record<string, unknown> = {}) =>
    k8s.legacyToken(SA, { iat: Math.floor(Date.now() / 1000), ...extra })

  before(async () => {
    const cert = makeSelfSignedCert(dir)
    if (!cert) throw new Error('openssl is needed to make the test certificate')
    caCert = readFileSync(cert.cert, 'utf8')
    k8s = await startTokenReviewServer({ key: readFileSync(cert.key, 'utf8'), cert: caCert })
    t = await startDevServer()
    assert.equal((await t.call('POST', 'sys/auth/kubernetes', { body: { type: 'kubernetes' } })).status, 204)
    assert.equal((await config()).status, 204)
  })
  after(async () => {
    await t?.close()
    await k8s?.close()
  })

  it('TestLogin: missing role, missing jwt, unknown role, unbound name or namespace, then a good login', async () => {
    await role()
    const jwt = await good()
    const cases: [Record<string, unknown>, number, string][] = [
      [{ jwt }, 400, 'missing role'],
      [{ role: 'plugin-test' }, 400, 'missing jwt'],
      [{ role: 'plugin-test-bad', jwt }, 400, 'invalid role name "plugin-test-bad"'],
      [
        { role: 'plugin-test', jwt: await k8s.legacyToken({ ...SA, name: 'wrong' }) },
        403,
        'service account name not authorized',
      ],
      [
        { role: 'plugin-test', jwt: await k8s.legacyToken({ ...SA, namespace: 'wrong' }) },
        403,
        'namespace not authorized',
      ],
    ]
    for (const [body, status, message] of cases) {
      const res = await login(body)
      assert.equal(res.status, status, `${message}: ${JSON.stringify(res.body)}`)
      assert.deepEqual(res.body.errors, [message])
    }
    const res = await login({ role: 'plugin-test', jwt })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.auth.token_policies, ['default', 'test'])
    assert.equal(res.body.auth.lease_duration, 3)
    assert.equal(res.body.auth.num_uses, 12)
    assert.equal(res.body.auth.metadata.service_account_name, SA.name)
    assert.equal(res.body.auth.metadata.service_account_uid, SA.uid)
  })

  it('TestLogin: a token signed by another key is refused when pem_keys are set', async () => {
    await role()
    // Another signer: a second stand-in cluster has its own service account key.
    const other = await startTokenReviewServer({
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: caCert,
    })
    const foreign = await other.legacyToken(SA)
    await other.close()
    assert.equal((await login({ role: 'plugin-test', jwt: foreign })).status, 403)
    // A distinct token (same-second tokens with the same claims are byte-identical), so later tests are unaffected.
    const revoked = await good({ jti: 'deleted-account' })
    k8s.revoked.add(revoked)
    const res = await login({ role: 'plugin-test', jwt: revoked })
    assert.equal(res.status, 403, 'a token the API no longer authenticates is refused')
  })

  it('TestLoginSvcAcctAndNamespaceSplats: "*" names and namespaces and globs accept the account', async () => {
    for (const bindings of [
      { bound_service_account_names: ['*'], bound_service_account_namespaces: ['*'] },
      { bound_service_account_names: ['vault-*'] },
      { bound_service_account_namespaces: ['def*'] },
    ]) {
      await role(bindings)
      const res = await login({ role: 'plugin-test', jwt: await good() })
      assert.equal(res.status, 200, `${JSON.stringify(bindings)}: ${JSON.stringify(res.body)}`)
    }
    await role({ bound_service_account_names: ['vault-*'] })
    const res = await login({ role: 'plugin-test', jwt: await k8s.legacyToken({ ...SA, name: 'other' }) })
    assert.equal(res.status, 403)
  })

  it('TestLoginIssValidation: the default and a custom issuer are enforced unless validation is off', async () => {
    await role()
    const custom = await good({ iss: 'custom-issuer' })
    for (const [cfg, jwt, status] of [
      [{ disable_iss_validation: false }, await good(), 200],
      [{ disable_iss_validation: false, issuer: 'kubernetes/serviceaccount' }, await good(), 200],
      [{ disable_iss_validation: false, issuer: 'custom-issuer' }, await good(), 403],
      [{ disable_iss_validation: false, issuer: 'custom-issuer' }, custom, 200],
      [{ disable_iss_validation: true, issuer: 'custom-issuer' }, await good(), 200],
    ] as const) {
      assert.equal((await config(cfg)).status, 204)
      const res = await login({ role: 'plugin-test', jwt })
      assert.equal(res.status, status, `${JSON.stringify(cfg)}: ${JSON.stringify(res.body)}`)
      if (status === 403) assert.deepEqual(res.body.errors, ['invalid issuer (iss) claim'])
    }
    assert.equal((await config()).status, 204)
  })

  it('TestLoginProjectedToken: the role audience must be in the token; an expired projected token is refused', async () => {
    await role({ audience: 'vault' })
    const now = Math.floor(Date.now() / 1000)
    const cases: [string, number][] = [
      [await k8s.projectedToken(SA, 'vault'), 200],
      [await k8s.projectedToken(SA, 'other'), 403],
      [await k8s.projectedToken(SA, 'vault', { iat: now - 7200, nbf: now - 7200, exp: now - 3600 }), 403],
    ]
    for (const [jwt, status] of cases) {
      const res = await login({ role: 'plugin-test', jwt })
      assert.equal(res.status, status, JSON.stringify(res.body))
    }
  })

  it('Test_kubeAuthBackend_getAliasName: alias from the account uid by default, or from namespace/name', async () => {
    for (const [source, alias] of [
      ['serviceaccount_uid', SA.uid],
      ['serviceaccount_name', `${SA.namespace}/${SA.name}`],
    ]) {
      await role({ alias_name_source: source, audience: '' })
      const res = await login({ role: 'plugin-test', jwt: await good() })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const entity = await t.call('GET', `identity/entity/id/${res.body.auth.entity_id}`)
      const names = entity.body.data.aliases.map((a: { name: string }) => a.name)
      assert.ok(names.includes(alias), `${source}: ${JSON.stringify(names)}`)
    }
    const bad = await t.call('POST', 'auth/kubernetes/role/plugin-test', {
      body: {
        bound_service_account_names: ['*'],
        bound_service_account_namespaces: ['*'],
        alias_name_source: 'bogus',
      },
    })
    assert.equal(bad.status, 400)
  })

  it('TestConfig (kubernetes): a host is required, pem_keys must be keys, the reviewer JWT is never read back', async () => {
    assert.equal((await t.call('POST', 'sys/auth/k8scfg', { body: { type: 'kubernetes' } })).status, 204)
    const write = (body: Record<string, unknown>) => t.call('POST', 'auth/k8scfg/config', { body })
    const noHost = await write({ pem_keys: k8s.publicKeyPem })
    assert.equal(noHost.status, 400)
    assert.deepEqual(noHost.body.errors, ['no host provided'])
    assert.equal((await write({ kubernetes_host: 'host', pem_keys: 'bad' })).status, 400)
    const ok = await write({
      kubernetes_host: 'host',
      kubernetes_ca_cert: caCert,
      token_reviewer_jwt: 'test-token-review-jwt',
      pem_keys: [k8s.publicKeyPem],
    })
    assert.equal(ok.status, 204, JSON.stringify(ok.body))
    const read = (await t.call('GET', 'auth/k8scfg/config')).body.data
    assert.equal(read.kubernetes_host, 'host')
    assert.equal(read.kubernetes_ca_cert, caCert)
    assert.deepEqual(read.pem_keys, [k8s.publicKeyPem])
    assert.equal(read.issuer, '')
    assert.equal(read.disable_local_ca_jwt, false)
    assert.equal(read.token_reviewer_jwt, undefined)
    assert.ok(!JSON.stringify(read).includes('test-token-review-jwt'))
  })

  it('TestPath_Create (kubernetes): required bindings, no "*" mixed with values, a known alias_name_source', async () => {
    const legacy = { policies: 'test', period: '3s', ttl: '1s', num_uses: 12, max_ttl: '5s' }
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ policies: 'test' }, /^"bound_service_account_names" can not be empty$/],
      [
        { bound_service_account_names: 'name', policies: 'test' },
        /^"bound_service_account_namespaces" can not be empty/,
      ],
      [
        { bound_service_account_names: '*, test', bound_service_account_namespaces: '*' },
        /can not mix "\*" with values/,
      ],
      [
        { bound_service_account_names: '*', bound_service_account_namespaces: '*, test' },
        /can not mix "\*" with values/,
      ],
      [
        {
          bound_service_account_names: 'name',
          bound_service_account_namespaces: 'namespace',
          ...legacy,
          alias_name_source: '_invalid_',
        },
        /^invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name$/,
      ],
    ]
    for (const [i, [body, message]] of cases.entries()) {
      const res = await t.call('POST', `auth/kubernetes/role/bad-${i}`, { body })
      assert.equal(res.status, 400, `case ${i}: ${JSON.stringify(res.body)}`)
      assert.match(res.body.errors[0], message)
    }
    const ok = await t.call('POST', 'auth/kubernetes/role/full', {
      body: { bound_service_account_names: 'name', bound_service_account_namespaces: 'namespace', ...legacy },
    })
    assert.equal(ok.status, 204, JSON.stringify(ok.body))
    const data = (await t.call('GET', 'auth/kubernetes/role/full')).body.data
    for (const [k, v] of Object.entries({
      bound_service_account_names: ['name'],
      bound_service_account_namespaces: ['namespace'],
      token_policies: ['test'],
      policies: ['test'],
      token_period: 3,
      period: 3,
      token_ttl: 1,
      ttl: 1,
      token_num_uses: 12,
      num_uses: 12,
      token_max_ttl: 5,
      max_ttl: 5,
      alias_name_source: 'serviceaccount_uid',
    }))
      assert.deepEqual(data[k], v, k)
    assert.equal((await t.call('DELETE', 'auth/kubernetes/role/full')).status, 204)
    assert.equal((await t.call('GET', 'auth/kubernetes/role/full')).status, 404)
  })
})

describeUnless(await unmet(OPENSSL), 'cert (OpenBao internal/builtin/credential/cert)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-bao-cert-'))
  const pki = new TestPki(join(dir, 'pki'))
  let t: TlsServer
  let ca: Issued
  let leaf: Issued
  let web: Issued

  before(async () => {
    ca = pki.root('ca')
    leaf = pki.issue('leaf', ca, {
      cn: 'example.com',
      dns: ['example.com'],
      emails: ['valid@example.com'],
      uris: ['spiffe://example.com/host'],
      ou: 'engineering',
      extensions: [
        '2.1.1.1=ASN1:UTF8String:A UTF8String Extension',
        '2.1.1.2=ASN1:UTF8String:A UTF8String Extension 2',
      ],
    })
    web = pki.issue('web', ca, { cn: 'www.example.com', dns: ['www.example.com'] })
    t = await startTlsServer(join(dir, 'server'))
    await initialise(t)
    assert.equal((await t.call('POST', 'sys/auth/cert', { body: { type: 'cert' } })).status, 204)
  })
  after(() => t?.server.close())

  const role = async (name: string, allowed: Record<string, unknown>) => {
    const res = await t.call('POST', `auth/cert/certs/${name}`, {
      body: { certificate: ca.pem, display_name: name, policies: 'foo', ...allowed },
    })
    assert.equal(res.status, 204, JSON.stringify(res.body))
  }
  const login = (cert: Issued, name?: string) =>
    t.call('POST', 'auth/cert/login', { token: '', body: name ? { name } : {}, cert })

  // [constraint written on the role, whether the leaf logs in]
  const cases: Record<string, [Record<string, unknown>, boolean][]> = {
    TestBackend_common_name_singleCert: [
      [{}, true],
      [{ allowed_common_names: 'example.com' }, true],
      [{ allowed_common_names: 'invalid' }, false],
      [{ required_extensions: '1.2.3.4:invalid' }, false],
    ],
    TestBackend_ext_singleCert: [
      [{ required_extensions: '2.1.1.1:A UTF8String Extension' }, true],
      [{ required_extensions: '2.1.1.1:*,2.1.1.2:A UTF8*' }, true],
      [{ required_extensions: '1.2.3.45:*' }, false],
      [{ required_extensions: '2.1.1.1:The Wrong Value' }, false],
      [{ required_extensions: '2.1.1.1:*,2.1.1.2:The Wrong Value' }, false],
      [{ required_extensions: '2.1.1.1:' }, false],
      [{ required_extensions: '2.1.1.1:,2.1.1.2:*' }, false],
      [{ allowed_names: 'example.com', required_extensions: '2.1.1.1:A UTF8String Extension' }, true],
      [{ allowed_names: 'example.com', required_extensions: '2.1.1.1:*,2.1.1.2:A UTF8*' }, true],
      [{ allowed_names: 'example.com', required_extensions: '1.2.3.45:*' }, false],
      [{ allowed_names: 'invalid', required_extensions: '2.1.1.1:A UTF8String Extension' }, false],
      [{ allowed_names: 'invalid', required_extensions: '2.1.1.1:*,2.1.1.2:A UTF8*' }, false],
    ],
    TestBackend_dns_singleCert: [
      [{ allowed_dns_sans: 'example.com' }, true],
      [{ allowed_dns_sans: '*ample.com' }, true],
      [{ allowed_dns_sans: 'notincert.com' }, false],
      [{ allowed_dns_sans: 'abc' }, false],
      [{ allowed_dns_sans: '*.example.com' }, false],
    ],
    TestBackend_email_singleCert: [
      [{ allowed_email_sans: 'valid@example.com' }, true],
      [{ allowed_email_sans: '*@example.com' }, true],
      [{ allowed_email_sans: 'invalid@notincert.com' }, false],
      [{ allowed_email_sans: 'abc' }, false],
      [{ allowed_email_sans: '*.example.com' }, false],
    ],
    TestBackend_organizationalUnit_singleCert: [
      [{ allowed_organizational_units: 'engineering' }, true],
      [{ allowed_organizational_units: 'eng*' }, true],
      [{ allowed_organizational_units: 'engineering,finance' }, true],
      [{ allowed_organizational_units: 'foo' }, false],
    ],
    TestBackend_uri_singleCert: [
      [{ allowed_uri_sans: 'spiffe://example.com/*' }, true],
      [{ allowed_uri_sans: 'spiffe://example.com/host' }, true],
      [{ allowed_uri_sans: 'spiffe://example.com/invalid' }, false],
      [{ allowed_uri_sans: 'abc' }, false],
      [{ allowed_uri_sans: 'http://www.google.com' }, false],
    ],
  }
  for (const [goTest, steps] of Object.entries(cases)) {
    it(`${goTest}: each constraint admits or refuses the client certificate`, async () => {
      for (const [allowed, accepted] of steps) {
        await t.call('DELETE', 'auth/cert/certs/web')
        await role('web', allowed)
        const res = await login(leaf)
        assert.equal(
          res.status === 200,
          accepted,
          `${JSON.stringify(allowed)}: ${res.status} ${JSON.stringify(res.body)}`,
        )
        if (!accepted) assert.equal(res.body.auth, undefined)
      }
    })
  }

  it('TestBackend_ext_singleCert: allowed_metadata_extensions copy present extensions into metadata', async () => {
    await t.call('DELETE', 'auth/cert/certs/web')
    await role('web', { allowed_metadata_extensions: '2.1.1.1,1.2.3.45' })
    const res = await login(leaf, 'web')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.auth.metadata['2-1-1-1'], 'A UTF8String Extension')
    assert.equal(res.body.auth.metadata['1-2-3-45'], undefined)
  })

  it('TestBackend_mixed_constraints: a named role is held to its own constraints', async () => {
    await t.call('DELETE', 'auth/cert/certs/web')
    await role('1unconstrained', {})
    await role('2matching', { allowed_names: '*.example.com,whatever' })
    await role('3invalid', { allowed_names: 'invalid' })
    assert.equal((await login(web)).status, 200)
    assert.equal((await login(web, '2matching')).status, 200)
    const bad = await login(web, '3invalid')
    assert.notEqual(bad.status, 200)
    assert.equal(bad.body.auth, undefined)
  })

  it('TestBackend_validCIDR / invalidCIDR: bound_cidrs read back as written and bind the caller’s address', async () => {
    await role('cidr', { bound_cidrs: ['127.0.0.1', '128.252.0.0/16'] })
    const read = await t.call('GET', 'auth/cert/certs/cidr')
    assert.deepEqual(read.body.data.bound_cidrs, ['127.0.0.1', '128.252.0.0/16'])
    assert.deepEqual(read.body.data.token_bound_cidrs, ['127.0.0.1', '128.252.0.0/16'])
    assert.equal((await login(web, 'cidr')).status, 200)
    await role('cidr', { bound_cidrs: ['10.0.0.0/8', '128.252.0.0/16'] })
    const denied = await login(web, 'cidr')
    assert.equal(denied.status, 403, JSON.stringify(denied.body))
    assert.deepEqual(denied.body.errors, ['permission denied'])
  })

  it('TestBackend_CRLs: a CRL listing the client certificate, or the CA on its chain, refuses the login', async () => {
    const revokedLeaf = pki.issue('crl-leaf', ca, { cn: 'crl.example.com' })
    const ca2 = pki.root('ca2')
    const leaf2 = pki.issue('crl-leaf2', ca2, { cn: 'other.example.com' })
    await role('crl', {})
    await role('crl2', { certificate: ca2.pem })
    assert.equal((await login(revokedLeaf, 'crl')).status, 200)
    assert.equal((await login(leaf2, 'crl2')).status, 200)
    const cnf = join(dir, 'pki', 'ca.cnf')
    const crlFile = join(dir, 'crl.pem')
    const revoke = (cert: Issued, signer: Issued) => {
      execFileSync(
        'openssl',
        [
          'ca',
          '-batch',
          '-config',
          cnf,
          '-cert',
          signer.certFile,
          '-keyfile',
          signer.keyFile,
          '-revoke',
          cert.certFile,
        ],
        { stdio: 'ignore' },
      )
      execFileSync(
        'openssl',
        [
          'ca',
          '-batch',
          '-config',
          cnf,
          '-cert',
          signer.certFile,
          '-keyfile',
          signer.keyFile,
          '-gencrl',
          '-crldays',
          '1',
          '-out',
          crlFile,
        ],
        { stdio: 'ignore' },
      )
      return readFileSync(crlFile, 'utf8')
    }
    const serial = (cert: Issued) => BigInt(`0x${new X509Certificate(cert.pem).serialNumber}`).toString()

    const write = await t.call('POST', 'auth/cert/crls/issuedcrl', { body: { crl: revoke(revokedLeaf, ca) } })
    assert.equal(write.status, 204, JSON.stringify(write.body))
    const read = await t.call('GET', 'auth/cert/crls/issuedcrl')
    assert.ok(serial(revokedLeaf) in read.body.data.serials, JSON.stringify(read.body))
    const refused = await login(revokedLeaf, 'crl')
    assert.notEqual(refused.status, 200, 'the revoked client certificate is refused')
    assert.equal(refused.body.auth, undefined)
    assert.equal((await login(revokedLeaf)).status === 200, false, 'by every role')
    assert.equal((await login(web, 'crl')).status, 200, 'a certificate the CRL does not list still logs in')

    // The trusted CA itself revoked: every certificate whose chain runs through it is refused.
    assert.equal(
      (await t.call('POST', 'auth/cert/crls/issuedcrl', { body: { crl: revoke(ca2, ca) } })).status,
      204,
    )
    assert.notEqual((await login(leaf2, 'crl2')).status, 200)
    assert.equal((await t.call('LIST', 'auth/cert/crls')).body.data.keys[0], 'issuedcrl')
    assert.equal((await t.call('DELETE', 'auth/cert/crls/issuedcrl')).status, 204)
    assert.equal((await login(revokedLeaf, 'crl')).status, 200, 'the CRL deleted, the login works again')
    assert.equal((await login(leaf2, 'crl2')).status, 200)
    const bad = await t.call('POST', 'auth/cert/crls/junk', { body: { crl: 'not a crl' } })
    assert.equal(bad.status, 400)
  })

  it('TestBackend_NonCAExpiry / RegisteredNonCA_CRL: a pinned client certificate is refused once expired or listed in a CRL', async () => {
    const otherCa = pki.root('pin-ca')
    const pinned = pki.issue('pinned', otherCa, { cn: 'pinned.example.com' })
    const expiredPin = pki.issue('pinned-expired', otherCa, { cn: 'old.example.com', expired: true })
    await role('pinned', { certificate: pinned.pem })
    await role('pinned-expired', { certificate: expiredPin.pem })
    assert.equal((await login(pinned, 'pinned')).status, 200)
    const expired = await login(expiredPin, 'pinned-expired')
    assert.notEqual(expired.status, 200, JSON.stringify(expired.body))
    assert.equal(expired.body.auth, undefined)

    const cnf = join(dir, 'pki', 'ca.cnf')
    const crlFile = join(dir, 'pinned-crl.pem')
    const signer = ['-cert', otherCa.certFile, '-keyfile', otherCa.keyFile]
    execFileSync('openssl', ['ca', '-batch', '-config', cnf, ...signer, '-revoke', pinned.certFile], {
      stdio: 'ignore',
    })
    execFileSync(
      'openssl',
      ['ca', '-batch', '-config', cnf, ...signer, '-gencrl', '-crldays', '1', '-out', crlFile],
      {
        stdio: 'ignore',
      },
    )
    const der = execFileSync('openssl', ['crl', '-in', crlFile, '-outform', 'DER'])
    // The CRL in DER, sent as the raw bytes a client reading the file would send, is accepted too.
    const write = await t.call('POST', 'auth/cert/crls/pinnedcrl', { body: { crl: der.toString('latin1') } })
    assert.equal(write.status, 204, JSON.stringify(write.body))
    assert.deepEqual((await t.call('LIST', 'auth/cert/crls')).body.data.keys, ['pinnedcrl'])
    const refused = await login(pinned, 'pinned')
    assert.notEqual(refused.status, 200, JSON.stringify(refused.body))
    assert.equal((await t.call('DELETE', 'auth/cert/crls/pinnedcrl')).status, 204)
    assert.equal((await login(pinned, 'pinned')).status, 200)
  })
})
