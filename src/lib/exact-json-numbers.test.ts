// Which JSON number literals cannot be kept as sent.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inexactJsonNumber } from './exact-json-numbers.ts'

describe('inexactJsonNumber', () => {
  it('passes bodies whose numbers a JavaScript number holds as sent', () => {
    for (const text of [
      '{"a":1,"b":-2.5,"c":1e308,"d":0,"e":-0,"f":0.0e5}',
      `{"max":${Number.MAX_SAFE_INTEGER},"min":${-Number.MAX_SAFE_INTEGER}}`,
      '{"s":"12345678901234567890123","t":"1e999"}',
      '{"tiny":5e-324,"frac":0.1}',
    ])
      assert.equal(inexactJsonNumber(text), undefined, text)
  })

  it('names the first literal that overflows, underflows to zero or rounds', () => {
    assert.equal(inexactJsonNumber('{"a":{"b":[1,1e309]}}'), '1e309')
    assert.equal(inexactJsonNumber('{"a":-1E400}'), '-1E400')
    assert.equal(inexactJsonNumber('{"a":1e-400}'), '1e-400')
    assert.equal(inexactJsonNumber('{"id":9007199254740993}'), '9007199254740993')
    assert.equal(inexactJsonNumber('{"id":9007199254740992}'), '9007199254740992')
    assert.equal(inexactJsonNumber('{"a":18446744073709551616}'), '18446744073709551616')
  })
})
