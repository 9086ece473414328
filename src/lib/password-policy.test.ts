// Tests for password policies: parsing, validation, generation that always meets the rules and is well spread.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  DEFAULT_PASSWORD_POLICY,
  generatePassword,
  type PasswordPolicy,
  PasswordPolicyError,
  parsePasswordPolicy,
} from './password-policy.ts'

/** Whether `password` meets the policy's length, alphabet and per-charset minimums: the oracle for generation. */
function satisfiesPolicy(password: string, policy: PasswordPolicy): boolean {
  const chars = [...password]
  if (chars.length !== policy.length) return false
  const union = new Set(policy.rules.flatMap((rule) => [...rule.charset]))
  if (chars.some((ch) => !union.has(ch))) return false
  return policy.rules.every((rule) => chars.filter((ch) => rule.charset.includes(ch)).length >= rule.minChars)
}

const HCL = `
length = 12
rule "charset" {
  charset = "abcdefghijklmnopqrstuvwxyz"
  min-chars = 1
}
rule "charset" {
  charset = "0123456789"
  min-chars = 4
}
rule "charset" {
  charset = "!@#"
  min-chars = 2
}
`

describe('password policies', () => {
  it('parses length and charset rules', () => {
    assert.deepEqual(parsePasswordPolicy(HCL), {
      length: 12,
      rules: [
        { charset: 'abcdefghijklmnopqrstuvwxyz', minChars: 1 },
        { charset: '0123456789', minChars: 4 },
        { charset: '!@#', minChars: 2 },
      ],
    })
  })

  it('parses the JSON form', () => {
    const json = JSON.stringify({ length: 8, rule: [{ charset: { charset: 'ab', 'min-chars': 1 } }] })
    assert.deepEqual(parsePasswordPolicy(json), { length: 8, rules: [{ charset: 'ab', minChars: 1 }] })
  })

  it('generates passwords that meet every rule', () => {
    const policy = parsePasswordPolicy(HCL)
    for (let i = 0; i < 500; i++) {
      const password = generatePassword(policy)
      assert.ok(satisfiesPolicy(password, policy), password.replace(/./g, '*'))
    }
  })

  it('the default is 20 characters with a lower, upper, digit and dash', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword()
      assert.match(password, /^[a-zA-Z0-9-]{20}$/)
      assert.ok(satisfiesPolicy(password, DEFAULT_PASSWORD_POLICY))
    }
  })

  it('a strict policy (every character required) still finishes', () => {
    const policy = parsePasswordPolicy(
      'length = 3\nrule "charset" { charset = "a" min-chars = 1 }\nrule "charset" { charset = "b" min-chars = 1 }\nrule "charset" { charset = "c" min-chars = 1 }',
    )
    const seen = new Set<string>()
    for (let i = 0; i < 300; i++) seen.add(generatePassword(policy))
    assert.deepEqual([...seen].sort(), ['abc', 'acb', 'bac', 'bca', 'cab', 'cba'])
  })

  it('spreads characters evenly (no modulo bias over a 62-character set)', () => {
    const policy = parsePasswordPolicy(
      'length = 100\nrule "charset" { charset = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" }',
    )
    const counts = new Map<string, number>()
    for (let i = 0; i < 620; i++)
      for (const ch of generatePassword(policy)) counts.set(ch, (counts.get(ch) ?? 0) + 1)
    // 62,000 draws: 1000 expected per character; a biased byte-modulo would give the first 8 about 1.2x.
    assert.equal(counts.size, 62)
    for (const [ch, n] of counts) assert.ok(n > 820 && n < 1180, `${ch}: ${n}`)
  })

  it('refuses impossible or malformed policies with a clear message', () => {
    const bad: [string, RegExp][] = [
      ['length = 0\nrule "charset" { charset = "a" }', /length must be > 0/],
      ['length = 2\nrule "charset" { charset = "ab" min-chars = 3 }', /require at least 3 characters/],
      ['length = 5', /no charset specified/],
      ['length = 5\nrule "nope" { charset = "a" }', /unknown rule type/],
      ['length = 5\nrule "charset" { charset = "" }', /non-empty/],
      ['length = 5\nfoo = 1\nrule "charset" { charset = "a" }', /unknown policy setting "foo"/],
      ['length = "x"\nrule "charset" { charset = "a" }', /length must be an integer/],
      ['length = 5\nrule "charset" { charset = "a\tb" }', /non-printable/],
      ['length = {', /unable to parse policy/],
    ]
    for (const [text, message] of bad)
      assert.throws(() => parsePasswordPolicy(text), { name: PasswordPolicyError.name, message })
  })
})
