// The ACL replayed against the behaviours OpenBao's policy/acl_test.go tables pin down (shared with Vault).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Acl, type AclOperation, type AclRequest } from './acl.ts'
import { rootPolicy } from './builtin-policies.ts'
import { parsePolicy } from './parse-policy.ts'

const acl = (...texts: string[]) => new Acl(texts.map((text, i) => parsePolicy(`p${i}`, text)))

type Row = [op: AclOperation, path: string, allowed: boolean, sudo: boolean]

function check(subject: Acl, rows: Row[]) {
  for (const [op, path, allowed, sudo] of rows) {
    const result = subject.authorize({ path, operation: op })
    assert.deepEqual(
      { op, path, allowed: result.allowed, sudo: result.sudo },
      { op, path, allowed, sudo },
      `${op} ${path}`,
    )
  }
}

/** One policy mixing the legacy `policy =` shorthand, capabilities lists and segment wildcards. */
const MIXED = `
path "team/*" { policy = "sudo" }
path "build/*" { policy = "write" }
path "build/cloud/*" {
  policy = "read"
  capabilities = ["update", "sudo"]
}
path "build/cloud/iam/*" { policy = "sudo" }
path "live/*" { policy = "read" }
path "live/cloud/*" { policy = "deny" }
path "sys/*" { policy = "deny" }
path "app/cfg" { capabilities = ["read", "create", "sudo"] }
path "app/doc" { capabilities = ["read", "create", "patch"] }
path "seg/+/leaf" { capabilities = ["read"] }
path "+/lead/in/front" { capabilities = ["read"] }
path "seg/lead/tail/+" { capabilities = ["read"] }
path "seg/lead/tail/v2/+/" { capabilities = ["read"] }
path "seg/+/mid/+/*" { capabilities = ["read"] }
path "seg/+/midglob/+/end*" { capabilities = ["read"] }
path "n1/n2/*" { capabilities = ["create"] }
path "n1/n2/+" { capabilities = ["read"] }
path "n1/n2/+/+" { capabilities = ["update"] }
`

/** A second policy layered over MIXED: denies that must win, a write that must add up. */
const LAYER = `
path "team/hidden/*" { policy = "deny" }
path "build/cloud/iam/*" {
  policy = "deny"
  capabilities = ["read", "update", "sudo"]
}
path "live/*" { policy = "write" }
path "sys/seal" { policy = "sudo" }
path "app/cfg" { capabilities = ["deny"] }
path "app/doc" { capabilities = ["deny"] }
`

describe('ACL replay of TestACL_Single', () => {
  it('decides each operation by the most specific rule, reporting its sudo even when refused', () => {
    check(acl(MIXED), [
      ['read', 'root', false, false],
      ['read', 'sys/mounts/kv', false, false],
      ['read', 'team/x', true, true],
      ['update', 'team/x', true, true],
      ['delete', 'build/x', true, false],
      ['list', 'build/cloud/x', true, true],
      ['update', 'build/cloud/x', true, true],
      ['update', 'build/cloud/iam/x', true, true],
      ['delete', 'live/x', false, false],
      ['update', 'live/x', false, false],
      ['read', 'live/x', true, false],
      ['list', 'live/x', true, false],
      ['read', 'live/cloud/x', false, false],
      ['read', 'app/cfg', true, true],
      ['list', 'app/cfg', false, true],
      ['update', 'app/cfg', false, true],
      ['create', 'app/cfg', true, true],
      ['read', 'app/doc', true, false],
      ['create', 'app/doc', true, false],
      ['patch', 'app/doc', true, false],
      ['list', 'app/doc', false, false],
      ['update', 'app/doc', false, false],
    ])
  })

  it('matches "+" to exactly one whole segment, a trailing "/" counting as one more (empty) segment', () => {
    check(acl(MIXED), [
      ['read', 'seg/a/b/leaf', false, false],
      ['read', 'seg/a/leaf', true, false],
      ['read', 'seg/b/leaf', true, false],
      ['read', 'seg/lead/in/fronts', false, false],
      ['read', 'seg/lead/in/front', true, false],
      ['read', 'seg/lead/tail/x', true, false],
      ['read', 'seg/lead/tail/x/', false, false],
      ['read', 'seg/lead/tail/v2/x/', true, false],
      ['read', 'seg/lead/mid/y/z/', true, false],
      ['read', 'seg/lead/mid/y/end', true, false],
      ['read', 'seg/lead/mid/y/end/', true, false],
      ['read', 'seg/lead/midglob/y/endless', true, false],
      ['read', 'seg/lead/midglob/y/other', false, false],
    ])
  })

  it('ranks "+" rules against a glob of the same prefix: fewer segments do not fall to the glob', () => {
    check(acl(MIXED), [
      ['read', 'n1/n2/a/b', false, false],
      ['read', 'n1/n2/a', true, false],
      ['update', 'n1/n2/a', false, false],
      ['update', 'n1/n2/a/b', true, false],
      ['create', 'n1/n2/a/b/c', true, false],
    ])
  })

  it('the legacy shorthand expands to the capabilities Vault gives it', () => {
    const subject = acl(MIXED)
    assert.deepEqual(subject.capabilities('team/'), ['create', 'delete', 'list', 'read', 'sudo', 'update'])
    assert.deepEqual(subject.capabilities('build/cloud/test'), ['list', 'read', 'sudo', 'update'])
    assert.deepEqual(subject.capabilities('team'), ['deny'])
  })
})

describe('ACL replay of TestACL_Layered', () => {
  it('unions capabilities of policies on the same path, and a deny anywhere on that path wins', () => {
    for (const order of [
      [MIXED, LAYER],
      [LAYER, MIXED],
    ]) {
      check(acl(...order), [
        ['read', 'root', false, false],
        ['read', 'team/x', true, true],
        ['update', 'team/x', true, true],
        ['read', 'team/hidden/x', false, false],
        ['update', 'team/hidden/x', false, false],
        ['delete', 'build/x', true, false],
        ['list', 'build/cloud/x', true, true],
        ['update', 'build/cloud/x', true, true],
        // `policy = "deny"` drops the capabilities written beside it, and the merge drops the other policy's sudo.
        ['update', 'build/cloud/iam/x', false, false],
        ['delete', 'live/x', true, false],
        ['update', 'live/x', true, false],
        ['read', 'live/x', true, false],
        ['list', 'live/x', true, false],
        ['read', 'live/cloud/x', false, false],
        ['read', 'sys/status', false, false],
        ['update', 'sys/seal', true, true],
        ['read', 'app/cfg', false, false],
        ['list', 'app/cfg', false, false],
        ['update', 'app/cfg', false, false],
        ['create', 'app/cfg', false, false],
        ['read', 'app/doc', false, false],
        ['create', 'app/doc', false, false],
        ['patch', 'app/doc', false, false],
      ])
    }
  })
})

describe('ACL replay of TestACL_Root and TestACL_Capabilities', () => {
  it('root allows everything with sudo and reports ["root"]', () => {
    const root = new Acl([rootPolicy()])
    const result = root.authorize({ path: 'sys/mounts/x', operation: 'update' })
    assert.equal(result.allowed, true)
    assert.equal(result.sudo, true)
    assert.deepEqual(root.capabilities('any/path'), ['root'])
  })
})

/** Decide a request for both update and create, which must agree (as OpenBao's tables run both). */
function writeAllowed(subject: Acl, request: Omit<AclRequest, 'operation'>): boolean {
  const update = subject.authorize({ ...request, operation: 'update' }).allowed
  const create = subject.authorize({ ...request, operation: 'create' }).allowed
  assert.equal(update, create, `update and create disagree on ${request.path}`)
  return update
}

describe('ACL replay of TestACL_PolicyMerge', () => {
  const merged = acl(`
path "m/denied" {
  policy = "write"
  denied_parameters = { "alpha" = [] }
  required_parameters = ["alpha"]
}
path "m/denied" {
  policy = "write"
  denied_parameters = { "beta" = [] }
}
path "m/window" {
  policy = "write"
  allowed_parameters = { "one" = [] }
  required_parameters = ["one"]
  max_wrapping_ttl = 300
  min_wrapping_ttl = 100
}
path "m/window" {
  policy = "write"
  allowed_parameters = { "two" = [] }
  required_parameters = ["two"]
  max_wrapping_ttl = 200
  min_wrapping_ttl = 50
}
path "m/allow-star-last" {
  policy = "write"
  allowed_parameters = { "free" = [], "fixed" = ["only"] }
}
path "m/allow-star-last" {
  policy = "write"
  allowed_parameters = { "*" = [] }
}
path "m/allow-star-first" {
  policy = "write"
  allowed_parameters = { "*" = [] }
}
path "m/allow-star-first" {
  policy = "write"
  allowed_parameters = { "free" = [], "fixed" = ["only"] }
}
path "m/deny-star-last" {
  policy = "write"
  denied_parameters = { "free" = [] }
}
path "m/deny-star-last" {
  policy = "write"
  denied_parameters = { "*" = [] }
}
path "m/deny-star-first" {
  policy = "write"
  denied_parameters = { "*" = [] }
}
path "m/deny-star-first" {
  policy = "write"
  denied_parameters = { "free" = [] }
}
path "m/values" {
  policy = "write"
  allowed_parameters = { "n" = [1, 2] }
  denied_parameters = { "n" = [1] }
}
path "m/values" {
  policy = "write"
  allowed_parameters = { "n" = [3, 4] }
  denied_parameters = { "n" = [3] }
}
path "m/empty" {
  policy = "write"
  allowed_parameters = { "e" = [] }
  denied_parameters = { "e" = [1] }
}
path "m/empty" {
  policy = "write"
  allowed_parameters = { "e" = [1] }
  denied_parameters = { "e" = [] }
}
`)

  it('merges denied parameters and required parameters of rules on one path', () => {
    assert.equal(writeAllowed(merged, { path: 'm/denied', data: { alpha: 'x' } }), false)
    assert.equal(writeAllowed(merged, { path: 'm/denied', data: { other: 'x' } }), false, 'alpha is required')
    assert.equal(writeAllowed(merged, { path: 'm/denied', data: { alpha: 'x', beta: 'y' } }), false)
  })

  it('keeps the shorter max and the shorter min wrapping TTL, and unions allowed and required parameters', () => {
    const data = { one: 'a', two: 'b' }
    assert.equal(writeAllowed(merged, { path: 'm/window', data, wrapTtl: 150 }), true)
    assert.equal(writeAllowed(merged, { path: 'm/window', data, wrapTtl: 60 }), true, 'min is now 50')
    assert.equal(writeAllowed(merged, { path: 'm/window', data, wrapTtl: 40 }), false)
    assert.equal(writeAllowed(merged, { path: 'm/window', data, wrapTtl: 250 }), false, 'max is now 200')
    assert.equal(writeAllowed(merged, { path: 'm/window', data }), false, 'unwrapped')
    assert.equal(writeAllowed(merged, { path: 'm/window', data: { one: 'a' }, wrapTtl: 150 }), false)
    assert.equal(
      writeAllowed(merged, { path: 'm/window', data: { ...data, three: 'c' }, wrapTtl: 150 }),
      false,
    )
  })

  it('an allowed "*" merged in either order admits any key, yet a listed key keeps its values', () => {
    for (const path of ['m/allow-star-last', 'm/allow-star-first']) {
      assert.equal(writeAllowed(merged, { path, data: { anything: 'x' } }), true, path)
      assert.equal(writeAllowed(merged, { path, data: { free: 'x' } }), true, path)
      assert.equal(writeAllowed(merged, { path, data: { fixed: 'only' } }), true, path)
      assert.equal(writeAllowed(merged, { path, data: { fixed: 'other' } }), false, path)
    }
  })

  it('a denied "*" merged in either order refuses every parameter but allows an empty body', () => {
    for (const path of ['m/deny-star-last', 'm/deny-star-first']) {
      assert.equal(writeAllowed(merged, { path, data: { anything: 'x' } }), false, path)
      assert.equal(writeAllowed(merged, { path, data: {} }), true, path)
    }
  })

  it('concatenates value lists of the same parameter', () => {
    assert.equal(writeAllowed(merged, { path: 'm/values', data: { n: 2 } }), true)
    assert.equal(writeAllowed(merged, { path: 'm/values', data: { n: 4 } }), true)
    assert.equal(writeAllowed(merged, { path: 'm/values', data: { n: 1 } }), false)
    assert.equal(writeAllowed(merged, { path: 'm/values', data: { n: 3 } }), false)
    assert.equal(writeAllowed(merged, { path: 'm/values', data: { n: 5 } }), false)
  })

  it('an empty list (any value) absorbs a value list in the merge, on both sides', () => {
    assert.equal(
      writeAllowed(merged, { path: 'm/empty', data: { e: 2 } }),
      false,
      'denied now covers any value',
    )
    assert.equal(writeAllowed(merged, { path: 'm/empty', data: {} }), true)
  })
})

describe('ACL replay of TestACL_AllowOperation', () => {
  const subject = acl(`
path "ops/*" {
  policy = "write"
  allowed_parameters = { "zip" = [] }
}
path "wrap/both" {
  policy = "write"
  denied_parameters = { "zap" = [] }
  min_wrapping_ttl = 300
  max_wrapping_ttl = 400
}
path "wrap/min" {
  policy = "write"
  allowed_parameters = { "hello" = [] }
  denied_parameters = { "zap" = [] }
  min_wrapping_ttl = 300
}
path "wrap/max" {
  policy = "write"
  max_wrapping_ttl = 400
}
path "clash/name" {
  policy = "write"
  allowed_parameters = { "steve" = [] }
  denied_parameters = { "steve" = [] }
}
path "clash/star" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "*" = [] }
}
path "star/but" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "foo" = [] }
}
path "only/but-none" {
  policy = "write"
  allowed_parameters = { "pear" = [] }
  denied_parameters = { "*" = [] }
}
path "empty/maps" {
  policy = "write"
  allowed_parameters = {}
  denied_parameters = {}
}
path "star/denylist" {
  policy = "write"
  allowed_parameters = { "*" = [] }
  denied_parameters = { "soft" = [], "warm" = [], "kitty" = [] }
}
path "must/have" {
  policy = "write"
  required_parameters = ["foo"]
}
`)
  const keys = (...names: string[]) => Object.fromEntries(names.map((name) => [name, '']))
  const rows: [path: string, wrapTtl: number | undefined, data: string[], allowed: boolean][] = [
    ['ops/x', undefined, ['zip'], true],
    ['ops/x', undefined, ['zap'], false],
    ['wrap/both', undefined, ['zap'], false],
    ['wrap/both', undefined, ['zip'], false],
    ['wrap/both', 50, ['zip'], false],
    ['wrap/both', 450, ['zip'], false],
    ['wrap/both', 350, ['zip'], true],
    ['wrap/both', 300, ['zip'], true],
    ['wrap/both', 400, ['zip'], true],
    ['wrap/min', undefined, ['hello'], false],
    ['wrap/min', 50, ['hello'], false],
    ['wrap/min', 450, ['hello'], true],
    ['wrap/min', 450, ['zap'], false],
    ['clash/name', undefined, ['steve'], false],
    ['wrap/max', undefined, [''], false],
    ['wrap/max', 450, [''], false],
    ['wrap/max', 350, [''], true],
    ['clash/star', undefined, ['one'], false],
    ['clash/star', undefined, [], true],
    ['star/but', undefined, ['one'], true],
    ['star/but', undefined, ['foo'], false],
    ['only/but-none', undefined, ['pear'], false],
    ['only/but-none', undefined, ['one'], false],
    ['empty/maps', undefined, ['four'], true],
    ['star/denylist', undefined, ['cold', 'warm', 'kitty'], false],
    ['star/denylist', undefined, ['cold'], true],
    ['must/have', undefined, ['cold', 'warm'], false],
    ['must/have', undefined, ['cold', 'warm', 'foo'], true],
  ]
  for (const [path, wrapTtl, data, allowed] of rows) {
    it(`${path} wrap=${wrapTtl ?? 'none'} keys=[${data.join(',')}] → ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(writeAllowed(subject, { path, wrapTtl, data: keys(...data) }), allowed)
    })
  }

  it('checks parameters on read too, and never on delete or list', () => {
    assert.equal(subject.authorize({ path: 'must/have', operation: 'read', data: {} }).allowed, false)
    assert.equal(subject.authorize({ path: 'must/have', operation: 'read', data: { foo: '' } }).allowed, true)
    const denyAll = acl(`path "q" {
  capabilities = ["read", "delete", "list"]
  denied_parameters = { "*" = [] }
  required_parameters = ["x"]
}`)
    assert.equal(denyAll.authorize({ path: 'q', operation: 'read', data: { x: 1 } }).allowed, false)
    assert.equal(denyAll.authorize({ path: 'q', operation: 'read', data: {} }).allowed, false)
    assert.equal(denyAll.authorize({ path: 'q', operation: 'delete', data: { y: 1 } }).allowed, true)
    assert.equal(denyAll.authorize({ path: 'q', operation: 'list', data: { y: 1 } }).allowed, true)
  })
})

describe('ACL replay of TestACL_ValuePermissions', () => {
  const subject = acl(`
path "v/*" {
  policy = "write"
  allowed_parameters = { "allow" = ["good"] }
}
path "g/deny" {
  policy = "write"
  denied_parameters = { "deny" = ["bad*"] }
}
path "g/case" {
  policy = "write"
  allowed_parameters = { "ALLOW" = ["good"] }
  denied_parameters = { "dEny" = ["bad"] }
}
path "g/multi" {
  policy = "write"
  allowed_parameters = {
    "allow_multi" = ["good", "good1", "good2", "*good3"]
    "allow" = ["good"]
  }
  denied_parameters = { "deny_multi" = ["bad", "bad1", "bad2"] }
}
path "g/types" {
  policy = "write"
  allowed_parameters = {
    "map" = [{ "good" = "one" }]
    "int" = [1, 2]
    "bool" = [false]
  }
  denied_parameters = {}
}
path "g/star" {
  policy = "write"
  allowed_parameters = {
    "*" = []
    "foo" = []
    "bar" = [false]
  }
  denied_parameters = {}
}
`)
  const rows: [path: string, data: Record<string, unknown>, allowed: boolean][] = [
    ['v/x', { allow: 'good' }, true],
    ['v/x', { allow: 'bad' }, false],
    ['g/deny', { deny: 'bad' }, false],
    ['g/deny', { deny: 'bad glob' }, false],
    ['g/deny', { deny: 'good' }, true],
    ['g/deny', { deny: 'not bad' }, true],
    ['g/deny', { allow: 'good' }, true],
    ['g/deny', { deny: null }, true],
    ['g/deny', { allow: null }, true],
    ['g/case', { aLLow: 'good' }, true],
    ['g/case', { deny: 'bad' }, false],
    ['g/case', { deny: 'good' }, false],
    ['g/case', { allow: 'good', deny: 'bad' }, false],
    ['g/case', { deNy: 'bad', allow: 'good' }, false],
    ['g/case', { aLLow: 'bad' }, false],
    ['g/case', { Neither: 'bad' }, false],
    ['g/case', { allow: null }, false],
    ['g/multi', { allow_multi: 'good' }, true],
    ['g/multi', { allow_multi: 'good1' }, true],
    ['g/multi', { allow_multi: 'good2' }, true],
    ['g/multi', { allow_multi: 'glob good2' }, false],
    ['g/multi', { allow_multi: 'glob good3' }, true],
    ['g/multi', { allow_multi: 'good3 glob' }, false],
    ['g/multi', { allow_multi: 'bad' }, false],
    ['g/multi', { allow_multi: 'good1', allow: 'good' }, true],
    ['g/multi', { deny_multi: 'bad2' }, false],
    ['g/multi', { deny_multi: 'good', allow_multi: 'good2' }, false],
    ['g/types', { map: { good: 'one' } }, true],
    ['g/types', { map: { bad: 'one' } }, false],
    ['g/types', { map: { good: 'one', more: 'two' } }, false],
    ['g/types', { int: 1 }, true],
    ['g/types', { int: 3 }, false],
    ['g/types', { int: '1' }, false],
    ['g/types', { bool: false }, true],
    ['g/types', { bool: true }, false],
    ['g/star', { anything: true }, true],
    ['g/star', { foo: true }, true],
    ['g/star', { bar: false }, true],
    ['g/star', { bar: true }, false],
  ]
  for (const [path, data, allowed] of rows) {
    it(`${path} ${JSON.stringify(data)} → ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(writeAllowed(subject, { path, data }), allowed)
    })
  }
})

describe('ACL replay of TestACL_SegmentWildcardPriority', () => {
  // Each policy has a read rule and an update rule; the update rule must be the one that governs the path.
  const cases: [why: string, readRule: string, updateRule: string, path: string][] = [
    ['a bare "*" (wildcard at 0, none counted) beats "+/*"', '+/*', '*', 'a/b/c/d'],
    ['a later first wildcard wins', '+/*', 'a/+/*', 'a/b/c/d'],
    ['a later first wildcard beats a trailing glob', 'a/+/+/*', 'a/+/c/d', 'a/b/c/d'],
    ['fewer "+" segments win', 'a/+/+/d', 'a/+/c/d', 'a/b/c/d'],
    ['the first wildcard position beats lexical order', 'a/+/(c/d', 'a/(b/+/d', 'a/(b/(c/d'],
    ['no trailing glob beats a glob with the same prefix', 'a/b/+/d*', 'a/b/+/d', 'a/b/c/d'],
    ['a longer glob stem wins', 'a/b/+/d*', 'a/b/+/de*', 'a/b/c/def'],
  ]
  for (const [why, readRule, updateRule, path] of cases) {
    it(why, () => {
      for (const order of [
        [readRule, updateRule],
        [updateRule, readRule],
      ]) {
        const [first, second] = order as [string, string]
        const capsOf = (rule: string) => (rule === readRule ? '"read"' : '"update"')
        const subject = acl(
          `path "${first}" { capabilities = [${capsOf(first)}] }\npath "${second}" { capabilities = [${capsOf(second)}] }`,
        )
        assert.equal(subject.authorize({ path, operation: 'update' }).allowed, true, `update ${path}`)
        assert.equal(subject.authorize({ path, operation: 'read' }).allowed, false, `read ${path}`)
      }
    })
  }
})

describe('ACL replay of TestACL_ListScanWildcardDeny', () => {
  const subject = acl(`
path "kv/metadata/*" { capabilities = ["list"] }
path "kv/metadata/private/*" { capabilities = ["deny"] }
path "kv/metadata/private/granted/*" { capabilities = ["list"] }
`)
  const rows: [string, boolean][] = [
    ['kv/', false],
    ['kv/metadata/', true],
    ['kv/metadata/test/', true],
    ['kv/metadata/private/', false],
    ['kv/metadata/private/internal/', false],
    ['kv/metadata/private/granted/', true],
    ['kv/metadata/private/granted/test/', true],
  ]
  for (const [path, allowed] of rows) {
    it(`list ${path} → ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(subject.authorize({ path, operation: 'list' }).allowed, allowed)
    })
  }
})

describe('ACL replay of TestACLGrantingPolicies', () => {
  const a = parsePolicy(
    'granting_a',
    `path "kv/foo" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["update", "read"] }
path "kv/deny" { capabilities = ["deny"] }`,
  )
  const b = parsePolicy(
    'granting_b',
    `path "kv/foo" { capabilities = ["update", "read"] }
path "kv/bar" { capabilities = ["update", "read"] }
path "kv/path/longer" { capabilities = ["read"] }
path "kv/deny" { capabilities = ["update"] }`,
  )
  it('a deny in one policy refuses what the other grants on the same path', () => {
    const subject = new Acl([a, b])
    assert.equal(subject.authorize({ path: 'kv/deny', operation: 'update' }).allowed, false)
    assert.equal(subject.authorize({ path: 'kv/deny', operation: 'read' }).allowed, false)
    assert.deepEqual(subject.capabilities('kv/deny'), ['deny'])
  })
  it('an exact rule of one policy beats the other policy’s glob, and the merge keeps both policies’ grants', () => {
    const subject = new Acl([a, b])
    assert.equal(subject.authorize({ path: 'kv/path/longer', operation: 'update' }).allowed, true)
    assert.equal(subject.authorize({ path: 'kv/path/other', operation: 'update' }).allowed, false)
    assert.deepEqual(
      subject.governingRule('kv/path/longer', false)?.sources.map((s) => s.policy),
      ['granting_a', 'granting_b'],
    )
  })
})

describe('ACL replay of TestACL_SegmentWildcardPriority_BareMount (Vault hasMountAccess)', () => {
  const cases: [rule: string, mount: string, reaches: boolean][] = [
    ['+', 'kv/', true],
    ['+/*', 'kv/', true],
    ['kv/+/+/*', 'kv/', true],
    ['kv/+/+/*', 'kv/a/', true],
    ['kv/+/+/*', 'kv/a/b/', true],
    ['kv/+/+/*', 'kv/a/b/c/', true],
    ['kv/+/+/c', 'kv/a/b/c/', true],
    ['kv/+/b/c', 'kv/a/b/c/', true],
    ['kv/a/+/c*', 'kv/a/b/c/', true],
    ['kv/a/+/x*', 'kv/a/b/cd/', false],
    ['kv/+', 'kv/', true],
    ['kv/+', 'other/', false],
    ['+', 'kv/a/', false],
  ]
  for (const [rule, mount, reaches] of cases) {
    it(`"${rule}" ${reaches ? 'reaches' : 'does not reach'} the mount ${mount}`, () => {
      assert.equal(acl(`path "${rule}" { capabilities = ["read"] }`).reachesMount(mount), reaches)
      assert.equal(acl(`path "${rule}" { capabilities = ["deny"] }`).reachesMount(mount), false)
    })
  }

  it('counts merged rules: a path granted by one policy and denied by another reveals nothing', () => {
    const grant = 'path "kv/app" { capabilities = ["read"] }\npath "kv/dir/*" { capabilities = ["list"] }'
    const deny = 'path "kv/app" { capabilities = ["deny"] }\npath "kv/dir/*" { capabilities = ["deny"] }'
    assert.equal(acl(grant).reachesMount('kv/'), true)
    assert.equal(acl(grant, deny).reachesMount('kv/'), false)
    assert.equal(acl(deny, grant).reachesMount('kv/'), false)
  })

  it('a broad glob reveals nothing of a mount whose own path a deny glob governs', () => {
    const subject = acl('path "k*" { capabilities = ["read"] }', 'path "kv/*" { capabilities = ["deny"] }')
    assert.equal(subject.reachesMount('kv/'), false)
    assert.equal(subject.reachesMount('kx/'), true)
  })

  it('a rule granting only subscribe below the mount does not reveal it', () => {
    assert.equal(acl('path "kv/app" { capabilities = ["subscribe"] }').reachesMount('kv/'), false)
  })

  it('root reaches every mount', () => {
    assert.equal(new Acl([rootPolicy()]).reachesMount('anything/'), true)
  })
})

describe('Vault parameter matching of list values and comma-separated strings', () => {
  const subject = acl(`
path "users/*" {
  capabilities = ["create", "update"]
  allowed_parameters = { "token_policies" = ["default", "dev*"], "name" = [] }
  denied_parameters = { "token_type" = ["batch"] }
}
path "roles/*" {
  capabilities = ["create", "update"]
  denied_parameters = { "policies" = ["root", "admin*"] }
}
`)
  const rows: [path: string, data: Record<string, unknown>, allowed: boolean][] = [
    // A comma-separated string is read as the list it stands for (Vault's TypeCommaStringSlice fields).
    ['roles/a', { policies: 'default,root' }, false],
    ['roles/a', { policies: 'default, root' }, false],
    ['roles/a', { policies: 'default,admin-ops' }, false],
    ['roles/a', { policies: ['default', 'root'] }, false],
    ['roles/a', { policies: 'default,dev' }, true],
    ['roles/a', { policies: 'rooted' }, true],
    ['users/a', { token_policies: 'default,dev-team' }, true],
    ['users/a', { token_policies: 'default, dev' }, true],
    ['users/a', { token_policies: ['default', 'dev'] }, true],
    ['users/a', { token_policies: 'default,prod' }, false],
    ['users/a', { token_policies: ['default', 'prod'] }, false],
    ['users/a', { token_type: 'service,batch' }, false],
    ['users/a', { name: 'anything, at all' }, true],
  ]
  for (const [path, data, allowed] of rows) {
    it(`${path} ${JSON.stringify(data)} → ${allowed ? 'allowed' : 'refused'}`, () => {
      assert.equal(writeAllowed(subject, { path, data }), allowed)
    })
  }
})
