// Tests for the KV field types and path checks.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkWritePath, intListField, requireNonNegative, signedDurationField } from './kv-fields.ts'

describe('intListField', () => {
  const field = intListField()
  it('accepts arrays, comma lists and single numbers', () => {
    assert.deepEqual(field.parse([1, '2'], 'versions'), [1, 2])
    assert.deepEqual(field.parse('1, 2,3', 'versions'), [1, 2, 3])
    assert.deepEqual(field.parse(4, 'versions'), [4])
    assert.deepEqual(field.parse('', 'versions'), [])
  })
  it('refuses non-integers naming the field', () => {
    assert.throws(() => field.parse([1.5], 'versions'), { status: 400, message: /"versions"/ })
    assert.throws(() => field.parse({ a: 1 }, 'versions'), { status: 400 })
  })
  it('refuses anything that is not a positive integer, naming the element', () => {
    for (const [bad, named] of [
      [['1', 'x'], '"x"'],
      [[-1], '-1'],
      [[0], '0'],
      ['0', '"0"'],
      [[[1]], 'a nested list'],
      [[2 ** 53], String(2 ** 53)],
      [1e300, '1e+300'],
      ['1e3', '"1e3"'],
      ['0x10', '"0x10"'],
      [' +1', '" +1"'],
      [[false], 'false'],
      [[null], 'null'],
      [[{}], 'an object'],
    ] as const)
      assert.throws(() => field.parse(bad, 'versions'), {
        status: 400,
        message: `invalid value for "versions": ${named} is not a version number; expected a list of positive integers such as [1, 2] or "1,2"`,
      })
  })
})

describe('signedDurationField', () => {
  const field = signedDurationField()
  it('parses positive and negative durations', () => {
    assert.equal(field.parse('1h', 'd'), 3600)
    assert.equal(field.parse('-1s', 'd'), -1)
    assert.equal(field.parse(-30, 'd'), -30)
    assert.equal(field.parse(90, 'd'), 90)
  })
  it('refuses garbage with a 400', () => {
    assert.throws(() => field.parse('later', 'd'), { status: 400, message: /^invalid value for "d"/ })
  })
})

describe('checkWritePath', () => {
  it('accepts ordinary paths', () => {
    assert.equal(checkWritePath('a/b-c/d.e'), 'a/b-c/d.e')
  })
  it('refuses empty, folder-like and empty-segment paths', () => {
    assert.throws(() => checkWritePath(''), { status: 400, message: 'missing path' })
    for (const bad of ['a/', '/a', 'a//b']) assert.throws(() => checkWritePath(bad), { status: 400 })
  })
})

describe('requireNonNegative', () => {
  it('passes undefined and non-negative values through', () => {
    assert.equal(requireNonNegative(undefined, 'n'), undefined)
    assert.equal(requireNonNegative(0, 'n'), 0)
    assert.throws(() => requireNonNegative(-1, 'n'), { status: 400 })
  })
})
