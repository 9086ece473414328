// Vault-style globs: prefix, suffix, infix and the lone star.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { globListMatch, globMatch } from './glob.ts'

it('matches like Vault’s go-glob', () => {
  assert.equal(globMatch('*', ''), true)
  assert.equal(globMatch('main', 'main'), true)
  assert.equal(globMatch('main', 'mainx'), false)
  assert.equal(globMatch('release/*', 'release/1.2'), true)
  assert.equal(globMatch('release/*', 'feature/x'), false)
  assert.equal(globMatch('*-prod', 'eu-prod'), true)
  assert.equal(globMatch('*-prod', 'eu-prod-2'), false)
  assert.equal(globMatch('a*b*c', 'axxbyyc'), true)
  assert.equal(globMatch('a*b*c', 'axxcyyb'), false)
  assert.equal(globMatch('a*a', 'a'), false)
  assert.equal(globMatch('a*a', 'aa'), true)
  assert.equal(globListMatch(['x', 'team-*'], 'team-a'), true)
  assert.equal(globListMatch([], 'team-a'), false)
})
