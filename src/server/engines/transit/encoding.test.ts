// Strict standard base64, as Go's StdEncoding reads it: padding only at the end, no URL-safe or other characters.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { base64ErrorOffset, decodeBase64 } from './encoding.ts'

describe('transit base64', () => {
  it('accepts padded standard base64, including the empty string', () => {
    for (const text of [
      '',
      'QQ==',
      'QUI=',
      'QUJD',
      'a+/9',
      'QUJDRA==',
      Buffer.alloc(1024, 7).toString('base64'),
    ])
      assert.notEqual(decodeBase64(text), undefined, text)
    assert.deepEqual(decodeBase64('QUJD'), Buffer.from('ABC'))
  })

  it('refuses bad length, misplaced or excess padding, URL-safe and other characters', () => {
    for (const text of [
      'Q',
      'QQ=',
      'QQ',
      '====',
      'A===',
      'QQ==QQ==',
      'Q=Q=',
      'a-_9',
      'QU I',
      'QUJ\n',
      'QUJ\u00e9',
    ])
      assert.equal(decodeBase64(text), undefined, JSON.stringify(text))
    assert.equal(decodeBase64('a-_9'), undefined)
  })

  it("reads as Go's decoder does: line breaks skipped, its error offsets", () => {
    assert.deepEqual(decodeBase64('QUJD\nRA==\r\n'), Buffer.from('ABCD'))
    assert.deepEqual(decodeBase64('QU\nJD'), Buffer.from('ABC'))
    const offsets: [string, number | undefined][] = [
      ['', undefined],
      ['QUJD\n', undefined],
      ['QQ=\n=', undefined],
      ['Q', 0],
      ['QQ', 0],
      ['QQ=', 3],
      ['QUJ\n', 1],
      ['A===', 1],
      ['QQ==QQ==', 4],
      ['Q=Q=', 1],
      ['a-_9', 1],
      ['QU I', 2],
    ]
    for (const [text, offset] of offsets) assert.equal(base64ErrorOffset(text), offset, JSON.stringify(text))
  })
})
