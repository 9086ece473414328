// The pre-parse JSON limit scan: exact counts around strings and escapes, each limit at and one past, and agreement
// with a walk of the parsed document on random bodies.

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_JSON_LIMITS, exceededJsonLimit, type JsonLimits, jsonLimitMessage } from './json-limits.ts'

const check = (text: string, limits: Partial<JsonLimits> = {}) =>
  exceededJsonLimit(text, Buffer.byteLength(text), { ...DEFAULT_JSON_LIMITS, ...limits })

const members = (n: number, open: string, close: string, item: (i: number) => string) =>
  `${open}${Array.from({ length: n }, (_, i) => item(i)).join(',')}${close}`
const object = (n: number) => members(n, '{', '}', (i) => `"k${i}":${i}`)
const array = (n: number) => members(n, '[', ']', (i) => `${i}`)
const nestedArrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`

describe('exceededJsonLimit', () => {
  it('refuses an object past its entry count, one more than the limit, and not at it', () => {
    assert.equal(check(object(5), { objectEntryCount: 5 }), undefined)
    assert.equal(check(object(6), { objectEntryCount: 5 }), 'object')
    assert.equal(check(object(10_000)), undefined)
    assert.equal(check(object(10_001)), 'object')
  })

  it('counts entries per object, as Vault does, not over the whole body', () => {
    const two = `{"a":${object(5)},"b":${object(5)}}`
    assert.equal(check(two, { objectEntryCount: 5 }), undefined)
    // The members of an inner object do not count for the outer one, nor the other way round.
    assert.equal(check(`{"a":${object(5)},"b":1,"c":2,"d":3,"e":4}`, { objectEntryCount: 5 }), undefined)
    assert.equal(check(`{"a":${object(5)},"b":1,"c":2,"d":3,"e":4,"f":5}`, { objectEntryCount: 5 }), 'object')
    assert.equal(check(`{"a":{"b":${object(6)}}}`, { objectEntryCount: 5 }), 'object')
  })

  it('refuses an array past its element count, nested ones included, with objects and arrays as elements', () => {
    assert.equal(check(array(3), { arrayElementCount: 3 }), undefined)
    assert.equal(check(array(4), { arrayElementCount: 3 }), 'array')
    assert.equal(check(`[[1,2,3],[4,5,6],{"a":[7,8,9]}]`, { arrayElementCount: 3 }), undefined)
    assert.equal(check(`[[],{},[],{}]`, { arrayElementCount: 3 }), 'array')
    assert.equal(check(`{"a":[[1,2,3,4]]}`, { arrayElementCount: 3 }), 'array')
    assert.equal(check(array(10_000)), undefined)
    assert.equal(check(array(10_001)), 'array')
  })

  it('keeps the object and array counts apart', () => {
    assert.equal(check(object(6), { objectEntryCount: 10, arrayElementCount: 2 }), undefined)
    assert.equal(check(array(6), { objectEntryCount: 2, arrayElementCount: 10 }), undefined)
    assert.equal(check(`{"a":${array(6)}}`, { objectEntryCount: 10, arrayElementCount: 5 }), 'array')
  })

  it('refuses nesting one past the depth limit and not at it, arrays and objects alike', () => {
    assert.equal(check(nestedArrays(500)), undefined)
    assert.equal(check(nestedArrays(501)), 'depth')
    assert.equal(check(nestedArrays(7), { depth: 7 }), undefined)
    assert.equal(check(nestedArrays(8), { depth: 7 }), 'depth')
    assert.equal(check('{"a":[{"b":[1]}]}', { depth: 4 }), undefined)
    assert.equal(check('{"a":[{"b":[1]}]}', { depth: 3 }), 'depth')
    // The same bodies on the exact pass (forced by a string limit below the body's length).
    assert.equal(check(nestedArrays(7), { depth: 7, stringValueLength: 1 }), undefined)
    assert.equal(check(nestedArrays(8), { depth: 7, stringValueLength: 1 }), 'depth')
  })

  it('takes empty objects and arrays, and whitespace anywhere, as nothing', () => {
    assert.equal(check('{}', { objectEntryCount: 1, arrayElementCount: 1, depth: 1 }), undefined)
    assert.equal(check('[]', { objectEntryCount: 1, arrayElementCount: 1, depth: 1 }), undefined)
    assert.equal(
      check(' \n\t{ \r\n "a" :\t[ ] , "b" : { } }\n ', { objectEntryCount: 2, depth: 2 }),
      undefined,
    )
    assert.equal(check(' { "a" : 1 ,\n "b" : 2 ,\t"c" : 3 } ', { objectEntryCount: 2 }), 'object')
    assert.equal(check('', { depth: 1 }), undefined)
  })

  it('never counts a quote, backslash, bracket, brace or comma inside a string', () => {
    const tricky = '"\\"[{,\\\\,}]\\"\\\\"'
    assert.equal(JSON.parse(tricky), '"[{,\\,}]"\\')
    const body = `{"a":${tricky},"b":[${tricky},${tricky}],${tricky}:1}`
    const limits = { objectEntryCount: 3, arrayElementCount: 2, depth: 2 }
    assert.equal(check(body, limits), undefined)
    assert.equal(check(body, { ...limits, stringValueLength: 1000 }), undefined)
    // `\\` ends with the string's backslash, so the quote after it closes the string: the brackets count.
    assert.equal(check(`{"a":"\\\\",${'['.repeat(3)}`, { depth: 2 }), 'depth')
    assert.equal(check(`{"a":"\\\\","b":[1,2,3]}`, { arrayElementCount: 2 }), 'array')
    // Commas and brackets in keys, and a key made of an escaped quote.
    assert.equal(
      check(`{"${','.repeat(50)}":1,"\\"":2,"[[[":3}`, { objectEntryCount: 3, depth: 1 }),
      undefined,
    )
    // A unicode escape of a bracket or a comma is text.
    assert.equal(check('{"a":"\\u005b\\u005b\\u002c\\u002c"}', { depth: 1, objectEntryCount: 1 }), undefined)
  })

  it('measures strings in UTF-8 bytes as written between the quotes, keys included', () => {
    const str = (s: string, n: number) => check(`{"k":"${s}"}`, { stringValueLength: n })
    assert.equal(str('abcd', 4), undefined)
    assert.equal(str('abcde', 4), 'string')
    // An escape counts as written: `\"` two bytes, `\u00e9` six.
    assert.equal(str('\\"\\"', 4), undefined)
    assert.equal(str('\\"\\"a', 4), 'string')
    assert.equal(str('\\u00e9', 6), undefined)
    assert.equal(str('\\u00e9', 5), 'string')
    // é is two bytes, € three, 😀 (a surrogate pair) four.
    assert.equal(str('éé', 4), undefined)
    assert.equal(str('ééa', 4), 'string')
    assert.equal(str('€', 3), undefined)
    assert.equal(str('€', 2), 'string')
    assert.equal(str('😀', 4), undefined)
    assert.equal(str('😀', 3), 'string')
    assert.equal(check(`{"${'k'.repeat(9)}":1}`, { stringValueLength: 8 }), 'string')
    // The default: 1 MiB of string passes, one byte more does not.
    assert.equal(check(`{"k":"${'x'.repeat(1_048_576)}"}`), undefined)
    assert.equal(check(`{"k":"${'x'.repeat(1_048_577)}"}`), 'string')
  })

  it('refuses a million-key body on its 10,001st key', () => {
    assert.equal(check(object(1_000_000)), 'object')
    assert.equal(check(`{"data":${object(1_000_000)}}`), 'object')
  })

  it('leaves malformed bodies to the parser', () => {
    assert.equal(check(']]]]}}{['), undefined)
    assert.equal(check('{"open'), undefined)
    assert.equal(check('"\\'), undefined)
    assert.equal(check(',,,,,'), undefined)
  })

  it('agrees with a walk of the parsed document on random bodies', () => {
    const pieces = ['a', '"', '\\', '[', ']', '{', '}', ',', ':', ' ', 'é', '€', '😀', '\u0001', '\n', '/']
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const text = () => Array.from({ length: rand(12) }, () => pieces[rand(pieces.length)]).join('')
    const value = (depth: number): unknown => {
      const kind = depth > 5 ? rand(3) : rand(5)
      if (kind === 0) return text()
      if (kind === 1) return rand(1000)
      if (kind === 2) return [true, false, null][rand(3)]
      const n = rand(6)
      if (kind === 3) return Array.from({ length: n }, () => value(depth + 1))
      return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${text()}${i}`, value(depth + 1)]))
    }
    // What a walk of the parsed value finds: the deepest nesting, the largest object and array, the longest
    // string as JSON.stringify writes it.
    const measure = (v: unknown, depth = 0, m = { depth: 0, entries: 0, elements: 0, bytes: 0 }) => {
      const written = (s: string) => Buffer.byteLength(JSON.stringify(s)) - 2
      if (typeof v === 'string') m.bytes = Math.max(m.bytes, written(v))
      else if (Array.isArray(v)) {
        m.depth = Math.max(m.depth, depth + 1)
        m.elements = Math.max(m.elements, v.length)
        for (const e of v) measure(e, depth + 1, m)
      } else if (v !== null && typeof v === 'object') {
        m.depth = Math.max(m.depth, depth + 1)
        m.entries = Math.max(m.entries, Object.keys(v).length)
        for (const [k, e] of Object.entries(v)) {
          m.bytes = Math.max(m.bytes, written(k))
          measure(e, depth + 1, m)
        }
      }
      return m
    }
    const seen = new Map<string, number>()
    for (let round = 0; round < 3000; round++) {
      const doc = { root: value(0) }
      const body = JSON.stringify(doc, null, rand(2) === 0 ? undefined : '\t')
      const m = measure(doc)
      const limits: JsonLimits = {
        depth: 1 + rand(7),
        stringValueLength: 1 + rand(40),
        objectEntryCount: 1 + rand(6),
        arrayElementCount: 1 + rand(6),
      }
      const past = new Set<string>()
      if (m.depth > limits.depth) past.add('depth')
      if (m.bytes > limits.stringValueLength && Buffer.byteLength(body) > limits.stringValueLength)
        past.add('string')
      if (m.entries > limits.objectEntryCount) past.add('object')
      if (m.elements > limits.arrayElementCount) past.add('array')
      const found = exceededJsonLimit(body, Buffer.byteLength(body), limits)
      if (past.size === 0) assert.equal(found, undefined, body)
      else assert.ok(found !== undefined && past.has(found), `${body} ${[...past]} ${found}`)
      seen.set(found ?? 'none', (seen.get(found ?? 'none') ?? 0) + 1)
    }
    // Every outcome came up often enough for the agreement to mean something.
    for (const kind of ['none', 'depth', 'string', 'object', 'array'])
      assert.ok((seen.get(kind) ?? 0) > 100, kind)
  })
})

describe('jsonLimitMessage', () => {
  it("starts with Vault's message, names the limit and its option, and quotes nothing of the body", () => {
    const limits = { ...DEFAULT_JSON_LIMITS, objectEntryCount: 3 }
    assert.equal(
      jsonLimitMessage('object', limits, 'request body'),
      'JSON object exceeds allowed entry count: request body has an object with more than 3 entries (max_json_object_entry_count)',
    )
    assert.match(
      jsonLimitMessage('string', limits, 'request body'),
      /^JSON string value exceeds allowed length: /,
    )
    assert.match(
      jsonLimitMessage('array', limits, 'request body'),
      /^JSON array exceeds allowed element count: /,
    )
    assert.equal(
      jsonLimitMessage('depth', limits, 'request body'),
      'request body nests deeper than 500 levels',
    )
  })
})
