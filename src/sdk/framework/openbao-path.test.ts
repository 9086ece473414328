// OpenBao's sdk/framework path_test.go and backend_test.go cases replayed against Coffer's path patterns and dispatch.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { makeBackend } from '../../../test/helpers/backend.ts'
import { defineBackend, definePath, type HandlerContext } from './backend.ts'
import { type BackendHarness, failure } from './backend-harness.ts'
import { f } from './fields.ts'
import { compareRank, compilePattern } from './path-pattern.ts'

const match = (pattern: string, path: string) => compilePattern(pattern).match(path)

// Vault writes paths as regexes; Coffer as segments. GenericNameRegex("x") is ":x", MatchAllRegex("x") "*x", and
// "a/b" + OptionalParamRegex("x") is "a/b/*x" (both capture the rest, slashes included, or nothing).
describe('TestPath_Regex (OpenBao sdk/framework/path_test.go)', () => {
  it('GenericNameRegex: one segment, dots and dashes inside, anchored at both ends', () => {
    assert.deepEqual(match('a/b/:val', 'a/b/foo'), { val: 'foo' })
    assert.equal(match('a/b/:val', 'a/b/foo/more'), undefined)
    assert.deepEqual(match('a/b/:val', 'a/b/abc-.123'), { val: 'abc-.123' })
    assert.deepEqual(match('a/b/:val/c/d', 'a/b/foo/c/d'), { val: 'foo' })
    assert.equal(match('a/b/:val/c/d', 'a/b/foo/c/d/e'), undefined)
    // Left different on purpose: Vault's GenericNameRegex also refuses names that start or end with "." or "-" or
    // hold other characters ("a/b/.x" is an unsupported path there), where ":val" takes any non-empty segment and
    // leaves names to the engine, whose own checks answer with a 400 that says what is wrong instead of a 404.
    assert.deepEqual(match('a/b/:val', 'a/b/.x'), { val: '.x' })
  })

  it('OptionalParamRegex: the bare path with an empty capture, or the rest after a slash', () => {
    assert.deepEqual(match('a/b/*val', 'a/b'), { val: '' })
    assert.deepEqual(match('a/b/*val', 'a/b/foo'), { val: 'foo' })
    assert.deepEqual(match('a/b/*val', 'a/b/foo/bar'), { val: 'foo/bar' })
  })

  it('MatchAllRegex: the rest of the path, and only below its own prefix', () => {
    assert.equal(match('foo/*val', 'foos/ball'), undefined)
    assert.deepEqual(match('foos/*val', 'foos/ball'), { val: 'ball' })
    assert.deepEqual(match('foos/ball/*val', 'foos/ball/with/more/stuff/at_the/end'), {
      val: 'with/more/stuff/at_the/end',
    })
    assert.deepEqual(match('*val', 'foos/ball/with/more/stuff/at_the/end'), {
      val: 'foos/ball/with/more/stuff/at_the/end',
    })
  })
})

describe('TestBackendRoute (OpenBao sdk/framework/backend_test.go)', () => {
  /** The pattern a backend declaring `patterns` routes `path` to, tried in rank order as BackendInstance does. */
  const route = (path: string, ...patterns: string[]) =>
    patterns
      .map(compilePattern)
      .sort((a, b) => compareRank(a.rank, b.rank))
      .find((p) => p.match(path) !== undefined)?.source

  it('no match, exact, and anchored at both ends (no prefix or suffix match)', () => {
    assert.equal(route('bar', 'foo'), undefined)
    assert.equal(route('foo', 'foo'), 'foo')
    assert.equal(route('foobar', 'bar'), undefined)
    assert.equal(route('barfoo', 'bar'), undefined)
    assert.equal(route('sys/mounts', 'mounts', 'sys/mounts'), 'sys/mounts')
  })
})

const echo = ({ input }: HandlerContext) => ({ data: { ...input } })

const backend = defineBackend({
  kind: 'secret',
  help: 'OpenBao backend_test.go paths.',
  paths: [
    definePath({
      pattern: 'foo/bar/*name',
      fields: { an_int: f.int(), a_string: f.string(), name: f.string() },
      operations: { update: echo },
    }),
    definePath({ pattern: 'foo/bar', fields: { value: f.int() }, operations: { read: echo } }),
    definePath({ pattern: 'bad/write', fields: { value: f.bool() }, operations: { update: echo } }),
    definePath({ pattern: 'url/:value', fields: { value: f.int() }, operations: { read: echo } }),
    definePath({
      pattern: 'exist/:name',
      fields: { name: f.string(), value: f.bool() },
      exists: async ({ input }) => input.name === 'there',
      operations: { create: echo, update: echo },
    }),
  ],
})

const opened: BackendHarness[] = []
after(async () => {
  for (const h of opened) await h.close()
})

async function make(): Promise<BackendHarness> {
  const h = await makeBackend(backend, { storage: 'memory', mount: { type: 'test' } })
  opened.push(h)
  return h
}

describe('TestBackendHandleRequest* (OpenBao sdk/framework/backend_test.go)', () => {
  it('FieldWarnings: unrecognized parameters, sorted, and body values a capture replaced', async () => {
    const h = await make()
    const res = await h.call('update', 'foo/bar/baz', {
      an_int: 10,
      a_string: 'accepted',
      unrecognized2: 20.2,
      unrecognized1: 'unrecognized',
      name: 'noop',
    })
    assert.deepEqual(res?.data, { an_int: 10, a_string: 'accepted', name: 'baz' })
    assert.deepEqual(res?.warnings, [
      'Endpoint ignored these unrecognized parameters: [unrecognized1 unrecognized2]',
      "Endpoint replaced the value of these parameters with the values captured from the endpoint's path: [name]",
    ])
  })

  it('HandleRequest: a read coerces its "42" query value to the int field', async () => {
    const h = await make()
    assert.deepEqual((await h.call('read', 'foo/bar', { value: '42' }))?.data, { value: 42 })
  })

  it('badwrite: a value the field cannot take is a 400, not a crash', async () => {
    const h = await make()
    const { status, message } = await failure(() => h.call('update', 'bad/write', { value: '3false3' }))
    assert.equal(status, 400)
    assert.match(message, /"value"/)
  })

  it('404 and unsupportedOperation: an unknown path, and an operation the path does not declare', async () => {
    const h = await make()
    assert.equal((await failure(() => h.call('read', 'foo/baz', { value: '84' }))).status, 404)
    assert.equal((await failure(() => h.call('update', 'foo/bar', { value: '84' }))).status, 405)
  })

  it('urlPriority: the path capture wins over the same-named body value', async () => {
    const h = await make()
    assert.deepEqual((await h.call('read', 'url/42', { value: '84' }))?.data, { value: 42 })
  })

  it('HandleExistenceCheck: the check sees URL captures; no check is "treat as update"; bad input is a 400', async () => {
    const h = await make()
    assert.equal(await h.exists('exist/there', { name: 'elsewhere' }), true, 'the capture wins over the body')
    assert.equal(await h.exists('exist/gone'), false)
    assert.equal(await h.exists('foo/bar/x'), undefined)
    const { status, message } = await failure(() => h.exists('exist/there', { value: 'maybe' }))
    assert.equal(status, 400)
    assert.match(message, /"value"/)
  })
})
