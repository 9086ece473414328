// Masking secret values in a byte stream, including values split across chunk boundaries.
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { test } from 'node:test'
import { maskingStream, SecretMasker } from './mask-stream.ts'

function maskChunks(values: string[], chunks: string[]): string {
  const masker = new SecretMasker(values)
  const out = chunks.map((chunk) => masker.push(Buffer.from(chunk)).toString())
  return out.join('') + masker.flush().toString()
}

test('every occurrence of every value is replaced', () => {
  assert.equal(
    maskChunks(['hunter2', 'tok'], ['user=a pass=hunter2 t=tok again hunter2\n']),
    'user=a pass=***** t=***** again *****\n',
  )
})

test('a value split across chunks, at every possible split point, is still masked', () => {
  const line = 'before hunter2 after'
  for (let cut = 0; cut <= line.length; cut++) {
    assert.equal(
      maskChunks(['hunter2'], [line.slice(0, cut), line.slice(cut)]),
      'before ***** after',
      `cut at ${cut}`,
    )
  }
  assert.equal(maskChunks(['hunter2'], [...'xx hunter2 yy']), 'xx ***** yy')
})

test('a longer value containing a shorter one is masked whole, even when split', () => {
  for (let cut = 0; cut <= 12; cut++) {
    const line = 'k=abcdef end'
    assert.equal(
      maskChunks(['abc', 'abcdef'], [line.slice(0, cut), line.slice(cut)]),
      'k=***** end',
      `cut at ${cut}`,
    )
  }
  assert.equal(maskChunks(['abc', 'abcdef'], ['abcd', 'x']), '*****dx')
})

test('a prefix of a value held back is released unchanged when the value does not follow', () => {
  assert.equal(maskChunks(['hunter2'], ['hun', 'gry']), 'hungry')
  assert.equal(maskChunks(['hunter2'], ['the end: hunt']), 'the end: hunt')
})

test('multi-byte values split inside a character are masked', () => {
  const value = 'pässwört'
  const bytes = Buffer.from(`x ${value} y`)
  const masker = new SecretMasker([value])
  const out = Buffer.concat([
    masker.push(bytes.subarray(0, 4)),
    masker.push(bytes.subarray(4)),
    masker.flush(),
  ])
  assert.equal(out.toString(), 'x ***** y')
})

test('empty values are ignored and new values take effect after setValues', () => {
  const masker = new SecretMasker(['', 'old'])
  assert.equal(masker.push(Buffer.from('old new ')).toString(), '***** new ')
  masker.setValues(['old', 'new'])
  assert.equal(masker.push(Buffer.from('old new')).toString() + masker.flush().toString(), '***** *****')
})

test('the Transform masks a piped stream', async () => {
  const source = Readable.from([Buffer.from('a secr'), Buffer.from('et b'), Buffer.from(' secret')])
  assert.equal(await text(source.pipe(maskingStream(new SecretMasker(['secret'])))), 'a ***** b *****')
})

test('any chunking gives the same output as masking the whole text at once', () => {
  // Overlapping and nested values over a small alphabet make boundary cases common.
  const values = ['abc', 'abcab', 'bca', 'cc']
  let seed = 7
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed % n
  }
  for (let round = 0; round < 500; round++) {
    const text = Array.from({ length: 1 + random(40) }, () => 'abcx'[random(4)]).join('')
    const whole = maskChunks(values, [text])
    const chunks: string[] = []
    for (let at = 0; at < text.length; ) {
      const size = 1 + random(5)
      chunks.push(text.slice(at, at + size))
      at += size
    }
    assert.equal(maskChunks(values, chunks), whole, `text ${text} in chunks ${JSON.stringify(chunks)}`)
    for (const value of values) {
      // Whatever is printed, no value survives unmasked.
      assert.ok(!maskChunks(values, chunks).includes(value), `${value} leaked from ${text}`)
    }
  }
})
