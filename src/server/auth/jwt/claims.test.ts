// Claim rules: JSON pointers, bound claims (string and glob, lists both sides), audiences, mappings, groups.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import {
  audienceError,
  boundClaimsError,
  getClaim,
  groupsClaimValue,
  mappedMetadata,
  userClaimValue,
} from './claims.ts'

const claims = {
  sub: 'u1',
  groups: ['dev', 'ops'],
  nested: { 'a/b': { level: 3 } },
  project_path: 'group/app',
  admin: true,
  count: 7,
}

it('reads claims by name or JSON pointer', () => {
  assert.equal(getClaim(claims, 'sub'), 'u1')
  assert.equal(getClaim(claims, '/groups/1'), 'ops')
  assert.equal(getClaim(claims, '/nested/a~1b/level'), 3)
  assert.equal(getClaim(claims, '/nested/missing/x'), undefined)
})

it('matches bound claims exactly or by glob, with lists on either side', () => {
  assert.equal(boundClaimsError({ groups: 'ops' }, 'string', claims), undefined)
  assert.equal(boundClaimsError({ groups: ['x', 'dev'] }, 'string', claims), undefined)
  assert.equal(boundClaimsError({ project_path: 'group/*' }, 'glob', claims), undefined)
  assert.equal(
    boundClaimsError({ project_path: 'group/*' }, 'string', claims),
    'claim "project_path" does not match any associated bound claim values',
  )
  assert.equal(boundClaimsError({ admin: true, count: 7 }, 'string', claims), undefined)
  assert.equal(boundClaimsError({ '/nested/a~1b/level': 3 }, 'string', claims), undefined)
  assert.equal(boundClaimsError({ team: 'x' }, 'string', claims), 'claim "team" is missing')
})

it('compares bound claims by type as well as value, as Vault does', () => {
  const mismatch = (name: string) => `claim "${name}" does not match any associated bound claim values`
  const stringly = { admin: 'true', count: '7', flag: true, n: 7 }
  assert.equal(boundClaimsError({ admin: true }, 'string', stringly), mismatch('admin'))
  assert.equal(boundClaimsError({ count: 7 }, 'string', stringly), mismatch('count'))
  assert.equal(boundClaimsError({ flag: 'true' }, 'string', stringly), mismatch('flag'))
  assert.equal(boundClaimsError({ n: ['7'] }, 'string', stringly), mismatch('n'))
  assert.equal(boundClaimsError({ flag: true, n: 7, admin: 'true' }, 'string', stringly), undefined)
})

it('applies Vault’s audience rule, strict for JWT login', () => {
  assert.equal(audienceError([], ['x'], false), undefined)
  assert.equal(
    audienceError([], ['x'], true),
    'audience claim found in JWT but no audiences bound to the role',
  )
  assert.equal(audienceError(['a', 'b'], ['b'], true), undefined)
  assert.equal(
    audienceError(['a'], ['b'], false),
    'invalid audience (aud) claim: audience claim does not match any expected audience',
  )
})

it('maps claims to metadata and reads groups', () => {
  assert.deepEqual(mappedMetadata(claims, { project_path: 'project', absent: 'nothing' }), {
    project: 'group/app',
  })
  assert.throws(() => mappedMetadata(claims, { groups: 'g' }), /error converting claim 'groups' to string/)
  assert.throws(() => mappedMetadata(claims, { count: 'n' }), /error converting claim 'count' to string/)
  assert.throws(() => mappedMetadata(claims, { admin: 'a' }), /error converting claim 'admin' to string/)
  assert.deepEqual(groupsClaimValue(claims, 'groups'), ['dev', 'ops'])
  assert.deepEqual(groupsClaimValue({ g: 'solo' }, 'g'), ['solo'])
  assert.throws(() => groupsClaimValue(claims, 'nope'), /"nope" claim not found/)
})

it('reads the user claim as a JSON pointer only when the role says so', () => {
  const claims = { user: { name: 'jeff' }, '/user/name': 'literal' }
  assert.equal(userClaimValue(claims, '/user/name', false), 'literal')
  assert.equal(userClaimValue(claims, '/user/name', true), 'jeff')
  assert.throws(() => userClaimValue({ user: { name: 'jeff' } }, '/user/name', false), /not found in token/)
})
