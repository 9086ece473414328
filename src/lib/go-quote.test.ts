// goQuote against strings whose Go %q form is known.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { goQuote } from './go-quote.ts'

describe('goQuote', () => {
  it('leaves printable text as it is, escaping only quotes and backslashes', () => {
    assert.equal(goQuote('plain key é 日本'), '"plain key é 日本"')
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"')
  })

  it('escapes what Go does not print, in its forms', () => {
    assert.equal(goQuote('unprint\u200bable'), '"unprint\\u200bable"')
    assert.equal(goQuote('tab\tnl\n'), '"tab\\tnl\\n"')
    assert.equal(goQuote('\u0000\u007f'), '"\\x00\\x7f"')
    assert.equal(goQuote('\u{e0001}'), '"\\U000e0001"')
    assert.equal(goQuote('\u00a0'), '"\\u00a0"')
  })
})
