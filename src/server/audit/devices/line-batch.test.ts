// LineBatch: a line pushed as parts is byte for byte the line pushed as one string.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { encodedText, type LinePart, partText } from '../line-part.ts'
import { LineBatch } from './device.ts'

it('pushParts writes exactly the bytes push writes for the joined text, growing the batch as needed', () => {
  const joined = new LineBatch(4)
  const parted = new LineBatch(4)
  const section = encodedText('{"name":"Zoë 日本 🔑","n":1}')
  const end = encodedText('"}')
  const lines: [LinePart[], LinePart[]][] = [
    [['{"a":', section], ['}']],
    // Multi-byte text in a plain part (a path), an empty part, and a lone surrogate (written as U+FFFD by both).
    [
      ['{"path":"secret/data/ü/𝄞"', '', ',"s":', section, ',"odd":"\ud800'],
      ['é', end],
    ],
    [[section, section, 'y'.repeat(3000)], []],
    [[], ['{}']],
  ]
  for (const [parts, tail] of lines) {
    const expected = joined.push([...parts, ...tail].map(partText).join(''))
    const got = parted.pushParts(parts, tail)
    assert.ok(got.equals(expected), `line ${JSON.stringify(parts.map(partText))}`)
  }
  assert.equal(parted.lines, lines.length)
  assert.equal(parted.bytes, joined.bytes)
  assert.ok(parted.encoded().payload.equals(joined.encoded().payload))
  assert.deepEqual(parted.encoded().ends, joined.encoded().ends)
})
