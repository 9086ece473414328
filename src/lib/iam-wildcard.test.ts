// IAM wildcard matching: `*` and `?`, case folding on request, and no blow-up on many stars.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { iamWildcardMatch } from './iam-wildcard.ts'

describe('iamWildcardMatch', () => {
  it('matches * as any run (empty too) and ? as exactly one character', () => {
    const cases: Array<[string, string, boolean]> = [
      ['*', '', true],
      ['*', 'anything', true],
      ['arn:aws:iam::1:user/*', 'arn:aws:iam::1:user/alice', true],
      ['arn:aws:iam::1:user/*', 'arn:aws:iam::2:user/alice', false],
      ['a?c', 'abc', true],
      ['a?c', 'ac', false],
      ['a*a', 'a', false],
      ['a*a', 'aa', true],
      ['*b*', 'abc', true],
      ['a*b*c', 'axxbyyc', true],
      ['a*b*c', 'axxbyy', false],
      ['**', 'x', true],
      ['x.y', 'xzy', false],
      ['(a)+', '(a)+', true],
      ['', '', true],
      ['', 'a', false],
    ]
    for (const [pattern, value, expected] of cases)
      assert.equal(iamWildcardMatch(pattern, value), expected, `${pattern} ~ ${value}`)
  })

  it('compares case-insensitively only when asked', () => {
    assert.equal(iamWildcardMatch('secretsmanager:Get*', 'SecretsManager:GetSecretValue'), false)
    assert.equal(iamWildcardMatch('secretsmanager:Get*', 'SecretsManager:GetSecretValue', true), true)
  })

  it('decides a pattern of many stars against a long value in bounded steps', () => {
    // As a regular expression this pattern backtracks for seconds (minutes with a few more stars).
    const pattern = `${'*a'.repeat(40)}*b`
    assert.equal(iamWildcardMatch(pattern, 'a'.repeat(20_000)), false)
    assert.equal(iamWildcardMatch(pattern, `${'a'.repeat(20_000)}b`), true)
  })
})
