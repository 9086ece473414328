// Time claims with the role's leeways: defaults, explicit values, and negative values that turn the allowance off.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { defaultTokenParams } from '../../../sdk/framework/token-params.ts'
import type { JwtRole } from './role.ts'
import { validateClaims } from './validate.ts'

const NOW = 1_800_000_000
const role = (over: Partial<JwtRole> = {}): JwtRole => ({
  roleType: 'jwt',
  boundAudiences: [],
  boundSubject: '',
  boundClaims: {},
  boundClaimsType: 'string',
  claimMappings: {},
  userClaim: 'sub',
  groupsClaim: '',
  clockSkewLeeway: 0,
  expirationLeeway: 0,
  notBeforeLeeway: 0,
  allowedRedirectUris: [],
  oidcScopes: [],
  verboseOidcLogging: false,
  maxAge: 0,
  token: defaultTokenParams(),
  ...over,
})
const check = (claims: Record<string, unknown>, r = role()) =>
  validateClaims(claims, r, { issuers: [], strictAudience: true, nowSeconds: NOW })

it('allows a carried exp the 60s clock skew by default, not the expiration leeway on top', () => {
  check({ exp: NOW - 60 })
  assert.throws(() => check({ exp: NOW - 61 }), /\(exp\) claim: token is expired/)
  assert.throws(() => check({ exp: NOW - 210 }), /\(exp\) claim: token is expired/)
})

it('negative leeways turn the allowance off; explicit ones replace the defaults', () => {
  const strict = role({ clockSkewLeeway: -1, expirationLeeway: -1, notBeforeLeeway: -1 })
  check({ exp: NOW }, strict)
  assert.throws(() => check({ exp: NOW - 1 }, strict), /expired/)
  assert.throws(() => check({ nbf: NOW + 1, exp: NOW + 60 }, strict), /token not yet valid/)
  check({ exp: NOW - 10 }, role({ clockSkewLeeway: 10, expirationLeeway: 10 }))
  assert.throws(
    () => check({ exp: NOW - 11 }, role({ clockSkewLeeway: 10, expirationLeeway: 10 })),
    /expired/,
  )
})

it('needs at least one time claim and refuses an iat in the future', () => {
  assert.throws(
    () => check({ sub: 'x' }),
    /no issued at \(iat\), not before \(nbf\), or expiration time \(exp\) claims in token/,
  )
  assert.throws(() => check({ iat: NOW + 61, nbf: NOW, exp: NOW + 300 }), /issued in the future/)
  // A token with only iat lives for the expiration leeway after it.
  check({ iat: NOW - 100 })
  assert.throws(() => check({ iat: NOW - 400 }), /expired/)
})

it('counts a time claim of 0 as absent, as go-jose does', () => {
  // nbf or iat 0 would otherwise make any token with a far exp valid from the epoch on.
  assert.throws(() => check({ nbf: 0, exp: NOW + 1000 }), /token not yet valid/)
  assert.throws(() => check({ iat: 0, exp: NOW + 1000 }), /token not yet valid/)
  assert.throws(() => check({ iat: 0, nbf: 0, exp: 0 }), /no issued at \(iat\)/)
  check({ iat: NOW - 10, exp: 0 })
})

it('refuses registered claims of the wrong type', () => {
  for (const bad of [{ iss: 1 }, { sub: true }, { jti: 2 }, { aud: 3 }, { aud: ['a', 4] }, { aud: null }])
    assert.throws(() => check({ iat: NOW, ...bad }), /error validating token: the "\w+" claim must be/)
  check({ iat: NOW, iss: null, sub: null, aud: [] })
})
