// Lone surrogates in parsed JSON become U+FFFD (strings and keys, at any depth); well-formed text is untouched.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { wellFormedJson } from './well-formed-json.ts'

const parse = (text: string) => wellFormedJson(JSON.parse(text), text)

describe('wellFormedJson', () => {
  it('replaces lone high and low surrogates in values and keys, nested in objects and arrays', () => {
    const out = parse('{"a":"x\\ud800y","b":["\\uDC00",{"\\ud9ff":"ok"}],"c":{"d":"\\udfff"}}') as Record<
      string,
      unknown
    >
    assert.deepEqual(out, { a: 'x\ufffdy', b: ['\ufffd', { '\ufffd': 'ok' }], c: { d: '\ufffd' } })
    assert.equal(JSON.stringify(out).isWellFormed(), true)
    assert.doesNotThrow(() => encodeURIComponent((out as { a: string }).a))
  })

  it('keeps a valid surrogate pair, and leaves bodies without surrogate escapes as parsed', () => {
    assert.deepEqual(parse('{"e":"\\ud83d\\ude00"}'), { e: '\u{1f600}' })
    const parsed = JSON.parse('{"a":"plain","n":1}')
    assert.equal(wellFormedJson(parsed, '{"a":"plain","n":1}'), parsed)
  })

  it('keeps a "__proto__" key an own property instead of setting the prototype', () => {
    const out = parse('{"__proto__":{"polluted":"\\ud800"}}') as Record<string, unknown>
    assert.equal(Object.getPrototypeOf(out), Object.prototype)
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: '\ufffd' })
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined)
  })
})
