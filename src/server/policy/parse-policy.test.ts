// Tests for policy parsing: HCL, JSON, base64, legacy shorthand and validation messages.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidRequestError } from '../../sdk/errors.ts'
import { DEFAULT_POLICY, defaultPolicy } from './builtin-policies.ts'
import { parsePolicy, validatePolicyName } from './parse-policy.ts'

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parsePolicy('p', text),
    (error: unknown) => {
      assert.ok(error instanceof InvalidRequestError, String(error))
      assert.equal(error.status, 400)
      assert.match(error.message, pattern)
      return true
    },
  )
}

const HCL = `
name = "ignored"
path "secret/data/*" {
  capabilities = ["create", "read"]
  allowed_parameters = {
    "Color" = ["red", "blue"]
    "size" = []
  }
  denied_parameters = { "admin" = [] }
  required_parameters = ["color"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = 90
  comment = "app data"
}
path "/sys/health" { capabilities = ["read", "sudo"] }
`

describe('parsePolicy', () => {
  it('parses HCL path rules with every setting', () => {
    const policy = parsePolicy('app', HCL)
    assert.equal(policy.name, 'app')
    assert.equal(policy.raw, HCL)
    assert.equal(policy.rules.length, 2)
    assert.deepEqual(policy.rules[0], {
      pattern: 'secret/data/*',
      capabilities: new Set(['create', 'read']),
      allowedParameters: { color: ['red', 'blue'], size: [] },
      deniedParameters: { admin: [] },
      requiredParameters: ['color'],
      minWrappingTtl: 1,
      maxWrappingTtl: 90,
    })
    assert.deepEqual(policy.rules[1], { pattern: 'sys/health', capabilities: new Set(['read', 'sudo']) })
  })

  it('accepts the HCL1 block form of parameter maps', () => {
    const policy = parsePolicy(
      'p',
      'path "a" {\n capabilities = ["update"]\n allowed_parameters { foo = [] }\n}',
    )
    assert.deepEqual(policy.rules[0]?.allowedParameters, { foo: [] })
  })

  it('collapses parameter names differing in case, an empty list (any value) absorbing the other', () => {
    const policy = parsePolicy(
      'p',
      'path "a" {\n capabilities = ["update"]\n denied_parameters = { "ttl" = [] "TTL" = ["1h"] "Max" = ["a"] "max" = ["b"] }\n}',
    )
    // Otherwise a ttl other than "1h" would get past a rule that meant to refuse every ttl.
    assert.deepEqual(policy.rules[0]?.deniedParameters, { ttl: [], max: ['a', 'b'] })
  })

  it('parses the JSON form, as an object or a list of objects', () => {
    const json = JSON.stringify({
      path: {
        'secret/*': { capabilities: ['read'] },
        'secret/x': { capabilities: ['deny'], allowed_parameters: { a: [] } },
      },
    })
    const policy = parsePolicy('j', json)
    assert.deepEqual(
      policy.rules.map((r) => [r.pattern, [...r.capabilities]]),
      [
        ['secret/*', ['read']],
        ['secret/x', ['deny']],
      ],
    )
    assert.equal(policy.rules[1]?.allowedParameters, undefined, 'deny drops other settings')
    const listed = parsePolicy('j', JSON.stringify({ path: [{ a: { capabilities: ['list'] } }] }))
    assert.deepEqual([...(listed.rules[0]?.capabilities ?? [])], ['list'])
  })

  it('decodes base64 bodies of either form and keeps the decoded text as raw', () => {
    const hcl = 'path "kv/*" { capabilities = ["read"] }'
    const fromHcl = parsePolicy('b', Buffer.from(hcl).toString('base64'))
    assert.equal(fromHcl.raw, hcl)
    assert.equal(fromHcl.rules[0]?.pattern, 'kv/*')
    const json = '{"path":{"kv/x":{"capabilities":["update"]}}}'
    const wrapped = Buffer.from(json)
      .toString('base64')
      .replace(/(.{20})/g, '$1\n')
    assert.equal(parsePolicy('b', wrapped).rules[0]?.pattern, 'kv/x')
  })

  it('maps the legacy policy shorthand onto capabilities', () => {
    const caps = (word: string) => [
      ...(parsePolicy('l', `path "a" { policy = "${word}" }`).rules[0]?.capabilities ?? []),
    ]
    assert.deepEqual(caps('read'), ['read', 'list'])
    assert.deepEqual(caps('write'), ['create', 'read', 'update', 'delete', 'list'])
    assert.deepEqual(caps('sudo'), ['create', 'read', 'update', 'delete', 'list', 'sudo'])
    assert.deepEqual(caps('deny'), ['deny'])
  })

  it('makes deny the only capability when listed with others', () => {
    const rule = parsePolicy('d', 'path "a" { capabilities = ["read", "deny", "sudo"] }').rules[0]
    assert.deepEqual([...(rule?.capabilities ?? [])], ['deny'])
  })

  it('accepts a comment-only policy as having no rules', () => {
    assert.deepEqual(parsePolicy('c', '# nothing yet\n').rules, [])
  })

  it('parses the built-in default policy', () => {
    const policy = defaultPolicy()
    assert.equal(policy.raw, DEFAULT_POLICY)
    const patterns = policy.rules.map((r) => r.pattern)
    for (const expected of [
      'auth/token/lookup-self',
      'cubbyhole/*',
      'sys/tools/hash/*',
      'sys/internal/ui/resultant-acl',
    ]) {
      assert.ok(patterns.includes(expected), expected)
    }
  })
})

describe('parsePolicy validation', () => {
  const cases: [string, string, RegExp][] = [
    ['empty text', '   \n', /'policy' parameter not supplied or empty/],
    [
      'unknown capability',
      'path "secret/a" { capabilities = ["reed"] }',
      /path "secret\/a": invalid capability "reed"/,
    ],
    ['+* together', 'path "secret/+*" { capabilities = ["read"] }', /'\+\*' is forbidden/],
    ['empty path', 'path "" { capabilities = ["read"] }', /the path must not be empty/],
    [
      'capabilities not a list',
      'path "a" { capabilities = "read" }',
      /path "a": capabilities must be a list of strings/,
    ],
    ['capability not a string', 'path "a" { capabilities = [1] }', /capabilities must be a list of strings/],
    ['unknown path key', 'path "a" { capabilites = ["read"] }', /path "a": invalid key "capabilites"/],
    ['unknown top-level key', 'paths "a" { capabilities = ["read"] }', /invalid key "paths"/],
    ['unknown top-level attribute', 'foo = 1', /invalid key "foo" at the top level/],
    ['path without label', 'path { capabilities = ["read"] }', /needs exactly one quoted path/],
    ['bad legacy policy', 'path "a" { policy = "admin" }', /path "a": invalid policy "admin"/],
    [
      'legacy policy naming an Object.prototype member',
      'path "a" { policy = "constructor" }',
      /path "a": invalid policy "constructor"/,
    ],
    [
      'legacy policy "toString" in JSON',
      '{"path":{"a":{"policy":"toString"}}}',
      /path "a": invalid policy "toString"/,
    ],
    [
      'legacy policy "__proto__"',
      'path "a" { policy = "__proto__" }',
      /path "a": invalid policy "__proto__"/,
    ],
    [
      'parameters not an object',
      'path "a" { allowed_parameters = ["x"] }',
      /allowed_parameters must be an object/,
    ],
    [
      'parameter values not a list',
      'path "a" { denied_parameters = { x = "y" } }',
      /denied_parameters.x must be a list/,
    ],
    [
      'required not strings',
      'path "a" { required_parameters = [true] }',
      /required_parameters must be a list of strings/,
    ],
    ['bad duration', 'path "a" { max_wrapping_ttl = "soon" }', /max_wrapping_ttl must be a duration/],
    [
      'max below min',
      'path "a" {\nmin_wrapping_ttl = "2m"\nmax_wrapping_ttl = "1m"\n}',
      /max_wrapping_ttl cannot be less/,
    ],
    [
      'HCL syntax',
      'path "a" {\n  capabilities ["read"]\n}',
      /failed to parse policy: line 2, column 16: expected '='/,
    ],
    ['JSON syntax', '{"path": {', /invalid JSON/],
    ['JSON not an object', '{"path": ["x"]}', /"path" must map each path to an object/],
    ['JSON settings not an object', '{"path": {"a": 5}}', /path "a": settings must be an object/],
    ['JSON unknown key', '{"paths": {}}', /invalid key "paths"/],
  ]
  for (const [name, text, pattern] of cases) {
    it(`rejects ${name}`, () => rejects(text, pattern))
  }

  it('keeps policy text out of JSON syntax errors', () => {
    assert.throws(
      () => parsePolicy('p', '{"path": {"secret-value-123": oops}}'),
      (error: Error) => !error.message.includes('secret-value-123') && /invalid JSON/.test(error.message),
    )
  })

  it('refuses HCL and JSON policies nested past the depth limit, naming the limit', () => {
    const deepValue = `${'['.repeat(10_000)}"v"${']'.repeat(10_000)}`
    const hcl = `path "secret/*" {\n  capabilities = ["read"]\n  allowed_parameters = { k = [${deepValue}] }\n}`
    rejects(hcl, /^failed to parse policy: line 3, column \d+: the document nests deeper than 500 levels$/)
    const json = `{"path": {"secret/*": {"capabilities": ["read"], "allowed_parameters": {"k": [${deepValue}]}}}}`
    rejects(json, /^failed to parse policy: the policy nests deeper than 500 levels$/)
    rejects(Buffer.from(json).toString('base64'), /the policy nests deeper than 500 levels/)
  })

  it('accepts a policy nested right up to the limit', () => {
    const value = `${'['.repeat(495)}"v"${']'.repeat(495)}`
    const json = `{"path": {"secret/*": {"capabilities": ["read"], "allowed_parameters": {"k": ${value}}}}}`
    assert.equal(parsePolicy('p', json).rules.length, 1)
  })

  it('validates names', () => {
    assert.doesNotThrow(() => validatePolicyName('team-a/dev'))
    assert.throws(() => validatePolicyName(''), /must not be empty/)
    assert.throws(() => validatePolicyName('../etc'), /must not contain "\.\."/)
    assert.throws(() => parsePolicy('a..b', 'path "x" {}'), InvalidRequestError)
  })
})

describe('list_scan_response_keys_filter_path (OpenBao)', () => {
  it('is kept on a rule with list', () => {
    const text = `path "kv/metadata/*" {
  capabilities = ["list"]
  list_scan_response_keys_filter_path = "{{ .path | replace \\"kv/metadata/\\" \\"kv/data/\\" }}{{ .key }}"
}`
    const [rule] = parsePolicy('p', text).rules
    assert.equal(rule?.listKeysFilterPath, '{{ .path | replace "kv/metadata/" "kv/data/" }}{{ .key }}')
    const json = {
      path: { 'kv/*': { capabilities: ['list'], list_scan_response_keys_filter_path: 'kv/{{ .key }}' } },
    }
    assert.equal(parsePolicy('p', JSON.stringify(json)).rules[0]?.listKeysFilterPath, 'kv/{{ .key }}')
  })

  it('is ignored when empty or when the rule denies', () => {
    const empty = parsePolicy(
      'p',
      'path "kv/*" { capabilities = ["read"]\n list_scan_response_keys_filter_path = "" }',
    )
    assert.equal(empty.rules[0]?.listKeysFilterPath, undefined)
    const deny = parsePolicy(
      'p',
      'path "kv/*" { capabilities = ["deny"]\n list_scan_response_keys_filter_path = "{{ .key }}" }',
    )
    assert.equal(deny.rules[0]?.listKeysFilterPath, undefined)
  })

  it('is refused without list, without .key, or when it does not parse', () => {
    rejects(
      'path "kv/*" { capabilities = ["read"]\n list_scan_response_keys_filter_path = "kv/{{ .key }}" }',
      /path "kv\/\*": list_scan_response_keys_filter_path needs to be used on a path with the list capability/,
    )
    rejects(
      'path "kv/*" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{ .path }}x" }',
      /same path for two different keys/,
    )
    rejects(
      'path "kv/*" { capabilities = ["list"]\n list_scan_response_keys_filter_path = "{{ .key | nope }}" }',
      /unable to compile template: unknown function "nope"/,
    )
    rejects(
      'path "kv/*" { capabilities = ["list"]\n list_scan_response_keys_filter_path = 3 }',
      /list_scan_response_keys_filter_path must be a string/,
    )
  })
})

describe('parsePolicy: a "*" that is not the last character', () => {
  // Vault treats only a trailing '*' as a glob and accepts any other '*' as a literal character
  // (vault/policy.go parsePaths: the strings.CutSuffix(path, "*") prefix check is the only glob handling).
  it('accepts the policy, keeps the pattern as written and warns about the literal "*"', () => {
    const policy = parsePolicy(
      'mid',
      'path "secret/*/x" { capabilities = ["read"] }\npath "a/*b*" { capabilities = ["list"] }',
    )
    assert.deepEqual(
      policy.rules.map((rule) => rule.pattern),
      ['secret/*/x', 'a/*b*'],
    )
    assert.equal(policy.warnings?.length, 2)
    assert.match(policy.warnings![0]!, /path "secret\/\*\/x": only a trailing '\*' is a wildcard/)
    assert.match(policy.warnings![1]!, /path "a\/\*b\*"/)
  })

  it('does not warn about a trailing "*" alone', () => {
    assert.equal(parsePolicy('tail', 'path "secret/*" { capabilities = ["read"] }').warnings, undefined)
  })
})
