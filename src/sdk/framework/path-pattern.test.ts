// The backend path matcher: captures, the rest-wildcard, optional trailing slashes, ranking and refusals.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compareRank, compilePattern } from './path-pattern.ts'

const match = (pattern: string, path: string) => compilePattern(pattern).match(path)

/** The sources of `patterns` in the order matching tries them. */
const ranked = (...patterns: string[]) =>
  patterns
    .map(compilePattern)
    .sort((a, b) => compareRank(a.rank, b.rank))
    .map((p) => p.source)

/** The first of `patterns` (tried in rank order) that matches `path`, as BackendInstance picks it. */
const winner = (path: string, ...patterns: string[]) =>
  ranked(...patterns).find((source) => compilePattern(source).match(path) !== undefined)

describe('path pattern: segments and captures', () => {
  it('a static pattern matches only itself, case-sensitively (Vault paths are case-sensitive)', () => {
    assert.deepEqual(match('config', 'config'), {})
    assert.equal(match('config', 'configs'), undefined)
    assert.equal(match('config', 'conf'), undefined)
    assert.equal(match('KEYS', 'keys'), undefined)
    assert.equal(match('config', 'config/'), undefined, 'no trailing slash unless the pattern allows one')
  })

  it(':name captures exactly one non-empty segment', () => {
    assert.deepEqual(match('keys/:name', 'keys/k1'), { name: 'k1' })
    assert.deepEqual(match('k/:a/:b', 'k/1/2'), { a: '1', b: '2' })
    assert.equal(match('keys/:name', 'keys/'), undefined, 'an empty segment is no name')
    assert.equal(match('keys/:name', 'keys/a/b'), undefined, 'a name never spans a slash')
    assert.deepEqual(match('keys/:name/rotate', 'keys/k1/rotate'), { name: 'k1' })
    assert.equal(match('keys/:name/rotate', 'keys/k1/rotated'), undefined)
  })

  it('*rest captures the remainder, slashes included, and also matches its bare prefix (a LIST of the root)', () => {
    // Vault's KV declares "data/" + framework.MatchAllRegex("path"): "data/" itself lists the mount's root.
    assert.deepEqual(match('data/*path', 'data/a/b/c'), { path: 'a/b/c' })
    assert.deepEqual(match('data/*path', 'data/a/b/'), { path: 'a/b/' }, 'a folder keeps its slash')
    assert.deepEqual(match('data/*path', 'data/'), { path: '' })
    assert.deepEqual(match('data/*path', 'data'), { path: '' })
    assert.equal(match('data/*path', 'datax'), undefined, 'the prefix is a whole segment')
    assert.deepEqual(match('*path', ''), { path: '' })
    assert.deepEqual(match('*path', 'a\nb'), { path: 'a\nb' }, 'a newline in a key is still part of it')
  })

  it('a *wildcard anywhere but last is a declaration error', () => {
    assert.throws(() => compilePattern('a/*rest/b'), /a \*wildcard must be the last segment/)
  })

  it('a trailing slash in the pattern makes it optional (Vault’s OptionalTrailingSlash on list paths)', () => {
    assert.deepEqual(match('roles/', 'roles'), {})
    assert.deepEqual(match('roles/', 'roles/'), {})
    assert.equal(match('roles/', 'roles//'), undefined)
    assert.deepEqual(match('keys/:name/', 'keys/k1/'), { name: 'k1' })
    assert.deepEqual(match('keys/:name/', 'keys/k1'), { name: 'k1' })
  })

  it('the empty pattern matches only the mount root', () => {
    assert.deepEqual(match('', ''), {})
    assert.equal(match('', 'x'), undefined)
  })
})

describe('path pattern: special characters', () => {
  it('regex metacharacters in static segments are literal', () => {
    assert.deepEqual(match('a.b', 'a.b'), {})
    assert.equal(match('a.b', 'axb'), undefined, '"." is not a wildcard')
    assert.deepEqual(match('a+b/(x)', 'a+b/(x)'), {})
    assert.equal(match('a+b', 'aab'), undefined)
    assert.deepEqual(match('x$^[y]', 'x$^[y]'), {})
  })

  it('captures take any characters but a slash: spaces, dots, unicode, @ and :', () => {
    for (const name of ['my key', 'a.b-c_d', 'näme', 'user@example.com', 'ns:role', '..'])
      assert.deepEqual(match('keys/:name', `keys/${name}`), { name }, name)
  })

  it('percent-escapes are never decoded here: the HTTP layer decodes the path once, before routing', () => {
    // A client that means a literal "%2F" in a name sends "%252F"; decoding again here would turn it into a slash.
    assert.deepEqual(match('keys/:name', 'keys/a%2Fb'), { name: 'a%2Fb' })
    assert.deepEqual(match('data/*path', 'data/a%20b/c'), { path: 'a%20b/c' })
    assert.equal(match('a%2Fb', 'a/b'), undefined)
  })
})

describe('path pattern: ranking', () => {
  it('a static segment beats a parameter whatever the declaration order', () => {
    // Vault's framework tries paths in declaration order, so its backends declare "keys/config" before
    // "keys/:name"; Coffer ranks them, so a backend cannot get this wrong.
    assert.equal(winner('keys/config', 'keys/:name', 'keys/config'), 'keys/config')
    assert.equal(winner('keys/config', 'keys/config', 'keys/:name'), 'keys/config')
    assert.equal(winner('keys/other', 'keys/:name', 'keys/config'), 'keys/:name')
  })

  it('a parameter beats the rest-wildcard, and the first differing segment decides', () => {
    assert.deepEqual(ranked('*path', 'keys/:name', 'keys/config'), ['keys/config', 'keys/:name', '*path'])
    assert.equal(winner('keys/k1', 'keys/*rest', 'keys/:name'), 'keys/:name')
    assert.equal(winner('keys/k1/x', 'keys/*rest', 'keys/:name'), 'keys/*rest')
    // The earlier segment decides: a static first segment wins over a parameter there, even if later ones are not.
    assert.equal(winner('a/b', ':x/b', 'a/:y'), 'a/:y')
  })

  it('a pattern that ends beats a rest-wildcard that would match nothing ("mounts" over "mounts/*path")', () => {
    assert.equal(winner('mounts', 'mounts/*path', 'mounts'), 'mounts')
    assert.ok(compareRank(compilePattern('mounts').rank, compilePattern('mounts/*path').rank) < 0)
    assert.equal(winner('mounts/x', 'mounts/*path', 'mounts'), 'mounts/*path')
  })

  it('equal ranks compare equal, so a stable sort keeps declaration order for them', () => {
    assert.equal(compareRank(compilePattern('a/:x').rank, compilePattern('b/:y').rank), 0)
  })

  it('no match at all is undefined, never a partial match', () => {
    assert.equal(winner('nothing/here', 'keys/:name', 'data/*path', 'config'), undefined)
  })
})
