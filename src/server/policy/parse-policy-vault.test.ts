// The policy parser replayed against the forms OpenBao's policy/policy_test.go pins down (shared with Vault).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { parsePolicy } from './parse-policy.ts'

const TEXT = `
# comments and a name are accepted; the name is not the stored one
name = "ops"
path "*" { policy = "deny" }
path "stage/*" { policy = "sudo" }
path "live/version" {
  policy = "read"
  comment = "kept in the text, not in the rule"
}
path "/app/cfg" {
  policy = "read"
  min_wrapping_ttl = 300
  max_wrapping_ttl = "1h"
}
path "app/cfg" {
  capabilities = ["create", "sudo"]
  min_wrapping_ttl = "300s"
  max_wrapping_ttl = 3600
}
path "app/cfg" {
  capabilities = ["create", "sudo"]
  allowed_parameters = { "zip" = [], "zap" = [] }
}
path "typed" {
  capabilities = ["create"]
  allowed_parameters = {
    "map" = [{ "good" = "one" }]
    "int" = [1, 2]
  }
  denied_parameters = {
    "string" = ["test"]
    "bool" = [false]
  }
}
path "seg/+/leaf" { capabilities = ["patch"] }
path "seg/tail/v2/+/" { capabilities = ["read"] }
path "seg/+/mid/+/end*" { capabilities = ["read"] }
`

describe('parser replay of TestPolicy_Parse', () => {
  const rules = parsePolicy('dev', TEXT).rules

  it('keeps every rule in order, repeated paths included, with the leading "/" removed', () => {
    assert.deepEqual(
      rules.map((rule) => rule.pattern),
      [
        '*',
        'stage/*',
        'live/version',
        'app/cfg',
        'app/cfg',
        'app/cfg',
        'typed',
        'seg/+/leaf',
        'seg/tail/v2/+/',
        'seg/+/mid/+/end*',
      ],
    )
  })

  it('expands the legacy shorthand', () => {
    assert.deepEqual([...(rules[0]?.capabilities ?? [])], ['deny'])
    assert.deepEqual([...(rules[1]?.capabilities ?? [])].sort(), [
      'create',
      'delete',
      'list',
      'read',
      'sudo',
      'update',
    ])
    assert.deepEqual([...(rules[2]?.capabilities ?? [])].sort(), ['list', 'read'])
  })

  it('reads wrapping TTLs given as seconds or as duration strings', () => {
    for (const rule of [rules[3], rules[4]]) {
      assert.equal(rule?.minWrappingTtl, 300)
      assert.equal(rule?.maxWrappingTtl, 3600)
    }
  })

  it('keeps parameter values of every type as written', () => {
    assert.deepEqual(rules[5]?.allowedParameters, { zip: [], zap: [] })
    assert.deepEqual(rules[6]?.allowedParameters, { map: [{ good: 'one' }], int: [1, 2] })
    assert.deepEqual(rules[6]?.deniedParameters, { string: ['test'], bool: [false] })
  })

  it('accepts the patch capability and "+" segments anywhere, with a trailing "/" or glob', () => {
    assert.deepEqual([...(rules[7]?.capabilities ?? [])], ['patch'])
    assert.deepEqual([...(rules[9]?.capabilities ?? [])], ['read'])
  })
})

describe('parser replay of the TestPolicy_ParseBad* cases', () => {
  const refuses = (text: string, fragment: string) =>
    assert.throws(
      () => parsePolicy('p', text),
      (error: unknown) =>
        error instanceof InvalidRequestError && error.status === 400 && error.message.includes(fragment),
    )

  it('an unknown top-level key', () => refuses('name = "x"\nbad = "foo"', 'invalid key "bad"'))
  it('a misspelt path key', () =>
    refuses(
      'path "a/b" {\n capabilities = ["read"]\n capabilites = ["read"]\n}',
      'invalid key "capabilites"',
    ))
  it('an unknown legacy policy word', () =>
    refuses('path "a/b" { policy = "banana" }', 'path "a/b": invalid policy "banana"'))
  it('a max wrapping TTL below the min', () =>
    refuses(
      'path "a/b" {\n policy = "read"\n min_wrapping_ttl = 400\n max_wrapping_ttl = 200\n}',
      'max_wrapping_ttl cannot be less than min_wrapping_ttl',
    ))
  it('an unknown capability', () =>
    refuses('path "a/b" { capabilities = ["read", "banana"] }', 'path "a/b": invalid capability "banana"'))
  it('"+*" in a path', () =>
    refuses(
      'path "foo/+*" { capabilities = ["read"] }',
      `path "foo/+*": invalid use of wildcards ('+*' is forbidden)`,
    ))
  it('text that is not a policy', () => refuses('name{}', 'failed to parse policy'))
})
