// Table-driven tests of the compiled ACL against Vault's documented matching and constraint semantics.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Acl, type AclOperation } from './acl.ts'
import { defaultPolicy, rootPolicy } from './builtin-policies.ts'
import { parsePolicy } from './parse-policy.ts'
import type { Policy } from './policy.ts'

/** Named policy texts the cases below combine. */
const TEXTS: Record<string, string> = {
  secretRead: `path "secret/*" { capabilities = ["read", "list"] }
path "secret/super-secret" { capabilities = ["deny"] }`,
  noUnion: `path "secret/*" { capabilities = ["read", "update"] }
path "secret/restricted/*" { capabilities = ["read"] }`,
  exactBeatsGlob: `path "secret/foo" { capabilities = ["read"] }
path "secret/foo*" { capabilities = ["update"] }`,
  earlierWildcard: `path "secret/+/bar" { capabilities = ["read"] }
path "secret/foo/*" { capabilities = ["update"] }`,
  trailingStar: `path "secret/+/bar" { capabilities = ["read"] }
path "secret/+/ba*" { capabilities = ["update"] }
path "team/+" { capabilities = ["read"] }
path "team/*" { capabilities = ["update"] }`,
  fewerPlus: `path "secret/+/+/foo" { capabilities = ["read"] }
path "secret/+/bar/foo" { capabilities = ["update"] }`,
  longer: `path "secret/+/bar/b*" { capabilities = ["read"] }
path "secret/+/bar/ba*" { capabilities = ["update"] }`,
  prefixVsSegment: `path "secret/*" { capabilities = ["read"] }
path "secret/+/*" { capabilities = ["update"] }`,
  lexical: `path "a/+/c/+" { capabilities = ["read"] }
path "a/+/+/d" { capabilities = ["update"] }`,
  plus: `path "secret/+/teamb" { capabilities = ["read"] }
path "+/config" { capabilities = ["read"] }
path "kv/+" { capabilities = ["read", "list"] }
path "kv/+/*" { capabilities = ["update"] }
path "kv2/+/zip-*" { capabilities = ["delete"] }`,
  zip: `path "secret/zip-*" { capabilities = ["read"] }`,
  denyA: `path "secret/shared/*" { capabilities = ["deny"] }`,
  readB: `path "secret/shared/*" { capabilities = ["read", "sudo"] }
path "secret/admin/*" { capabilities = ["deny"] }
path "secret/*" { capabilities = ["read"] }`,
  broadDeny: `path "secret/*" { capabilities = ["deny"] }
path "secret/public/*" { capabilities = ["read"] }`,
  mergeRead: `path "secret/app" { capabilities = ["read"] }`,
  mergeUpdate: `path "secret/app" { capabilities = ["update"] }`,
  listExact: `path "secret/dir" { capabilities = ["list"] }
path "secret/readonly" { capabilities = ["read"] }
path "secret/+" { capabilities = ["list", "read"] }`,
  sudo: `path "sys/raw/*" { capabilities = ["read", "sudo"] }
path "sys/rotate" { capabilities = ["sudo"] }`,
  required: `path "secret/req" {
  capabilities = ["create", "read", "delete", "update"]
  required_parameters = ["bar"]
}`,
  deniedAny: `path "secret/d" {
  capabilities = ["create", "update"]
  denied_parameters = { "bar" = [] }
}`,
  deniedValues: `path "secret/dv" {
  capabilities = ["update"]
  denied_parameters = { "bar" = ["zip", "zap"], "tags" = ["secret"] }
}`,
  deniedAll: `path "secret/da" {
  capabilities = ["update"]
  denied_parameters = { "*" = [] }
}`,
  allowedValues: `path "secret/av" {
  capabilities = ["update", "patch"]
  allowed_parameters = { "Bar" = ["zip", "zap"], "n" = [1, 2] }
}`,
  allowedStar: `path "secret/as" {
  capabilities = ["update"]
  allowed_parameters = { "*" = [], "bar" = ["zip"] }
}
path "secret/only-star" {
  capabilities = ["update"]
  allowed_parameters = { "*" = [] }
}`,
  allowedGlobs: `path "secret/ag" {
  capabilities = ["update"]
  allowed_parameters = {
    "prefix" = ["foo-*"]
    "suffix" = ["*-prod"]
    "middle" = ["*mid*"]
    "star" = ["*"]
  }
}`,
  allowedMergeA: `path "secret/m" {
  capabilities = ["update"]
  allowed_parameters = { "color" = ["red"] }
}`,
  allowedMergeB: `path "secret/m" {
  capabilities = ["update"]
  allowed_parameters = { "color" = ["blue"], "size" = [] }
}`,
  unconstrained: `path "secret/m" { capabilities = ["update"] }`,
  wrapping: `path "sys/wrapped" {
  capabilities = ["read"]
  min_wrapping_ttl = "30s"
  max_wrapping_ttl = "90s"
}`,
  legacy: `path "old/write" { policy = "write" }
path "old/read" { policy = "read" }
path "old/sudo" { policy = "sudo" }`,
}

const POLICIES = new Map<string, Policy>([
  ...Object.entries(TEXTS).map(([name, text]): [string, Policy] => [
    name,
    parsePolicy(name.toLowerCase(), text),
  ]),
  ['root', rootPolicy()],
  ['default', defaultPolicy()],
])

interface Case {
  policies: string[]
  op: AclOperation
  path: string
  allowed: boolean
  sudo?: boolean
  data?: Record<string, unknown>
  wrapTtl?: number
  why: string
}

function c(
  policies: string[],
  op: AclOperation,
  path: string,
  allowed: boolean,
  why: string,
  extra: Partial<Case> = {},
): Case {
  return { policies, op, path, allowed, why, ...extra }
}

const CASES: Case[] = [
  // Exact beats glob; a glob is a plain prefix.
  c(['secretRead'], 'read', 'secret/foo', true, 'prefix glob grants read'),
  c(['secretRead'], 'read', 'secret/super-secret', false, 'exact deny beats the glob'),
  c(['secretRead'], 'read', 'secret/super-secret/child', true, 'exact rule does not cover children'),
  c(['secretRead'], 'read', 'secret', false, 'secret/* does not match secret'),
  c(['secretRead'], 'list', 'secret/', true, 'secret/* matches secret/'),
  c(['secretRead'], 'update', 'secret/foo', false, 'glob grants only read and list'),
  c(['secretRead'], 'read', '/secret/foo', true, 'leading slash is ignored'),
  c(['exactBeatsGlob'], 'update', 'secret/foo', false, 'exact read-only rule wins over a broader glob'),
  c(['exactBeatsGlob'], 'update', 'secret/foobar', true, 'glob applies where no exact rule exists'),
  c(['exactBeatsGlob'], 'read', 'secret/foobar', false, 'no union of exact and glob capabilities'),
  // The single most specific pattern decides; capabilities are not unioned across patterns.
  c(['noUnion'], 'update', 'secret/restricted/x', false, 'longer glob wins and lacks update'),
  c(['noUnion'], 'read', 'secret/restricted/x', true, 'longer glob grants read'),
  c(['noUnion'], 'update', 'secret/other', true, 'shorter glob applies elsewhere'),
  // Priority rule 1: the later first wildcard wins.
  c(['earlierWildcard'], 'update', 'secret/foo/bar', true, 'secret/foo/* outranks secret/+/bar'),
  c(['earlierWildcard'], 'read', 'secret/foo/bar', false, 'secret/+/bar loses, no union'),
  c(['earlierWildcard'], 'read', 'secret/baz/bar', true, 'secret/+/bar is the only match'),
  // Priority rule 2: not ending in * beats ending in *.
  c(['trailingStar'], 'read', 'secret/x/bar', true, 'secret/+/bar outranks secret/+/ba*'),
  c(['trailingStar'], 'update', 'secret/x/bar', false, 'secret/+/ba* loses'),
  c(['trailingStar'], 'update', 'secret/x/baz', true, 'secret/+/ba* is the only match'),
  c(['trailingStar'], 'read', 'team/x', true, 'team/+ outranks team/*'),
  c(['trailingStar'], 'update', 'team/x/y', true, 'team/+ is one segment; team/* takes deeper paths'),
  // Priority rule 3: fewer + segments win.
  c(['fewerPlus'], 'update', 'secret/a/bar/foo', true, 'secret/+/bar/foo has fewer wildcards'),
  c(['fewerPlus'], 'read', 'secret/a/bar/foo', false, 'secret/+/+/foo loses'),
  c(['fewerPlus'], 'read', 'secret/a/baz/foo', true, 'secret/+/+/foo is the only match'),
  // Priority rule 4: longer wins.
  c(['longer'], 'update', 'secret/x/bar/baz', true, 'secret/+/bar/ba* is longer'),
  c(['longer'], 'read', 'secret/x/bar/bz', true, 'only secret/+/bar/b* matches'),
  // Documented example: secret/* outranks secret/+/* (same first wildcard, both globs, fewer +).
  c(['prefixVsSegment'], 'read', 'secret/a/b', true, 'secret/* outranks secret/+/*'),
  c(['prefixVsSegment'], 'update', 'secret/a/b', false, 'secret/+/* loses'),
  // Priority rule 5: lexicographically larger wins as the last tiebreak.
  c(['lexical'], 'read', 'a/x/c/d', true, 'a/+/c/+ sorts after a/+/+/d'),
  c(['lexical'], 'update', 'a/x/c/d', false, 'a/+/+/d loses the tiebreak'),
  // + is exactly one segment.
  c(['plus'], 'read', 'secret/teama/teamb', true, '+ matches one segment'),
  c(['plus'], 'read', 'secret/a/b/teamb', false, '+ never spans two segments'),
  c(['plus'], 'read', 'secret/teamb', false, '+ needs a segment to be present'),
  c(['plus'], 'read', 'kv/config', true, 'a leading + works'),
  c(['plus'], 'read', 'kv/app', true, 'kv/+ matches one segment'),
  c(['plus'], 'update', 'kv/app/deep', true, 'kv/+/* covers deeper paths'),
  c(['plus'], 'update', 'kv/app', false, 'kv/+/* needs a third segment'),
  c(['plus'], 'delete', 'kv2/a/zip-zap/zong', true, 'a + pattern can end in a partial-segment glob'),
  c(['plus'], 'delete', 'kv2/a/zap', false, 'partial-segment glob must match its prefix'),
  c(['zip'], 'read', 'secret/zip-zap/zong', true, 'a * glob is a plain string prefix'),
  c(['zip'], 'read', 'secret/zi', false, 'shorter than the prefix'),
  // deny.
  c(['denyA', 'readB'], 'read', 'secret/shared/x', false, 'deny on the same pattern in another policy wins'),
  c(['readB', 'denyA'], 'read', 'secret/shared/x', false, 'deny wins whatever the policy order', {
    sudo: false,
  }),
  c(['readB'], 'read', 'secret/shared/x', true, 'without the deny, read is granted', { sudo: true }),
  c(['readB'], 'read', 'secret/admin/x', false, 'a more specific deny beats a broader grant'),
  c(['readB'], 'read', 'secret/open', true, 'the broad grant still applies elsewhere'),
  c(['broadDeny'], 'read', 'secret/public/x', true, 'a broad deny does not reach a more specific grant'),
  c(['broadDeny'], 'read', 'secret/private', false, 'the broad deny applies where it is most specific'),
  // Same pattern in several policies: capabilities are unioned.
  c(['mergeRead', 'mergeUpdate'], 'read', 'secret/app', true, 'read from the first policy'),
  c(['mergeRead', 'mergeUpdate'], 'update', 'secret/app', true, 'update from the second policy'),
  c(['mergeRead', 'mergeUpdate'], 'delete', 'secret/app', false, 'neither grants delete'),
  // list falls back to the path without its trailing slash.
  c(['listExact'], 'list', 'secret/dir/', true, 'exact secret/dir governs a list of secret/dir/'),
  c(['listExact'], 'read', 'secret/readonly/', false, 'only list gets the trailing-slash fallback'),
  c(['listExact'], 'list', 'secret/app/', true, 'secret/+ governs a list of secret/app/ by fallback'),
  c(['listExact'], 'read', 'secret/app/', false, 'secret/+ does not match secret/app/ for a read'),
  // sudo is reported apart from the operation decision.
  c(['sudo'], 'read', 'sys/raw/key', true, 'read with sudo', { sudo: true }),
  c(['sudo'], 'update', 'sys/raw/key', false, 'sudo alone does not grant update', { sudo: true }),
  c(['sudo'], 'update', 'sys/rotate', false, 'sudo-only rule grants no operation', { sudo: true }),
  c(['sudo'], 'read', 'sys/other', false, 'no rule: no sudo', { sudo: false }),
  // required_parameters (checked on read too, as Vault does; not on delete).
  c(['required'], 'create', 'secret/req', true, 'required parameter present', { data: { bar: 1 } }),
  c(['required'], 'create', 'secret/req', false, 'required parameter missing', { data: { baz: 1 } }),
  c(['required'], 'update', 'secret/req', false, 'empty body lacks the required parameter'),
  c(['required'], 'read', 'secret/req', false, 'Vault applies required_parameters to reads'),
  c(['required'], 'delete', 'secret/req', true, 'delete is not parameter-checked'),
  // denied_parameters.
  c(['deniedAny'], 'update', 'secret/d', false, '[] denies any value', { data: { bar: 'x' } }),
  c(['deniedAny'], 'update', 'secret/d', false, 'keys are compared lower-cased', { data: { BAR: 'x' } }),
  c(['deniedAny'], 'update', 'secret/d', true, 'other keys pass', { data: { baz: 1 } }),
  c(['deniedAny'], 'create', 'secret/d', true, 'an empty body passes'),
  c(['deniedValues'], 'update', 'secret/dv', false, 'listed value denied', { data: { bar: 'zap' } }),
  c(['deniedValues'], 'update', 'secret/dv', true, 'unlisted value passes', { data: { bar: 'zoo' } }),
  c(['deniedValues'], 'update', 'secret/dv', false, 'a list containing a denied value', {
    data: { tags: ['a', 'secret'] },
  }),
  c(['deniedAll'], 'update', 'secret/da', false, '* denies every key', { data: { anything: 1 } }),
  c(['deniedAll'], 'update', 'secret/da', true, '* still lets an empty body through', { data: {} }),
  // allowed_parameters.
  c(['allowedValues'], 'update', 'secret/av', true, 'listed value (policy key lower-cased)', {
    data: { bar: 'zip' },
  }),
  c(['allowedValues'], 'patch', 'secret/av', false, 'unlisted value', { data: { bar: 'zoo' } }),
  c(['allowedValues'], 'update', 'secret/av', false, 'unlisted key', { data: { baz: 'zip' } }),
  c(['allowedValues'], 'update', 'secret/av', true, 'numbers compare by value', { data: { n: 2 } }),
  c(['allowedValues'], 'update', 'secret/av', false, 'a string is not the number', { data: { n: '2' } }),
  c(['allowedStar'], 'update', 'secret/as', true, '* allows other keys', { data: { foo: 1, bar: 'zip' } }),
  c(['allowedStar'], 'update', 'secret/as', false, 'named keys keep their value list', {
    data: { bar: 'no' },
  }),
  c(['allowedStar'], 'update', 'secret/only-star', true, '* alone allows anything', { data: { x: [1] } }),
  c(['allowedGlobs'], 'update', 'secret/ag', true, 'prefix glob', { data: { prefix: 'foo-1' } }),
  c(['allowedGlobs'], 'update', 'secret/ag', false, 'prefix glob mismatch', { data: { prefix: 'bar-1' } }),
  c(['allowedGlobs'], 'update', 'secret/ag', true, 'suffix glob', { data: { suffix: 'db-prod' } }),
  c(['allowedGlobs'], 'update', 'secret/ag', true, 'contains glob', { data: { middle: 'xmidx' } }),
  c(['allowedGlobs'], 'update', 'secret/ag', false, 'a lone * value is literal in Vault', {
    data: { star: 'x' },
  }),
  c(['allowedMergeA', 'allowedMergeB'], 'update', 'secret/m', true, 'value lists merge', {
    data: { color: 'red' },
  }),
  c(['allowedMergeA', 'allowedMergeB'], 'update', 'secret/m', true, 'merged key', { data: { size: 'xl' } }),
  c(['allowedMergeA', 'allowedMergeB'], 'update', 'secret/m', false, 'still constrained', { data: { c: 1 } }),
  c(['unconstrained', 'allowedMergeA'], 'update', 'secret/m', false, 'constraints survive a merge', {
    data: { color: 'green' },
  }),
  // Response-wrapping bounds.
  c(['wrapping'], 'read', 'sys/wrapped', false, 'max_wrapping_ttl requires wrapping'),
  c(['wrapping'], 'read', 'sys/wrapped', true, 'wrap TTL inside the window', { wrapTtl: 60 }),
  c(['wrapping'], 'read', 'sys/wrapped', false, 'wrap TTL above the max', { wrapTtl: 120 }),
  c(['wrapping'], 'read', 'sys/wrapped', false, 'wrap TTL below the min', { wrapTtl: 10 }),
  // Legacy policy shorthand.
  c(['legacy'], 'delete', 'old/write', true, 'write includes delete'),
  c(['legacy'], 'patch', 'old/write', false, 'write predates patch'),
  c(['legacy'], 'list', 'old/read', true, 'read includes list'),
  c(['legacy'], 'update', 'old/read', false, 'read excludes update'),
  c(['legacy'], 'update', 'old/sudo', true, 'sudo includes update', { sudo: true }),
  // root and default.
  c(['root'], 'delete', 'sys/anything/at/all', true, 'root allows everything', { sudo: true }),
  c(['root', 'secretRead'], 'update', 'secret/super-secret', true, 'root overrides other policies'),
  c(['default'], 'read', 'auth/token/lookup-self', true, 'default: lookup-self'),
  c(['default'], 'update', 'auth/token/lookup-self', false, 'default: lookup-self is read-only'),
  c(['default'], 'update', 'auth/token/renew-self', true, 'default: renew-self'),
  c(['default'], 'create', 'cubbyhole/note', true, 'default: cubbyhole'),
  c(['default'], 'list', 'cubbyhole/', true, 'default: list cubbyhole'),
  c(['default'], 'update', 'sys/tools/hash/sha2-512', true, 'default: hash with algorithm'),
  c(['default'], 'update', 'sys/wrapping/unwrap', true, 'default: unwrap'),
  c(['default'], 'read', 'secret/foo', false, 'default grants no secrets'),
  c([], 'read', 'secret/foo', false, 'no policies, no access'),
]

describe('Acl.authorize (table)', () => {
  for (const t of CASES) {
    const label = `${t.policies.join('+') || 'none'} ${t.op} ${t.path} → ${t.allowed ? 'allow' : 'deny'}: ${t.why}`
    it(label, () => {
      const acl = new Acl(t.policies.map((name) => POLICIES.get(name) as Policy))
      const result = acl.authorize({ path: t.path, operation: t.op, data: t.data, wrapTtl: t.wrapTtl })
      assert.equal(result.allowed, t.allowed)
      if (t.sudo !== undefined) assert.equal(result.sudo, t.sudo)
    })
  }

  it('has at least 60 cases', () => {
    assert.ok(CASES.length >= 60, String(CASES.length))
  })
})

describe('Acl.capabilities', () => {
  const acl = (...names: string[]) => new Acl(names.map((name) => POLICIES.get(name) as Policy))

  it('reports the sorted capabilities of the winning rule', () => {
    assert.deepEqual(acl('readB').capabilities('secret/shared/x'), ['read', 'sudo'])
    assert.deepEqual(acl('mergeRead', 'mergeUpdate').capabilities('secret/app'), ['read', 'update'])
  })

  it("reports ['deny'] for no match, an explicit deny, or an empty capability list", () => {
    assert.deepEqual(acl('readB').capabilities('elsewhere'), ['deny'])
    assert.deepEqual(acl('readB', 'denyA').capabilities('secret/shared/x'), ['deny'])
    // Once a pattern is denied, later grants for it are dropped rather than kept beside the deny.
    const denied = acl('denyA', 'readB').authorize({ path: 'secret/shared/x', operation: 'read' })
    assert.deepEqual(denied, { allowed: false, sudo: false, capabilities: ['deny'] })
    const empty = new Acl([parsePolicy('e', 'path "x" { capabilities = [] }')])
    assert.deepEqual(empty.capabilities('x'), ['deny'])
  })

  it("reports ['root'] for the root policy", () => {
    assert.deepEqual(acl('root').capabilities('anything'), ['root'])
    assert.equal(acl('root').isRoot, true)
    assert.equal(acl('default').isRoot, false)
  })

  it('falls back to the bare path for a trailing slash, as for a list', () => {
    assert.deepEqual(acl('listExact').capabilities('secret/dir/'), ['list'])
  })

  it('returns the matched capabilities with a refusal', () => {
    const result = acl('noUnion').authorize({ path: 'secret/restricted/x', operation: 'update' })
    assert.deepEqual(result, { allowed: false, sudo: false, capabilities: ['read'] })
  })

  it('returns fresh arrays callers may change without affecting the ACL', () => {
    const a = acl('readB')
    a.capabilities('secret/shared/x').push('oops')
    a.authorize({ path: 'secret/shared/x', operation: 'read' }).capabilities.push('delete')
    assert.deepEqual(a.capabilities('secret/shared/x'), ['read', 'sudo'])
  })

  it('does not mutate the policies it was built from when merging', () => {
    const a = POLICIES.get('allowedMergeA') as Policy
    new Acl([a, POLICIES.get('allowedMergeB') as Policy])
    assert.deepEqual(a.rules[0]?.allowedParameters, { color: ['red'] })
  })
})

describe('Acl: priority measures paths in UTF-8 bytes, as Go strings', () => {
  // vault/policy/acl.go CheckAllowedFromNonExactPaths ranks matching wildcard rules by strings.Index(path, "+"),
  // then len(path): both count bytes of UTF-8. "x/+/éé/+" is 8 UTF-16 units but 10 bytes, so it outranks
  // "x/+/+/bbb" (9 of each) for a path both match; counting UTF-16 units picked the other rule.
  it('the longer rule in bytes wins a length tie-break', () => {
    const acl = new Acl([
      parsePolicy(
        'utf8',
        'path "x/+/éé/+" { capabilities = ["read"] }\npath "x/+/+/bbb" { capabilities = ["update"] }',
      ),
    ])
    assert.equal(acl.authorize({ path: 'x/a/éé/bbb', operation: 'read' }).allowed, true)
    assert.equal(acl.authorize({ path: 'x/a/éé/bbb', operation: 'update' }).allowed, false)
  })
})

describe('Acl: a create is decided afresh, exactly as the same path is for other operations', () => {
  // Creates skip the ACL's memo of decided paths; the rule they find must be the one the memo would hold.
  it('finds the same rule for create as for update, before and after the path is memoised', () => {
    const names = ['prefixVsSegment', 'trailingStar', 'longer', 'exactBeatsGlob', 'noUnion', 'readB']
    const acl = new Acl(names.map((name) => POLICIES.get(name) as Policy))
    const paths = ['secret/a/b', 'secret/x/bar', 'secret/x/bar/baz', 'team/q', 'secret/foo', 'secret/fooz']
    for (const path of [...paths, ...paths]) {
      const create = acl.authorize({ path, operation: 'create' })
      const update = acl.authorize({ path, operation: 'update' })
      assert.deepEqual(create.capabilities, update.capabilities, path)
      assert.equal(create.allowed, update.capabilities.includes('create'), path)
    }
  })

  it('ranks a prefix rule against segment rules for a create', () => {
    const acl = new Acl([
      parsePolicy(
        'p',
        'path "secret/*" { capabilities = ["read"] }\npath "secret/+/*" { capabilities = ["create"] }',
      ),
    ])
    // secret/* outranks secret/+/* (its first wildcard comes later), so the segment rule's create loses.
    assert.deepEqual(acl.authorize({ path: 'secret/a/b', operation: 'create' }), {
      allowed: false,
      sudo: false,
      capabilities: ['read'],
    })
    const team = new Acl([
      parsePolicy(
        't',
        'path "team/*" { capabilities = ["read"] }\npath "team/+" { capabilities = ["create"] }',
      ),
    ])
    assert.equal(team.authorize({ path: 'team/x', operation: 'create' }).allowed, true)
    assert.equal(team.authorize({ path: 'team/x/y', operation: 'create' }).allowed, false)
  })
})
