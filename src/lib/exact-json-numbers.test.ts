// Which JSON number literals cannot be kept as sent.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { hasLongDigitRun, inexactJsonNumber } from './exact-json-numbers.ts'

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

describe('hasLongDigitRun', () => {
  it('finds a run of 16 digits wherever it starts and ends, as /\\d{16}/ does', () => {
    const regex = /\d{16}/
    const alphabet = ['0', '7', '9', 'x', '/', ':', '"', 'é', '٣']
    let seed = 7
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed
    }
    for (let length = 0; length <= 70; length++) {
      for (let runStart = 0; runStart + 15 <= length; runStart++) {
        for (const runLength of [15, 16, 17]) {
          if (runStart + runLength > length) continue
          const chars: string[] = Array.from({ length }, (_, i) => (i % 3 === 0 ? 'a' : '5'))
          for (let i = runStart; i < runStart + runLength; i++) chars[i] = String(i % 10)
          const text = chars.join('')
          assert.equal(hasLongDigitRun(text), regex.test(text), text)
        }
      }
    }
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: random() % 120 }, () =>
        random() % 4 === 0 ? alphabet[random() % alphabet.length]! : String(random() % 10),
      ).join('')
      assert.equal(hasLongDigitRun(text), regex.test(text), text)
    }
  })

  it('finds a long run at the very start and end and ignores non-ASCII digits', () => {
    assert.equal(hasLongDigitRun('1234567890123456'), true)
    assert.equal(hasLongDigitRun('123456789012345'), false)
    assert.equal(hasLongDigitRun(`${'x'.repeat(1000)}1234567890123456`), true)
    assert.equal(hasLongDigitRun(`1234567890123456${'x'.repeat(1000)}`), true)
    assert.equal(hasLongDigitRun('٣'.repeat(40)), false)
  })
})
