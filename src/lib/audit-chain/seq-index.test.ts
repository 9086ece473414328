// SeqIndex: the later lines carrying a gap's missing seqs, found without rescanning the file at every gap.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type IndexedLine, SeqIndex } from './seq-index.ts'

describe('SeqIndex', () => {
  it('names the seqs in a range carried at or after a line, in file order, skipping unparsed lines', () => {
    const lines: IndexedLine[] = [{ seq: 1 }, { seq: 5 }, { error: 'x' }, { seq: 3 }, { seq: 2 }, { seq: 4 }]
    const index = new SeqIndex(lines)
    assert.deepEqual(index.laterSeqsIn(2, 2, 5), [3, 2, 4])
    assert.deepEqual(index.laterSeqsIn(4, 2, 4), [2])
    assert.deepEqual(index.laterSeqsIn(0, 6, 9), [])
    assert.deepEqual(index.laterSeqsIn(0, 1, 2), [1])
  })

  it('reads each line once, however many gaps a log with every other line deleted has', () => {
    const kept: IndexedLine[] = Array.from({ length: 5000 }, (_, i) => ({ seq: 2 * i + 1 }))
    let reads = 0
    // Counting element reads, not time: rescanning the rest of the file at each gap read 12.5 million.
    const counted = new Proxy(kept, {
      get(target, property, receiver) {
        if (typeof property === 'string' && /^\d+$/.test(property)) reads++
        return Reflect.get(target, property, receiver)
      },
    })
    const index = new SeqIndex(counted)
    for (let i = 1; i < kept.length; i++) assert.deepEqual(index.laterSeqsIn(i + 1, 2 * i, 2 * i + 1), [])
    assert.ok(reads <= kept.length, `${reads} reads`)
  })
})
