// jsonLines: every non-blank line in order, its object when it is a JSON object, and a missing file rejects.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { jsonLines } from './json-lines.ts'

const dir = mkdtempSync(join(tmpdir(), 'coffer-json-lines-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describe('jsonLines', () => {
  it('yields each non-blank line with its object, undefined for what is not a JSON object', async () => {
    const file = join(dir, 'log.jsonl')
    writeFileSync(file, '{"a":1}\r\n\n  \nnot json\n[1,2]\nnull\n{"b":"é"}')
    const seen = []
    for await (const line of jsonLines(file)) seen.push(line)
    assert.deepEqual(seen, [
      { text: '{"a":1}', object: { a: 1 } },
      { text: 'not json', object: undefined },
      { text: '[1,2]', object: undefined },
      { text: 'null', object: undefined },
      { text: '{"b":"é"}', object: { b: 'é' } },
    ])
  })

  it('rejects for a file that is not there', async () => {
    await assert.rejects(async () => {
      for await (const _ of jsonLines(join(dir, 'missing.jsonl'))) assert.fail('no line expected')
    }, /ENOENT/)
  })
})
