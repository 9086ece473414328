// Tests for the RFC 7386 merge patch, including the RFC's own appendix cases.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mergePatch } from './merge-patch.ts'

describe('mergePatch', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ]
  for (const [target, patch, expected] of cases) {
    it(`${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      assert.deepEqual(mergePatch(target, patch), expected)
    })
  }

  it('does not modify its inputs', () => {
    const target = { a: { b: 1 } }
    const patch = { a: { c: 2 } }
    const result = mergePatch(target, patch) as { a: Record<string, number> }
    result.a['b'] = 9
    assert.deepEqual(target, { a: { b: 1 } })
    assert.deepEqual(patch, { a: { c: 2 } })
  })

  it('keeps a "__proto__" key as data instead of setting the prototype', () => {
    // JSON.parse makes "__proto__" an own key, as a request body does.
    const added = mergePatch({ a: 1 }, JSON.parse('{"__proto__":{"b":2}}'))
    assert.equal(JSON.stringify(added), '{"a":1,"__proto__":{"b":2}}')
    assert.equal(Object.getPrototypeOf(added), Object.prototype)
    const merged = mergePatch(JSON.parse('{"__proto__":{"b":2}}'), JSON.parse('{"__proto__":{"c":3}}'))
    assert.equal(JSON.stringify(merged), '{"__proto__":{"b":2,"c":3}}')
    assert.equal(JSON.stringify(mergePatch(merged, JSON.parse('{"__proto__":null}'))), '{}')
  })
})
